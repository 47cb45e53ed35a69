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

DROP SCHEMA rfm_edge_t CASCADE;
