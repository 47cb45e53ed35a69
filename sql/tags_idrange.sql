-- tags_idrange: customer ids outside 0 .. 4294967295 (crm.tagset members are
-- unsigned 32-bit) are reported clearly, naming the id and the limit.
SET search_path = crm, public;
INSERT INTO crm.tags (name) VALUES ('idr_manual');
CREATE TABLE public.tags_idr (customer_id bigint PRIMARY KEY, x int);
INSERT INTO public.tags_idr VALUES (700001, 1), (700002, 0), (4294967295, 1);
INSERT INTO crm.tags (name, rule, rule_source) VALUES ('idr_rule', 'x = 1', 'public.tags_idr');

-- in range: applies
SELECT tag, added, removed, added_ids FROM crm.tag_apply_rules() WHERE tag LIKE 'idr%';
-- one id above the limit and one below: 22003 naming an id, nothing applied
INSERT INTO public.tags_idr VALUES (5000000000, 1), (-5, 1), (700003, 1);
SELECT tag, added FROM crm.tag_apply_rules() WHERE tag LIKE 'idr%';
SELECT crm.audience('idr_rule');
-- out-of-range ids that do not satisfy the rule do not matter
UPDATE public.tags_idr SET x = 0 WHERE customer_id IN (5000000000, -5);
SELECT tag, added, added_ids FROM crm.tag_apply_rules() WHERE tag LIKE 'idr%';
-- the documented way to skip them: say so in the rule
UPDATE public.tags_idr SET x = 1 WHERE customer_id IN (5000000000, -5);
UPDATE crm.tags SET rule = 'x = 1 AND customer_id BETWEEN 0 AND 4294967295' WHERE name = 'idr_rule';
SELECT tag, added, removed FROM crm.tag_apply_rules() WHERE tag LIKE 'idr%';
SELECT crm.audience('idr_rule');

-- crm.tag_customer: 22003 naming the id (was a check-constraint violation)
SELECT crm.tag_customer(5000000000, 'idr_manual');
SELECT crm.tag_customer(-1, 'idr_manual');
SELECT crm.tag_customer(4294967295, 'idr_manual') = crm.tag_ids('idr_manual', 'idr_rule') AS top_id_ok;
-- crm.untag_customer: an id that cannot be a customer is an unknown customer
SELECT crm.untag_customer(5000000000, 'idr_manual') IS NULL AS unknown;

DELETE FROM crm.customer_tags WHERE customer_id IN (700001, 700003, 4294967295);
DELETE FROM crm.tag_members WHERE tag_id IN (SELECT tag_id FROM crm.tags WHERE name LIKE 'idr%');
DELETE FROM crm.tags WHERE name LIKE 'idr%';
DROP TABLE public.tags_idr;
