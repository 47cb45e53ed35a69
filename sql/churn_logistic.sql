-- churn_logistic: logistic regression for labelled churn, predict, AUC.
SET extra_float_digits = 0;
CREATE SCHEMA churn_lr;

-- One binary feature: the unpenalised maximum-likelihood fit is exact, the
-- log-odds of each group: 30/70 churn without the feature, 60/40 with it.
CREATE TABLE churn_lr.binary AS
SELECT (i <= 30) AS churned, ARRAY[0]::float8[] AS f FROM generate_series(1, 100) i
UNION ALL
SELECT (i <= 60), ARRAY[1]::float8[] FROM generate_series(1, 100) i;
SELECT round((m).intercept::numeric, 6) AS intercept, (m).means, (m).scales,
       round(((m).coefficients[1] / (m).scales[1])::numeric, 6) AS slope,
       round(ln(0.6 / 0.4) - ln(0.3 / 0.7), 6) AS slope_exact,
       round(((m).intercept - (m).coefficients[1] * (m).means[1] / (m).scales[1])::numeric, 6) AS intercept_original,
       round(ln(0.3 / 0.7), 6) AS intercept_exact,
       round((m).log_likelihood::numeric, 4) AS ll,
       round((100 * (0.3 * ln(0.3) + 0.7 * ln(0.7)) + 100 * (0.6 * ln(0.6) + 0.4 * ln(0.4)))::numeric, 4) AS ll_exact,
       (m).observations, (m).converged
  FROM (SELECT crm.logistic_fit(churned, f, 0) AS m FROM churn_lr.binary) s;
-- predictions are the group rates
SELECT round(crm.logistic_predict(m, ARRAY[0]::float8[])::numeric, 6) AS p0,
       round(crm.logistic_predict(m, ARRAY[1]::float8[])::numeric, 6) AS p1
  FROM (SELECT crm.logistic_fit(churned, f, 0) AS m FROM churn_lr.binary) s;
-- L2 shrinks the standardised coefficient towards 0, monotonically
SELECT lambda, round((m).coefficients[1]::numeric, 6) AS coefficient
  FROM unnest(ARRAY[0, 0.1, 1, 10]::float8[]) AS lambda,
       LATERAL (SELECT crm.logistic_fit(churned, f, lambda) AS m FROM churn_lr.binary) s
 ORDER BY lambda;

-- Several features on different scales (standardisation makes them comparable).
CREATE TABLE churn_lr.customers AS
SELECT i,
       ARRAY[(i % 17)::float8, ((i * 7) % 13) * 100.0, ((i * 11) % 5)::float8 / 1000]::float8[] AS f,
       ((i * 37) % 100) < 100 / (1 + exp(-(-1 + 0.3 * (i % 17) - 0.002 * ((i * 7) % 13) * 100.0))) AS churned
  FROM generate_series(1, 3000) i;
CREATE TABLE churn_lr.model AS
SELECT crm.logistic_fit(churned, f, 0.01) AS m FROM churn_lr.customers;
SELECT round((m).intercept::numeric, 4) AS intercept,
       (SELECT array_agg(round(c::numeric, 4)) FROM unnest((m).coefficients) c) AS coefficients,
       (SELECT array_agg(round(c::numeric, 4)) FROM unnest((m).means) c) AS means,
       (SELECT array_agg(round(c::numeric, 4)) FROM unnest((m).scales) c) AS scales,
       (m).lambda, (m).observations, (m).converged, (m).iterations < 20 AS few_iterations
  FROM churn_lr.model;
-- the signs follow the generating model; AUC well above chance
SELECT (m).coefficients[1] > 0 AS f1_positive, (m).coefficients[2] < 0 AS f2_negative FROM churn_lr.model;
SELECT round(crm.auc(crm.logistic_predict(m, f), churned)::numeric, 4) AS auc
  FROM churn_lr.customers, churn_lr.model;

-- Parallel: partial aggregates, same model and AUC.
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET parallel_leader_participation = off;
EXPLAIN (COSTS OFF) SELECT crm.logistic_fit(churned, f, 0.01) FROM churn_lr.customers;
SELECT round((crm.logistic_fit(churned, f, 0.01)).intercept::numeric, 8) = round((SELECT (m).intercept FROM churn_lr.model)::numeric, 8) AS parallel_equal
  FROM churn_lr.customers;
EXPLAIN (COSTS OFF) SELECT crm.auc(i::float8, churned) FROM churn_lr.customers;
SELECT crm.auc(i::float8, churned) = (SELECT crm.auc(i::float8, churned) FROM (SELECT * FROM churn_lr.customers ORDER BY i) o) AS auc_parallel_equal
  FROM churn_lr.customers;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
RESET parallel_leader_participation;

-- AUC: exact values, ties count one half, NULL rows skipped.
SELECT crm.auc(s, l) AS perfect FROM (VALUES (1, false), (2, false), (3, true), (4, true)) v(s, l);
SELECT crm.auc(s, l) AS reversed FROM (VALUES (1, true), (2, true), (3, false), (4, false)) v(s, l);
SELECT crm.auc(s, l) AS ties FROM (VALUES (1, true), (2, false), (3, true), (3, false), (NULL, true), (5, NULL)) v(s, l);
SELECT crm.auc(s, l) AS all_tied FROM (VALUES (1, true), (1, false)) v(s, l);
SELECT crm.auc(s, l) IS NULL AS empty_is_null FROM (VALUES (1::float8, true)) v(s, l) WHERE false;
SELECT crm.auc(s, l) FROM (VALUES (1, true), (2, true)) v(s, l);
SELECT crm.auc(s, l) FROM (VALUES ('NaN'::float8, true), (2, false)) v(s, l);

-- Bad input and degenerate data.
SELECT crm.logistic_fit(l, f, 0) IS NULL AS empty_is_null FROM (VALUES (true, ARRAY[1]::float8[])) v(l, f) WHERE false;
SELECT crm.logistic_fit(l, f, 0) FROM (VALUES (true, ARRAY[1]::float8[]), (true, ARRAY[2]::float8[])) v(l, f);
SELECT crm.logistic_fit(l, f, 0) FROM (VALUES (true, ARRAY[1]::float8[]), (false, ARRAY[2, 3]::float8[])) v(l, f);
SELECT crm.logistic_fit(l, f, 0) FROM (VALUES (true, ARRAY[1, NULL]::float8[])) v(l, f);
SELECT crm.logistic_fit(l, f, 0) FROM (VALUES (true, ARRAY['Infinity']::float8[])) v(l, f);
SELECT crm.logistic_fit(l, f, -1) FROM (VALUES (true, ARRAY[1]::float8[])) v(l, f);
SELECT crm.logistic_fit(l, f, NULL) FROM (VALUES (true, ARRAY[1]::float8[])) v(l, f);
SELECT crm.logistic_fit(l, f, 0) FROM (VALUES (true, ARRAY[[1, 2]]::float8[])) v(l, f);
SELECT crm.logistic_fit(true, array_fill(1::float8, ARRAY[1001]), 0);
SELECT crm.logistic_predict(m, ARRAY[1, 2]::float8[]) FROM churn_lr.model;
-- a constant feature gets scale 1 and coefficient 0
SELECT (m).scales[2] AS constant_scale, round((m).coefficients[2]::numeric, 8) AS constant_coefficient, (m).converged
  FROM (SELECT crm.logistic_fit(churned, ARRAY[f[1], 5]::float8[], 0) AS m FROM churn_lr.binary) s;
-- separable classes without a penalty: not converged, with a WARNING
SET crm_profile.churn_max_iterations = 30;
SELECT (m).converged, (m).iterations
  FROM (SELECT crm.logistic_fit(x > 5, ARRAY[x]::float8[], 0) AS m FROM generate_series(1, 10) x) s;
RESET crm_profile.churn_max_iterations;
-- the same data with a penalty converges
SELECT (m).converged FROM (SELECT crm.logistic_fit(x > 5, ARRAY[x]::float8[], 0.1) AS m FROM generate_series(1, 10) x) s;
-- features whose variance overflows float8 are standardised stably (QA C2):
-- the model is that of the same feature divided by 1e300 (standardisation
-- makes the fit scale-free), with a finite scale, and it predicts
SELECT (big).scales[1] < 'Infinity' AS finite_scale,
       round(((big).scales[1] / 1e300)::numeric, 6) AS scale_e300,
       round(((big).coefficients[1] - (small).coefficients[1])::numeric, 9) AS coefficient_difference,
       (big).converged,
       round(crm.logistic_predict(big, ARRAY[50.5e300])::numeric, 9) = round(crm.logistic_predict(small, ARRAY[50.5])::numeric, 9) AS same_prediction
  FROM (SELECT crm.logistic_fit(g > 50, ARRAY[1e300 * g], 0.01) AS big, crm.logistic_fit(g > 50, ARRAY[g::float8], 0.01) AS small
          FROM generate_series(1, 100) g) s;
SELECT round(((m).means[1] / 1e307)::numeric, 6) AS mean_e307, round(((m).scales[1] / 1e307)::numeric, 6) AS scale_e307
  FROM (SELECT crm.logistic_fit(g > 50, ARRAY[1e306 * g], 0.01) AS m FROM generate_series(1, 100) g) s;
-- deviations from the mean beyond float8: 22003 at fit time
SELECT crm.logistic_fit(l, ARRAY[v], 0)
  FROM (VALUES (true, 1.7e308::float8), (false, 1.7e308), (true, -1.7e308), (false, 1)) q(l, v);

DROP SCHEMA churn_lr CASCADE;
