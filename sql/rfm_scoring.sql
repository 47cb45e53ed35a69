-- rfm_scoring: quantile thresholds, fixed thresholds, scores, both segment schemes.

-- Hand-computed population of 7 customers, 5 buckets (NTILE(5) of 7 rows: sizes 2,2,1,1,1).
CREATE TEMP TABLE pop (customer int, recency_days int, frequency int, monetary numeric);
INSERT INTO pop VALUES
  (1,   5, 10, 500.00),
  (2,  10,  3, 120.50),
  (3,  10,  3,  80.00),
  (4,  40,  1,  80.00),
  (5, 200,  1,  20.00),
  (6, 365,  2,  35.25),
  (7,   1,  1,  10.00),
  (8, NULL, 0, -30.00);   -- refunds only: not part of the population
SELECT (th).* FROM (SELECT crm.rfm_thresholds_agg(recency_days, frequency, monetary) AS th FROM pop) x;
-- Ties take the bucket of their middle rank (a + b + 1) / 2 (ranks from 0, worst first).
-- Recency descending 365,200,40,10,10,5,1 -> NTILE 1,1,2,2,3,4,5; the tie at 10 (ranks 3,4) takes bucket 3 (rank 4).
-- Frequency ascending 1,1,1,2,3,3,10 -> 1,1,2,2,3,4,5; the three 1s take 1 (rank 1), the two 3s take 4 (rank 5).
-- Monetary ascending 10,20,35.25,80,80,120.50,500 -> 1,1,2,2,3,4,5; the two 80s take 3 (rank 4).
SELECT customer, crm.rfm_score(recency_days, frequency, monetary, th) AS score
  FROM pop, (SELECT crm.rfm_thresholds_agg(recency_days, frequency, monetary) AS th FROM pop) t
 ORDER BY customer;

-- One customer: every score 1 (NTILE of one row), upper bounds unreachable (NULL).
SELECT (th).n, (th).r_max, (th).f_min, (th).m_min, (th).population
  FROM (SELECT crm.rfm_thresholds_agg(30, 2, 10.0) AS th) x;
SELECT crm.rfm_score(30, 2, 10.0, th) FROM (SELECT crm.rfm_thresholds_agg(30, 2, 10.0) AS th) x;
-- Empty population.
SELECT crm.rfm_thresholds_agg(recency_days, frequency, monetary) IS NULL AS empty FROM pop WHERE false;
-- Everybody tied: all score 3, the bucket of the middle rank (5 of 0..9).
SELECT (th).r_max, (th).f_min, (th).m_min
  FROM (SELECT crm.rfm_thresholds_agg(7, 1, 5.0) AS th FROM generate_series(1, 10)) x;

-- Other scales.
SELECT (th).n, (th).r_max, (th).f_min FROM (SELECT crm.rfm_thresholds_agg(recency_days, frequency, monetary, 3) AS th FROM pop) x;
SELECT (th).n, (th).f_min FROM (SELECT crm.rfm_thresholds_agg(g, g, g, 10) AS th FROM generate_series(1, 20) g) x;
SELECT crm.rfm_thresholds_agg(1, 1, 1.0, 2);
SELECT crm.rfm_thresholds_agg(1, 1, 1.0, 11);
SELECT crm.rfm_thresholds_agg(1, 1, 1.0, n) FROM (VALUES (3), (4)) v(n);

-- Agreement with plain SQL NTILE on random data: exact for distinct values,
-- and for tied values the NTILE bucket of the middle rank of the tie.
CREATE SCHEMA rfm_scoring_t;
CREATE TABLE rfm_scoring_t.c AS
SELECT g AS customer,
       (g * 7919) % 5003 AS recency_days,          -- distinct: 5003 is prime
       (g * 104729) % 5009 AS frequency,
       ((g * 7) % 5011) * 1.01 + 0.5 AS monetary
  FROM generate_series(1, 5000) g;
CREATE TABLE rfm_scoring_t.t AS
SELECT customer, (hashint4(customer) & 2147483647) % 100 AS recency_days,
       (hashint4(customer * 3) & 2147483647) % 20 AS frequency,
       round((hashint4(customer * 5) & 1023)::numeric, -2) AS monetary
  FROM rfm_scoring_t.c;    -- heavy ties
CREATE FUNCTION rfm_scoring_t.check_ntile(tab regclass, n int) RETURNS TABLE (customers bigint, mismatches bigint)
LANGUAGE plpgsql AS $$
BEGIN
  RETURN QUERY EXECUTE format($q$
    WITH nt AS (
      SELECT customer, recency_days, frequency, monetary,
             ntile(%2$s) OVER wr AS r, row_number() OVER wr - 1 AS ri,
             ntile(%2$s) OVER wf AS f, row_number() OVER wf - 1 AS fi,
             ntile(%2$s) OVER wm AS m, row_number() OVER wm - 1 AS mi
        FROM %1$s
      WINDOW wr AS (ORDER BY recency_days DESC), wf AS (ORDER BY frequency), wm AS (ORDER BY monetary)),
    mid AS (
      SELECT customer,
             (min(ri) OVER (PARTITION BY recency_days) + max(ri) OVER (PARTITION BY recency_days) + 1) / 2 AS ri,
             (min(fi) OVER (PARTITION BY frequency) + max(fi) OVER (PARTITION BY frequency) + 1) / 2 AS fi,
             (min(mi) OVER (PARTITION BY monetary) + max(mi) OVER (PARTITION BY monetary) + 1) / 2 AS mi
        FROM nt),
    buckets AS (   -- the NTILE bucket of each rank
      SELECT array_agg(r ORDER BY ri) AS r, array_agg(f ORDER BY fi) AS f, array_agg(m ORDER BY mi) AS m
        FROM nt),
    middle_of_tie AS MATERIALIZED (   -- subscripted once, before the join
      SELECT mid.customer, b.r[mid.ri + 1] AS r, b.f[mid.fi + 1] AS f, b.m[mid.mi + 1] AS m
        FROM mid, buckets b),
    th AS (SELECT crm.rfm_thresholds_agg(recency_days, frequency, monetary, %2$s) AS th FROM %1$s)
    SELECT count(*), count(*) FILTER (WHERE crm.rfm_score(c.recency_days, c.frequency, c.monetary, th.th)
                                           OPERATOR(crm.<>) crm.rfm_score(x.r::int, x.f::int, x.m::int))
      FROM %1$s c JOIN middle_of_tie x USING (customer) CROSS JOIN th$q$, tab, n);
END $$;
SELECT 'distinct' AS data, n, (rfm_scoring_t.check_ntile('rfm_scoring_t.c', n)).*
  FROM (VALUES (3), (5), (7), (10)) v(n);
SELECT 'ties' AS data, n, (rfm_scoring_t.check_ntile('rfm_scoring_t.t', n)).*
  FROM (VALUES (3), (5), (10)) v(n);
-- how many ties each sample has (none would make the rule NTILE itself)
SELECT count(DISTINCT recency_days) AS r_values, count(DISTINCT frequency) AS f_values,
       count(DISTINCT monetary) AS m_values FROM rfm_scoring_t.c;
SELECT count(DISTINCT recency_days) AS r_values, count(DISTINCT frequency) AS f_values,
       count(DISTINCT monetary) AS m_values FROM rfm_scoring_t.t;

-- Parallel thresholds equal serial ones.
CREATE TABLE rfm_scoring_t.big AS SELECT * FROM rfm_scoring_t.c, generate_series(1, 4) k;
ANALYZE rfm_scoring_t.big;
CREATE TEMP TABLE serial_th AS
  SELECT crm.rfm_thresholds_agg(recency_days, frequency, monetary) AS th FROM rfm_scoring_t.big;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
EXPLAIN (COSTS OFF) SELECT crm.rfm_thresholds_agg(recency_days, frequency, monetary) FROM rfm_scoring_t.big;
SELECT (SELECT th FROM serial_th)::text = crm.rfm_thresholds_agg(recency_days, frequency, monetary)::text AS parallel_equal
  FROM rfm_scoring_t.big;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
-- Monetary beyond the scaled-integer range is still exact.
SELECT (th).m_min, (th).m_mean
  FROM (SELECT crm.rfm_thresholds_agg(1, 1, m, 3) AS th
          FROM (VALUES (1e30), (2.5), (-1e25), (7)) v(m)) x;
-- A NaN monetary value has no rank: rejected (QA R1).
SELECT crm.rfm_thresholds_agg(g, g, CASE WHEN g = 7 THEN 'NaN'::numeric ELSE g END, 5) FROM generate_series(1, 10) g;
DROP SCHEMA rfm_scoring_t CASCADE;

-- Fixed thresholds an analyst supplies.
SELECT crm.rfm_thresholds('{365,180,90,30}', '{2,3,5,10}', '{100,250,500,1000}');
SELECT r, f, m, crm.rfm_score(r, f, m, crm.rfm_thresholds('{365,180,90,30}', '{2,3,5,10}', '{100,250,500,1000}'))
  FROM (VALUES (400, 1, 99.99), (365, 2, 100), (30, 10, 1000), (31, 9, 999.99), (0, 100, 1e9)) v(r, f, m);
SELECT crm.rfm_thresholds('{30}', '{2}', '{100}');
SELECT crm.rfm_thresholds('{90,30}', '{2,3}', '{100}');
SELECT crm.rfm_thresholds('{90,NULL}', '{2,3}', '{100,200}');
SELECT crm.rfm_thresholds('{30,90}', '{2,3}', '{100,200}');
SELECT crm.rfm_thresholds('{90,30}', '{3,3}', '{100,200}');
SELECT crm.rfm_score(1, 1, 1.0, ROW(5, '{1,2}', '{1,2}', '{1,2}', NULL, NULL, NULL, NULL)::crm.rfm_thresholds);
SELECT crm.rfm_score(1, 1, 1.0, ROW(NULL, '{1,2}', '{1,2}', '{1,2}', NULL, NULL, NULL, NULL)::crm.rfm_thresholds);
SELECT crm.rfm_score(1, 1, 1.0, ROW(3, NULL, '{1,2}', '{1,2}', NULL, NULL, NULL, NULL)::crm.rfm_thresholds);
-- STRICT: a customer without purchases (NULL recency) has no score.
SELECT crm.rfm_score(NULL, 0, -5.0, crm.rfm_thresholds('{90,30}', '{2,3}', '{100,200}')) IS NULL AS no_score;

-- The 11-segment scheme on the 5-point grid (rows R 5..1, columns FM 1..5).
SELECT r, string_agg(crm.rfm_segment(crm.rfm_score(r, fm, fm))::text, ' | ' ORDER BY fm) AS "FM = 1 .. 5"
  FROM generate_series(1, 5) r, generate_series(1, 5) fm GROUP BY r ORDER BY r DESC;
-- FM = round((F + M) / 2), half up.
SELECT crm.rfm_segment('5-4-5'::crm.rfm_score), crm.rfm_segment('5-4-3'::crm.rfm_score),
       crm.rfm_segment('5-1-2'::crm.rfm_score), crm.rfm_segment('1-5-4'::crm.rfm_score);
-- Other scales map to 1..5 by the middle of each band.
SELECT crm.rfm_segment('10-10-10', 10), crm.rfm_segment('1-1-1', 10), crm.rfm_segment('3-1-1', 3),
       crm.rfm_segment('2-2-2', 3), crm.rfm_segment('9-8-7', 10);
SELECT crm.rfm_segment('6-1-1', 5);
SELECT crm.rfm_segment('1-1-1', 2);
SELECT s, crm.rfm_label(s), crm.rfm_label(s, 'zh') FROM unnest(enum_range(NULL::crm.rfm_segment)) s;
SELECT crm.rfm_label('Champions'::crm.rfm_segment, 'fr');

-- The 8-class scheme.
SELECT r, f, m, crm.rfm_class(r, f, m), crm.rfm_label(crm.rfm_class(r, f, m), 'zh')
  FROM (VALUES (true), (false)) a(r), (VALUES (true), (false)) b(f), (VALUES (true), (false)) c(m)
 ORDER BY m DESC, r DESC, f DESC;
-- Against the population means (recency below, F and M above; equal is not above).
SELECT customer, recency_days, frequency, monetary, crm.rfm_class(recency_days, frequency, monetary, th)
  FROM pop, (SELECT crm.rfm_thresholds_agg(recency_days, frequency, monetary) AS th FROM pop) t
 WHERE recency_days IS NOT NULL ORDER BY customer;
-- mean recency exactly 10, frequency 2, monetary 50: equal values are not "better"
SELECT crm.rfm_class(10, 2, 50, th), crm.rfm_class(9, 3, 50.01, th)
  FROM (SELECT crm.rfm_thresholds_agg(r, f, m) AS th FROM (VALUES (5, 1, 25.0), (15, 3, 75.0)) v(r, f, m)) x;
SELECT crm.rfm_class(1, 1, 1.0, crm.rfm_thresholds('{90,30}', '{2,3}', '{100,200}'));

-- From crm.rfm_agg output directly.
SELECT crm.rfm_score(s, th), crm.rfm_class(s, th)
  FROM (SELECT crm.rfm_agg(d, 10.0, DATE '2024-01-31') AS s FROM (VALUES (DATE '2024-01-01')) v(d)) a,
       (SELECT crm.rfm_thresholds_agg(30, 1, 10.0) AS th) t;
