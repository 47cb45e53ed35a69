-- views_values: one bad application row (an order at 'infinity', a NaN or
-- infinite amount, an order dated after the as-of date) never breaks the
-- views: non-finite values are captured as NULL with a WARNING, recency is
-- never negative.
SET client_min_messages = warning;
\set VERBOSITY terse
SET crm_profile.views_as_of = '2024-12-31';
CREATE SCHEMA views_fin;
CREATE TABLE views_fin.c (id bigint PRIMARY KEY, name text);
CREATE TABLE views_fin.o (id int PRIMARY KEY, cust bigint, at timestamptz, amt float8);
INSERT INTO views_fin.c VALUES (1, 'Zhang San'), (2, 'Li Si');
INSERT INTO views_fin.o SELECT g, 1 + g % 2, '2024-12-01'::timestamptz - g * interval '1 day', 10 + g
  FROM generate_series(1, 60) g;
-- rows already there at registration go through crm.views_load
INSERT INTO views_fin.o VALUES (900, 1, 'infinity', 5), (901, 2, '2024-06-01', 'NaN');
SELECT crm.register_customers('views_fin.c', name => 'name') > 0 AS registered;
SELECT crm.register_orders('views_fin.o', customer => 'cust', at => 'at', amount => 'amt') > 0 AS registered;
-- rows written later go through crm.capture (one WARNING per column)
INSERT INTO views_fin.o VALUES (1000, 1, '-infinity', 5), (1001, 2, '2024-06-01', 'Infinity'),
	(1002, 2, '2024-06-02', '-Infinity'), (1003, 1, '2034-12-31', 7);
SELECT order_key, ordered_at, amount FROM (
	SELECT source_id, order_key, ordered_at, amount FROM crm.order_queue
	UNION ALL SELECT source_id, order_key, ordered_at, amount FROM crm.order_fact) q
 WHERE source_id = (SELECT source_id FROM crm.source WHERE relation = 'views_fin.o'::regclass)
   AND order_key::int >= 900
 ORDER BY order_key::int;
SELECT step, rows > 0 AS did_something FROM crm.refresh(ARRAY['changes', 'identity', 'rfm'])
 WHERE step <> 'identity';
SELECT customer_id > 0 AS golden, orders, revenue, days_since_purchase
  FROM crm.customer_360 c WHERE c.record_ids && (SELECT array_agg(record_id) FROM crm.record r
	JOIN crm.source s USING (source_id) WHERE s.relation = 'views_fin.c'::regclass)
 ORDER BY revenue;
SELECT count(*) FILTER (WHERE revenue = 'NaN') AS nan_revenue FROM crm.segment_summary;
SET client_min_messages = warning;
SELECT crm.unregister('views_fin.o') + crm.unregister('views_fin.c') AS removed;
DROP SCHEMA views_fin CASCADE;
RESET crm_profile.views_as_of;
