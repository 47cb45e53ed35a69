-- tags: the same dictionary, customer tags, audiences and user data after restore.
SELECT tag_id, name, category, description, rule, rule_source, rule_key FROM crm.tags ORDER BY tag_id;
SELECT pg_catalog.nextval('crm.tags_tag_id_seq');
SELECT count(*), crm.tagset_union_agg(tags) FROM crm.customer_tags;
SELECT tag_id, crm.tagset_cardinality(members), pg_catalog.md5(members::text) FROM crm.tag_members ORDER BY tag_id;
SELECT crm.audience_count('vip & sports & !churned'), crm.audience_count('!vip');
SELECT id, crm.tagset_cardinality(v), pg_catalog.md5(v::text) FROM public.tags_dump_sets ORDER BY id;
SET enable_seqscan = off;
SELECT id FROM public.tags_dump_sets WHERE v OPERATOR(crm.@>) '{5}' ORDER BY id;
