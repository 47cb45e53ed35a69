-- views_capture: the triggers keep crm_profile's copies and the per-customer
-- summaries exact through INSERT, UPDATE, DELETE and TRUNCATE; the summary
-- read at any moment equals a full recomputation, before and after the
-- queued changes are applied.
SET client_min_messages = warning;
CREATE SCHEMA views_cap;
CREATE TABLE views_cap.customers (id int PRIMARY KEY, name text, phone text, channel text);
CREATE TABLE views_cap.orders (id int PRIMARY KEY, customer int, at timestamptz, amount numeric(12,2), note text);
CREATE TABLE views_cap.events (id bigint PRIMARY KEY, customer int, at timestamptz, kind text);
INSERT INTO views_cap.customers SELECT i, 'customer ' || i, '555-' || i, CASE WHEN i % 2 = 0 THEN 'web' ELSE 'store' END
  FROM generate_series(1, 20) i;
INSERT INTO views_cap.orders SELECT i, 1 + i % 20, '2024-01-01'::timestamptz + i * interval '7 hours',
	   CASE WHEN i % 9 = 0 THEN -10 ELSE i END, 'x'
  FROM generate_series(1, 200) i;
INSERT INTO views_cap.events SELECT i, 1 + i % 15, '2024-01-01'::timestamptz + i * interval '5 hours',
	   CASE WHEN i % 3 = 0 THEN 'visit' ELSE 'email_open' END
  FROM generate_series(1, 100) i;
SELECT crm.register_customers('views_cap.customers', name => 'name', phone => 'phone', channel_column => 'channel') AS c \gset
SELECT crm.register_orders('views_cap.orders', 'customer', 'at', 'amount') AS o \gset
SELECT crm.register_events('views_cap.events', 'customer', 'at', 'kind') AS e \gset

-- The full recomputations the summaries are checked against.
CREATE VIEW views_cap.orders_truth AS
SELECT customer::text AS customer_key, count(*) AS orders, count(*) FILTER (WHERE amount > 0) AS purchases,
	   count(*) FILTER (WHERE amount < 0) AS refunds, sum(amount) AS revenue,
	   min(at) FILTER (WHERE amount > 0) AS first_purchase_at, max(at) FILTER (WHERE amount > 0) AS last_purchase_at
  FROM views_cap.orders WHERE customer IS NOT NULL GROUP BY customer;
CREATE VIEW views_cap.events_truth AS
SELECT customer::text AS customer_key, count(*) AS events, min(at) AS first_event_at, max(at) AS last_event_at,
	   (array_agg(kind ORDER BY at DESC, kind DESC))[1] AS last_event_kind
  FROM views_cap.events WHERE customer IS NOT NULL GROUP BY customer;
CREATE FUNCTION views_cap.check(label text) RETURNS TABLE (label text, real_time_ok boolean, folded_ok boolean, pending bigint)
LANGUAGE sql AS $$
	SELECT label,
		   NOT EXISTS (SELECT * FROM views_cap.orders_truth
					   EXCEPT SELECT customer_key, orders, purchases, refunds, revenue, first_purchase_at, last_purchase_at
							    FROM crm.customer_orders)
		   AND NOT EXISTS (SELECT customer_key, orders, purchases, refunds, revenue, first_purchase_at, last_purchase_at
							 FROM crm.customer_orders EXCEPT SELECT * FROM views_cap.orders_truth)
		   AND NOT EXISTS (SELECT * FROM views_cap.events_truth
						   EXCEPT SELECT customer_key, events, first_event_at, last_event_at, last_event_kind FROM crm.customer_events)
		   AND NOT EXISTS (SELECT customer_key, events, first_event_at, last_event_at, last_event_kind FROM crm.customer_events
						   EXCEPT SELECT * FROM views_cap.events_truth),
		   NULL::boolean,
		   (SELECT count(*) FROM crm.order_queue) + (SELECT count(*) FROM crm.event_queue)
$$;
CREATE FUNCTION views_cap.check_folded(label text) RETURNS TABLE (label text, real_time_ok boolean, folded_ok boolean, pending bigint)
LANGUAGE sql AS $$
	SELECT c.label, c.real_time_ok,
		   NOT EXISTS (SELECT * FROM views_cap.orders_truth
					   EXCEPT SELECT customer_key, orders, purchases, refunds, revenue, first_purchase_at, last_purchase_at
							    FROM crm.order_summary)
		   AND NOT EXISTS (SELECT customer_key, orders, purchases, refunds, revenue, first_purchase_at, last_purchase_at
							 FROM crm.order_summary EXCEPT SELECT * FROM views_cap.orders_truth)
		   AND NOT EXISTS (SELECT * FROM views_cap.events_truth
						   EXCEPT SELECT customer_key, events, first_event_at, last_event_at, last_event_kind FROM crm.event_summary)
		   AND NOT EXISTS (SELECT customer_key, events, first_event_at, last_event_at, last_event_kind FROM crm.event_summary
						   EXCEPT SELECT * FROM views_cap.events_truth),
		   c.pending
	  FROM views_cap.check(label) c
$$;
SELECT * FROM views_cap.check_folded('after registration');

-- Changes are queued (op 1 = insert or update, 0 = delete) and the
-- real-time view already counts them ...
INSERT INTO views_cap.orders VALUES (1001, 3, '2024-06-01', 99.5, 'x'), (1002, 21, '2024-06-02', 5, 'x');
INSERT INTO views_cap.customers VALUES (21, 'customer 21', NULL, 'app');
INSERT INTO views_cap.orders VALUES (1003, 21, '2024-06-03', 7, 'x'), (1004, NULL, '2024-06-03', 1, 'x');
SELECT order_key, op, customer_key, old_customer_key, amount FROM crm.order_queue ORDER BY seq;
SELECT * FROM views_cap.check('inserts, real time');
-- ... updates (with the old customer) and deletes too.
UPDATE views_cap.orders SET amount = -amount WHERE id IN (5, 6);
UPDATE views_cap.orders SET customer = 4 WHERE id = 7;
DELETE FROM views_cap.orders WHERE id IN (8, 1001);
UPDATE views_cap.events SET at = at + interval '1 year' WHERE id = 10;
DELETE FROM views_cap.events WHERE customer = 2;
SELECT order_key, op, customer_key, old_customer_key, amount FROM crm.order_queue WHERE order_key::int < 1000 ORDER BY seq;
SELECT * FROM views_cap.check('updates and deletes, real time');
-- An update that changes no mapped column costs nothing.
SELECT count(*) AS queued_before FROM crm.order_queue \gset
UPDATE views_cap.orders SET note = 'changed' WHERE id <= 50;
SELECT count(*) - :queued_before AS newly_queued FROM crm.order_queue;
SELECT crm.apply_changes() > 0 AS folded;
SELECT * FROM views_cap.check_folded('after apply_changes');

-- Customers: upsert on update, a key change moves the record, delete removes it.
UPDATE views_cap.customers SET name = 'Customer Five', channel = 'app' WHERE id = 5;
UPDATE views_cap.customers SET id = 22 WHERE id = 20;
DELETE FROM views_cap.orders WHERE customer = 19;
DELETE FROM views_cap.customers WHERE id = 19;
SELECT source_key, full_name, channel FROM crm.record WHERE source_key IN ('5', '19', '20', '22') ORDER BY source_key;
SELECT source_key FROM crm.record_delta ORDER BY source_key;
SELECT * FROM views_cap.check('customer changes');

-- TRUNCATE queues the removal of every copy, and of what is still queued.
INSERT INTO views_cap.events VALUES (5000, 3, '2024-09-01', 'visit');
TRUNCATE views_cap.events;
SELECT count(*) AS queued_removals FROM crm.event_queue WHERE op = 0;
SELECT * FROM views_cap.check('truncate, real time');
SELECT crm.apply_changes() > 0 AS folded;
SELECT * FROM views_cap.check_folded('truncate, folded');

-- With crm_profile.views_capture off the triggers do nothing; crm.resync
-- catches up from the application's rows.
SET crm_profile.views_capture = off;
INSERT INTO views_cap.events SELECT i, 1 + i % 4, '2024-03-01'::timestamptz + i * interval '1 day', 'visit'
  FROM generate_series(1, 10) i;
DELETE FROM views_cap.orders WHERE id BETWEEN 100 AND 120;
INSERT INTO views_cap.customers VALUES (30, 'late', NULL, 'web');
RESET crm_profile.views_capture;
SELECT count(*) AS event_facts FROM crm.event_fact;
SELECT crm.resync('views_cap.events') AS copied;
SELECT crm.resync() AS copied;
SELECT * FROM views_cap.check_folded('after resync');
SELECT count(*) AS records, count(*) FILTER (WHERE source_key = '30') AS late FROM crm.record;

-- A mapped column dropped by the application: its value is captured as NULL
-- with a WARNING, and the application's statement succeeds.
SET client_min_messages = warning;
ALTER TABLE views_cap.customers DROP COLUMN phone;
INSERT INTO views_cap.customers VALUES (31, 'after drop', 'web');
SELECT source_key, full_name, phone FROM crm.record WHERE source_key = '31';
-- A type that no longer converts: NULL and a WARNING, statement succeeds.
DROP VIEW views_cap.orders_truth CASCADE;
ALTER TABLE views_cap.orders ALTER COLUMN amount TYPE text;
INSERT INTO views_cap.orders VALUES (2001, 1, '2024-07-01', '12.5', 'x');
SELECT order_key, op, amount FROM crm.order_queue WHERE order_key = '2001';

DROP SCHEMA views_cap CASCADE;
SELECT count(*) AS registrations_left FROM crm.source;
