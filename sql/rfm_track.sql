-- rfm_track: trigger-maintained RFM summary of an orders table.
SET TimeZone = 'UTC';
CREATE SCHEMA rfm_track_t;
CREATE TABLE rfm_track_t.orders (order_id bigint PRIMARY KEY, customer_id bigint,
                                 ordered_at timestamptz, amount numeric(12,2), status text);
INSERT INTO rfm_track_t.orders VALUES
  (1, 1, '2024-01-01 09:00+00', 10.50, 'paid'), (2, 1, '2024-01-01 18:00+00', 5.00, 'paid'),
  (3, 1, '2024-02-01 12:00+00', -3.25, 'refunded'), (4, 1, '2024-03-01 00:00+00', 100.00, 'paid'),
  (5, 2, '2024-03-05 10:00+00', 7.12, 'paid'), (6, 3, '2024-01-01 10:00+00', -5.00, 'refunded'),
  (7, 4, NULL, 1.00, 'paid');

-- A full recomputation to compare with: crm.rfm_agg over the orders, as of today.
CREATE VIEW rfm_track_t.recomputed AS
SELECT customer_id, (s).* FROM (
  SELECT customer_id, crm.rfm_agg(ordered_at, amount, (now() AT TIME ZONE 'UTC')::date) AS s
    FROM rfm_track_t.orders GROUP BY customer_id) x WHERE s IS DISTINCT FROM NULL;
SELECT crm.rfm_track('rfm_track_t.orders', 'customer_id', 'ordered_at', 'amount', 'UTC');
CREATE VIEW rfm_track_t.diff AS
SELECT count(*) AS differences FROM (
  (SELECT customer_id, recency_days, frequency, monetary, avg_monetary, first_purchase, last_purchase,
          tenure_days, orders, refunds FROM rfm_track_t.orders_rfm
   EXCEPT ALL SELECT * FROM rfm_track_t.recomputed)
  UNION ALL
  (SELECT * FROM rfm_track_t.recomputed
   EXCEPT ALL SELECT customer_id, recency_days, frequency, monetary, avg_monetary, first_purchase,
          last_purchase, tenure_days, orders, refunds FROM rfm_track_t.orders_rfm)) d;

SELECT orders_table, customer_col, at_col, amount_col, time_zone, log_table, days_table, summary_table, view_name
  FROM crm.rfm_tracked;
SELECT customer_id, frequency, monetary, first_purchase, last_purchase, orders, refunds, score
  FROM rfm_track_t.orders_rfm ORDER BY 1;
SELECT * FROM rfm_track_t.diff;
-- A plain table: inserts and deletes captured per statement (transition
-- tables), updates of the three columns per row, TRUNCATE per statement.
SELECT tgname, tgtype, tgattr::text FROM pg_trigger WHERE tgrelid = 'rfm_track_t.orders'::regclass ORDER BY 1;

-- Changes go to the log; the view includes them before any refresh.
INSERT INTO rfm_track_t.orders VALUES (8, 2, '2024-04-01 10:00+00', 20.00, 'paid'),
                                      (9, 5, '2024-04-02 10:00+00', 1.00, 'paid');
UPDATE rfm_track_t.orders SET status = 'shipped' WHERE order_id = 1;       -- no RFM column: not logged
UPDATE rfm_track_t.orders SET amount = 6.00 WHERE order_id = 2;
DELETE FROM rfm_track_t.orders WHERE order_id = 4;                         -- customer 1's last purchase
SELECT customer, at, amount, sign FROM rfm_track_t.orders_rfm_log ORDER BY at, sign, customer;
SELECT customer_id, frequency, monetary, first_purchase, last_purchase, orders, refunds
  FROM rfm_track_t.orders_rfm ORDER BY 1;
SELECT * FROM rfm_track_t.diff;
SELECT crm.rfm_refresh('rfm_track_t.orders') AS folded;
SELECT count(*) AS log_rows FROM rfm_track_t.orders_rfm_log;
SELECT customer, first_purchase, last_purchase, frequency, orders, refunds, monetary
  FROM rfm_track_t.orders_rfm_summary ORDER BY 1;
SELECT * FROM rfm_track_t.diff;
SELECT crm.rfm_refresh('rfm_track_t.orders') AS folded_again;

-- Same-day orders: deleting one of two keeps the day; deleting both removes it.
DELETE FROM rfm_track_t.orders WHERE order_id = 1;
SELECT crm.rfm_refresh('rfm_track_t.orders');
SELECT customer, day, purchases, refunds, amount FROM rfm_track_t.orders_rfm_days WHERE customer = 1 ORDER BY day;
DELETE FROM rfm_track_t.orders WHERE order_id = 2;
SELECT frequency, monetary, first_purchase, last_purchase FROM rfm_track_t.orders_rfm WHERE customer_id = 1;
SELECT crm.rfm_refresh('rfm_track_t.orders');
SELECT customer, day, purchases, refunds, amount FROM rfm_track_t.orders_rfm_days WHERE customer = 1 ORDER BY day;
-- A customer's last order deleted: the customer leaves the summary.
DELETE FROM rfm_track_t.orders WHERE order_id = 9;
SELECT count(*) AS customer_5 FROM rfm_track_t.orders_rfm WHERE customer_id = 5;
SELECT crm.rfm_refresh('rfm_track_t.orders');
SELECT count(*) AS customer_5 FROM rfm_track_t.orders_rfm_summary WHERE customer = 5;
-- Moving an order to another customer and day.
UPDATE rfm_track_t.orders SET customer_id = 6, ordered_at = '2024-05-01 10:00+00' WHERE order_id = 5;
SELECT * FROM rfm_track_t.diff;
SELECT crm.rfm_refresh('rfm_track_t.orders');
SELECT * FROM rfm_track_t.diff;

-- Bulk changes in one statement, then a rebuild gives the same summary.
INSERT INTO rfm_track_t.orders
SELECT 100 + g, g % 37, timestamptz '2023-01-01' + (g * 7 % 600) * interval '1 day' + (g % 5) * interval '1 hour',
       CASE WHEN g % 9 = 0 THEN -(g % 50) ELSE g % 300 END, 'paid'
  FROM generate_series(1, 3000) g;
UPDATE rfm_track_t.orders SET amount = amount + 1 WHERE order_id % 7 = 0;
DELETE FROM rfm_track_t.orders WHERE order_id % 11 = 0;
SELECT * FROM rfm_track_t.diff;
SELECT crm.rfm_refresh('rfm_track_t.orders') > 0 AS folded;
SELECT * FROM rfm_track_t.diff;
CREATE TEMP TABLE before_rebuild AS SELECT * FROM rfm_track_t.orders_rfm_summary;
SELECT crm.rfm_rebuild('rfm_track_t.orders') AS customers;
SELECT count(*) AS rebuild_differences FROM (
  (SELECT * FROM before_rebuild EXCEPT ALL SELECT * FROM rfm_track_t.orders_rfm_summary)
  UNION ALL (SELECT * FROM rfm_track_t.orders_rfm_summary EXCEPT ALL SELECT * FROM before_rebuild)) d;
-- Scores and segments in the view are those of the thresholds over the view's population.
SELECT count(*) FILTER (WHERE v.score OPERATOR(crm.<>) crm.rfm_score(v.recency_days, v.frequency, v.monetary, t.th)) AS wrong_scores,
       count(*) FILTER (WHERE v.segment <> crm.rfm_segment(v.score)) AS wrong_segments,
       count(*) FILTER (WHERE v.class <> crm.rfm_class(v.recency_days, v.frequency, v.monetary, t.th)) AS wrong_classes,
       count(*) FILTER (WHERE v.score IS NULL) AS without_purchase
  FROM rfm_track_t.orders_rfm v,
       (SELECT crm.rfm_thresholds_agg(recency_days, frequency, monetary) AS th FROM rfm_track_t.orders_rfm) t;

-- The application role needs no privilege on the log.
CREATE ROLE regress_rfm_app;
GRANT USAGE ON SCHEMA rfm_track_t TO regress_rfm_app;
GRANT INSERT, UPDATE, DELETE, SELECT ON rfm_track_t.orders TO regress_rfm_app;
SET ROLE regress_rfm_app;
INSERT INTO rfm_track_t.orders VALUES (10000, 77, '2024-06-01 10:00+00', 42.00, 'paid');
RESET ROLE;
SELECT customer, amount, sign FROM rfm_track_t.orders_rfm_log WHERE customer = 77;

-- TRUNCATE empties the summary.
TRUNCATE rfm_track_t.orders;
SELECT (SELECT count(*) FROM rfm_track_t.orders_rfm) AS view_rows,
       (SELECT count(*) FROM rfm_track_t.orders_rfm_days) AS day_rows,
       (SELECT count(*) FROM rfm_track_t.orders_rfm_log) AS log_rows;

-- MERGE and INSERT ... ON CONFLICT: only rows really inserted, updated, deleted.
MERGE INTO rfm_track_t.orders o
USING (VALUES (20000::bigint, 3::bigint, timestamptz '2024-07-01 10:00+00', 50.00), (10000, 77, '2024-06-01 10:00+00', 40.00)) v(id, c, t, a)
   ON o.order_id = v.id
 WHEN MATCHED THEN UPDATE SET amount = v.a
 WHEN NOT MATCHED THEN INSERT VALUES (v.id, v.c, v.t, v.a, 'paid');
MERGE INTO rfm_track_t.orders o USING (VALUES (20000::bigint)) v(id) ON o.order_id = v.id
 WHEN MATCHED THEN DELETE;
INSERT INTO rfm_track_t.orders VALUES (10000, 77, '2024-06-01 10:00+00', 1.00, 'paid') ON CONFLICT DO NOTHING;
INSERT INTO rfm_track_t.orders VALUES (10000, 77, '2024-06-01 10:00+00', 1.00, 'paid'), (10001, 78, '2024-06-02 10:00+00', 2.00, 'paid')
    ON CONFLICT (order_id) DO UPDATE SET amount = excluded.amount + 100;
SELECT customer, at, amount, sign FROM rfm_track_t.orders_rfm_log WHERE customer IN (3, 77, 78) ORDER BY customer, at, sign, amount;
SELECT * FROM rfm_track_t.diff;
DELETE FROM rfm_track_t.orders WHERE order_id IN (10000, 10001);
SELECT crm.rfm_refresh('rfm_track_t.orders') > 0 AS folded;
SELECT * FROM rfm_track_t.diff;

-- A broken set-up never fails the application's statement: it warns.
ALTER TABLE rfm_track_t.orders_rfm_log RENAME TO moved_log;
INSERT INTO rfm_track_t.orders VALUES (20000, 1, '2024-06-01 10:00+00', 1.00, 'paid');
ALTER TABLE rfm_track_t.moved_log RENAME TO orders_rfm_log;
CREATE INDEX ON rfm_track_t.orders_rfm_log (customer);
INSERT INTO rfm_track_t.orders VALUES (20001, 1, '2024-06-01 10:00+00', 1.00, 'paid');
DROP INDEX rfm_track_t.orders_rfm_log_customer_idx;
ALTER TABLE rfm_track_t.orders RENAME COLUMN amount TO amt;
INSERT INTO rfm_track_t.orders VALUES (20002, 1, '2024-06-01 10:00+00', 1.00, 'paid');
ALTER TABLE rfm_track_t.orders RENAME COLUMN amt TO amount;
ALTER TABLE rfm_track_t.orders_rfm_log OWNER TO regress_rfm_app;
INSERT INTO rfm_track_t.orders VALUES (20003, 1, '2024-06-01 10:00+00', 1.00, 'paid');
ALTER TABLE rfm_track_t.orders_rfm_log OWNER TO CURRENT_USER;
SELECT count(*) AS orders_kept FROM rfm_track_t.orders WHERE order_id >= 20000;
-- and the rebuild repairs what was missed
SELECT * FROM rfm_track_t.diff;
SELECT crm.rfm_rebuild('rfm_track_t.orders');
SELECT * FROM rfm_track_t.diff;
-- The trigger function refuses to be used the wrong way.
CREATE TABLE rfm_track_t.other (x int);
CREATE TRIGGER wrong BEFORE INSERT ON rfm_track_t.other FOR EACH ROW EXECUTE FUNCTION crm.rfm_capture();
INSERT INTO rfm_track_t.other VALUES (1);
CREATE TRIGGER wrong_args AFTER INSERT ON rfm_track_t.other FOR EACH ROW EXECUTE FUNCTION crm.rfm_capture('x');
DROP TRIGGER wrong ON rfm_track_t.other;
INSERT INTO rfm_track_t.other VALUES (1);
DROP TABLE rfm_track_t.other;

-- Partitioned orders: captured per row, also rows written to a partition
-- directly and to partitions created later.
CREATE TABLE rfm_track_t.p (order_id int, customer_id int, ordered_at date, amount numeric) PARTITION BY RANGE (ordered_at);
CREATE TABLE rfm_track_t.p1 PARTITION OF rfm_track_t.p FOR VALUES FROM ('2020-01-01') TO ('2025-01-01');
SELECT crm.rfm_track('rfm_track_t.p', 'customer_id', 'ordered_at', 'amount');
INSERT INTO rfm_track_t.p VALUES (1, 1, '2024-01-01', 10);
INSERT INTO rfm_track_t.p1 VALUES (2, 1, '2024-02-01', 5);
CREATE TABLE rfm_track_t.p2 PARTITION OF rfm_track_t.p FOR VALUES FROM ('2025-01-01') TO ('2030-01-01');
INSERT INTO rfm_track_t.p2 VALUES (3, 2, '2025-02-01', 7);
UPDATE rfm_track_t.p SET ordered_at = '2025-03-01' WHERE order_id = 1;     -- moves to another partition
SELECT customer_id, frequency, monetary, first_purchase, last_purchase FROM rfm_track_t.p_rfm ORDER BY 1;
SELECT crm.rfm_refresh('rfm_track_t.p');
SELECT customer, frequency, monetary FROM rfm_track_t.p_rfm_summary ORDER BY 1;
SELECT tgrelid::regclass, tgname FROM pg_trigger
 WHERE tgname LIKE 'crm_rfm%' AND tgrelid::regclass::text LIKE 'rfm_track_t.p%' ORDER BY 1, 2;
SELECT crm.rfm_untrack('rfm_track_t.p');
SELECT count(*) AS triggers_left FROM pg_trigger WHERE tgrelid::regclass::text LIKE 'rfm_track_t.p%';

-- Errors of the API.
SELECT crm.rfm_track('rfm_track_t.orders', 'customer_id', 'ordered_at', 'amount');
SELECT crm.rfm_track('rfm_track_t.recomputed', 'customer_id', 'ordered_at', 'amount');
CREATE TABLE rfm_track_t.o2 (c text, d date, a integer, f float8, s text);
SELECT crm.rfm_track('rfm_track_t.o2', 'c', 'nope', 'a');
SELECT crm.rfm_track('rfm_track_t.o2', 'c', 's', 'a');
SELECT crm.rfm_track('rfm_track_t.o2', 'c', 'd', 'f');
SELECT crm.rfm_track('rfm_track_t.o2', 'c', 'd', 'a', 'Mars/Olympus');
SELECT crm.rfm_refresh('rfm_track_t.o2');
SELECT crm.rfm_untrack('rfm_track_t.o2');
SELECT crm.rfm_track('rfm_track_t.o2', 'c', 'd', 'a', NULL) IS NULL AS strict_null;

-- Other column types: text customers, order dates, integer amounts.
SELECT crm.rfm_track('rfm_track_t.o2', 'c', 'd', 'a');
INSERT INTO rfm_track_t.o2 VALUES ('ann', '2024-01-01', 10), ('ann', '2024-01-01', 5), ('bob', '2024-02-01', -3), ('bob', '2024-01-15', 8);
SELECT c, frequency, monetary, first_purchase, last_purchase, orders, refunds FROM rfm_track_t.o2_rfm ORDER BY c;
SELECT crm.rfm_refresh('rfm_track_t.o2');
SELECT customer, frequency, monetary FROM rfm_track_t.o2_rfm_summary ORDER BY 1;
SELECT crm.rfm_untrack('rfm_track_t.o2');

-- Untracking removes everything it made (views of the user on it must go first).
SELECT crm.rfm_untrack('rfm_track_t.orders');
DROP VIEW rfm_track_t.diff;
SELECT crm.rfm_untrack('rfm_track_t.orders');
SELECT relname FROM pg_class WHERE relnamespace = 'rfm_track_t'::regnamespace ORDER BY 1;
SELECT tgname FROM pg_trigger WHERE tgrelid = 'rfm_track_t.orders'::regclass;
SELECT count(*) AS tracked FROM crm.rfm_tracked;
DROP SCHEMA rfm_track_t CASCADE;
DROP ROLE regress_rfm_app;
RESET TimeZone;
