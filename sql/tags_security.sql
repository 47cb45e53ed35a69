-- tags_security: the SECURITY DEFINER trigger function crm.customer_tags_sync()
-- cannot be attached to another table to rewrite the audience bitmaps.
SET search_path = crm, public;
INSERT INTO crm.tags (name) VALUES ('sec_vip');
SELECT crm.tag_customer(900001, 'sec_vip') IS NOT NULL AS tagged,
       crm.tag_customer(900002, 'sec_vip') IS NOT NULL AS tagged;
SELECT crm.audience('sec_vip');

-- Nobody but the owner may execute it, hence create a trigger with it.
SELECT has_function_privilege('public', 'crm.customer_tags_sync()', 'EXECUTE') AS public_may_execute;
CREATE ROLE regress_tags_mallory;
GRANT USAGE ON SCHEMA crm TO regress_tags_mallory;
SET ROLE regress_tags_mallory;
CREATE TEMP TABLE evil (customer_id bigint, tags crm.tagset);
CREATE TRIGGER t AFTER TRUNCATE ON evil
  FOR EACH STATEMENT EXECUTE FUNCTION crm.customer_tags_sync();
CREATE TRIGGER t AFTER INSERT ON evil REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION crm.customer_tags_sync();
TRUNCATE evil;
INSERT INTO evil VALUES (777, '{1}');
DROP TABLE evil;
RESET ROLE;
SELECT crm.audience('sec_vip');

-- Even a role that may execute it (here the superuser) cannot make it run
-- from any other table or kind of trigger.
CREATE TABLE public.tags_evil (customer_id bigint, tags crm.tagset);
CREATE TRIGGER t AFTER TRUNCATE ON public.tags_evil
  FOR EACH STATEMENT EXECUTE FUNCTION crm.customer_tags_sync();
CREATE TRIGGER t2 AFTER INSERT ON public.tags_evil REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION crm.customer_tags_sync();
TRUNCATE public.tags_evil;
INSERT INTO public.tags_evil VALUES (777, crm.tag_ids('sec_vip'));
SELECT crm.audience('sec_vip');
DROP TABLE public.tags_evil;
CREATE TRIGGER tags_evil_row AFTER INSERT ON crm.customer_tags
  REFERENCING NEW TABLE AS new_rows
  FOR EACH ROW EXECUTE FUNCTION crm.customer_tags_sync();
INSERT INTO crm.customer_tags VALUES (900003, crm.tag_ids('sec_vip'));
DROP TRIGGER tags_evil_row ON crm.customer_tags;
SELECT crm.audience('sec_vip');

-- The real triggers still work.
INSERT INTO crm.customer_tags VALUES (900003, crm.tag_ids('sec_vip'));
SELECT crm.audience('sec_vip');
DELETE FROM crm.customer_tags WHERE customer_id IN (900001, 900002, 900003);
SELECT crm.audience('sec_vip');
DELETE FROM crm.tag_members WHERE tag_id = crm.tag_id('sec_vip');
DELETE FROM crm.tags WHERE name = 'sec_vip';
REVOKE USAGE ON SCHEMA crm FROM regress_tags_mallory;
DROP ROLE regress_tags_mallory;
