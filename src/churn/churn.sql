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
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  BEGIN ATOMIC
    SELECT ROW(r, alpha, a, b, NULL, NULL, NULL, NULL)::crm.bgnbd_model;
  END;
COMMENT ON FUNCTION crm.bgnbd_model(float8, float8, float8, float8) IS
  'A BG/NBD model from known parameters (for example published ones), for scoring';

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
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  BEGIN ATOMIC
    SELECT ROW(p, q, gamma, NULL, NULL, NULL, NULL, NULL)::crm.gammagamma_model;
  END;
COMMENT ON FUNCTION crm.gammagamma_model(float8, float8, float8) IS
  'A Gamma-Gamma model from known parameters, for scoring';
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
