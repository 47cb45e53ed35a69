-- views_register: registering an application's tables, validation errors,
-- unregistering, and that none of it touches the application's rows.
SET client_min_messages = warning;
CREATE SCHEMA views_app;
CREATE TABLE views_app.customers (
	id bigint PRIMARY KEY,
	name text,
	phone varchar(30),
	email text,
	dob date,
	created timestamptz,
	channel text,
	score point
);
CREATE TABLE views_app.orders (
	id integer PRIMARY KEY,
	cust bigint REFERENCES views_app.customers,
	at timestamp,
	amt integer,
	status text
);
CREATE TABLE views_app.visits (
	vid uuid PRIMARY KEY,
	cust bigint,
	at date,
	what text
);
CREATE TABLE views_app.nokey (id int, name text);
CREATE TABLE views_app.notunique (id int, name text);
CREATE INDEX ON views_app.notunique (id);
CREATE VIEW views_app.v AS SELECT * FROM views_app.customers;
INSERT INTO views_app.customers VALUES
	(1, 'Zhang San', '138 0013 8000', 'zhang.san@gmail.com', '1980-05-01', '2023-01-01 10:00+00', 'web', NULL),
	(2, '张三', '+86-138-0013-8000', NULL, NULL, '2023-02-01 10:00+00', 'store', NULL),
	(3, 'Bob Smith', NULL, 'bob@example.com', '1975-12-24', NULL, 'app', NULL);
INSERT INTO views_app.orders VALUES
	(10, 1, '2024-01-05 12:00', 100, 'paid'),
	(11, 1, '2024-02-05 12:00', 50, 'paid'),
	(12, 2, '2024-03-01 09:00', 80, 'paid'),
	(13, 1, '2024-02-06 12:00', -50, 'refunded');

-- errors come back as SQLSTATE: message
CREATE FUNCTION pg_temp.try(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE q;
	RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
	RETURN SQLSTATE || ': ' || SQLERRM;
END
$$;

-- Validation, before anything is registered.
SELECT pg_temp.try($$SELECT crm.register_orders('views_app.orders', customer => 'cust', at => 'at', amount => 'amt')$$);
SELECT pg_temp.try($$SELECT crm.register_customers('views_app.customers', name => 'fullname')$$);
SELECT pg_temp.try($$SELECT crm.register_customers('views_app.customers', name => 'name', birth_date => 'email')$$);
SELECT pg_temp.try($$SELECT crm.register_customers('views_app.customers', name => 'score')$$);
SELECT pg_temp.try($$SELECT crm.register_customers('views_app.v', name => 'name')$$);
SELECT pg_temp.try($$SELECT crm.register_customers('views_app.nokey', name => 'name')$$);
SELECT pg_temp.try($$SELECT crm.register_customers('views_app.notunique', id => 'id', name => 'name')$$);
SELECT pg_temp.try($$SELECT crm.register_customers('views_app.customers', id => 'nosuch', name => 'name')$$);
SELECT pg_temp.try($$SELECT crm.register_customers('views_app.customers')$$);
SELECT pg_temp.try($$SELECT crm.register_customers('views_app.customers', name => 'name', channel => 'web', channel_column => 'channel')$$);
SELECT pg_temp.try($$SELECT crm.register_customers(NULL, name => 'name')$$);
SELECT pg_temp.try($$SELECT crm.register_customers('views_app.nosuchtable', name => 'name')$$);
-- the full message of one of them
\set VERBOSITY default
\set SHOW_CONTEXT never
SELECT crm.register_customers('views_app.customers', name => 'name', phone => 'dob');
SELECT crm.register_customers('views_app.customers', name => 'name', birth_date => 'email');

-- Registering the customers reads their rows and never writes them.
SELECT count(*) AS app_rows, md5(string_agg(c::text, ',' ORDER BY id)) AS app_hash
  FROM views_app.customers c \gset before_
SELECT crm.register_customers('views_app.customers', name => 'name', phone => 'phone',
							  email => 'email', birth_date => 'dob', created_at => 'created',
							  channel_column => 'channel') AS customers_source;
SELECT count(*) = :before_app_rows AND md5(string_agg(c::text, ',' ORDER BY id)) = :'before_app_hash'
	   AS app_rows_untouched
  FROM views_app.customers c;
SELECT pg_temp.try($$SELECT crm.register_customers('views_app.customers', name => 'name')$$);
SELECT source_key, channel, full_name, phone, email, birth_date, created_at
  FROM crm.record ORDER BY source_key;

-- Orders and events: other types are converted (timestamp, date -> timestamptz;
-- integer -> numeric; uuid keys as text).
SELECT pg_temp.try($$SELECT crm.register_orders('views_app.orders', customer => 'cust', at => 'status', amount => 'amt')$$);
SELECT pg_temp.try($$SELECT crm.register_orders('views_app.orders', customer => 'cust', at => 'at', amount => 'status')$$);
SELECT pg_temp.try($$SELECT crm.register_orders('views_app.orders', customer => 'cust', at => 'at', amount => NULL)$$);
SELECT pg_temp.try($$SELECT crm.register_orders('views_app.orders', customer => 'cust', at => 'at', amount => 'amt', customers => 'views_app.nokey')$$);
SELECT crm.register_orders('views_app.orders', customer => 'cust', at => 'at', amount => 'amt',
						   status => 'status') AS orders_source;
SELECT crm.register_events('views_app.visits', customer => 'cust', at => 'at', kind => 'what') AS events_source;
SELECT source_id, kind, relation, channel, columns, customers FROM crm.registrations;
SELECT tgname, pg_describe_object(refclassid, refobjid, 0) AS depends_on, deptype
  FROM pg_trigger t JOIN pg_depend d ON d.classid = 'pg_trigger'::regclass AND d.objid = t.oid
 WHERE tgrelid IN ('views_app.customers'::regclass, 'views_app.orders'::regclass, 'views_app.visits'::regclass)
   AND d.refclassid = 'pg_extension'::regclass
 ORDER BY tgname;
SELECT source_id, order_key, customer_key, ordered_at, amount, status FROM crm.order_fact ORDER BY order_key;
SELECT * FROM crm.customer_orders ORDER BY customer_key;
SELECT count(*) AS queued FROM crm.order_queue;

-- crm.capture is only a trigger.
SELECT pg_temp.try($$SELECT crm.capture()$$);

-- Unregistering: a customers table others refer to cannot go first.
SELECT pg_temp.try($$SELECT crm.unregister('views_app.customers')$$);
SELECT pg_temp.try($$SELECT crm.unregister('views_app.nokey')$$);
SELECT pg_temp.try($$SELECT crm.unregister('views_app.orders', 'customers')$$);
SELECT pg_temp.try($$SELECT crm.unregister('views_app.orders', 'nonsense')$$);
SELECT pg_temp.try($$SELECT crm.unregister(NULL)$$);
SELECT count(*) AS orders, sum(amt) AS total FROM views_app.orders;
SELECT crm.unregister('views_app.visits') AS removed;
SELECT crm.unregister('views_app.orders') AS removed;
SELECT crm.unregister('views_app.customers') AS removed;
SELECT count(*) AS orders, sum(amt) AS total FROM views_app.orders;
SELECT count(*) = :before_app_rows AND md5(string_agg(c::text, ',' ORDER BY id)) = :'before_app_hash'
	   AS app_rows_untouched
  FROM views_app.customers c;
SELECT count(*) AS triggers_left FROM pg_trigger
 WHERE NOT tgisinternal
   AND tgrelid IN ('views_app.customers'::regclass, 'views_app.orders'::regclass, 'views_app.visits'::regclass);
SELECT (SELECT count(*) FROM crm.source) AS sources, (SELECT count(*) FROM crm.record) AS records,
	   (SELECT count(*) FROM crm.order_fact) AS order_facts, (SELECT count(*) FROM crm.order_summary) AS summaries,
	   (SELECT count(*) FROM crm.event_fact) AS event_facts;

-- Dropping a registered table unregisters it (event trigger).
SELECT crm.register_customers('views_app.customers', name => 'name', channel => 'web') > 0 AS registered;
CREATE TABLE views_app.orders2 (id int PRIMARY KEY, cust bigint, at timestamptz, amt numeric);
INSERT INTO views_app.orders2 VALUES (1, 1, '2024-01-01', 5);
SELECT crm.register_orders('views_app.orders2', 'cust', 'at', 'amt') > 0 AS registered;
DROP TABLE views_app.orders2;
SELECT kind, relation FROM crm.registrations;
SELECT count(*) AS order_facts FROM crm.order_fact;
SELECT crm.unregister('views_app.customers') AS removed;

DROP SCHEMA views_app CASCADE;
