-- views_security: crm.capture is SECURITY DEFINER, so it must refuse to run
-- anywhere but on the table registered under its source id, with the
-- registration's arguments; internal helpers are not callable by PUBLIC.
SET client_min_messages = warning;
CREATE SCHEMA views_sec;
CREATE TABLE views_sec.customers (id bigint PRIMARY KEY, name text);
CREATE TABLE views_sec.orders (id int PRIMARY KEY, cust bigint, at timestamptz, amt numeric);
INSERT INTO views_sec.customers VALUES (1, 'Real Name');
SELECT crm.register_customers('views_sec.customers', name => 'name') > 0 AS registered;
SELECT crm.register_orders('views_sec.orders', customer => 'cust', at => 'at', amount => 'amt') > 0 AS registered;
SELECT source_id AS sid FROM crm.source WHERE relation = 'views_sec.customers'::regclass \gset
SELECT source_id AS osid FROM crm.source WHERE relation = 'views_sec.orders'::regclass \gset
CREATE ROLE regress_views_mallory;
GRANT USAGE ON SCHEMA crm TO regress_views_mallory;
CREATE SCHEMA views_evil AUTHORIZATION regress_views_mallory;
RESET client_min_messages;
SET ROLE regress_views_mallory;
CREATE TABLE views_evil.t (id text PRIMARY KEY, n text);
-- attaching crm.capture needs EXECUTE, which PUBLIC no longer has
\set VERBOSITY terse
CREATE TRIGGER t AFTER INSERT ON views_evil.t FOR EACH ROW
  EXECUTE FUNCTION crm.capture('customers', :'sid', 'forged', 'id', 'n', '', '', '', '', '', '', '', '');
-- the internal helpers are not callable either
SELECT crm.views_load(-1);
SELECT crm.views_forget(:sid);
SELECT crm.views_attach(:sid, 'views_evil.t', ARRAY['customers']);
SELECT crm.views_trigger_args(:sid);
SELECT crm.views_expr('a', 'text');
SELECT crm.views_column('views_evil.t', 'name', 'n', 'text');
SELECT crm.views_check_table('views_evil.t', 'customers', 'id');
SELECT crm.views_customers_source('views_evil.t');
RESET ROLE;
-- even a role allowed to attach crm.capture (here: the superuser) cannot make
-- it write for a source registered on another table
GRANT EXECUTE ON FUNCTION crm.capture() TO regress_views_mallory;
SET ROLE regress_views_mallory;
CREATE TRIGGER t AFTER INSERT OR DELETE ON views_evil.t FOR EACH ROW
  EXECUTE FUNCTION crm.capture('customers', :'sid', 'forged', 'id', 'n', '', '', '', '', '', '', '', '');
CREATE TRIGGER t2 AFTER TRUNCATE ON views_evil.t FOR EACH STATEMENT
  EXECUTE FUNCTION crm.capture('customers', :'sid', 'forged', 'id', 'n', '', '', '', '', '', '', '', '');
INSERT INTO views_evil.t VALUES ('1', 'Forged Name'), ('999', 'Ghost Customer');
TRUNCATE views_evil.t;
CREATE TABLE views_evil.o (id text PRIMARY KEY, c text);
CREATE TRIGGER t AFTER INSERT ON views_evil.o FOR EACH ROW
  EXECUTE FUNCTION crm.capture('orders', :'osid', :'sid', 'id', 'c', '', '', '');
INSERT INTO views_evil.o VALUES ('1', '1');
RESET ROLE;
-- on the registered table, a second trigger with other arguments is refused
-- too (the table owner could otherwise map another column as the name)
CREATE TRIGGER forged AFTER INSERT ON views_sec.customers FOR EACH ROW
  EXECUTE FUNCTION crm.capture('customers', :'sid', 'forged', 'id', 'name', 'name', '', '', '', '', '', '', '');
INSERT INTO views_sec.customers VALUES (2, 'Second');
DROP TRIGGER forged ON views_sec.customers;
-- a registered trigger's kind is checked: a statement-level copy is refused
CREATE TRIGGER stmt AFTER INSERT ON views_sec.customers FOR EACH STATEMENT
  EXECUTE FUNCTION crm.capture('customers', :'sid', 'views_sec.customers', 'id', 'name', '', '', '', '', '', '', '', '');
INSERT INTO views_sec.customers VALUES (2, 'Second');
DROP TRIGGER stmt ON views_sec.customers;
\set VERBOSITY default
-- the registered triggers keep working for a role with no right on crm
GRANT ALL ON SCHEMA views_sec TO regress_views_mallory;
GRANT ALL ON views_sec.customers, views_sec.orders TO regress_views_mallory;
REVOKE EXECUTE ON FUNCTION crm.capture() FROM regress_views_mallory;
SET ROLE regress_views_mallory;
INSERT INTO views_sec.customers VALUES (2, 'Second');
INSERT INTO views_sec.orders VALUES (1, 2, '2025-01-01', 10);
UPDATE views_sec.customers SET name = 'Second Renamed' WHERE id = 2;
RESET ROLE;
-- nothing forged: the source holds exactly the application's rows
SELECT source_key, channel, full_name FROM crm.record WHERE source_id = :sid ORDER BY source_key;
SELECT order_key, customer_key, amount FROM crm.order_queue WHERE source_id = :osid
UNION ALL SELECT order_key, customer_key, amount FROM crm.order_fact WHERE source_id = :osid;
-- a trigger verified once is not looked up again in later transactions of
-- the session, but any change to the registrations (crm.source) makes every
-- session verify again: once the mapping no longer matches the trigger's
-- arguments the next write is refused, and accepted again when it matches
INSERT INTO views_sec.orders VALUES (2, 2, '2025-01-02', 20);
UPDATE crm.source SET columns = columns || '{"amount": "cust"}' WHERE source_id = :osid;
\set VERBOSITY terse
INSERT INTO views_sec.orders VALUES (3, 2, '2025-01-03', 30);
\set VERBOSITY default
UPDATE crm.source SET columns = columns || '{"amount": "amt"}' WHERE source_id = :osid;
INSERT INTO views_sec.orders VALUES (3, 2, '2025-01-03', 30);
SELECT order_key, amount FROM crm.order_queue WHERE source_id = :osid
UNION ALL SELECT order_key, amount FROM crm.order_fact WHERE source_id = :osid ORDER BY 1;
-- PUBLIC holds EXECUTE on no SECURITY DEFINER function and no helper (only
-- views_as_of and views_active_days, which the views call: public on purpose)
SELECT p.oid::regprocedure AS function
  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
 WHERE n.nspname = 'crm' AND (p.prosecdef OR p.proname LIKE 'views\_%')
   AND has_function_privilege('public', p.oid, 'EXECUTE')
 ORDER BY 1::text;
SET client_min_messages = warning;
DROP SCHEMA views_evil CASCADE;
SELECT crm.unregister('views_sec.orders');
SELECT crm.unregister('views_sec.customers');
DROP SCHEMA views_sec CASCADE;
REVOKE ALL ON SCHEMA crm FROM regress_views_mallory;
DROP ROLE regress_views_mallory;
