-- rfm area: SQL objects, in dependency order.
--
-- Per-customer RFM aggregate (crm.rfm_agg), the crm.rfm_score type,
-- quantile or fixed thresholds, the two segment schemes, and incremental
-- tracking of an orders table (crm.rfm_track).

------------------------------------------------------------------------
-- Per-customer statistics
------------------------------------------------------------------------

CREATE TYPE crm.rfm_stats AS (
  recency_days   integer,
  frequency      integer,
  monetary       numeric,
  avg_monetary   numeric,
  first_purchase date,
  last_purchase  date,
  tenure_days    integer,
  orders         bigint,
  refunds        bigint
);
COMMENT ON TYPE crm.rfm_stats IS
  'RFM figures of one customer: recency and tenure in days to the as-of date, frequency in purchase days, net monetary total and average per purchase day, first and last purchase, purchase and refund rows';

-- Not STRICT: a NULL time or amount skips the row, a NULL as-of date means no cut-off.
CREATE FUNCTION crm.rfm_agg_sfunc(internal, timestamptz, numeric, date) RETURNS internal
  LANGUAGE C STABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'crm_rfm_agg_sfunc';
COMMENT ON FUNCTION crm.rfm_agg_sfunc(internal, timestamptz, numeric, date) IS
  'transition function of crm.rfm_agg over order times (day in the session time zone)';

-- Not STRICT: as above.
CREATE FUNCTION crm.rfm_agg_date_sfunc(internal, date, numeric, date) RETURNS internal
  LANGUAGE C IMMUTABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'crm_rfm_agg_date_sfunc';
COMMENT ON FUNCTION crm.rfm_agg_date_sfunc(internal, date, numeric, date) IS
  'transition function of crm.rfm_agg over order dates';

-- Not STRICT: either partial state may be NULL.
CREATE FUNCTION crm.rfm_agg_combine(internal, internal) RETURNS internal
  LANGUAGE C IMMUTABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'crm_rfm_agg_combine';
COMMENT ON FUNCTION crm.rfm_agg_combine(internal, internal) IS
  'combine function of crm.rfm_agg (parallel aggregation)';

CREATE FUNCTION crm.rfm_agg_serial(internal) RETURNS bytea
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'crm_rfm_agg_serial';
COMMENT ON FUNCTION crm.rfm_agg_serial(internal) IS
  'serialise function of crm.rfm_agg (parallel aggregation)';

CREATE FUNCTION crm.rfm_agg_deserial(bytea, internal) RETURNS internal
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'crm_rfm_agg_deserial';
COMMENT ON FUNCTION crm.rfm_agg_deserial(bytea, internal) IS
  'deserialise function of crm.rfm_agg (parallel aggregation)';

-- Not STRICT: the state is NULL when the group had no row.
CREATE FUNCTION crm.rfm_agg_final(internal) RETURNS crm.rfm_stats
  LANGUAGE C IMMUTABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'crm_rfm_agg_final';
COMMENT ON FUNCTION crm.rfm_agg_final(internal) IS
  'final function of crm.rfm_agg: the crm.rfm_stats row';

CREATE AGGREGATE crm.rfm_agg(ordered_at timestamptz, amount numeric, as_of date) (
  SFUNC = crm.rfm_agg_sfunc, STYPE = internal, SSPACE = 96,
  COMBINEFUNC = crm.rfm_agg_combine, SERIALFUNC = crm.rfm_agg_serial,
  DESERIALFUNC = crm.rfm_agg_deserial, FINALFUNC = crm.rfm_agg_final,
  PARALLEL = SAFE);
COMMENT ON AGGREGATE crm.rfm_agg(timestamptz, numeric, date) IS
  'RFM figures of a customer''s orders as of a date: refunds (negative amounts) netted, same-day orders one purchase, later orders ignored';

CREATE AGGREGATE crm.rfm_agg(ordered_on date, amount numeric, as_of date) (
  SFUNC = crm.rfm_agg_date_sfunc, STYPE = internal, SSPACE = 96,
  COMBINEFUNC = crm.rfm_agg_combine, SERIALFUNC = crm.rfm_agg_serial,
  DESERIALFUNC = crm.rfm_agg_deserial, FINALFUNC = crm.rfm_agg_final,
  PARALLEL = SAFE);
COMMENT ON AGGREGATE crm.rfm_agg(date, numeric, date) IS
  'RFM figures of a customer''s orders (order dates) as of a date';

------------------------------------------------------------------------
-- The crm.rfm_score type
------------------------------------------------------------------------

CREATE TYPE crm.rfm_score;

CREATE FUNCTION crm.rfm_score_in(cstring) RETURNS crm.rfm_score
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'crm_rfm_score_in';
COMMENT ON FUNCTION crm.rfm_score_in(cstring) IS 'text input of crm.rfm_score ("5-4-3")';

CREATE FUNCTION crm.rfm_score_out(crm.rfm_score) RETURNS cstring
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'crm_rfm_score_out';
COMMENT ON FUNCTION crm.rfm_score_out(crm.rfm_score) IS 'text output of crm.rfm_score ("5-4-3")';

CREATE FUNCTION crm.rfm_score_recv(internal) RETURNS crm.rfm_score
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'crm_rfm_score_recv';
COMMENT ON FUNCTION crm.rfm_score_recv(internal) IS 'binary input of crm.rfm_score';

CREATE FUNCTION crm.rfm_score_send(crm.rfm_score) RETURNS bytea
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'crm_rfm_score_send';
COMMENT ON FUNCTION crm.rfm_score_send(crm.rfm_score) IS 'binary output of crm.rfm_score';

CREATE TYPE crm.rfm_score (
  INPUT = crm.rfm_score_in, OUTPUT = crm.rfm_score_out,
  RECEIVE = crm.rfm_score_recv, SEND = crm.rfm_score_send,
  INTERNALLENGTH = 2, PASSEDBYVALUE, ALIGNMENT = int2, STORAGE = plain);
COMMENT ON TYPE crm.rfm_score IS
  'RFM score: recency, frequency and monetary scores from 1 to 10 in two bytes, written "5-4-3", ordered by R, then F, then M';

CREATE FUNCTION crm.rfm_score(r integer, f integer, m integer) RETURNS crm.rfm_score
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'crm_rfm_score_make';
COMMENT ON FUNCTION crm.rfm_score(integer, integer, integer) IS
  'the crm.rfm_score of three scores from 1 to 10';

CREATE FUNCTION crm.rfm_r(score crm.rfm_score) RETURNS integer
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'crm_rfm_score_r';
COMMENT ON FUNCTION crm.rfm_r(crm.rfm_score) IS 'recency score of an RFM score';

CREATE FUNCTION crm.rfm_f(score crm.rfm_score) RETURNS integer
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'crm_rfm_score_f';
COMMENT ON FUNCTION crm.rfm_f(crm.rfm_score) IS 'frequency score of an RFM score';

CREATE FUNCTION crm.rfm_m(score crm.rfm_score) RETURNS integer
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'crm_rfm_score_m';
COMMENT ON FUNCTION crm.rfm_m(crm.rfm_score) IS 'monetary score of an RFM score';

CREATE FUNCTION crm.rfm_total(score crm.rfm_score, w_r float8 DEFAULT 1, w_f float8 DEFAULT 1,
                              w_m float8 DEFAULT 1) RETURNS float8
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'crm_rfm_total';
COMMENT ON FUNCTION crm.rfm_total(crm.rfm_score, float8, float8, float8) IS
  'weighted total score w_r*R + w_f*F + w_m*M (weights default to 1)';

CREATE FUNCTION crm.rfm_score_cmp(crm.rfm_score, crm.rfm_score) RETURNS integer
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'crm_rfm_score_cmp';
COMMENT ON FUNCTION crm.rfm_score_cmp(crm.rfm_score, crm.rfm_score) IS
  'B-tree comparison of RFM scores: R, then F, then M';

CREATE FUNCTION crm.rfm_score_eq(crm.rfm_score, crm.rfm_score) RETURNS boolean
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF
  AS 'MODULE_PATHNAME', 'crm_rfm_score_eq';
COMMENT ON FUNCTION crm.rfm_score_eq(crm.rfm_score, crm.rfm_score) IS 'RFM scores are equal';

CREATE FUNCTION crm.rfm_score_ne(crm.rfm_score, crm.rfm_score) RETURNS boolean
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF
  AS 'MODULE_PATHNAME', 'crm_rfm_score_ne';
COMMENT ON FUNCTION crm.rfm_score_ne(crm.rfm_score, crm.rfm_score) IS 'RFM scores differ';

CREATE FUNCTION crm.rfm_score_lt(crm.rfm_score, crm.rfm_score) RETURNS boolean
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF
  AS 'MODULE_PATHNAME', 'crm_rfm_score_lt';
COMMENT ON FUNCTION crm.rfm_score_lt(crm.rfm_score, crm.rfm_score) IS 'RFM score sorts before';

CREATE FUNCTION crm.rfm_score_le(crm.rfm_score, crm.rfm_score) RETURNS boolean
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF
  AS 'MODULE_PATHNAME', 'crm_rfm_score_le';
COMMENT ON FUNCTION crm.rfm_score_le(crm.rfm_score, crm.rfm_score) IS 'RFM score sorts before or equals';

CREATE FUNCTION crm.rfm_score_gt(crm.rfm_score, crm.rfm_score) RETURNS boolean
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF
  AS 'MODULE_PATHNAME', 'crm_rfm_score_gt';
COMMENT ON FUNCTION crm.rfm_score_gt(crm.rfm_score, crm.rfm_score) IS 'RFM score sorts after';

CREATE FUNCTION crm.rfm_score_ge(crm.rfm_score, crm.rfm_score) RETURNS boolean
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF
  AS 'MODULE_PATHNAME', 'crm_rfm_score_ge';
COMMENT ON FUNCTION crm.rfm_score_ge(crm.rfm_score, crm.rfm_score) IS 'RFM score sorts after or equals';

CREATE FUNCTION crm.rfm_score_hash(crm.rfm_score) RETURNS integer
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'crm_rfm_score_hash';
COMMENT ON FUNCTION crm.rfm_score_hash(crm.rfm_score) IS 'hash of an RFM score (hash joins, GROUP BY)';

CREATE OPERATOR crm.= (
  LEFTARG = crm.rfm_score, RIGHTARG = crm.rfm_score, FUNCTION = crm.rfm_score_eq,
  COMMUTATOR = OPERATOR(crm.=), NEGATOR = OPERATOR(crm.<>),
  RESTRICT = eqsel, JOIN = eqjoinsel, HASHES, MERGES);
COMMENT ON OPERATOR crm.= (crm.rfm_score, crm.rfm_score) IS 'equal';

CREATE OPERATOR crm.<> (
  LEFTARG = crm.rfm_score, RIGHTARG = crm.rfm_score, FUNCTION = crm.rfm_score_ne,
  COMMUTATOR = OPERATOR(crm.<>), NEGATOR = OPERATOR(crm.=),
  RESTRICT = neqsel, JOIN = neqjoinsel);
COMMENT ON OPERATOR crm.<> (crm.rfm_score, crm.rfm_score) IS 'not equal';

CREATE OPERATOR crm.< (
  LEFTARG = crm.rfm_score, RIGHTARG = crm.rfm_score, FUNCTION = crm.rfm_score_lt,
  COMMUTATOR = OPERATOR(crm.>), NEGATOR = OPERATOR(crm.>=),
  RESTRICT = scalarltsel, JOIN = scalarltjoinsel);
COMMENT ON OPERATOR crm.< (crm.rfm_score, crm.rfm_score) IS 'less than (R, then F, then M)';

CREATE OPERATOR crm.<= (
  LEFTARG = crm.rfm_score, RIGHTARG = crm.rfm_score, FUNCTION = crm.rfm_score_le,
  COMMUTATOR = OPERATOR(crm.>=), NEGATOR = OPERATOR(crm.>),
  RESTRICT = scalarlesel, JOIN = scalarlejoinsel);
COMMENT ON OPERATOR crm.<= (crm.rfm_score, crm.rfm_score) IS 'less than or equal';

CREATE OPERATOR crm.> (
  LEFTARG = crm.rfm_score, RIGHTARG = crm.rfm_score, FUNCTION = crm.rfm_score_gt,
  COMMUTATOR = OPERATOR(crm.<), NEGATOR = OPERATOR(crm.<=),
  RESTRICT = scalargtsel, JOIN = scalargtjoinsel);
COMMENT ON OPERATOR crm.> (crm.rfm_score, crm.rfm_score) IS 'greater than';

CREATE OPERATOR crm.>= (
  LEFTARG = crm.rfm_score, RIGHTARG = crm.rfm_score, FUNCTION = crm.rfm_score_ge,
  COMMUTATOR = OPERATOR(crm.<=), NEGATOR = OPERATOR(crm.<),
  RESTRICT = scalargesel, JOIN = scalargejoinsel);
COMMENT ON OPERATOR crm.>= (crm.rfm_score, crm.rfm_score) IS 'greater than or equal';

CREATE OPERATOR CLASS crm.rfm_score_btree_ops
  DEFAULT FOR TYPE crm.rfm_score USING btree AS
    OPERATOR 1 crm.<, OPERATOR 2 crm.<=, OPERATOR 3 crm.=,
    OPERATOR 4 crm.>=, OPERATOR 5 crm.>,
    FUNCTION 1 crm.rfm_score_cmp(crm.rfm_score, crm.rfm_score);

CREATE OPERATOR CLASS crm.rfm_score_hash_ops
  DEFAULT FOR TYPE crm.rfm_score USING hash AS
    OPERATOR 1 crm.=,
    FUNCTION 1 crm.rfm_score_hash(crm.rfm_score);

------------------------------------------------------------------------
-- Segments
------------------------------------------------------------------------

CREATE TYPE crm.rfm_segment AS ENUM (
  'Champions', 'Loyal', 'Potential Loyalist', 'New', 'Promising', 'Need Attention',
  'About To Sleep', 'At Risk', 'Can''t Lose Them', 'Hibernating', 'Lost');
COMMENT ON TYPE crm.rfm_segment IS
  'the 11-segment RFM scheme, best first (English labels; crm.rfm_label(seg, ''zh'') gives Chinese)';

CREATE TYPE crm.rfm_class AS ENUM (
  'Important Value', 'Important Development', 'Important Retention', 'Important Win-back',
  'General Value', 'General Development', 'General Retention', 'General Win-back');
COMMENT ON TYPE crm.rfm_class IS
  'the 8-class RFM scheme of Chinese CRM practice (R, F, M each above or below its mean), English labels; crm.rfm_label(c, ''zh'') gives 重要价值客户 ...';

CREATE FUNCTION crm.rfm_segment(score crm.rfm_score, n integer DEFAULT 5) RETURNS crm.rfm_segment
  LANGUAGE C STABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'crm_rfm_segment';
COMMENT ON FUNCTION crm.rfm_segment(crm.rfm_score, integer) IS
  '11-segment scheme of a score on a 1..n scale: grid over R and FM = round((F + M) / 2)';

CREATE FUNCTION crm.rfm_class(r_recent boolean, f_high boolean, m_high boolean) RETURNS crm.rfm_class
  LANGUAGE C STABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'crm_rfm_class_of';
COMMENT ON FUNCTION crm.rfm_class(boolean, boolean, boolean) IS
  '8-class scheme from the three comparisons with the population means';

CREATE FUNCTION crm.rfm_label(segment crm.rfm_segment, lang text DEFAULT 'en') RETURNS text
  LANGUAGE C STABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'crm_rfm_label';
COMMENT ON FUNCTION crm.rfm_label(crm.rfm_segment, text) IS
  'label of a segment in English (en) or Chinese (zh)';

CREATE FUNCTION crm.rfm_label(class crm.rfm_class, lang text DEFAULT 'en') RETURNS text
  LANGUAGE C STABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'crm_rfm_label';
COMMENT ON FUNCTION crm.rfm_label(crm.rfm_class, text) IS
  'label of a class in English (en) or Chinese (zh)';

------------------------------------------------------------------------
-- Thresholds and scoring
------------------------------------------------------------------------

CREATE TYPE crm.rfm_thresholds AS (
  n          integer,
  r_max      integer[],
  f_min      integer[],
  m_min      numeric[],
  r_mean     numeric,
  f_mean     numeric,
  m_mean     numeric,
  population bigint
);
COMMENT ON TYPE crm.rfm_thresholds IS
  'score bounds of an n-bucket scale: element k is the bound of score k+1 (recency <= r_max[k], frequency >= f_min[k], monetary >= m_min[k]; NULL = unreachable), with the population means';

-- Not STRICT: customers with a NULL dimension (no purchase) are left out.
CREATE FUNCTION crm.rfm_thresholds_sfunc(internal, integer, integer, numeric) RETURNS internal
  LANGUAGE C IMMUTABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'crm_rfm_thresholds_sfunc';
COMMENT ON FUNCTION crm.rfm_thresholds_sfunc(internal, integer, integer, numeric) IS
  'transition function of crm.rfm_thresholds_agg (5 buckets)';

-- Not STRICT: as above; a NULL n means 5.
CREATE FUNCTION crm.rfm_thresholds_sfunc(internal, integer, integer, numeric, integer) RETURNS internal
  LANGUAGE C IMMUTABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'crm_rfm_thresholds_sfunc';
COMMENT ON FUNCTION crm.rfm_thresholds_sfunc(internal, integer, integer, numeric, integer) IS
  'transition function of crm.rfm_thresholds_agg';

-- Not STRICT: either partial state may be NULL.
CREATE FUNCTION crm.rfm_thresholds_combine(internal, internal) RETURNS internal
  LANGUAGE C IMMUTABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'crm_rfm_thresholds_combine';
COMMENT ON FUNCTION crm.rfm_thresholds_combine(internal, internal) IS
  'combine function of crm.rfm_thresholds_agg (parallel aggregation)';

CREATE FUNCTION crm.rfm_thresholds_serial(internal) RETURNS bytea
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'crm_rfm_thresholds_serial';
COMMENT ON FUNCTION crm.rfm_thresholds_serial(internal) IS
  'serialise function of crm.rfm_thresholds_agg';

CREATE FUNCTION crm.rfm_thresholds_deserial(bytea, internal) RETURNS internal
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'crm_rfm_thresholds_deserial';
COMMENT ON FUNCTION crm.rfm_thresholds_deserial(bytea, internal) IS
  'deserialise function of crm.rfm_thresholds_agg';

-- Not STRICT: NULL for an empty population.
CREATE FUNCTION crm.rfm_thresholds_final(internal) RETURNS crm.rfm_thresholds
  LANGUAGE C IMMUTABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'crm_rfm_thresholds_final';
COMMENT ON FUNCTION crm.rfm_thresholds_final(internal) IS
  'final function of crm.rfm_thresholds_agg: quantile bounds and means';

CREATE AGGREGATE crm.rfm_thresholds_agg(recency_days integer, frequency integer, monetary numeric) (
  SFUNC = crm.rfm_thresholds_sfunc, STYPE = internal,
  COMBINEFUNC = crm.rfm_thresholds_combine, SERIALFUNC = crm.rfm_thresholds_serial,
  DESERIALFUNC = crm.rfm_thresholds_deserial, FINALFUNC = crm.rfm_thresholds_final,
  PARALLEL = SAFE);
COMMENT ON AGGREGATE crm.rfm_thresholds_agg(integer, integer, numeric) IS
  'quintile score bounds of a customer population (ties: the NTILE bucket of the middle of the tied group)';

CREATE AGGREGATE crm.rfm_thresholds_agg(recency_days integer, frequency integer, monetary numeric, n integer) (
  SFUNC = crm.rfm_thresholds_sfunc, STYPE = internal,
  COMBINEFUNC = crm.rfm_thresholds_combine, SERIALFUNC = crm.rfm_thresholds_serial,
  DESERIALFUNC = crm.rfm_thresholds_deserial, FINALFUNC = crm.rfm_thresholds_final,
  PARALLEL = SAFE);
COMMENT ON AGGREGATE crm.rfm_thresholds_agg(integer, integer, numeric, integer) IS
  'n-quantile (3..10) score bounds of a customer population (ties: the NTILE bucket of the middle of the tied group)';

CREATE FUNCTION crm.rfm_thresholds(r_max integer[], f_min integer[], m_min numeric[])
  RETURNS crm.rfm_thresholds
  LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  k integer := cardinality(r_max);
BEGIN
  IF array_ndims(r_max) IS DISTINCT FROM 1 OR array_ndims(f_min) IS DISTINCT FROM 1
     OR array_ndims(m_min) IS DISTINCT FROM 1
     OR cardinality(f_min) <> k OR cardinality(m_min) <> k OR k < 2 OR k > 9 THEN
    RAISE EXCEPTION 'RFM thresholds need the same number of bounds (2 to 9) per dimension'
      USING ERRCODE = '22023',
            DETAIL = format('Got %s, %s and %s bounds.', cardinality(r_max), cardinality(f_min), cardinality(m_min)),
            HINT = 'A scale of n buckets has n - 1 bounds per dimension.';
  END IF;
  IF array_position(r_max, NULL) IS NOT NULL OR array_position(f_min, NULL) IS NOT NULL
     OR array_position(m_min, NULL) IS NOT NULL THEN
    RAISE EXCEPTION 'RFM thresholds must not contain NULL bounds' USING ERRCODE = '22004';
  END IF;
  IF 'NaN'::numeric = ANY (m_min) THEN
    RAISE EXCEPTION 'RFM thresholds field "m_min" contains NaN'
      USING ERRCODE = '22023', DETAIL = 'Bounds must be numbers that can be compared.';
  END IF;
  FOR i IN 2 .. k LOOP
    IF r_max[i] >= r_max[i - 1] OR f_min[i] <= f_min[i - 1] OR m_min[i] <= m_min[i - 1] THEN
      RAISE EXCEPTION 'RFM thresholds are not in order'
        USING ERRCODE = '22023',
              DETAIL = 'r_max lists the recency upper bounds of scores 2..n, decreasing; f_min and m_min the lower bounds, increasing.';
    END IF;
  END LOOP;
  RETURN ROW(k + 1, r_max, f_min, m_min, NULL, NULL, NULL, NULL)::crm.rfm_thresholds;
END
$$;
COMMENT ON FUNCTION crm.rfm_thresholds(integer[], integer[], numeric[]) IS
  'analyst-supplied fixed thresholds: r_max = recency upper bounds (days) of scores 2..n, f_min and m_min = lower bounds of scores 2..n';

CREATE FUNCTION crm.rfm_score(recency_days integer, frequency integer, monetary numeric,
                              thresholds crm.rfm_thresholds) RETURNS crm.rfm_score
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'crm_rfm_score_th';
COMMENT ON FUNCTION crm.rfm_score(integer, integer, numeric, crm.rfm_thresholds) IS
  'RFM score of one customer under quantile or fixed thresholds (recency scored in reverse)';

CREATE FUNCTION crm.rfm_score(stats crm.rfm_stats, thresholds crm.rfm_thresholds) RETURNS crm.rfm_score
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
BEGIN ATOMIC
  SELECT crm.rfm_score((stats).recency_days, (stats).frequency, (stats).monetary, thresholds);
END;
COMMENT ON FUNCTION crm.rfm_score(crm.rfm_stats, crm.rfm_thresholds) IS
  'RFM score of a crm.rfm_agg result under thresholds';

CREATE FUNCTION crm.rfm_class(recency_days integer, frequency integer, monetary numeric,
                              thresholds crm.rfm_thresholds) RETURNS crm.rfm_class
  LANGUAGE C STABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'crm_rfm_class_th';
COMMENT ON FUNCTION crm.rfm_class(integer, integer, numeric, crm.rfm_thresholds) IS
  '8-class scheme: recency below its mean, frequency and monetary above theirs (means from crm.rfm_thresholds_agg)';

CREATE FUNCTION crm.rfm_class(stats crm.rfm_stats, thresholds crm.rfm_thresholds) RETURNS crm.rfm_class
  LANGUAGE sql STABLE STRICT PARALLEL SAFE
BEGIN ATOMIC
  SELECT crm.rfm_class((stats).recency_days, (stats).frequency, (stats).monetary, thresholds);
END;
COMMENT ON FUNCTION crm.rfm_class(crm.rfm_stats, crm.rfm_thresholds) IS
  '8-class scheme of a crm.rfm_agg result';

COMMENT ON OPERATOR CLASS crm.rfm_score_btree_ops USING btree IS 'B-tree order of RFM scores';
COMMENT ON OPERATOR CLASS crm.rfm_score_hash_ops USING hash IS 'hashing of RFM scores';

------------------------------------------------------------------------
-- Tracking an orders table: capture trigger, exact incremental summary,
-- per-customer view.  The views area (issue 8) calls crm.rfm_track() from
-- its registration; until then users call it directly.
------------------------------------------------------------------------

CREATE TABLE crm.rfm_tracked (
  orders_table  text PRIMARY KEY,
  customer_col  name NOT NULL,
  at_col        name NOT NULL,
  amount_col    name NOT NULL,
  time_zone     text NOT NULL,
  log_table     text NOT NULL,
  days_table    text NOT NULL,
  summary_table text NOT NULL,
  view_name     text NOT NULL,
  tracked_at    timestamptz NOT NULL DEFAULT pg_catalog.now()
);
COMMENT ON TABLE crm.rfm_tracked IS
  'orders tables tracked for RFM: their columns, the time zone of order days, and the log, day, summary tables and view crm.rfm_track() made (schema-qualified names)';
SELECT pg_catalog.pg_extension_config_dump('crm.rfm_tracked', '');
GRANT SELECT ON crm.rfm_tracked TO PUBLIC;

CREATE FUNCTION crm.rfm_capture() RETURNS trigger
  LANGUAGE C VOLATILE PARALLEL UNSAFE
  AS 'MODULE_PATHNAME', 'crm_rfm_capture';
COMMENT ON FUNCTION crm.rfm_capture() IS
  'capture trigger of a tracked orders table (per statement with transition tables, or per row): inserts each change into its RFM log (never fails the statement for a CRM reason: it warns instead)';

CREATE FUNCTION crm.rfm_capture_truncate() RETURNS trigger
  LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
  SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  -- TRUNCATE of the orders table empties the log, days and summary tables.
  BEGIN
    EXECUTE format('DELETE FROM %s', TG_ARGV[0]);
    EXECUTE format('DELETE FROM %s', TG_ARGV[1]);
    EXECUTE format('DELETE FROM %s', TG_ARGV[2]);
  EXCEPTION WHEN OTHERS THEN
    RAISE WARNING 'crm_profile: RFM summary of % not emptied: %', TG_TABLE_NAME, SQLERRM
      USING HINT = format('Run crm.rfm_rebuild(%L).', TG_TABLE_SCHEMA || '.' || TG_TABLE_NAME);
  END;
  RETURN NULL;
END
$$;
COMMENT ON FUNCTION crm.rfm_capture_truncate() IS
  'statement trigger of a tracked orders table: TRUNCATE deletes its RFM log, days and summary rows (a failure only warns)';

CREATE FUNCTION crm.rfm_tracking(orders regclass) RETURNS crm.rfm_tracked
  LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  t crm.rfm_tracked;
  qname text;
BEGIN
  SELECT format('%I.%I', n.nspname, c.relname) INTO qname
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = orders;
  SELECT * INTO t FROM crm.rfm_tracked WHERE orders_table = qname;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'table "%" is not tracked for RFM', orders
      USING ERRCODE = '55000', HINT = 'Call crm.rfm_track() first.';
  END IF;
  RETURN t;
END
$$;
COMMENT ON FUNCTION crm.rfm_tracking(regclass) IS
  'the crm.rfm_tracked row of an orders table (raises 55000 when it is not tracked)';

CREATE FUNCTION crm.rfm_rebuild(orders regclass) RETURNS bigint
  LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  t crm.rfm_tracked := crm.rfm_tracking(orders);
  day_expr text;
  n bigint;
BEGIN
  -- Writers wait (SHARE lock) while the summary is recomputed from scratch.
  EXECUTE format('LOCK TABLE %s IN SHARE MODE', t.orders_table);
  EXECUTE format('LOCK TABLE %s IN SHARE ROW EXCLUSIVE MODE', t.summary_table);
  day_expr := crm.rfm_day_sql(orders, t.at_col, t.time_zone);
  EXECUTE format('TRUNCATE %s, %s, %s', t.log_table, t.days_table, t.summary_table);
  EXECUTE format($q$
    INSERT INTO %1$s (customer, day, purchases, refunds, amount)
    SELECT %2$I, %3$s, count(*) FILTER (WHERE %4$I >= 0), count(*) FILTER (WHERE %4$I < 0),
           sum(%4$I::numeric)
      FROM %5$s
     WHERE %2$I IS NOT NULL AND isfinite(%6$I) AND abs(%4$I::numeric) < 'Infinity'
     GROUP BY 1, 2$q$,
    t.days_table, t.customer_col, day_expr, t.amount_col, t.orders_table, t.at_col);
  EXECUTE format($q$
    INSERT INTO %1$s (customer, first_purchase, last_purchase, frequency, orders, refunds, monetary)
    SELECT customer, min(day) FILTER (WHERE purchases > 0), max(day) FILTER (WHERE purchases > 0),
           count(*) FILTER (WHERE purchases > 0), sum(purchases), sum(refunds), sum(amount)
      FROM %2$s GROUP BY customer$q$, t.summary_table, t.days_table);
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n;
END
$$;
COMMENT ON FUNCTION crm.rfm_rebuild(regclass) IS
  'recomputes (rewrites) the RFM summary of a tracked orders table from the orders themselves; writers wait meanwhile; returns the number of customers';

CREATE FUNCTION crm.rfm_day_sql(orders regclass, at_col name, time_zone text) RETURNS text
  LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  typ regtype;
BEGIN
  SELECT atttypid INTO typ FROM pg_attribute
   WHERE attrelid = orders AND attname = at_col AND attnum > 0 AND NOT attisdropped;
  IF typ = 'timestamptz'::regtype THEN
    RETURN format('(%I AT TIME ZONE %L)::date', at_col, time_zone);
  ELSIF typ = 'timestamp'::regtype THEN
    RETURN format('%I::date', at_col);
  ELSIF typ = 'date'::regtype THEN
    RETURN format('%I', at_col);
  END IF;
  RAISE EXCEPTION 'column "%" of "%" is not a timestamptz, timestamp or date', at_col, orders
    USING ERRCODE = '22023';
END
$$;
COMMENT ON FUNCTION crm.rfm_day_sql(regclass, name, text) IS
  'SQL expression of the order day of a time column (in the tracked time zone for timestamptz)';

CREATE FUNCTION crm.rfm_refresh(orders regclass) RETURNS bigint
  LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  t crm.rfm_tracked := crm.rfm_tracking(orders);
  n bigint;
BEGIN
  -- One refresher at a time; readers and order writers are not blocked.
  EXECUTE format('LOCK TABLE %s IN SHARE ROW EXCLUSIVE MODE', t.summary_table);
  -- One statement, one snapshot: the log rows deleted are exactly those
  -- folded into the day and customer rows.
  EXECUTE format($q$
    WITH d AS (DELETE FROM %1$s RETURNING customer, at, amount, sign),
    g AS (SELECT customer, %4$s AS day,
                 coalesce(sum(sign) FILTER (WHERE amount >= 0), 0)::bigint AS dp,
                 coalesce(sum(sign) FILTER (WHERE amount < 0), 0)::bigint AS dr,
                 coalesce(sum(sign * amount::numeric), 0) AS dm
            FROM (SELECT customer, at AS %5$I, amount, sign FROM d) d
           WHERE customer IS NOT NULL AND isfinite(%5$I) AND abs(amount::numeric) < 'Infinity'
           GROUP BY 1, 2),
    up AS (INSERT INTO %2$s AS t (customer, day, purchases, refunds, amount)
           SELECT customer, day, dp, dr, dm FROM g ORDER BY 1, 2
           ON CONFLICT (customer, day) DO UPDATE
              SET purchases = t.purchases + excluded.purchases,
                  refunds = t.refunds + excluded.refunds,
                  amount = t.amount + excluded.amount
           RETURNING 1),
    pd AS (SELECT customer, day, sum(p) AS p, sum(r) AS r, sum(a) AS a
             FROM (SELECT customer, day, purchases AS p, refunds AS r, amount AS a
                     FROM %2$s WHERE customer IN (SELECT customer FROM g)
                   UNION ALL
                   SELECT customer, day, dp, dr, dm FROM g) u
            GROUP BY 1, 2),
    c AS (SELECT customer,
                 min(day) FILTER (WHERE p > 0) AS first_purchase,
                 max(day) FILTER (WHERE p > 0) AS last_purchase,
                 count(*) FILTER (WHERE p > 0)::integer AS frequency,
                 sum(p) AS orders, sum(r) AS refunds, sum(a) AS monetary,
                 bool_or(p <> 0 OR r <> 0) AS alive
            FROM pd GROUP BY 1),
    del AS (DELETE FROM %3$s s USING c WHERE s.customer = c.customer AND NOT c.alive RETURNING 1),
    ins AS (INSERT INTO %3$s AS s (customer, first_purchase, last_purchase, frequency, orders, refunds, monetary)
            SELECT customer, first_purchase, last_purchase, frequency, orders, refunds, monetary
              FROM c WHERE alive ORDER BY 1
            ON CONFLICT (customer) DO UPDATE
               SET first_purchase = excluded.first_purchase, last_purchase = excluded.last_purchase,
                   frequency = excluded.frequency, orders = excluded.orders,
                   refunds = excluded.refunds, monetary = excluded.monetary
            RETURNING 1)
    SELECT count(*) FROM d$q$,
    t.log_table, t.days_table, t.summary_table,
    crm.rfm_day_sql(orders, t.at_col, t.time_zone), t.at_col) INTO n;
  EXECUTE format('DELETE FROM %s WHERE purchases = 0 AND refunds = 0', t.days_table);
  RETURN n;
END
$$;
COMMENT ON FUNCTION crm.rfm_refresh(regclass) IS
  'folds the RFM log of a tracked orders table into its day and customer summary (writes them; incremental, exact); returns the number of log rows applied';

CREATE FUNCTION crm.rfm_untrack(orders regclass) RETURNS void
  LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE
  SET search_path = pg_catalog, pg_temp
  SET client_min_messages = warning
AS $$
DECLARE
  t crm.rfm_tracked := crm.rfm_tracking(orders);
BEGIN
  EXECUTE format('DROP TRIGGER IF EXISTS crm_rfm_capture ON %s', t.orders_table);
  EXECUTE format('DROP TRIGGER IF EXISTS crm_rfm_capture_ins ON %s', t.orders_table);
  EXECUTE format('DROP TRIGGER IF EXISTS crm_rfm_capture_del ON %s', t.orders_table);
  EXECUTE format('DROP TRIGGER IF EXISTS crm_rfm_truncate ON %s', t.orders_table);
  EXECUTE format('DROP VIEW IF EXISTS %s', t.view_name);
  EXECUTE format('DROP TABLE IF EXISTS %s, %s, %s', t.summary_table, t.days_table, t.log_table);
  DELETE FROM crm.rfm_tracked WHERE orders_table = t.orders_table;
END
$$;
COMMENT ON FUNCTION crm.rfm_untrack(regclass) IS
  'stops RFM tracking of an orders table: drops its triggers, view, log, day and summary tables and deletes its crm.rfm_tracked row';

CREATE FUNCTION crm.rfm_track(orders regclass, customer name, at name, amount name,
                              time_zone text DEFAULT pg_catalog.current_setting('TimeZone'))
  RETURNS regclass
  LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  nsp text;
  rel text;
  owner regrole;
  base text;
  qorders text;
  t_customer text;
  t_at regtype;
  t_amount regtype;
  log_t text;
  days_t text;
  sum_t text;
  view_t text;
  day_expr text;
  today text;
BEGIN
  SELECT n.nspname, c.relname, c.relowner::regrole INTO nsp, rel, owner
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE c.oid = orders AND c.relkind IN ('r', 'p');
  IF NOT FOUND THEN
    RAISE EXCEPTION '"%" is not a table', orders USING ERRCODE = '22023';
  END IF;
  qorders := format('%I.%I', nsp, rel);
  IF EXISTS (SELECT 1 FROM crm.rfm_tracked WHERE orders_table = qorders) THEN
    RAISE EXCEPTION 'table "%" is already tracked for RFM', orders
      USING ERRCODE = '42710', HINT = 'Call crm.rfm_untrack() first.';
  END IF;
  PERFORM pg_catalog.now() AT TIME ZONE time_zone;    -- rejects an unknown zone
  SELECT format_type(atttypid, atttypmod) INTO t_customer FROM pg_attribute
   WHERE attrelid = orders AND attname = customer AND attnum > 0 AND NOT attisdropped;
  SELECT atttypid INTO t_at FROM pg_attribute
   WHERE attrelid = orders AND attname = at AND attnum > 0 AND NOT attisdropped;
  SELECT atttypid INTO t_amount FROM pg_attribute
   WHERE attrelid = orders AND attname = amount AND attnum > 0 AND NOT attisdropped;
  IF t_customer IS NULL OR t_at IS NULL OR t_amount IS NULL THEN
    RAISE EXCEPTION 'column "%" of "%" does not exist',
      CASE WHEN t_customer IS NULL THEN customer WHEN t_at IS NULL THEN at ELSE amount END, orders
      USING ERRCODE = '42703';
  END IF;
  IF t_at NOT IN ('timestamptz'::regtype, 'timestamp'::regtype, 'date'::regtype) THEN
    RAISE EXCEPTION 'column "%" of "%" is not a timestamptz, timestamp or date', at, orders
      USING ERRCODE = '22023';
  END IF;
  IF t_amount NOT IN ('numeric'::regtype, 'int2'::regtype, 'int4'::regtype, 'int8'::regtype) THEN
    RAISE EXCEPTION 'column "%" of "%" is not numeric or integer', amount, orders
      USING ERRCODE = '22023', DETAIL = 'Amounts are summed exactly.';
  END IF;

  base := left(rel, 48);
  log_t := format('%I.%I', nsp, base || '_rfm_log');
  days_t := format('%I.%I', nsp, base || '_rfm_days');
  sum_t := format('%I.%I', nsp, base || '_rfm_summary');
  view_t := format('%I.%I', nsp, base || '_rfm');
  day_expr := crm.rfm_day_sql(orders, at, time_zone);
  today := format('(pg_catalog.now() AT TIME ZONE %L)::date', time_zone);

  -- The log: no index, no constraint (the capture trigger appends raw rows).
  EXECUTE format('CREATE TABLE %s (customer %s, at %s, amount %s, sign smallint)',
                 log_t, t_customer, format_type(t_at, NULL), format_type(t_amount, NULL));
  EXECUTE format('COMMENT ON TABLE %s IS %L', log_t,
                 format('crm_profile RFM log of %s: changes not yet folded by crm.rfm_refresh()', qorders));
  EXECUTE format($q$CREATE TABLE %s (customer %s NOT NULL, day date NOT NULL,
                   purchases bigint NOT NULL, refunds bigint NOT NULL, amount numeric NOT NULL,
                   PRIMARY KEY (customer, day))$q$, days_t, t_customer);
  EXECUTE format('CREATE INDEX ON %s (customer) WHERE purchases = 0 AND refunds = 0', days_t);
  -- The view finds customers with days after today (future-dated orders) by day.
  EXECUTE format('CREATE INDEX ON %s (day)', days_t);
  EXECUTE format('COMMENT ON TABLE %s IS %L', days_t,
                 format('crm_profile RFM day summary of %s: purchase and refund rows and net amount per customer and day', qorders));
  EXECUTE format($q$CREATE TABLE %s (customer %s PRIMARY KEY, first_purchase date, last_purchase date,
                   frequency integer NOT NULL, orders bigint NOT NULL, refunds bigint NOT NULL,
                   monetary numeric NOT NULL)$q$, sum_t, t_customer);
  EXECUTE format('COMMENT ON TABLE %s IS %L', sum_t,
                 format('crm_profile RFM customer summary of %s (as of the last crm.rfm_refresh())', qorders));
  IF owner <> current_user::regrole THEN
    EXECUTE format('ALTER TABLE %s OWNER TO %I', log_t, owner);
    EXECUTE format('ALTER TABLE %s OWNER TO %I', days_t, owner);
    EXECUTE format('ALTER TABLE %s OWNER TO %I', sum_t, owner);
  END IF;

  -- Plain tables: inserts and deletes are captured per statement from the
  -- transition tables (batched log writes); partitioned and inheritance
  -- tables per row (their statement triggers miss rows written to a child
  -- directly).  Updates: per row, only when one of the three columns is set.
  IF (SELECT relkind = 'r' AND NOT relhassubclass FROM pg_class WHERE oid = orders) THEN
    EXECUTE format($q$CREATE TRIGGER crm_rfm_capture_ins AFTER INSERT ON %s
                     REFERENCING NEW TABLE AS crm_rfm_new
                     FOR EACH STATEMENT EXECUTE FUNCTION crm.rfm_capture(%L, %L, %L, %L)$q$,
                   qorders, log_t, customer, at, amount);
    EXECUTE format($q$CREATE TRIGGER crm_rfm_capture_del AFTER DELETE ON %s
                     REFERENCING OLD TABLE AS crm_rfm_old
                     FOR EACH STATEMENT EXECUTE FUNCTION crm.rfm_capture(%L, %L, %L, %L)$q$,
                   qorders, log_t, customer, at, amount);
    EXECUTE format($q$CREATE TRIGGER crm_rfm_capture AFTER UPDATE OF %I, %I, %I ON %s
                     FOR EACH ROW EXECUTE FUNCTION crm.rfm_capture(%L, %L, %L, %L)$q$,
                   customer, at, amount, qorders, log_t, customer, at, amount);
  ELSE
    EXECUTE format($q$CREATE TRIGGER crm_rfm_capture AFTER INSERT OR DELETE OR UPDATE OF %I, %I, %I ON %s
                     FOR EACH ROW EXECUTE FUNCTION crm.rfm_capture(%L, %L, %L, %L)$q$,
                   customer, at, amount, qorders, log_t, customer, at, amount);
  END IF;
  EXECUTE format($q$CREATE TRIGGER crm_rfm_truncate AFTER TRUNCATE ON %s
                   FOR EACH STATEMENT EXECUTE FUNCTION crm.rfm_capture_truncate(%L, %L, %L)$q$,
                 qorders, log_t, days_t, sum_t);

  -- The view: folded summary, plus the log's changes for the customers it
  -- touches, so it is exact whether or not crm.rfm_refresh() ran; customers
  -- with days after today are recomputed from their days up to today (rows
  -- after the as-of date are ignored, as crm.rfm_agg and crm.rfm do).
  EXECUTE format($q$CREATE VIEW %1$s AS
    WITH g AS (SELECT customer, %5$s AS day,
                      coalesce(sum(sign) FILTER (WHERE amount >= 0), 0)::bigint AS dp,
                      coalesce(sum(sign) FILTER (WHERE amount < 0), 0)::bigint AS dr,
                      coalesce(sum(sign * amount::numeric), 0) AS dm
                 FROM (SELECT customer, at AS %7$I, amount, sign FROM %2$s) l
                WHERE customer IS NOT NULL AND isfinite(%7$I) AND abs(amount::numeric) < 'Infinity'
                GROUP BY 1, 2),
    x AS (SELECT customer FROM g UNION SELECT customer FROM %3$s WHERE day > %6$s),
    pd AS (SELECT customer, day, sum(p) AS p, sum(r) AS r, sum(a) AS a
             FROM (SELECT customer, day, purchases AS p, refunds AS r, amount AS a
                     FROM %3$s WHERE customer IN (SELECT customer FROM x)
                   UNION ALL
                   SELECT customer, day, dp, dr, dm FROM g) u
            WHERE day <= %6$s
            GROUP BY 1, 2),
    cur AS (SELECT customer, first_purchase, last_purchase, frequency, orders, refunds, monetary
              FROM %4$s s WHERE NOT EXISTS (SELECT 1 FROM x WHERE x.customer = s.customer)
            UNION ALL
            SELECT customer, min(day) FILTER (WHERE p > 0), max(day) FILTER (WHERE p > 0),
                   count(*) FILTER (WHERE p > 0)::integer, sum(p), sum(r), sum(a)
              FROM pd GROUP BY customer HAVING bool_or(p <> 0 OR r <> 0)),
    st AS (SELECT customer, %6$s - last_purchase AS recency_days, frequency, monetary,
                  monetary / NULLIF(frequency, 0) AS avg_monetary, first_purchase, last_purchase,
                  %6$s - first_purchase AS tenure_days, orders, refunds
             FROM cur),
    th AS (SELECT crm.rfm_thresholds_agg(recency_days, frequency, monetary) AS th FROM st)
    SELECT st.customer AS %8$I, st.recency_days, st.frequency, st.monetary, st.avg_monetary,
           st.first_purchase, st.last_purchase, st.tenure_days, st.orders, st.refunds,
           crm.rfm_score(st.recency_days, st.frequency, st.monetary, th.th) AS score,
           crm.rfm_segment(crm.rfm_score(st.recency_days, st.frequency, st.monetary, th.th)) AS segment,
           crm.rfm_class(st.recency_days, st.frequency, st.monetary, th.th) AS class
      FROM st CROSS JOIN th$q$,
    view_t, log_t, days_t, sum_t, day_expr, today, at, customer);
  EXECUTE format('COMMENT ON VIEW %s IS %L', view_t,
                 format('crm_profile RFM of %s per customer, current to the last committed order: R, F, M, quintile score, segment and class', qorders));
  IF owner <> current_user::regrole THEN
    EXECUTE format('ALTER VIEW %s OWNER TO %I', view_t, owner);
  END IF;

  INSERT INTO crm.rfm_tracked (orders_table, customer_col, at_col, amount_col, time_zone,
                               log_table, days_table, summary_table, view_name)
  VALUES (qorders, customer, at, amount, time_zone, log_t, days_t, sum_t, view_t);
  PERFORM crm.rfm_rebuild(orders);
  RETURN view_t::regclass;
END
$$;
COMMENT ON FUNCTION crm.rfm_track(regclass, name, name, name, text) IS
  'starts RFM tracking of an orders table: creates its log, day and summary tables, capture triggers and per-customer view, fills the summary; returns the view';

------------------------------------------------------------------------
-- One call: the whole RFM of an orders table
------------------------------------------------------------------------

CREATE FUNCTION crm.rfm(orders_table regclass, customer name, ordered_at name, amount name,
                        as_of date, n integer DEFAULT 5)
  RETURNS TABLE (customer_id bigint, recency_days integer, frequency integer, monetary numeric,
                 avg_monetary numeric, first_purchase date, last_purchase date, tenure_days integer,
                 orders bigint, refunds bigint, score crm.rfm_score, segment crm.rfm_segment,
                 class crm.rfm_class)
  LANGUAGE C STABLE STRICT PARALLEL RESTRICTED ROWS 100000
  AS 'MODULE_PATHNAME', 'crm_rfm_table';
COMMENT ON FUNCTION crm.rfm(regclass, name, name, name, date, integer) IS
  'RFM of every customer of an orders table (integer customer keys) as of a date, in one scan: figures as crm.rfm_agg, quantile scores on n buckets, segment and class';
