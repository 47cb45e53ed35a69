-- churn_bgnbd: the BG/NBD model against the published CDNOW results.
-- Data: test/data/cdnow/cdnow_customers_summary.csv, the 2,357-customer
-- 39-week calibration summary of Fader, Hardie & Lee (2005), in weeks.
SET extra_float_digits = 0;
CREATE SCHEMA churn_test;
CREATE TABLE churn_test.cdnow (id int, x float8, t_x float8, "T" float8);
\copy churn_test.cdnow FROM PROGRAM 'grep . test/data/cdnow/cdnow_customers_summary.csv' CSV HEADER
SELECT count(*) AS customers, count(*) FILTER (WHERE x > 0) AS repeaters FROM churn_test.cdnow;

-- The fit reproduces the published r = 0.243, alpha = 4.414, a = 0.793,
-- b = 2.426 and log-likelihood -9582.4 to the published precision.
CREATE TABLE churn_test.bg AS SELECT crm.bgnbd_fit(x, t_x, "T") AS m FROM churn_test.cdnow;
SELECT round((m).r::numeric, 3) AS r, round((m).alpha::numeric, 3) AS alpha,
       round((m).a::numeric, 3) AS a, round((m).b::numeric, 3) AS b,
       round((m).log_likelihood::numeric, 1) AS log_likelihood,
       (m).customers, (m).converged, (m).iterations < 100 AS few_iterations
  FROM churn_test.bg;
-- ... and CLVTools' own MLE (0.2425945, 4.4136019, 0.7929199, 2.4258881)
-- within its relative tolerance 1e-3.
SELECT abs((m).r / 0.2425945 - 1) < 1e-3 AS r_ok, abs((m).alpha / 4.4136019 - 1) < 1e-3 AS alpha_ok,
       abs((m).a / 0.7929199 - 1) < 1e-3 AS a_ok, abs((m).b / 2.4258881 - 1) < 1e-3 AS b_ok
  FROM churn_test.bg;

-- The closed-form log-likelihood at the published parameters: -9582.4268
-- (recomputed in REFERENCE_VALUES.md).
SELECT round(sum(crm.bgnbd_loglik(crm.bgnbd_model(0.243, 4.414, 0.793, 2.426), x, t_x, "T"))::numeric, 4) AS ll_published
  FROM churn_test.cdnow;

-- Single-customer log-likelihood (pymc-marketing test_numerically_stable_logp):
-- -0.59947382 for (x=0, t_x=0, T=40), 100.7957 for the hard case x = 200.
SELECT round(crm.bgnbd_loglik(crm.bgnbd_model(0.25, 4.0, 0.80, 2.50), 0, 0, 40)::numeric, 8) AS ll_x0,
       round(crm.bgnbd_loglik(crm.bgnbd_model(0.25, 4.0, 0.80, 2.50), 200, 38, 40)::numeric, 5) AS ll_x200,
       crm.bgnbd_loglik(crm.bgnbd_model(0.25, 4.0, 0.80, 2.50), 100000, 38, 40) > -1e300 AS ll_x100000_finite;

-- Customer 1 (x=2, t_x=30.43, T=38.86) at the published parameters:
-- P(alive) 0.72658 and E[Y(39)] 1.22603; 1.226 with the fitted model.
SELECT round(crm.bgnbd_p_alive(crm.bgnbd_model(0.243, 4.414, 0.793, 2.426), 2, 30.43, 38.86)::numeric, 5) AS p_alive,
       round(crm.bgnbd_conditional_purchases(crm.bgnbd_model(0.243, 4.414, 0.793, 2.426), 2, 30.43, 38.86, 39)::numeric, 5) AS expected_39;
SELECT round(crm.bgnbd_conditional_purchases(m, 2, 30.43, 38.86, 39)::numeric, 3) AS expected_39_fitted FROM churn_test.bg;
-- P(alive) is exactly 1 without repeat purchases.
SELECT crm.bgnbd_p_alive(m, 0, 0, 38.86) AS p_alive_x0 FROM churn_test.bg;
-- P(alive) stays in (0, 1] and E[Y] finite for every customer.
SELECT bool_and(crm.bgnbd_p_alive(m, x, t_x, "T") > 0 AND crm.bgnbd_p_alive(m, x, t_x, "T") <= 1) AS p_alive_range,
       round(sum(crm.bgnbd_conditional_purchases(m, x, t_x, "T", 39))::numeric, 1) AS total_expected_39
  FROM churn_test.cdnow, churn_test.bg;

-- E[X(t)] of a new customer (Hardie's spreadsheet, lifetimes, decimal=3):
-- 0.0078, 0.0532, 0.1506, 1.0405, 1.0437, 1.8576 with the fitted model.
SELECT t, round(crm.bgnbd_expected_purchases(m, t)::numeric, 4) AS expected,
       abs(crm.bgnbd_expected_purchases(m, t) - e) < 1.5e-3 AS within_published
  FROM churn_test.bg,
       unnest(ARRAY[0.1429, 1, 3, 31.8571, 32, 78]::float8[], ARRAY[0.0078, 0.0532, 0.1506, 1.0405, 1.0437, 1.8576]::float8[]) AS v(t, e);

-- P(X(t) = n) with (0.243, 4.414, 0.793, 2.426), from the R BTYD manual:
-- P(X(2)=10) = 1.07869e-07, P(X(39)=0) = 0.5737864, and n = 11..20 at t = 30.
SELECT round((crm.bgnbd_probability(crm.bgnbd_model(0.243, 4.414, 0.793, 2.426), 10, 2) * 1e12)::numeric) AS p_2_10_e12,
       round(crm.bgnbd_probability(crm.bgnbd_model(0.243, 4.414, 0.793, 2.426), 0, 39)::numeric, 7) AS p_39_0;
SELECT n, round(crm.bgnbd_probability(crm.bgnbd_model(0.243, 4.414, 0.793, 2.426), n, 30)::numeric, 10) AS p
  FROM generate_series(11, 20) AS n;
-- the probabilities of all n sum to 1
SELECT round(sum(crm.bgnbd_probability(crm.bgnbd_model(0.243, 4.414, 0.793, 2.426), n, 10))::numeric, 9) AS total
  FROM generate_series(0, 400) AS n;

-- Identical histories are grouped: the model is the same whether each
-- customer appears once or the data set is repeated (only customers differ).
SELECT round((m).r::numeric, 6) = round((SELECT (m).r FROM churn_test.bg)::numeric, 6) AS same_r,
       (m).customers
  FROM (SELECT crm.bgnbd_fit(x, t_x, "T") AS m
          FROM churn_test.cdnow, generate_series(1, 3)) s;

-- Parallel: the plan has a partial aggregate and the result equals the serial one.
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET parallel_leader_participation = off;
EXPLAIN (COSTS OFF) SELECT crm.bgnbd_fit(x, t_x, "T") FROM churn_test.cdnow;
SELECT crm.bgnbd_fit(x, t_x, "T") = (SELECT m FROM churn_test.bg) AS parallel_equals_serial
  FROM churn_test.cdnow;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
RESET parallel_leader_participation;

-- NULL rows are skipped; empty input gives NULL.
SELECT crm.bgnbd_fit(x, t_x, "T") IS NULL AS empty_is_null FROM churn_test.cdnow WHERE false;
SELECT crm.bgnbd_fit(x, t_x, "T") IS NULL AS all_null_is_null FROM (VALUES (NULL::float8, 1::float8, 2::float8)) v(x, t_x, "T");
SELECT (crm.bgnbd_fit(x, t_x, "T")).customers AS nulls_skipped
  FROM (SELECT x, t_x, "T" FROM churn_test.cdnow UNION ALL SELECT NULL, 1, 2) s;
SELECT crm.bgnbd_p_alive(NULL, 1, 1, 2) IS NULL AS strict_null;

-- Bad input: clear errors, never NaN.
SELECT crm.bgnbd_fit(x, t_x, "T") FROM (VALUES (-1::float8, 0::float8, 5::float8)) v(x, t_x, "T");
SELECT crm.bgnbd_fit(x, t_x, "T") FROM (VALUES (1::float8, 6::float8, 5::float8)) v(x, t_x, "T");
SELECT crm.bgnbd_fit(x, t_x, "T") FROM (VALUES (0::float8, 2::float8, 5::float8)) v(x, t_x, "T");
SELECT crm.bgnbd_fit(x, t_x, "T") FROM (VALUES (1.5::float8, 2::float8, 5::float8)) v(x, t_x, "T");
SELECT crm.bgnbd_fit(x, t_x, "T") FROM (VALUES (1::float8, 'NaN'::float8, 5::float8)) v(x, t_x, "T");
SELECT crm.bgnbd_fit(x, t_x, "T") FROM (VALUES (1::float8, 2::float8, 'Infinity'::float8)) v(x, t_x, "T");
SELECT crm.bgnbd_fit(0, 0, "T") FROM churn_test.cdnow;
SELECT crm.bgnbd_p_alive(crm.bgnbd_model(0.243, 4.414, 0.793, 2.426), 2, 40, 38.86);
SELECT crm.bgnbd_p_alive(ROW(0, 4.414, 0.793, 2.426, NULL, NULL, NULL, NULL)::crm.bgnbd_model, 2, 30, 38.86);
SELECT crm.bgnbd_p_alive(ROW('NaN', 4.414, 0.793, 2.426, NULL, NULL, NULL, NULL)::crm.bgnbd_model, 2, 30, 38.86);
-- the constructor rejects what every consumer would reject (QA C4)
SELECT crm.bgnbd_model(0, 1, 1, 1);
SELECT crm.bgnbd_model(-1, 1, 1, 1);
SELECT crm.bgnbd_model('NaN', 1, 1, 1);
SELECT crm.bgnbd_model('Infinity', 1, 1, 1);
SELECT crm.bgnbd_model(1, 0, 1, 1);
SELECT crm.bgnbd_model(1, 1, '-Infinity', 1);
SELECT crm.bgnbd_model(1, 1, 1, 'NaN');
SELECT crm.bgnbd_model(0.243, 4.414, 0.793, 2.426) AS published_model;
SELECT crm.bgnbd_model(NULL, 1, 1, 1) IS NULL AS constructor_strict;
SELECT crm.bgnbd_p_alive(ROW(NULL, 1, 1, 1, NULL, NULL, NULL, NULL)::crm.bgnbd_model, 2, 30, 38.86);
SELECT crm.bgnbd_expected_purchases(crm.bgnbd_model(0.243, 4.414, 0.793, 2.426), -1);
SELECT crm.bgnbd_probability(crm.bgnbd_model(0.243, 4.414, 0.793, 2.426), -1, 2);
-- extreme parameters: an error, never NaN or infinity
SELECT crm.bgnbd_conditional_purchases(crm.bgnbd_model(1, 1, 1e300, 1), 0, 0, 10, 10);
SELECT crm.bgnbd_expected_purchases(crm.bgnbd_model(1e300, 1, 1, 1), 10);
SELECT crm.bgnbd_probability(crm.bgnbd_model(1, 1e300, 1, 1), 0, 1e-300) AS p_no_purchase;
-- a million purchases in 38 weeks, a horizon of a million weeks: finite and
-- exact (mpmath at 50 digits: 33996581.4682) (QA C3)
SELECT v > 0 AND v < 'Infinity' AS finite_forecast, round(v::numeric) AS expected
  FROM crm.bgnbd_conditional_purchases(crm.bgnbd_model(0.243, 4.414, 0.793, 2.426), 1e6, 38, 38, 1e6) v;

-- Degenerate populations (QA C1): one customer, or every customer with the
-- same history, is an error; a few customers whose likelihood rises towards
-- the edge of the parameter space give converged = false with a WARNING,
-- never a "converged" model with meaningless parameters.
SELECT crm.bgnbd_fit(5, 5, 5) FROM generate_series(1, 10);
SELECT crm.bgnbd_fit(1, 1, 2);
SELECT (m).converged, (m).customers, (m).a > 1e6 AS a_ran_off
  FROM (SELECT crm.bgnbd_fit(x, t_x, "T") AS m
          FROM (VALUES (1::float8, 1::float8, 2::float8), (1, 1, 2), (0, 0, 2), (0, 0, 2)) v(x, t_x, "T")) s;
SELECT (m).converged, (m).customers, (m).iterations > 0 AS iterated, (m).log_likelihood < 0 AS ll_negative
  FROM (SELECT crm.bgnbd_fit(x, t_x, "T") AS m
          FROM (VALUES (1::float8, 1::float8, 2::float8), (0, 0, 2)) v(x, t_x, "T")) s;
SELECT (m).converged, (m).customers
  FROM (SELECT crm.bgnbd_fit(g, 5, 5) AS m FROM generate_series(1, 10) g) s;
-- the published cohort is far from the edge: converged (checked above); so
-- is a random half of it
SELECT (m).converged, (m).customers
  FROM (SELECT crm.bgnbd_fit(x, t_x, "T") AS m FROM churn_test.cdnow WHERE id % 2 = 0) s;

-- A fit that cannot converge in the allowed iterations is returned with
-- converged = false and a WARNING.
SET crm_profile.churn_max_iterations = 3;
SELECT (m).converged, (m).iterations FROM (SELECT crm.bgnbd_fit(x, t_x, "T") AS m FROM churn_test.cdnow) s;
RESET crm_profile.churn_max_iterations;
