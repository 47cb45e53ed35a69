--
-- RFM edge inputs found by QA: NaN amounts and bounds (R1), malformed
-- thresholds (R2), infinite and future order times (R3), ties (R4).
--
CREATE SCHEMA rfm_edge_t;

-- R1: a NaN monetary value has no rank; it is rejected by the scoring
-- functions (22003) and as a bound (22023).
SELECT crm.rfm_score(1, 1, 'NaN', crm.rfm_thresholds('{90,30}', '{2,3}', '{100,200}'));
SELECT crm.rfm_class(1, 1, 'NaN', th)
  FROM (SELECT crm.rfm_thresholds_agg(g, g, g) AS th FROM generate_series(1, 10) g) x;
SELECT crm.rfm_score(1, 1, 'Infinity', crm.rfm_thresholds('{90,30}', '{2,3}', '{100,200}')) AS inf_is_top;
SELECT crm.rfm_thresholds('{90,30}', '{2,3}', '{100,NaN}');
SELECT crm.rfm_score(1, 1, 1.0, ROW(3, '{90,30}', '{2,3}', '{100,NaN}', NULL, NULL, NULL, NULL)::crm.rfm_thresholds);
-- Order rows with a NaN or infinite amount are ignored, like NULL amounts,
-- by crm.rfm() and the tracked view, which agree with crm.rfm_agg.
CREATE TABLE rfm_edge_t.o (c bigint, at date, amt numeric);
INSERT INTO rfm_edge_t.o VALUES (1, '2024-01-01', 10), (2, '2024-02-01', 5), (2, '2024-03-01', 'NaN'),
  (3, '2024-01-01', 'NaN'), (4, '2024-04-01', 'Infinity'), (4, '2024-04-02', 7), (5, '2024-05-01', '-Infinity');
SELECT customer_id, recency_days, frequency, monetary, orders, refunds, score
  FROM crm.rfm('rfm_edge_t.o', 'c', 'at', 'amt', DATE '2024-06-01') ORDER BY 1;
SELECT c, (s).recency_days, (s).frequency, (s).monetary, (s).orders, (s).refunds
  FROM (SELECT c, crm.rfm_agg(at, amt, DATE '2024-06-01') AS s FROM rfm_edge_t.o GROUP BY c) x
 WHERE s IS NOT NULL ORDER BY 1;
SELECT crm.rfm_track('rfm_edge_t.o', 'c', 'at', 'amt');
INSERT INTO rfm_edge_t.o VALUES (6, '2024-05-05', 'NaN'), (2, '2024-05-05', 'Infinity');
-- Pending log rows and folded rows alike.
SELECT c, frequency, monetary, orders, refunds FROM rfm_edge_t.o_rfm ORDER BY 1;
SELECT crm.rfm_refresh('rfm_edge_t.o');
SELECT c, frequency, monetary, orders, refunds FROM rfm_edge_t.o_rfm ORDER BY 1;
SELECT crm.rfm_rebuild('rfm_edge_t.o');
SELECT c, frequency, monetary, orders, refunds FROM rfm_edge_t.o_rfm ORDER BY 1;
SELECT crm.rfm_untrack('rfm_edge_t.o');

-- R2: hand-built thresholds are checked like crm.rfm_thresholds(): arrays of
-- one dimension, bounds in order (equal bounds skip a score, as quantile
-- bounds of a wide tie do; NULL bounds, unreachable scores, come last).
SELECT crm.rfm_score(1, 1, 1.0, ROW(3, '{{1,2}}', '{{1,2}}', '{{1,2}}', NULL, NULL, NULL, NULL)::crm.rfm_thresholds);
SELECT crm.rfm_score(1, 1, 1.0, ROW(3, '{90,30}', '{2,3}', '{{1,2}}', NULL, NULL, NULL, NULL)::crm.rfm_thresholds);
SELECT crm.rfm_score(1, 1, 1.0, ROW(3, '{30,90}', '{2,3}', '{1,2}', NULL, NULL, NULL, NULL)::crm.rfm_thresholds);
SELECT crm.rfm_score(1, 1, 1.0, ROW(3, '{90,30}', '{5,2}', '{1,2}', NULL, NULL, NULL, NULL)::crm.rfm_thresholds);
SELECT crm.rfm_score(1, 1, 1.0, ROW(3, '{90,30}', '{2,5}', '{2,1.5}', NULL, NULL, NULL, NULL)::crm.rfm_thresholds);
SELECT crm.rfm_score(1, 1, 1.0, ROW(3, '{NULL,30}', '{2,5}', '{1,2}', NULL, NULL, NULL, NULL)::crm.rfm_thresholds);
SELECT crm.rfm_class(1, 1, 1.0, ROW(3, '{90,30}', '{NULL,5}', '{1,2}', 1, 1, 1, 3)::crm.rfm_thresholds);
-- Accepted: equal bounds, trailing NULL bounds.
SELECT crm.rfm_score(30, 5, 2.0, ROW(4, '{90,30,30}', '{2,5,NULL}', '{1,2,2}', NULL, NULL, NULL, NULL)::crm.rfm_thresholds);

-- R4: ties get the NTILE bucket of the middle of the tied group.  20
-- customers who bought the day before the as-of date for 1000 each, and one
-- who bought 400 days before for 1: the 20 are in the middle (3-3-3), not
-- "Lost" like the old customer.
CREATE TABLE rfm_edge_t.e1 (c int, a date, m numeric);
INSERT INTO rfm_edge_t.e1 SELECT g, DATE '2024-06-01' - 1, 1000 FROM generate_series(1, 20) g;
INSERT INTO rfm_edge_t.e1 VALUES (21, DATE '2024-06-01' - 400, 1);
SELECT customer_id = 21 AS old, recency_days, score, segment, class, count(*)
  FROM crm.rfm('rfm_edge_t.e1', 'c', 'a', 'm', DATE '2024-06-01') GROUP BY 1, 2, 3, 4, 5 ORDER BY 1;
WITH c AS (SELECT c, crm.rfm_agg(a, m, DATE '2024-06-01') AS s FROM rfm_edge_t.e1 GROUP BY c),
     t AS (SELECT crm.rfm_thresholds_agg((s).recency_days, (s).frequency, (s).monetary) AS th FROM c)
SELECT (th).r_max, (th).f_min, (th).m_min, c = 21 AS old, crm.rfm_score(s, th), count(*)
  FROM c, t GROUP BY 1, 2, 3, 4, 5 ORDER BY 4;
-- All equal: everyone in the middle bucket, on any scale.
SELECT n, crm.rfm_score(1, 2, 10, th) AS score, (th).r_max, (th).f_min
  FROM (SELECT n, crm.rfm_thresholds_agg(1, 2, 10.0, n) AS th
          FROM generate_series(1, 20) g, (VALUES (3), (5), (10)) v(n) GROUP BY n) x ORDER BY n;
-- A population of one: a single row is distinct, so it gets NTILE's bucket
-- 1 (scores are relative; use fixed thresholds for a tiny population).
SELECT crm.rfm_score(1, 2, 10, crm.rfm_thresholds_agg(1, 2, 10.0)) AS one_customer;
-- Two tied at the top above one: the tie's middle rank (2 of 0..2) is bucket 3 of 3.
SELECT r, crm.rfm_score(r, 1, 1, th)
  FROM (SELECT crm.rfm_thresholds_agg(r, 1, 1, 3) AS th FROM (VALUES (5), (5), (9)) v(r)) x,
       (VALUES (5), (9)) w(r);
-- Distinct values: exactly NTILE(n), whatever n.
SELECT n, count(*) FILTER (WHERE crm.rfm_f(crm.rfm_score(r, f, m, th)) <> nt_f
                              OR crm.rfm_r(crm.rfm_score(r, f, m, th)) <> nt_r) AS differences
  FROM (SELECT n, r, f, m, ntile(n) OVER (PARTITION BY n ORDER BY f) AS nt_f,
               ntile(n) OVER (PARTITION BY n ORDER BY r DESC) AS nt_r
          FROM (SELECT g AS r, g * 7 % 101 AS f, g::numeric AS m FROM generate_series(1, 101) g) d,
               (VALUES (3), (5), (7), (10)) v(n)) x
  JOIN (SELECT n, crm.rfm_thresholds_agg(g, g * 7 % 101, g::numeric, n) AS th
          FROM generate_series(1, 101) g, (VALUES (3), (5), (7), (10)) v(n) GROUP BY n) t USING (n)
 GROUP BY n ORDER BY n;

-- R3: infinite order times are ignored everywhere, and orders dated after
-- the as-of date (today for the tracked view) are not counted, so the
-- tracked view equals crm.rfm(..., current_date) on the same data.
CREATE TABLE rfm_edge_t.tt (c bigint, a timestamptz, m numeric);
SELECT crm.rfm_track('rfm_edge_t.tt', 'c', 'a', 'm');
CREATE FUNCTION rfm_edge_t.tt_differences() RETURNS bigint LANGUAGE sql AS $$
  SELECT count(*) FROM (
    (SELECT c, recency_days, frequency, monetary, avg_monetary, first_purchase, last_purchase,
            tenure_days, orders, refunds, score, segment, class FROM rfm_edge_t.tt_rfm
     EXCEPT ALL
     SELECT * FROM crm.rfm('rfm_edge_t.tt', 'c', 'a', 'm', current_date))
    UNION ALL
    (SELECT * FROM crm.rfm('rfm_edge_t.tt', 'c', 'a', 'm', current_date)
     EXCEPT ALL
     SELECT c, recency_days, frequency, monetary, avg_monetary, first_purchase, last_purchase,
            tenure_days, orders, refunds, score, segment, class FROM rfm_edge_t.tt_rfm)) d $$;
INSERT INTO rfm_edge_t.tt VALUES (1, current_date - 30, 10), (2, 'infinity', 5), (3, current_date - 10, 'NaN'),
  (4, '-infinity', 1), (5, current_date - 20, 1e300), (7, current_date - 200, 3), (8, current_date - 60, 4);
-- Pending in the log, then folded, then rebuilt: the view is readable and exact.
SELECT count(*) AS customers, rfm_edge_t.tt_differences() AS differences FROM rfm_edge_t.tt_rfm;
SELECT crm.rfm_refresh('rfm_edge_t.tt');
SELECT count(*) AS customers, rfm_edge_t.tt_differences() AS differences FROM rfm_edge_t.tt_rfm;
-- Future-dated orders: a new customer only in the future, a known one with
-- a future order too (its recency and scores stay those of today).
INSERT INTO rfm_edge_t.tt VALUES (6, now() + interval '5 years', 3), (7, now() + interval '3 days', 100);
SELECT c, recency_days >= 0 AS not_negative, frequency, orders, CASE WHEN c <> 5 THEN monetary END AS monetary_not_5
  FROM rfm_edge_t.tt_rfm ORDER BY 1;
SELECT rfm_edge_t.tt_differences() AS differences_pending;
SELECT crm.rfm_refresh('rfm_edge_t.tt');
SELECT c, recency_days >= 0 AS not_negative, frequency, orders, CASE WHEN c <> 5 THEN monetary END AS monetary_not_5
  FROM rfm_edge_t.tt_rfm ORDER BY 1;
SELECT rfm_edge_t.tt_differences() AS differences_folded;
SELECT crm.rfm_rebuild('rfm_edge_t.tt');
SELECT rfm_edge_t.tt_differences() AS differences_rebuilt;
-- Deleting the future order of customer 7 changes nothing visible.
DELETE FROM rfm_edge_t.tt WHERE c = 7 AND a > now();
SELECT rfm_edge_t.tt_differences() AS differences_after_delete, count(*) AS customers FROM rfm_edge_t.tt_rfm;
SELECT crm.rfm_untrack('rfm_edge_t.tt');

DROP SCHEMA rfm_edge_t CASCADE;
