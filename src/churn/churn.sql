-- churn area: SQL objects, in dependency order.
-- BG/NBD and Gamma-Gamma models, CLV, purchase summaries, early-warning
-- rules, logistic regression and the per-customer churn scores.

-- ---------------------------------------------------------------- BG/NBD
CREATE TYPE crm.bgnbd_model AS (
  r float8, alpha float8, a float8, b float8,
  log_likelihood float8, customers bigint, iterations integer, converged boolean);
COMMENT ON TYPE crm.bgnbd_model IS
  'A fitted BG/NBD model (Fader, Hardie & Lee 2005): r, alpha (in the time unit of the data), a, b, the log-likelihood, the number of customers, optimiser iterations and whether it converged';

CREATE FUNCTION crm.churn_fit_combine(internal, internal) RETURNS internal
  LANGUAGE C IMMUTABLE PARALLEL SAFE    -- not STRICT: either partial state may be NULL
  AS 'MODULE_PATHNAME', 'crm_churn_fit_combine';
COMMENT ON FUNCTION crm.churn_fit_combine(internal, internal) IS
  'Combine function of crm.bgnbd_fit and crm.gammagamma_fit: merges grouped customer histories';
CREATE FUNCTION crm.churn_fit_serial(internal) RETURNS bytea
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'crm_churn_fit_serial';
COMMENT ON FUNCTION crm.churn_fit_serial(internal) IS
  'Serial function of crm.bgnbd_fit and crm.gammagamma_fit';
CREATE FUNCTION crm.churn_fit_deserial(bytea, internal) RETURNS internal
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'crm_churn_fit_deserial';
COMMENT ON FUNCTION crm.churn_fit_deserial(bytea, internal) IS
  'Deserial function of crm.bgnbd_fit and crm.gammagamma_fit';

CREATE FUNCTION crm.bgnbd_fit_sfunc(internal, float8, float8, float8) RETURNS internal
  LANGUAGE C IMMUTABLE PARALLEL SAFE    -- not STRICT: rows with a NULL are skipped
  AS 'MODULE_PATHNAME', 'crm_bgnbd_fit_sfunc';
COMMENT ON FUNCTION crm.bgnbd_fit_sfunc(internal, float8, float8, float8) IS
  'Transition function of crm.bgnbd_fit: checks a history (x, t_x, T) and counts it into its group';
CREATE FUNCTION crm.bgnbd_fit_final(internal) RETURNS crm.bgnbd_model
  LANGUAGE C STABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'crm_bgnbd_fit_final';
COMMENT ON FUNCTION crm.bgnbd_fit_final(internal) IS
  'Final function of crm.bgnbd_fit: maximum-likelihood fit (reads the crm_profile.churn_* settings)';
CREATE AGGREGATE crm.bgnbd_fit(x float8, t_x float8, "T" float8) (
  SFUNC = crm.bgnbd_fit_sfunc, STYPE = internal,
  COMBINEFUNC = crm.churn_fit_combine, SERIALFUNC = crm.churn_fit_serial,
  DESERIALFUNC = crm.churn_fit_deserial, FINALFUNC = crm.bgnbd_fit_final,
  PARALLEL = SAFE);
COMMENT ON AGGREGATE crm.bgnbd_fit(float8, float8, float8) IS
  'Fits a BG/NBD model to customer histories: x = repeat purchase days, t_x = time of the last one, T = time since the first purchase, all measured from the first purchase in one time unit; NULL on empty input';

CREATE FUNCTION crm.bgnbd_model(r float8, alpha float8, a float8, b float8) RETURNS crm.bgnbd_model
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'crm_bgnbd_model';
COMMENT ON FUNCTION crm.bgnbd_model(float8, float8, float8, float8) IS
  'A BG/NBD model from known parameters (for example published ones), for scoring; each must be a positive finite number';

CREATE FUNCTION crm.bgnbd_loglik(model crm.bgnbd_model, x float8, t_x float8, "T" float8) RETURNS float8
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'crm_bgnbd_loglik';
COMMENT ON FUNCTION crm.bgnbd_loglik(crm.bgnbd_model, float8, float8, float8) IS
  'Log-likelihood of one customer history under a BG/NBD model (numerically stable for large x)';
CREATE FUNCTION crm.bgnbd_p_alive(model crm.bgnbd_model, x float8, t_x float8, "T" float8) RETURNS float8
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'crm_bgnbd_p_alive';
COMMENT ON FUNCTION crm.bgnbd_p_alive(crm.bgnbd_model, float8, float8, float8) IS
  'Probability that a customer with history (x, t_x, T) is still active; 1 when x = 0';
CREATE FUNCTION crm.bgnbd_expected_purchases(model crm.bgnbd_model, t float8) RETURNS float8
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'crm_bgnbd_expected_purchases';
COMMENT ON FUNCTION crm.bgnbd_expected_purchases(crm.bgnbd_model, float8) IS
  'E[X(t)]: expected purchases of a new customer in its first t time units';
CREATE FUNCTION crm.bgnbd_conditional_purchases(model crm.bgnbd_model, x float8, t_x float8, "T" float8, t float8) RETURNS float8
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'crm_bgnbd_conditional_purchases';
COMMENT ON FUNCTION crm.bgnbd_conditional_purchases(crm.bgnbd_model, float8, float8, float8, float8) IS
  'E[Y(t) | x, t_x, T]: expected purchases in the next t time units of a customer with that history';
CREATE FUNCTION crm.bgnbd_probability(model crm.bgnbd_model, n integer, t float8) RETURNS float8
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'crm_bgnbd_probability';
COMMENT ON FUNCTION crm.bgnbd_probability(crm.bgnbd_model, integer, float8) IS
  'P(X(t) = n): probability that a new customer makes exactly n repeat purchases in t time units';

-- ----------------------------------------------------------- Gamma-Gamma
CREATE TYPE crm.gammagamma_model AS (
  p float8, q float8, gamma float8,
  log_likelihood float8, customers bigint, iterations integer, converged boolean,
  spend_correlation float8);
COMMENT ON TYPE crm.gammagamma_model IS
  'A fitted Gamma-Gamma spend model: p, q, gamma, the log-likelihood, customers, iterations, convergence, and the frequency/spend correlation of the data (the model assumes none)';

CREATE FUNCTION crm.gammagamma_fit_sfunc(internal, float8, float8) RETURNS internal
  LANGUAGE C IMMUTABLE PARALLEL SAFE    -- not STRICT: rows with a NULL are skipped
  AS 'MODULE_PATHNAME', 'crm_gammagamma_fit_sfunc';
COMMENT ON FUNCTION crm.gammagamma_fit_sfunc(internal, float8, float8) IS
  'Transition function of crm.gammagamma_fit: checks (x, average spend) and counts it; x = 0 is skipped';
CREATE FUNCTION crm.gammagamma_fit_final(internal) RETURNS crm.gammagamma_model
  LANGUAGE C STABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'crm_gammagamma_fit_final';
COMMENT ON FUNCTION crm.gammagamma_fit_final(internal) IS
  'Final function of crm.gammagamma_fit: maximum-likelihood fit and correlation check (reads the crm_profile.churn_* settings)';
CREATE AGGREGATE crm.gammagamma_fit(x float8, mean_spend float8) (
  SFUNC = crm.gammagamma_fit_sfunc, STYPE = internal,
  COMBINEFUNC = crm.churn_fit_combine, SERIALFUNC = crm.churn_fit_serial,
  DESERIALFUNC = crm.churn_fit_deserial, FINALFUNC = crm.gammagamma_fit_final,
  PARALLEL = SAFE);
COMMENT ON AGGREGATE crm.gammagamma_fit(float8, float8) IS
  'Fits a Gamma-Gamma spend model to (repeat purchase days, average repeat spend); customers with x = 0 are skipped; NULL on empty input; warns when frequency and spend are correlated';

CREATE FUNCTION crm.gammagamma_model(p float8, q float8, gamma float8) RETURNS crm.gammagamma_model
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'crm_gammagamma_model';
COMMENT ON FUNCTION crm.gammagamma_model(float8, float8, float8) IS
  'A Gamma-Gamma model from known parameters, for scoring; each must be a positive finite number';
CREATE FUNCTION crm.gammagamma_loglik(model crm.gammagamma_model, x float8, mean_spend float8) RETURNS float8
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'crm_gammagamma_loglik';
COMMENT ON FUNCTION crm.gammagamma_loglik(crm.gammagamma_model, float8, float8) IS
  'Log-likelihood of one customer''s average spend (x > 0) under a Gamma-Gamma model';
CREATE FUNCTION crm.gammagamma_expected_spend(model crm.gammagamma_model, x float8, mean_spend float8) RETURNS float8
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'crm_gammagamma_expected_spend';
COMMENT ON FUNCTION crm.gammagamma_expected_spend(crm.gammagamma_model, float8, float8) IS
  'Conditional expected average spend given x repeat purchases of average value mean_spend (the population mean when x = 0)';

CREATE FUNCTION crm.clv(bgnbd crm.bgnbd_model, gammagamma crm.gammagamma_model,
                        x float8, t_x float8, "T" float8, mean_spend float8,
                        periods integer, period_length float8,
                        discount_rate float8 DEFAULT 0, margin float8 DEFAULT 1) RETURNS float8
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'crm_clv';
COMMENT ON FUNCTION crm.clv(crm.bgnbd_model, crm.gammagamma_model, float8, float8, float8, float8, integer, float8, float8, float8) IS
  'Customer lifetime value: margin x expected spend x expected purchases per period, over periods of period_length model time units, discounted by (1 + discount_rate) per period';

-- ------------------------------------------------------- purchase summary
CREATE TYPE crm.purchase_summary AS (
  first_purchase date, last_purchase date,
  x integer, t_x float8, "T" float8, mean_spend float8, total_spend float8,
  recent_days integer, recent_spend float8, earlier_days integer, earlier_spend float8,
  earlier_span float8, recent_window float8,
  holdout_x integer, holdout_spend float8, time_unit_days float8);
COMMENT ON TYPE crm.purchase_summary IS
  'One customer''s purchase history as the churn models see it: x repeat purchase days, t_x and T in the time unit, mean repeat spend (first purchase excluded), recent-window and earlier activity, and purchase days and spend after calibration_end (holdout)';

CREATE FUNCTION crm.purchase_summary_sfunc(internal, date, float8, date, interval, interval) RETURNS internal
  LANGUAGE C IMMUTABLE PARALLEL SAFE    -- not STRICT: rows without a day are skipped, a NULL amount counts 0
  AS 'MODULE_PATHNAME', 'crm_purchase_summary_sfunc';
COMMENT ON FUNCTION crm.purchase_summary_sfunc(internal, date, float8, date, interval, interval) IS
  'Transition function of crm.purchase_summary: collects (day, amount)';
CREATE FUNCTION crm.purchase_summary_combine(internal, internal) RETURNS internal
  LANGUAGE C IMMUTABLE PARALLEL SAFE    -- not STRICT: either partial state may be NULL
  AS 'MODULE_PATHNAME', 'crm_purchase_summary_combine';
COMMENT ON FUNCTION crm.purchase_summary_combine(internal, internal) IS
  'Combine function of crm.purchase_summary';
CREATE FUNCTION crm.purchase_summary_serial(internal) RETURNS bytea
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'crm_purchase_summary_serial';
COMMENT ON FUNCTION crm.purchase_summary_serial(internal) IS
  'Serial function of crm.purchase_summary';
CREATE FUNCTION crm.purchase_summary_deserial(bytea, internal) RETURNS internal
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'crm_purchase_summary_deserial';
COMMENT ON FUNCTION crm.purchase_summary_deserial(bytea, internal) IS
  'Deserial function of crm.purchase_summary';
CREATE FUNCTION crm.purchase_summary_final(internal) RETURNS crm.purchase_summary
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'crm_purchase_summary_final';
COMMENT ON FUNCTION crm.purchase_summary_final(internal) IS
  'Final function of crm.purchase_summary: merges same-day orders and computes the summary';
CREATE AGGREGATE crm.purchase_summary(day date, amount float8, calibration_end date,
                                      time_unit interval, recent_window interval) (
  SFUNC = crm.purchase_summary_sfunc, STYPE = internal,
  COMBINEFUNC = crm.purchase_summary_combine, SERIALFUNC = crm.purchase_summary_serial,
  DESERIALFUNC = crm.purchase_summary_deserial, FINALFUNC = crm.purchase_summary_final,
  SSPACE = 256, PARALLEL = SAFE);    -- the state: 144 bytes up to 5 distinct days, then 16 bytes a day more
COMMENT ON AGGREGATE crm.purchase_summary(date, float8, date, interval, interval) IS
  'Per-customer summary of orders (use with GROUP BY customer): frequency = distinct repeat purchase days up to calibration_end, recency and age in time_unit, mean repeat spend, activity in the recent_window before calibration_end, and purchase days after it';

CREATE FUNCTION crm.purchase_summary_numeric_sfunc(internal, date, numeric, date, interval, interval) RETURNS internal
  LANGUAGE C IMMUTABLE PARALLEL SAFE    -- not STRICT: rows without a day are skipped, a NULL amount counts 0
  AS 'MODULE_PATHNAME', 'crm_purchase_summary_numeric_sfunc';
COMMENT ON FUNCTION crm.purchase_summary_numeric_sfunc(internal, date, numeric, date, interval, interval) IS
  'Transition function of crm.purchase_summary for numeric amounts (converted without a text round trip)';
CREATE AGGREGATE crm.purchase_summary(day date, amount numeric, calibration_end date,
                                      time_unit interval, recent_window interval) (
  SFUNC = crm.purchase_summary_numeric_sfunc, STYPE = internal,
  COMBINEFUNC = crm.purchase_summary_combine, SERIALFUNC = crm.purchase_summary_serial,
  DESERIALFUNC = crm.purchase_summary_deserial, FINALFUNC = crm.purchase_summary_final,
  SSPACE = 256, PARALLEL = SAFE);    -- the state: 144 bytes up to 5 distinct days, then 16 bytes a day more
COMMENT ON AGGREGATE crm.purchase_summary(date, numeric, date, interval, interval) IS
  'crm.purchase_summary for numeric amounts (money columns): the same summary, the amount read as float8';

CREATE FUNCTION crm.purchase_summary_tstz_sfunc(internal, timestamptz, float8, date, interval, interval) RETURNS internal
  LANGUAGE C STABLE PARALLEL SAFE    -- not STRICT: rows without a time are skipped, a NULL amount counts 0
  AS 'MODULE_PATHNAME', 'crm_purchase_summary_tstz_sfunc';
COMMENT ON FUNCTION crm.purchase_summary_tstz_sfunc(internal, timestamptz, float8, date, interval, interval) IS
  'Transition function of crm.purchase_summary for timestamptz order times (the day in the session time zone, as ::date)';
CREATE AGGREGATE crm.purchase_summary(ordered_at timestamptz, amount float8, calibration_end date,
                                      time_unit interval, recent_window interval) (
  SFUNC = crm.purchase_summary_tstz_sfunc, STYPE = internal,
  COMBINEFUNC = crm.purchase_summary_combine, SERIALFUNC = crm.purchase_summary_serial,
  DESERIALFUNC = crm.purchase_summary_deserial, FINALFUNC = crm.purchase_summary_final,
  SSPACE = 256, PARALLEL = SAFE);
COMMENT ON AGGREGATE crm.purchase_summary(timestamptz, float8, date, interval, interval) IS
  'crm.purchase_summary over order timestamps: the same summary as over ordered_at::date (the day in the session time zone), without a cast per row';
CREATE FUNCTION crm.purchase_summary_tstz_numeric_sfunc(internal, timestamptz, numeric, date, interval, interval) RETURNS internal
  LANGUAGE C STABLE PARALLEL SAFE    -- not STRICT: rows without a time are skipped, a NULL amount counts 0
  AS 'MODULE_PATHNAME', 'crm_purchase_summary_tstz_numeric_sfunc';
COMMENT ON FUNCTION crm.purchase_summary_tstz_numeric_sfunc(internal, timestamptz, numeric, date, interval, interval) IS
  'Transition function of crm.purchase_summary for timestamptz order times and numeric amounts';
CREATE AGGREGATE crm.purchase_summary(ordered_at timestamptz, amount numeric, calibration_end date,
                                      time_unit interval, recent_window interval) (
  SFUNC = crm.purchase_summary_tstz_numeric_sfunc, STYPE = internal,
  COMBINEFUNC = crm.purchase_summary_combine, SERIALFUNC = crm.purchase_summary_serial,
  DESERIALFUNC = crm.purchase_summary_deserial, FINALFUNC = crm.purchase_summary_final,
  SSPACE = 256, PARALLEL = SAFE);
COMMENT ON AGGREGATE crm.purchase_summary(timestamptz, numeric, date, interval, interval) IS
  'crm.purchase_summary over order timestamps and numeric amounts: the same summary as over ordered_at::date';

CREATE FUNCTION crm.bgnbd_fit_summary_sfunc(internal, crm.purchase_summary) RETURNS internal
  LANGUAGE C IMMUTABLE PARALLEL SAFE    -- not STRICT: NULL rows are skipped
  AS 'MODULE_PATHNAME', 'crm_bgnbd_fit_summary_sfunc';
COMMENT ON FUNCTION crm.bgnbd_fit_summary_sfunc(internal, crm.purchase_summary) IS
  'Transition function of crm.bgnbd_fit(crm.purchase_summary)';
CREATE AGGREGATE crm.bgnbd_fit(summary crm.purchase_summary) (
  SFUNC = crm.bgnbd_fit_summary_sfunc, STYPE = internal,
  COMBINEFUNC = crm.churn_fit_combine, SERIALFUNC = crm.churn_fit_serial,
  DESERIALFUNC = crm.churn_fit_deserial, FINALFUNC = crm.bgnbd_fit_final,
  PARALLEL = SAFE);
COMMENT ON AGGREGATE crm.bgnbd_fit(crm.purchase_summary) IS
  'Fits a BG/NBD model to purchase summaries (x, t_x, T taken from crm.purchase_summary); customers without calibration purchases are skipped';
CREATE FUNCTION crm.gammagamma_fit_summary_sfunc(internal, crm.purchase_summary) RETURNS internal
  LANGUAGE C IMMUTABLE PARALLEL SAFE    -- not STRICT: NULL rows are skipped
  AS 'MODULE_PATHNAME', 'crm_gammagamma_fit_summary_sfunc';
COMMENT ON FUNCTION crm.gammagamma_fit_summary_sfunc(internal, crm.purchase_summary) IS
  'Transition function of crm.gammagamma_fit(crm.purchase_summary)';
CREATE AGGREGATE crm.gammagamma_fit(summary crm.purchase_summary) (
  SFUNC = crm.gammagamma_fit_summary_sfunc, STYPE = internal,
  COMBINEFUNC = crm.churn_fit_combine, SERIALFUNC = crm.churn_fit_serial,
  DESERIALFUNC = crm.churn_fit_deserial, FINALFUNC = crm.gammagamma_fit_final,
  PARALLEL = SAFE);
COMMENT ON AGGREGATE crm.gammagamma_fit(crm.purchase_summary) IS
  'Fits a Gamma-Gamma model to purchase summaries (x, mean_spend from crm.purchase_summary); x = 0 skipped';

-- --------------------------------------------------- early-warning rules
CREATE TABLE crm.churn_rules (
  rule        text PRIMARY KEY,
  kind        text NOT NULL CHECK (kind IN ('spend_drop', 'activity_drop', 'overdue', 'low_p_alive')),
  threshold   float8 NOT NULL CHECK (threshold > 0 AND threshold < 'Infinity'),
  severity    text NOT NULL CHECK (severity IN ('low', 'medium', 'high')),
  enabled     boolean NOT NULL DEFAULT true,
  description text);
COMMENT ON TABLE crm.churn_rules IS
  'Early-warning rules the business sets (spend_drop, activity_drop: recent window below threshold x the earlier average, for customers with at least two earlier purchase days and history longer than the window; overdue: no purchase for threshold x the usual gap; low_p_alive: P(alive) below threshold); when empty, crm.churn_default_rules() apply';
SELECT pg_catalog.pg_extension_config_dump('crm.churn_rules', '');

CREATE FUNCTION crm.churn_default_rules()
  RETURNS TABLE (rule text, kind text, threshold float8, severity text, enabled boolean, description text)
  LANGUAGE sql IMMUTABLE PARALLEL SAFE  -- no arguments, so STRICT would mean nothing
  BEGIN ATOMIC
    SELECT * FROM (VALUES
      ('spend_drop'::text, 'spend_drop'::text, 0.5::float8, 'medium'::text, true,
       'spend in the recent window below 50% of the customer''s earlier average'::text),
      ('activity_drop', 'activity_drop', 0.5, 'low', true,
       'purchase days in the recent window below 50% of the earlier average'),
      ('overdue', 'overdue', 2, 'medium', true,
       'no purchase for twice the customer''s usual gap'),
      ('long_overdue', 'overdue', 4, 'high', true,
       'no purchase for four times the customer''s usual gap'),
      ('likely_gone', 'low_p_alive', 0.3, 'high', true,
       'BG/NBD probability of being active below 30%')) AS r;
  END;
COMMENT ON FUNCTION crm.churn_default_rules() IS
  'The built-in early-warning rules, used while crm.churn_rules is empty; copy them with INSERT INTO crm.churn_rules SELECT * FROM crm.churn_default_rules()';

CREATE TYPE crm.churn_warning AS (reasons text[], risk_band text);
COMMENT ON TYPE crm.churn_warning IS
  'Early-warning result for one customer: the reasons (one per rule that fired) and the risk band low, medium or high';

CREATE FUNCTION crm.churn_warnings(summary crm.purchase_summary, p_alive float8) RETURNS crm.churn_warning
  LANGUAGE C STABLE PARALLEL SAFE       -- not STRICT: a NULL p_alive only skips the low_p_alive rules
  AS 'MODULE_PATHNAME', 'crm_churn_warnings';
COMMENT ON FUNCTION crm.churn_warnings(crm.purchase_summary, float8) IS
  'Applies the early-warning rules (crm.churn_rules, read once per query, or the defaults while it is empty) to one customer''s summary: the reasons, most severe first, and a risk band (high: a high rule or two medium ones; medium: a medium rule or two low ones; else low)';

-- ---------------------------------------- per-customer churn over a table
CREATE FUNCTION crm.churn_check_columns(orders regclass, VARIADIC columns name[]) RETURNS void
  LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  c name;
BEGIN
  FOREACH c IN ARRAY columns LOOP
    IF NOT EXISTS (SELECT 1 FROM pg_attribute
                    WHERE attrelid = orders AND attname = c AND attnum > 0 AND NOT attisdropped) THEN
      RAISE EXCEPTION 'column "%" does not exist in "%"', c, orders
        USING ERRCODE = '42703';
    END IF;
  END LOOP;
END;
$$;
COMMENT ON FUNCTION crm.churn_check_columns(regclass, name[]) IS
  'Raises 42703 unless every named column exists in the table or view (used by crm.churn_scores and crm.churn_holdout)';

CREATE FUNCTION crm.churn_holdout(orders regclass, calibration_end date, holdout_end date,
                                  customer_column name DEFAULT 'customer_id',
                                  time_column name DEFAULT 'ordered_at',
                                  amount_column name DEFAULT 'amount',
                                  time_unit interval DEFAULT '1 week')
  RETURNS TABLE (customer_id bigint, x integer, t_x float8, "T" float8,
                 p_alive float8, predicted float8, actual integer)
  LANGUAGE plpgsql STABLE STRICT PARALLEL RESTRICTED
  SET search_path = pg_catalog, pg_temp
  -- grouping orders by customer: sorted, not hashed (faster and flat in
  -- memory for a million customers; see test/bench/churn/RESULTS.md)
  SET enable_hashagg = off
AS $$
BEGIN
  IF holdout_end <= calibration_end THEN
    RAISE EXCEPTION 'holdout_end "%" must be after calibration_end "%"', holdout_end, calibration_end
      USING ERRCODE = '22023';
  END IF;
  PERFORM crm.churn_check_columns(orders, customer_column, time_column, amount_column);
  RETURN QUERY EXECUTE format($q$
    WITH s AS (
      SELECT %1$I::bigint AS customer_id,
             crm.purchase_summary(%2$I::date, %3$I, $1, $3, '1 day') AS s
        FROM %4$s
       WHERE %2$I::date <= $2
       GROUP BY 1),
    cohort AS (SELECT * FROM s WHERE (s).x IS NOT NULL),
    m AS (SELECT crm.bgnbd_fit((s).x, (s).t_x, (s)."T") AS bg FROM cohort)
    SELECT c.customer_id, (c.s).x, (c.s).t_x, (c.s)."T",
           crm.bgnbd_p_alive(m.bg, (c.s).x, (c.s).t_x, (c.s)."T"),
           crm.bgnbd_conditional_purchases(m.bg, (c.s).x, (c.s).t_x, (c.s)."T",
                                           ($2 - $1) / (c.s).time_unit_days),
           (c.s).holdout_x
      FROM cohort c, m
     ORDER BY c.customer_id$q$,
    customer_column, time_column, amount_column, orders)
  USING calibration_end, holdout_end, time_unit;
END;
$$;
COMMENT ON FUNCTION crm.churn_holdout(regclass, date, date, name, name, name, interval) IS
  'Calibration/holdout check: fits BG/NBD on the orders up to calibration_end and returns, per customer of that cohort, the predicted and the actual purchase days in (calibration_end, holdout_end]; sum() the columns for totals';

CREATE FUNCTION crm.churn_scores(orders regclass,
                                 customer_column name DEFAULT 'customer_id',
                                 time_column name DEFAULT 'ordered_at',
                                 amount_column name DEFAULT 'amount',
                                 as_of date DEFAULT CURRENT_DATE,
                                 time_unit interval DEFAULT '1 week',
                                 horizon_months integer DEFAULT 12,
                                 discount_rate float8 DEFAULT 0.01,
                                 margin float8 DEFAULT 1,
                                 recent_window interval DEFAULT '90 days',
                                 bgnbd crm.bgnbd_model DEFAULT NULL,
                                 gammagamma crm.gammagamma_model DEFAULT NULL)
  RETURNS TABLE (customer_id bigint, first_purchase date, last_purchase date,
                 x integer, t_x float8, "T" float8, mean_spend float8,
                 p_alive float8, expected_purchases float8, clv float8,
                 reasons text[], risk_band text)
  LANGUAGE plpgsql STABLE PARALLEL RESTRICTED  -- not STRICT: NULL models mean "fit them on these orders"
  SET search_path = pg_catalog, pg_temp
  SET enable_hashagg = off  -- as in crm.churn_holdout
AS $$
DECLARE
  unit_days float8;
BEGIN
  IF orders IS NULL OR customer_column IS NULL OR time_column IS NULL OR amount_column IS NULL
     OR as_of IS NULL OR time_unit IS NULL OR horizon_months IS NULL OR discount_rate IS NULL
     OR margin IS NULL OR recent_window IS NULL THEN
    RAISE EXCEPTION 'only the models may be NULL in crm.churn_scores' USING ERRCODE = '22004';
  END IF;
  unit_days := extract(epoch FROM time_unit) / 86400;
  IF unit_days <= 0 THEN
    RAISE EXCEPTION 'time_unit must be a positive interval' USING ERRCODE = '22023';
  END IF;
  IF horizon_months < 0 OR horizon_months > 10000 THEN
    RAISE EXCEPTION 'horizon_months "%" is out of range', horizon_months
      USING ERRCODE = '22003', DETAIL = 'The horizon must be between 0 and 10000 months.';
  END IF;
  PERFORM crm.churn_check_columns(orders, customer_column, time_column, amount_column);
  RETURN QUERY EXECUTE format($q$
    WITH s AS MATERIALIZED (
      SELECT %1$I::bigint AS customer_id,
             crm.purchase_summary(%2$I::date, %3$I, $1, $2, $3) AS s
        FROM %4$s
       WHERE %2$I::date <= $1
       GROUP BY 1),
    m AS (
      SELECT coalesce($4, crm.bgnbd_fit((s).x, (s).t_x, (s)."T") FILTER (WHERE $4 IS NULL)) AS bg,
             coalesce($5, crm.gammagamma_fit((s).x, (s).mean_spend) FILTER (WHERE $5 IS NULL)) AS gg
        FROM s),
    scored AS (
      SELECT s.customer_id, s.s, m.bg, m.gg,
             crm.bgnbd_p_alive(m.bg, (s.s).x, (s.s).t_x, (s.s)."T") AS p_alive
        FROM s, m)
    SELECT c.customer_id, (c.s).first_purchase, (c.s).last_purchase,
           (c.s).x, (c.s).t_x, (c.s)."T", (c.s).mean_spend, c.p_alive,
           crm.bgnbd_conditional_purchases(c.bg, (c.s).x, (c.s).t_x, (c.s)."T", $6 * 30.4375 / $9),
           crm.clv(c.bg, c.gg, (c.s).x, (c.s).t_x, (c.s)."T", (c.s).mean_spend,
                   $6, 30.4375 / $9, $7, $8),
           w.reasons, w.risk_band
      FROM scored c, LATERAL crm.churn_warnings(c.s, c.p_alive) w
     ORDER BY c.customer_id$q$,
    customer_column, time_column, amount_column, orders)
  USING as_of, time_unit, recent_window, bgnbd, gammagamma, horizon_months, discount_rate, margin, unit_days;
END;
$$;
COMMENT ON FUNCTION crm.churn_scores(regclass, name, name, name, date, interval, integer, float8, float8, interval, crm.bgnbd_model, crm.gammagamma_model) IS
  'Per-customer churn view over any orders table or view: summarises the orders up to as_of, fits BG/NBD and Gamma-Gamma (unless models are given), and returns P(alive), expected purchases and CLV over horizon_months, the early-warning reasons and the risk band';

-- ---------------------------------------------------- logistic regression
CREATE TYPE crm.logistic_model AS (
  intercept float8, coefficients float8[], means float8[], scales float8[],
  lambda float8, log_likelihood float8, observations bigint, iterations integer, converged boolean);
COMMENT ON TYPE crm.logistic_model IS
  'A fitted logistic regression: intercept and coefficients on standardised features ((x - mean) / scale), the means and scales, the L2 penalty, the log-likelihood, observations, iterations and convergence';

CREATE FUNCTION crm.logistic_fit_sfunc(internal, boolean, float8[], float8) RETURNS internal
  LANGUAGE C IMMUTABLE PARALLEL SAFE    -- not STRICT: rows with a NULL label or features are skipped
  AS 'MODULE_PATHNAME', 'crm_logistic_fit_sfunc';
COMMENT ON FUNCTION crm.logistic_fit_sfunc(internal, boolean, float8[], float8) IS
  'Transition function of crm.logistic_fit: collects a labelled row';
CREATE FUNCTION crm.logistic_fit_combine(internal, internal) RETURNS internal
  LANGUAGE C IMMUTABLE PARALLEL SAFE    -- not STRICT: either partial state may be NULL
  AS 'MODULE_PATHNAME', 'crm_logistic_fit_combine';
COMMENT ON FUNCTION crm.logistic_fit_combine(internal, internal) IS
  'Combine function of crm.logistic_fit';
CREATE FUNCTION crm.logistic_fit_serial(internal) RETURNS bytea
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'crm_logistic_fit_serial';
COMMENT ON FUNCTION crm.logistic_fit_serial(internal) IS
  'Serial function of crm.logistic_fit';
CREATE FUNCTION crm.logistic_fit_deserial(bytea, internal) RETURNS internal
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'crm_logistic_fit_deserial';
COMMENT ON FUNCTION crm.logistic_fit_deserial(bytea, internal) IS
  'Deserial function of crm.logistic_fit';
CREATE FUNCTION crm.logistic_fit_final(internal) RETURNS crm.logistic_model
  LANGUAGE C STABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'crm_logistic_fit_final';
COMMENT ON FUNCTION crm.logistic_fit_final(internal) IS
  'Final function of crm.logistic_fit: standardises and fits by Newton''s method (reads the crm_profile.churn_* settings)';
CREATE AGGREGATE crm.logistic_fit(label boolean, features float8[], lambda float8) (
  SFUNC = crm.logistic_fit_sfunc, STYPE = internal,
  COMBINEFUNC = crm.logistic_fit_combine, SERIALFUNC = crm.logistic_fit_serial,
  DESERIALFUNC = crm.logistic_fit_deserial, FINALFUNC = crm.logistic_fit_final,
  PARALLEL = SAFE);
COMMENT ON AGGREGATE crm.logistic_fit(boolean, float8[], float8) IS
  'Trains an L2-regularised logistic regression on standardised features (minimises mean log-loss + lambda/2 |beta|^2, intercept not penalised); NULL on empty input';

CREATE FUNCTION crm.logistic_predict(model crm.logistic_model, features float8[]) RETURNS float8
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'crm_logistic_predict';
COMMENT ON FUNCTION crm.logistic_predict(crm.logistic_model, float8[]) IS
  'Probability of label true for a feature vector under a logistic model';

CREATE FUNCTION crm.auc_sfunc(internal, float8, boolean) RETURNS internal
  LANGUAGE C IMMUTABLE PARALLEL SAFE    -- not STRICT: rows with a NULL are skipped
  AS 'MODULE_PATHNAME', 'crm_auc_sfunc';
COMMENT ON FUNCTION crm.auc_sfunc(internal, float8, boolean) IS
  'Transition function of crm.auc';
CREATE FUNCTION crm.auc_combine(internal, internal) RETURNS internal
  LANGUAGE C IMMUTABLE PARALLEL SAFE    -- not STRICT: either partial state may be NULL
  AS 'MODULE_PATHNAME', 'crm_auc_combine';
COMMENT ON FUNCTION crm.auc_combine(internal, internal) IS
  'Combine function of crm.auc';
CREATE FUNCTION crm.auc_serial(internal) RETURNS bytea
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'crm_auc_serial';
COMMENT ON FUNCTION crm.auc_serial(internal) IS
  'Serial function of crm.auc';
CREATE FUNCTION crm.auc_deserial(bytea, internal) RETURNS internal
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'crm_auc_deserial';
COMMENT ON FUNCTION crm.auc_deserial(bytea, internal) IS
  'Deserial function of crm.auc';
CREATE FUNCTION crm.auc_final(internal) RETURNS float8
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'crm_auc_final';
COMMENT ON FUNCTION crm.auc_final(internal) IS
  'Final function of crm.auc: Mann-Whitney rank sum with ties at half weight';
CREATE AGGREGATE crm.auc(score float8, label boolean) (
  SFUNC = crm.auc_sfunc, STYPE = internal,
  COMBINEFUNC = crm.auc_combine, SERIALFUNC = crm.auc_serial,
  DESERIALFUNC = crm.auc_deserial, FINALFUNC = crm.auc_final,
  PARALLEL = SAFE);
COMMENT ON AGGREGATE crm.auc(float8, boolean) IS
  'Area under the ROC curve of a score against true/false labels (ties count one half); NULL on empty input, an error with only one label';
