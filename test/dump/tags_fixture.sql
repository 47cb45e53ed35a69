-- tags: dictionary with a rule, customer tags (audience bitmaps follow by
-- trigger, also on restore), a user table with a tagset column and indexes.
CREATE TABLE public.tags_dump_profile (customer_id bigint PRIMARY KEY, frequency int);
INSERT INTO public.tags_dump_profile SELECT g, g % 12 FROM generate_series(1, 500) g;
INSERT INTO crm.tags (name, category, description) VALUES
  ('vip', 'value', 'top customers'), ('sports', 'interest', NULL), ('churned', 'lifecycle', NULL);
UPDATE crm.tags SET rule = 'frequency >= 10', rule_source = 'public.tags_dump_profile' WHERE name = 'vip';
INSERT INTO crm.customer_tags (customer_id, tags)
  SELECT g, CASE WHEN g % 3 = 0 THEN '{2}'::crm.tagset WHEN g % 5 = 0 THEN '{2,3}' ELSE '{}' END
    FROM generate_series(1, 500) g;
SELECT count(*) FROM crm.tag_apply_rules();
CREATE TABLE public.tags_dump_sets (id int PRIMARY KEY, v crm.tagset);
INSERT INTO public.tags_dump_sets VALUES (1, '{}'), (2, '{0,4294967295}'), (3, '{1-100000}'), (4, NULL);
CREATE INDEX tags_dump_sets_gin ON public.tags_dump_sets USING gin (v);
CREATE INDEX tags_dump_sets_bt ON public.tags_dump_sets (v);
