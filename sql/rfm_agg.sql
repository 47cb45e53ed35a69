-- rfm_agg: the per-customer RFM aggregate against hand-computed figures.
SET TimeZone = 'UTC';
CREATE TEMP TABLE o (customer int, at timestamptz, amount numeric);

-- Empty table: no group, and NULL without GROUP BY.
SELECT crm.rfm_agg(at, amount, DATE '2024-06-30') IS NULL AS empty_is_null FROM o;
SELECT count(*) AS groups FROM (SELECT customer, crm.rfm_agg(at, amount, DATE '2024-06-30') FROM o GROUP BY 1) g;

INSERT INTO o VALUES
  -- customer 1: two orders on 2024-01-01 (one purchase day), a refund, a later order
  (1, '2024-01-01 09:00+00', 10.50), (1, '2024-01-01 18:00+00', 5),
  (1, '2024-02-01 12:00+00', -3.25), (1, '2024-03-01 00:00+00', 100),
  -- customer 2: one order before and one after the as-of date
  (2, '2024-03-05 10:00+00', 7.123), (2, '2025-01-01 10:00+00', 9),
  -- customer 3: only a refund
  (3, '2024-01-01 10:00+00', -5),
  -- customer 4: only rows with a NULL time or amount
  (4, NULL, 1), (4, '2024-01-02 10:00+00', NULL),
  -- customer 5: a single order on the as-of date itself, amount zero
  (5, '2024-06-30 23:59+00', 0),
  -- customer 6: only orders after the as-of date
  (6, '2024-07-01 00:00+00', 50);

-- Customer 1: last purchase 2024-03-01 -> 121 days to 2024-06-30; first 2024-01-01 -> 181;
-- frequency 2 days (01-01 and 03-01); net 10.50 + 5 - 3.25 + 100 = 112.25; average 112.25 / 2.
SELECT customer, (s).* FROM (
  SELECT customer, crm.rfm_agg(at, amount, DATE '2024-06-30') AS s FROM o GROUP BY customer) x
ORDER BY customer;

-- The date form gives the same figures.
SELECT customer, crm.rfm_agg(at::date, amount, DATE '2024-06-30') IS NOT DISTINCT FROM
                 crm.rfm_agg(at, amount, DATE '2024-06-30') AS same
  FROM o GROUP BY customer ORDER BY customer;

-- A NULL as-of date: no cut-off, recency and tenure NULL.
SELECT (s).recency_days, (s).tenure_days, (s).frequency, (s).monetary
  FROM (SELECT crm.rfm_agg(at, amount, NULL) AS s FROM o WHERE customer = 2) x;

-- Days are calendar days of the session time zone.
SET TimeZone = 'Asia/Shanghai';
SELECT (crm.rfm_agg(at, amount, DATE '2024-01-02')).* FROM o WHERE customer = 1 AND amount > 0 AND at < '2024-02-01';
SET TimeZone = 'America/New_York';   -- 2024-01-01 09:00Z is 04:00 local, 18:00Z is 13:00: one day
SELECT (crm.rfm_agg(at, amount, DATE '2024-01-02')).frequency FROM o WHERE customer = 1 AND amount > 0 AND at < '2024-02-01';
SET TimeZone = 'UTC';

-- Same-day orders count once; display scale follows the amounts (like sum()).
SELECT (crm.rfm_agg(t, a, DATE '2024-01-10')).*
  FROM (VALUES (timestamptz '2024-01-01 01:00+00', 1.5), ('2024-01-01 02:00+00', 2.25),
               ('2024-01-01 23:00+00', 0.25), ('2024-01-03 00:00+00', 1)) v(t, a);

-- Exact beyond the fast path: huge amounts, many decimals.
SELECT (crm.rfm_agg(d, a, DATE '2024-01-10')).monetary
  FROM (VALUES (date '2024-01-01', 99999999999999999999999.99), ('2024-01-02', 0.01)) v(d, a);
SELECT (crm.rfm_agg(d, a, DATE '2024-01-10')).monetary
  FROM (VALUES (date '2024-01-01', 0.1234567890123456789012), ('2024-01-02', 1.1)) v(d, a);
SELECT (crm.rfm_agg(d, a, DATE '2024-01-10')).monetary
  FROM (VALUES (date '2024-01-01', 9223372036854775807::numeric), ('2024-01-02', 9223372036854775807)) v(d, a);
SELECT (crm.rfm_agg(d, a, DATE '2024-01-10')).monetary
  FROM (VALUES (date '2024-01-01', -9223372036854775807.12::numeric), ('2024-01-02', -9223372036854775807.12),
               ('2024-01-03', 18446744073709551614.24)) v(d, a);
-- NaN and infinite amounts are ignored, like NULL amounts (QA R1).
SELECT (crm.rfm_agg(d, a, DATE '2024-01-10')).*
  FROM (VALUES (date '2024-01-01', 'NaN'::numeric), ('2024-01-02', 1)) v(d, a);
SELECT (crm.rfm_agg(d, a, DATE '2024-01-10')).*
  FROM (VALUES (date '2024-01-01', '-Infinity'::numeric), ('2024-01-02', 1), ('2024-01-03', 'Infinity')) v(d, a);
SELECT crm.rfm_agg(d, a, DATE '2024-01-10') IS NULL AS no_counted_row
  FROM (VALUES (date '2024-01-01', 'NaN'::numeric)) v(d, a);

-- Infinite order times are ignored, like NULL times (QA R3).
SELECT (crm.rfm_agg(d, a, DATE '2024-01-10')).*
  FROM (VALUES (date 'infinity', 1.0), ('-infinity', 2.0), ('2024-01-02', 4.0)) v(d, a);
SELECT (crm.rfm_agg(t, a, DATE '2024-01-10')).*
  FROM (VALUES (timestamptz '-infinity', 1.0), ('infinity', 2.0), ('2024-01-02 12:00', 4.0)) v(t, a);
SELECT crm.rfm_agg(t, a, DATE '2024-01-10') IS NULL AS no_counted_row
  FROM (VALUES (timestamptz '-infinity', 1.0)) v(t, a);

-- Errors.
SELECT crm.rfm_agg(d, a, DATE 'infinity')
  FROM (VALUES (date '2024-01-01', 1.0)) v(d, a);
SELECT crm.rfm_agg(d, a, asof)
  FROM (VALUES (date '2024-01-01', 1.0, date '2024-02-01'), ('2024-01-02', 2.0, '2024-03-01')) v(d, a, asof);
SELECT crm.rfm_agg(d, a, asof)
  FROM (VALUES (date '2024-01-01', 1.0, date '2024-02-01'), ('2024-01-02', 2.0, NULL)) v(d, a, asof);

-- Agreement with plain SQL on random data (exact), serial and parallel.
CREATE SCHEMA rfm_agg_t;
CREATE TABLE rfm_agg_t.r AS
SELECT (hashint4(g) & 1023) AS customer,
       timestamptz '2023-01-01' + ((hashint4(g * 3) & 2147483647) % (700 * 86400)) * interval '1 second' AS at,
       CASE WHEN g % 17 = 0 THEN -((hashint4(g * 5) & 65535) / 100.0)
            WHEN g % 101 = 0 THEN NULL
            ELSE ((hashint4(g * 7) & 1048575) / 1000.0) END::numeric AS amount
  FROM generate_series(1, 20000) g;
ANALYZE rfm_agg_t.r;
CREATE VIEW rfm_agg_t.plain AS
SELECT customer,
       DATE '2024-09-01' - max(at::date) FILTER (WHERE amount >= 0) AS recency_days,
       count(DISTINCT at::date) FILTER (WHERE amount >= 0)::int AS frequency,
       sum(amount) AS monetary,
       sum(amount) / NULLIF(count(DISTINCT at::date) FILTER (WHERE amount >= 0), 0) AS avg_monetary,
       min(at::date) FILTER (WHERE amount >= 0) AS first_purchase,
       max(at::date) FILTER (WHERE amount >= 0) AS last_purchase,
       DATE '2024-09-01' - min(at::date) FILTER (WHERE amount >= 0) AS tenure_days,
       count(*) FILTER (WHERE amount >= 0) AS orders,
       count(*) FILTER (WHERE amount < 0) AS refunds
  FROM rfm_agg_t.r WHERE at::date <= DATE '2024-09-01' AND amount IS NOT NULL GROUP BY customer;
CREATE VIEW rfm_agg_t.ours AS
SELECT customer, (s).* FROM (SELECT customer, crm.rfm_agg(at, amount, DATE '2024-09-01') AS s
                               FROM rfm_agg_t.r GROUP BY customer) x WHERE s IS DISTINCT FROM NULL;
SELECT (SELECT count(*) FROM rfm_agg_t.plain) AS customers,
       (SELECT count(*) FROM (SELECT * FROM rfm_agg_t.plain EXCEPT ALL SELECT * FROM rfm_agg_t.ours) d) AS missing,
       (SELECT count(*) FROM (SELECT * FROM rfm_agg_t.ours EXCEPT ALL SELECT * FROM rfm_agg_t.plain) d) AS extra,
       (SELECT bool_and(p.monetary::text = o.monetary::text) FROM rfm_agg_t.plain p JOIN rfm_agg_t.ours o USING (customer)) AS same_text;

SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET enable_hashagg = off;
EXPLAIN (COSTS OFF) SELECT customer, crm.rfm_agg(at, amount, DATE '2024-09-01') FROM rfm_agg_t.r GROUP BY customer;
SELECT count(*) AS differences_in_parallel
  FROM (SELECT * FROM rfm_agg_t.plain EXCEPT ALL SELECT * FROM rfm_agg_t.ours) d;
-- whole-table aggregate in parallel (combine of many partial states)
EXPLAIN (COSTS OFF) SELECT crm.rfm_agg(at, amount, DATE '2024-09-01') FROM rfm_agg_t.r;
SELECT crm.rfm_agg(at, amount, DATE '2024-09-01') =
       (SELECT ROW(DATE '2024-09-01' - max(at::date) FILTER (WHERE amount >= 0),
                   count(DISTINCT at::date) FILTER (WHERE amount >= 0)::int, sum(amount),
                   sum(amount) / count(DISTINCT at::date) FILTER (WHERE amount >= 0),
                   min(at::date) FILTER (WHERE amount >= 0), max(at::date) FILTER (WHERE amount >= 0),
                   DATE '2024-09-01' - min(at::date) FILTER (WHERE amount >= 0),
                   count(*) FILTER (WHERE amount >= 0), count(*) FILTER (WHERE amount < 0))::crm.rfm_stats
          FROM rfm_agg_t.r WHERE at::date <= DATE '2024-09-01' AND amount IS NOT NULL) AS whole_table_equal
  FROM rfm_agg_t.r;
RESET enable_hashagg;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;

-- As a window aggregate (final function called repeatedly).
SELECT d, (crm.rfm_agg(d, a, DATE '2024-01-31') OVER (ORDER BY d)).frequency
  FROM (VALUES (date '2024-01-01', 1.0), ('2024-01-01', 2.0), ('2024-01-05', 3.0)) v(d, a);
DROP SCHEMA rfm_agg_t CASCADE;
RESET TimeZone;
