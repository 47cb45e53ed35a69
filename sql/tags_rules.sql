-- tags_rules: rule-based tagging: rules validated when saved, applied all at
-- once, reporting what changed.
SET search_path = crm, public;

CREATE TABLE public.tags_profile (customer_id bigint PRIMARY KEY, frequency int, monetary numeric, city text);
INSERT INTO public.tags_profile
  SELECT g, g % 20, g * 100, CASE WHEN g % 3 = 0 THEN 'Paris' ELSE 'Lyon' END FROM generate_series(1, 100) g;
INSERT INTO crm.tags (tag_id, name, category) VALUES (1, 'vip', 'value'), (2, 'parisian', 'basic'),
  (3, 'manual', 'basic');

-- Valid rules are accepted; the relation is stored schema-qualified.
UPDATE crm.tags SET rule = 'frequency >= 10 AND monetary > 5000', rule_source = 'public.tags_profile'
 WHERE name = 'vip';
UPDATE crm.tags SET rule = $$city = 'Paris'$$, rule_source = 'public.tags_profile' WHERE name = 'parisian';
SELECT tag_id, name, rule, rule_source, rule_key FROM crm.tags ORDER BY tag_id;

-- Bad rules are rejected when saved, with the reason.
UPDATE crm.tags SET rule = 'frequency >=', rule_source = 'public.tags_profile' WHERE name = 'manual';
UPDATE crm.tags SET rule = 'no_such_column > 1', rule_source = 'public.tags_profile' WHERE name = 'manual';
UPDATE crm.tags SET rule = 'frequency + 1', rule_source = 'public.tags_profile' WHERE name = 'manual';
UPDATE crm.tags SET rule = 'true) OR (true', rule_source = 'public.tags_profile' WHERE name = 'manual';
UPDATE crm.tags SET rule = 'true); DROP TABLE public.tags_profile; SELECT (1', rule_source = 'public.tags_profile' WHERE name = 'manual';
UPDATE crm.tags SET rule = 'true UNION SELECT 1', rule_source = 'public.tags_profile' WHERE name = 'manual';
UPDATE crm.tags SET rule = 'frequency > 1 ORDER BY 1', rule_source = 'public.tags_profile' WHERE name = 'manual';
UPDATE crm.tags SET rule = 'frequency > 1', rule_source = 'tags_profile' WHERE name = 'manual';
UPDATE crm.tags SET rule = 'frequency > 1', rule_source = 'public.nowhere' WHERE name = 'manual';
UPDATE crm.tags SET rule = 'frequency > 1', rule_source = 'public.tags_profile', rule_key = 'nokey' WHERE name = 'manual';
UPDATE crm.tags SET rule = 'frequency > 1' WHERE name = 'manual';
SELECT count(*) AS tables_still_there FROM pg_class WHERE relname = 'tags_profile';
-- a trailing comment cannot swallow the closing parenthesis
UPDATE crm.tags SET rule = 'frequency = 3 -- regulars', rule_source = 'public.tags_profile' WHERE name = 'manual';
SELECT tag_rule_query('public.tags_profile', 'customer_id', 'frequency = 3 -- regulars');
UPDATE crm.tags SET rule = NULL, rule_source = NULL WHERE name = 'manual';

-- Manual tags live beside rule tags; apply adds and removes rule tags only.
SELECT tag_customer(1, 'vip', 'manual'), tag_customer(99, 'manual'), tag_customer(500, 'vip');
SELECT tag, tag_id, added, removed, removed_ids FROM tag_apply_rules() ORDER BY tag_id;
SELECT audience('vip') = (SELECT tagset_agg(customer_id) FROM public.tags_profile
                           WHERE frequency >= 10 AND monetary > 5000) AS vip_matches_rule,
       audience('parisian') = (SELECT tagset_agg(customer_id) FROM public.tags_profile WHERE city = 'Paris') AS paris_matches_rule,
       audience('manual') AS manual_kept;
SELECT customer_id, tag_names(tags) FROM crm.customer_tags WHERE customer_id IN (1, 3, 99, 500) ORDER BY 1;
-- applying again changes nothing
SELECT tag, added, removed FROM tag_apply_rules() ORDER BY tag_id;
-- the profile changes: the next apply follows it
UPDATE public.tags_profile SET city = 'Paris' WHERE customer_id = 1;
UPDATE public.tags_profile SET city = 'Lyon' WHERE customer_id IN (3, 6);
DELETE FROM public.tags_profile WHERE customer_id = 99;
SELECT tag, added, removed, added_ids, removed_ids FROM tag_apply_rules() ORDER BY tag_id;
SELECT audience('parisian & !vip & manual') AS paris_manual_not_vip;

-- A rule that fails at apply time (its relation changed) applies nothing.
CREATE TEMP TABLE snapshot AS SELECT * FROM crm.customer_tags;
ALTER TABLE public.tags_profile RENAME COLUMN city TO town;
UPDATE public.tags_profile SET frequency = 19;
SELECT tag, added, removed FROM tag_apply_rules();
SELECT count(*) AS unchanged_rows FROM crm.customer_tags c JOIN snapshot s USING (customer_id) WHERE c.tags = s.tags;
SELECT count(*) AS rows_total FROM crm.customer_tags;

-- Clean up.
TRUNCATE crm.customer_tags;
DELETE FROM crm.tags;
ALTER SEQUENCE crm.tags_tag_id_seq RESTART;
DROP TABLE public.tags_profile;
