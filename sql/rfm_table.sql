-- rfm_table: crm.rfm(), the whole RFM of an orders table in one call.
SET TimeZone = 'UTC';
CREATE SCHEMA rfm_table_t;
CREATE TABLE rfm_table_t.o (customer int, at timestamptz, amount numeric);
-- Empty table.
SELECT count(*) FROM crm.rfm('rfm_table_t.o', 'customer', 'at', 'amount', DATE '2024-06-30');
INSERT INTO rfm_table_t.o VALUES
  (1, '2024-01-01 09:00+00', 10.50), (1, '2024-01-01 18:00+00', 5),
  (1, '2024-02-01 12:00+00', -3.25), (1, '2024-03-01 00:00+00', 100),
  (2, '2024-03-05 10:00+00', 7.123), (2, '2025-01-01 10:00+00', 9),
  (3, '2024-01-01 10:00+00', -5),
  (4, NULL, 1), (4, '2024-01-02 10:00+00', NULL), (NULL, '2024-01-02 10:00+00', 1),
  (5, '2024-06-30 23:59+00', 0),
  (6, '2024-07-01 00:00+00', 50);
-- Same figures as crm.rfm_agg (customer 1: 121 days, 2 purchase days, 112.25 ...);
-- customers 4 and 6 have no counted row; customer 3 has no purchase, hence no score.
SELECT * FROM crm.rfm('rfm_table_t.o', 'customer', 'at', 'amount', DATE '2024-06-30') ORDER BY 1;
SELECT customer_id, score, segment FROM crm.rfm('rfm_table_t.o', 'customer', 'at', 'amount', DATE '2024-06-30', n => 3) ORDER BY 1;

-- Equal to the composable pipeline (crm.rfm_agg, crm.rfm_thresholds_agg, crm.rfm_score,
-- crm.rfm_segment, crm.rfm_class) on random data: many purchase days per customer, refunds,
-- NULLs, orders after the as-of date, amounts beyond the scaled-integer range, other column types.
CREATE TABLE rfm_table_t.r AS
SELECT (hashint4(g) & 511)::bigint AS customer,
       timestamptz '2023-01-01' + ((hashint4(g * 3) & 2147483647) % (700 * 86400)) * interval '1 second' AS at,
       CASE WHEN g % 17 = 0 THEN -((hashint4(g * 5) & 65535) / 100.0)
            WHEN g % 101 = 0 THEN NULL
            WHEN g = 5000 THEN 1e25
            WHEN g = 6000 THEN 0.0000000000000000000001
            ELSE ((hashint4(g * 7) & 1048575) / 1000.0) END::numeric AS amount
  FROM generate_series(1, 30000) g;
CREATE FUNCTION rfm_table_t.differences(tab regclass, cust name, at name, amt name, asof date, n int)
  RETURNS TABLE (customers bigint, differences bigint) LANGUAGE plpgsql AS $$
BEGIN
  RETURN QUERY EXECUTE format($q$
    WITH c AS MATERIALIZED (SELECT %2$I::bigint AS customer_id, crm.rfm_agg(%3$I, %4$I::numeric, %5$L::date) AS s
                              FROM %1$s WHERE %2$I IS NOT NULL GROUP BY 1),
    t AS (SELECT crm.rfm_thresholds_agg((s).recency_days, (s).frequency, (s).monetary, %6$s) AS th FROM c),
    ref AS (SELECT customer_id, (s).*, crm.rfm_score(s, th)::text AS score,
                   crm.rfm_segment(crm.rfm_score(s, th), %6$s) AS segment, crm.rfm_class(s, th) AS class
              FROM c, t WHERE s IS DISTINCT FROM NULL),
    mine AS (SELECT customer_id, recency_days, frequency, monetary, avg_monetary, first_purchase,
                    last_purchase, tenure_days, orders, refunds, score::text, segment, class
               FROM crm.rfm(%1$L, %2$L, %3$L, %4$L, %5$L, %6$s))
    SELECT (SELECT count(*) FROM ref),
           (SELECT count(*) FROM ((SELECT * FROM ref EXCEPT ALL SELECT * FROM mine)
                                  UNION ALL (SELECT * FROM mine EXCEPT ALL SELECT * FROM ref)) d)$q$,
    tab, cust, at, amt, asof, n);
END $$;
SELECT * FROM rfm_table_t.differences('rfm_table_t.r', 'customer', 'at', 'amount', '2024-09-01', 5);
SELECT * FROM rfm_table_t.differences('rfm_table_t.r', 'customer', 'at', 'amount', '2024-09-01', 10);
SET TimeZone = 'Asia/Shanghai';
SELECT * FROM rfm_table_t.differences('rfm_table_t.r', 'customer', 'at', 'amount', '2024-03-01', 4);
SET TimeZone = 'UTC';
-- exact text of the totals, display scale included
SELECT bool_and(m.monetary::text = a.m::text) AS same_text
  FROM crm.rfm('rfm_table_t.r', 'customer', 'at', 'amount', DATE '2024-09-01') m
  JOIN (SELECT customer, sum(amount) AS m FROM rfm_table_t.r WHERE at < DATE '2024-09-02' GROUP BY 1) a
    ON a.customer = m.customer_id;
CREATE TABLE rfm_table_t.types AS
SELECT customer::int AS c4, customer::smallint AS c2, at::date AS d, at::timestamp AS ts,
       (amount * 100)::bigint AS cents, amount::numeric(20,4) AS amount4
  FROM rfm_table_t.r WHERE amount < 1e20;
SELECT * FROM rfm_table_t.differences('rfm_table_t.types', 'c4', 'd', 'cents', '2024-09-01', 5);
SELECT * FROM rfm_table_t.differences('rfm_table_t.types', 'c2', 'ts', 'amount4', '2024-09-01', 3);

-- Partitioned orders tables are read through their partitions.
CREATE TABLE rfm_table_t.p (customer bigint, at timestamptz, amount numeric) PARTITION BY RANGE (at);
CREATE TABLE rfm_table_t.p1 PARTITION OF rfm_table_t.p FOR VALUES FROM ('2020-01-01') TO ('2024-01-01');
CREATE TABLE rfm_table_t.p2 (amount numeric, at timestamptz, customer bigint);   -- other column order
ALTER TABLE rfm_table_t.p ATTACH PARTITION rfm_table_t.p2 FOR VALUES FROM ('2024-01-01') TO ('2030-01-01');
INSERT INTO rfm_table_t.p SELECT * FROM rfm_table_t.r WHERE at IS NOT NULL;
SELECT * FROM rfm_table_t.differences('rfm_table_t.p', 'customer', 'at', 'amount', '2024-09-01', 5);

-- Errors.
CREATE TABLE rfm_table_t.t (c text, at timestamptz, amount numeric, f float8);
SELECT * FROM crm.rfm('rfm_table_t.t', 'c', 'at', 'amount', DATE '2024-01-01');
SELECT * FROM crm.rfm('rfm_table_t.o', 'customer', 'amount', 'amount', DATE '2024-01-01');
SELECT * FROM crm.rfm('rfm_table_t.t', 'at', 'at', 'f', DATE '2024-01-01');
SELECT * FROM crm.rfm('rfm_table_t.o', 'nope', 'at', 'amount', DATE '2024-01-01');
SELECT * FROM crm.rfm('rfm_table_t.o', 'customer', 'at', 'amount', DATE 'infinity');
SELECT * FROM crm.rfm('rfm_table_t.o', 'customer', 'at', 'amount', DATE '2024-01-01', 11);
SELECT * FROM crm.rfm('rfm_table_t.o', 'customer', 'at', 'amount', NULL);
CREATE VIEW rfm_table_t.v AS SELECT * FROM rfm_table_t.o;
SELECT * FROM crm.rfm('rfm_table_t.v', 'customer', 'at', 'amount', DATE '2024-01-01');
-- Infinite order times are ignored, like NULL ones (QA R3).
INSERT INTO rfm_table_t.o VALUES (9, 'infinity', 1), (9, '-infinity', 1), (1, '-infinity', 1000);
SELECT customer_id, frequency, monetary FROM crm.rfm('rfm_table_t.o', 'customer', 'at', 'amount', DATE '2024-06-30')
 WHERE customer_id IN (1, 9);
DELETE FROM rfm_table_t.o WHERE NOT isfinite(at);
-- Privileges: the caller needs SELECT on the table or on the three columns; row
-- level security is refused rather than bypassed.
CREATE ROLE regress_rfm_reader;
GRANT USAGE ON SCHEMA crm, rfm_table_t TO regress_rfm_reader;
SET ROLE regress_rfm_reader;
SELECT * FROM crm.rfm('rfm_table_t.o', 'customer', 'at', 'amount', DATE '2024-01-01');
RESET ROLE;
GRANT SELECT (customer, at, amount) ON rfm_table_t.o TO regress_rfm_reader;
SET ROLE regress_rfm_reader;
SELECT count(*) AS column_privileges_suffice FROM crm.rfm('rfm_table_t.o', 'customer', 'at', 'amount', DATE '2024-06-30');
RESET ROLE;
ALTER TABLE rfm_table_t.o ENABLE ROW LEVEL SECURITY;
CREATE POLICY only_one ON rfm_table_t.o FOR SELECT USING (customer = 1);
SET ROLE regress_rfm_reader;
SELECT * FROM crm.rfm('rfm_table_t.o', 'customer', 'at', 'amount', DATE '2024-01-01');
SELECT customer, (crm.rfm_agg(at, amount, DATE '2024-06-30')).frequency FROM rfm_table_t.o GROUP BY 1;
RESET ROLE;
REVOKE USAGE ON SCHEMA crm FROM regress_rfm_reader;
DROP SCHEMA rfm_table_t CASCADE;
DROP ROLE regress_rfm_reader;
RESET TimeZone;
