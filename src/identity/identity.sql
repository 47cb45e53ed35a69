-- identity area: SQL objects, in dependency order.
--
-- Field standardisers, the Fellegi-Sunter model (comparison vectors, EM,
-- scores, explanations), the identity store with blocking keys, batch
-- linking with stable golden ids, matching on insert, the merge log,
-- unmerge, and the survivorship view.

CREATE TYPE crm.identity_settings_t AS
  (default_region text, threshold float8, max_block int4, match_on_insert boolean);
COMMENT ON TYPE crm.identity_settings_t IS 'The identity settings in effect (crm.identity_settings()).';

CREATE FUNCTION crm.identity_settings() RETURNS crm.identity_settings_t
  LANGUAGE C STABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'crm_identity_settings';
COMMENT ON FUNCTION crm.identity_settings() IS
  'The identity settings in effect: crm_profile.default_region, identity_threshold, identity_max_block, identity_match_on_insert.';

------------------------------------------------------------------------
-- Standardisers
------------------------------------------------------------------------

CREATE TYPE crm.identity_std AS (value text, valid boolean, note text);
COMMENT ON TYPE crm.identity_std IS
  'Result of an identity standardiser: the standard form (NULL when none can be made), whether the input is valid, and a note (what was changed, or why the input is invalid).';

CREATE FUNCTION crm.identity_phone(raw text) RETURNS crm.identity_std
  LANGUAGE C STABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'crm_identity_phone';
COMMENT ON FUNCTION crm.identity_phone(text) IS
  'Phone number to E.164 (libphonenumber), dialled from the region in crm_profile.default_region; valid = an assigned number of its country. STABLE because it reads that setting.';

CREATE FUNCTION crm.identity_phone(raw text, region text) RETURNS crm.identity_std
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'crm_identity_phone_region';
COMMENT ON FUNCTION crm.identity_phone(text, text) IS
  'Phone number to E.164 (libphonenumber), dialled from region (ISO 3166 code, '''' = unknown); valid = an assigned number of its country.';

CREATE FUNCTION crm.identity_email(raw text) RETURNS crm.identity_std
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'crm_identity_email';
COMMENT ON FUNCTION crm.identity_email(text) IS
  'E-mail address to one comparable form: trimmed, lower case, full-width forms folded, syntax checked; dots and +tags removed where the provider ignores them (Gmail, Outlook, iCloud ...).';

CREATE FUNCTION crm.identity_address(raw text) RETURNS crm.identity_std
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'crm_identity_address';
COMMENT ON FUNCTION crm.identity_address(text) IS
  'Address line to comparable tokens: lower case, punctuation dropped, St/Rd/Ave ... expanded, Chinese unit tokens (路 号 区 ...) separated and traditional forms simplified; valid = a street word and a house number.';

CREATE FUNCTION crm.identity_birth_date(raw text) RETURNS crm.identity_std
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'crm_identity_birth_date';
COMMENT ON FUNCTION crm.identity_birth_date(text) IS
  'Date of birth (YYYYMMDD, YYYY-MM-DD, DD/MM/YYYY, MM/DD/YYYY, 年月日) to YYYY-MM-DD; an impossible month is fixed by swapping day and month; valid = a real date in 1880-2100.';

CREATE FUNCTION crm.identity_cn_id(raw text) RETURNS crm.identity_std
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'crm_identity_cn_id';
COMMENT ON FUNCTION crm.identity_cn_id(text) IS
  'Chinese resident identity number (GB 11643) to its 18-character form (15-digit numbers converted); valid = province code, birth date and MOD 11-2 check character all right.';

CREATE FUNCTION crm.identity_name_clean(name text) RETURNS text
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'crm_identity_name_clean';
COMMENT ON FUNCTION crm.identity_name_clean(text) IS
  'A person name cleaned for matching: lower case, full-width folded, punctuation dropped; NULL when nothing is left.';

CREATE TYPE crm.identity_name_parts AS (given text, family text);
COMMENT ON TYPE crm.identity_name_parts IS 'A person name split into cleaned given and family parts.';

CREATE FUNCTION crm.identity_name_split(full_name text) RETURNS crm.identity_name_parts
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'crm_identity_name_split';
COMMENT ON FUNCTION crm.identity_name_split(text) IS
  'Full name to (given, family): "Family, Given"; Chinese names family first (compound family names such as 欧阳 kept whole); otherwise the last word is the family name.';

CREATE FUNCTION crm.identity_name_key(name text) RETURNS text
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'crm_identity_name_key';
COMMENT ON FUNCTION crm.identity_name_key(text) IS
  'Coarse phonetic blocking key of a name: American Soundex of its first Latin word, or its first Chinese character.';

CREATE FUNCTION crm.identity_seen_at(raw text) RETURNS timestamptz
  AS 'MODULE_PATHNAME', 'crm_identity_seen_at'
  LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION crm.identity_seen_at(text) IS
  'A source''s seen_at value as timestamptz, NULL (never an error) when it is not a finite date or time; the match-on-insert trigger uses it so that a bad value cannot make the application''s write fail.';

CREATE FUNCTION crm.identity_national_id(raw text) RETURNS text
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
BEGIN ATOMIC
  SELECT CASE
           WHEN (crm.identity_cn_id(raw)).value IS NOT NULL THEN (crm.identity_cn_id(raw)).value
           ELSE nullif(upper(regexp_replace(raw, '[^0-9A-Za-z]', '', 'g')), '')
         END;
END;
COMMENT ON FUNCTION crm.identity_national_id(text) IS
  'National id for matching: a Chinese resident id in its 18-character form, any other id as its upper-case letters and digits.';

------------------------------------------------------------------------
-- Fellegi-Sunter model
------------------------------------------------------------------------

CREATE FUNCTION crm.identity_features(full_name text, given_name text, family_name text,
                                      birth_date text, phone text, phone_region text,
                                      email text, national_id text, address text,
                                      city text, postcode text) RETURNS text[]
  LANGUAGE C IMMUTABLE PARALLEL SAFE
  -- not STRICT: every argument may be NULL (a missing field)
  AS 'MODULE_PATHNAME', 'crm_identity_features';
COMMENT ON FUNCTION crm.identity_features(text, text, text, text, text, text, text, text, text, text, text) IS
  'The standardised comparison features of a record: given name, family name, birth date, phone, e-mail, national id, address, city, postcode (NULL = missing).';

CREATE FUNCTION crm.identity_compare(a text[], b text[]) RETURNS int4
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'crm_identity_compare';
COMMENT ON FUNCTION crm.identity_compare(text[], text[]) IS
  'Comparison vector (gamma) of two feature arrays: one level per field packed 3 bits a field (7 = missing); names compared in both orders.';

CREATE FUNCTION crm.identity_candidate_pairs(max_block int4)
  RETURNS TABLE (record_a int8, record_b int8, gamma int4)
  LANGUAGE C STABLE STRICT PARALLEL RESTRICTED
  AS 'MODULE_PATHNAME', 'crm_identity_candidate_pairs';
COMMENT ON FUNCTION crm.identity_candidate_pairs(int4) IS
  'Blocking and comparison of the whole identity store in one pass: the union of the pairs sharing any blocking key (blocks of at most max_block records) with their comparison vectors.';

CREATE TYPE crm.identity_model_fit AS
  (lambda float8, m float8[], u float8[], iterations int4, converged boolean);
COMMENT ON TYPE crm.identity_model_fit IS
  'A Fellegi-Sunter model: the match proportion among candidate pairs and m/u probabilities indexed field * 8 + level (1-based arrays: element field * 8 + level + 1).';

CREATE FUNCTION crm.identity_em(gammas int4[], counts float8[], u_init float8[],
                                max_iter int4 DEFAULT 100, fix_u boolean DEFAULT false)
  RETURNS crm.identity_model_fit
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'crm_identity_em';
COMMENT ON FUNCTION crm.identity_em(int4[], float8[], float8[], int4, boolean) IS
  'Expectation-maximisation fit of a Fellegi-Sunter model to distinct comparison vectors and their counts, without labels; u starts at u_init and stays there when fix_u.';

CREATE FUNCTION crm.identity_u_estimate(gammas int4[]) RETURNS float8[]
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'crm_identity_u_estimate';
COMMENT ON FUNCTION crm.identity_u_estimate(int4[]) IS
  'u probabilities from the comparison vectors of random record pairs (level shares with add-one smoothing).';

CREATE FUNCTION crm.identity_default_model() RETURNS crm.identity_model_fit
  LANGUAGE C IMMUTABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'crm_identity_default_model';
COMMENT ON FUNCTION crm.identity_default_model() IS
  'The built-in prior model, used for matching on insert until crm.identity_link() has trained one.';

CREATE FUNCTION crm.identity_score(gamma int4, lambda float8, m float8[], u float8[]) RETURNS float8
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'crm_identity_score';
COMMENT ON FUNCTION crm.identity_score(int4, float8, float8[], float8[]) IS
  'Match probability of a comparison vector under a model.';

CREATE FUNCTION crm.identity_weight(gamma int4, lambda float8, m float8[], u float8[]) RETURNS float8
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'crm_identity_weight';
COMMENT ON FUNCTION crm.identity_weight(int4, float8, float8[], float8[]) IS
  'Match weight of a comparison vector: log2 posterior odds = log2(lambda/(1-lambda)) + sum of log2(m/u) over present fields.';

CREATE FUNCTION crm.identity_contributions(gamma int4, m float8[], u float8[])
  RETURNS TABLE (field text, level int4, level_name text, m float8, u float8, weight float8)
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 9
  AS 'MODULE_PATHNAME', 'crm_identity_contributions';
COMMENT ON FUNCTION crm.identity_contributions(int4, float8[], float8[]) IS
  'Per-field contributions log2(m/u) to the match weight of a comparison vector (0 for a missing field).';

CREATE FUNCTION crm.identity_gamma_identical(gamma int4) RETURNS boolean
  AS 'MODULE_PATHNAME', 'crm_identity_gamma_identical'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION crm.identity_gamma_identical(int4) IS
  'Whether a comparison vector is that of identical records: exact on every field both have, at least two fields, one of them birth date, phone, e-mail or national id. Such pairs always link, whatever the model.';

CREATE FUNCTION crm.identity_components(a int8[], b int8[])
  RETURNS TABLE (node int8, component int8)
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'crm_identity_components';
COMMENT ON FUNCTION crm.identity_components(int8[], int8[]) IS
  'Connected components of the graph with edges (a[i], b[i]): each node with the smallest node of its component.';

------------------------------------------------------------------------
-- Identity store and configuration
------------------------------------------------------------------------

CREATE TABLE crm.identity_source (
  source        text PRIMARY KEY,
  relation      regclass NOT NULL,
  key_column    name NOT NULL,
  mapping       jsonb NOT NULL,
  region        text,
  priority      int4 NOT NULL DEFAULT 100,
  registered_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE crm.identity_source IS
  'Registered source tables of customer records: key column, mapping of identity fields to columns, phone region, survivorship priority (lower first).';
SELECT pg_catalog.pg_extension_config_dump('crm.identity_source', '');

CREATE TABLE crm.identity_blocking_rule (
  rule       text PRIMARY KEY,
  expression text NOT NULL,
  enabled    boolean NOT NULL DEFAULT true,
  builtin    boolean NOT NULL DEFAULT false
);
COMMENT ON TABLE crm.identity_blocking_rule IS
  'Blocking rules: SQL expressions over f, the features array (f[1] given, f[2] family, f[3] birth date, f[4] phone, f[5] e-mail, f[6] national id, f[7] address, f[8] city, f[9] postcode); records sharing a value of any enabled rule are compared.';
INSERT INTO crm.identity_blocking_rule (rule, expression, builtin) VALUES
  ('name',       'crm.name_phonetic(concat_ws('' '', f[1], f[2]))', true),
  ('birth_date', 'f[3]', true),
  ('phone',      'f[4]', true),
  ('email',      'f[5]', true),
  ('national_id','f[6]', true),
  ('postcode_name', 'f[9] || crm.identity_name_key(f[2])', true),
  ('address',    'f[7] || coalesce(f[9], f[8])', true);
SELECT pg_catalog.pg_extension_config_dump('crm.identity_blocking_rule', 'WHERE NOT builtin');

CREATE SEQUENCE crm.identity_record_seq;
COMMENT ON SEQUENCE crm.identity_record_seq IS 'Record ids of crm.identity_record.';
SELECT pg_catalog.pg_extension_config_dump('crm.identity_record_seq', '');

CREATE SEQUENCE crm.identity_golden_seq;
COMMENT ON SEQUENCE crm.identity_golden_seq IS 'Golden customer ids.';
SELECT pg_catalog.pg_extension_config_dump('crm.identity_golden_seq', '');

CREATE TABLE crm.identity_record (
  record_id    int8 PRIMARY KEY DEFAULT nextval('crm.identity_record_seq'),
  source       text COLLATE "C" NOT NULL,
  source_key   text COLLATE "C" NOT NULL,
  full_name    text,
  given_name   text,
  family_name  text,
  birth_date   text,
  phone        text,
  phone_region text,
  email        text,
  national_id  text,
  address      text,
  city         text,
  postcode     text,
  seen_at      timestamptz,
  features     text[] NOT NULL,
  block_keys   int8[] NOT NULL,
  golden_id    int8,
  locked       boolean NOT NULL DEFAULT false,
  UNIQUE (source, source_key)
) WITH (fillfactor = 70);
COMMENT ON TABLE crm.identity_record IS
  'Customer records of every source as given, with their standardised features, blocking keys and golden id (locked = split off by hand, never linked again automatically). Written by crm.identity_upsert/load/link.';
ALTER SEQUENCE crm.identity_record_seq OWNED BY crm.identity_record.record_id;
CREATE INDEX identity_record_block_keys ON crm.identity_record USING gin (block_keys);
SELECT pg_catalog.pg_extension_config_dump('crm.identity_record', '');

CREATE UNLOGGED TABLE crm.identity_pair (
  record_a int8 NOT NULL,
  record_b int8 NOT NULL,
  gamma    int4 NOT NULL
);
COMMENT ON TABLE crm.identity_pair IS
  'Candidate pairs of the last crm.identity_link() run (blocking output) with their comparison vectors: a snapshot of that run, rebuilt by the next (unlogged: derived data).';

CREATE TABLE crm.identity_model (
  model_id    int4 PRIMARY KEY DEFAULT 1 CHECK (model_id = 1),
  lambda      float8 NOT NULL,
  m           float8[] NOT NULL,
  u           float8[] NOT NULL,
  iterations  int4 NOT NULL,
  converged   boolean NOT NULL,
  pairs       int8 NOT NULL,
  trained_at  timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE crm.identity_model IS
  'The Fellegi-Sunter model trained by the last crm.identity_link() (one row; empty = built-in prior).';
SELECT pg_catalog.pg_extension_config_dump('crm.identity_model', '');

CREATE SEQUENCE crm.identity_merge_log_seq;
COMMENT ON SEQUENCE crm.identity_merge_log_seq IS 'Ids of crm.identity_merge_log rows.';

CREATE TABLE crm.identity_merge_log (
  log_id        int8 PRIMARY KEY DEFAULT nextval('crm.identity_merge_log_seq'),
  logged_at     timestamptz NOT NULL DEFAULT now(),
  record_id     int8 NOT NULL,
  old_golden_id int8,
  new_golden_id int8,
  action        text NOT NULL CHECK (action IN ('assign', 'merge', 'split', 'unmerge', 'remove')),
  detail        text
);
COMMENT ON TABLE crm.identity_merge_log IS
  'Every change of a record''s golden id: assign (first id), merge (its cluster joined another), split (it left a cluster), unmerge (by hand), remove (record deleted).';
SELECT pg_catalog.pg_extension_config_dump('crm.identity_merge_log', '');
ALTER SEQUENCE crm.identity_merge_log_seq OWNED BY crm.identity_merge_log.log_id;
SELECT pg_catalog.pg_extension_config_dump('crm.identity_merge_log_seq', '');

CREATE TABLE crm.identity_survivorship (
  field        text PRIMARY KEY
               CHECK (field IN ('full_name', 'birth_date', 'phone', 'email', 'national_id', 'address', 'city', 'postcode')),
  rule         text NOT NULL CHECK (rule IN ('most_recent', 'most_frequent', 'source_priority')),
  source_order text[]
);
COMMENT ON TABLE crm.identity_survivorship IS
  'Survivorship rule per golden-record field (most_recent, most_frequent, source_priority with source_order or else the sources'' priority); a field without a row uses its default (see crm.identity_golden).';
SELECT pg_catalog.pg_extension_config_dump('crm.identity_survivorship', '');

------------------------------------------------------------------------
-- Model access and explanations
------------------------------------------------------------------------

CREATE FUNCTION crm.identity_current_model() RETURNS crm.identity_model_fit
  LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
  SELECT x.lambda, x.m, x.u, x.iterations, x.converged
    FROM (SELECT 0 AS o, mo.lambda, mo.m, mo.u, mo.iterations, mo.converged
            FROM crm.identity_model mo
          UNION ALL
          SELECT 1, d.lambda, d.m, d.u, d.iterations, d.converged
            FROM crm.identity_default_model() d) x
   ORDER BY x.o
   LIMIT 1;
END;
COMMENT ON FUNCTION crm.identity_current_model() IS
  'The model in use: the trained one, else the built-in prior.';

CREATE VIEW crm.identity_model_params AS
  SELECT c.field, c.level, c.level_name, c.m, c.u, c.weight
    FROM crm.identity_current_model() mo,
         LATERAL generate_series(0, 8) f(i),
         LATERAL generate_series(0, (ARRAY[4, 4, 3, 3, 3, 3, 4, 3, 3])[f.i + 1] - 1) l(j),
         LATERAL crm.identity_contributions((134217727 & ~(7 << (f.i * 3))) | (l.j << (f.i * 3)),
                                            mo.m, mo.u) c
   WHERE c.level IS NOT NULL;
COMMENT ON VIEW crm.identity_model_params IS
  'The model in use, one row per field and level: m, u and the weight log2(m/u).';

CREATE FUNCTION crm.identity_explain(record_a int8, record_b int8)
  RETURNS TABLE (field text, value_a text, value_b text, level_name text,
                 m float8, u float8, weight float8)
  LANGUAGE sql STABLE STRICT PARALLEL SAFE
BEGIN ATOMIC
  SELECT c.field, a.features[c.i], b.features[c.i], c.level_name, c.m, c.u, c.weight
    FROM crm.identity_record a, crm.identity_record b, crm.identity_current_model() mo,
         LATERAL crm.identity_contributions(crm.identity_compare(a.features, b.features), mo.m, mo.u)
           WITH ORDINALITY c(field, level, level_name, m, u, weight, i)
   WHERE a.record_id = record_a AND b.record_id = record_b
  UNION ALL
  SELECT 'prior', NULL, NULL, NULL, mo.lambda, NULL, ln(mo.lambda / (1 - mo.lambda)) / ln(2)
    FROM crm.identity_current_model() mo
   WHERE EXISTS (SELECT FROM crm.identity_record WHERE record_id = record_a)
     AND EXISTS (SELECT FROM crm.identity_record WHERE record_id = record_b);
END;
COMMENT ON FUNCTION crm.identity_explain(int8, int8) IS
  'Why two records match or not: per field the two standardised values, the comparison level, m, u and the weight log2(m/u); a last "prior" row holds lambda and its log-odds. The weights sum to crm.identity_match_weight().';

CREATE FUNCTION crm.identity_match_probability(record_a int8, record_b int8) RETURNS float8
  LANGUAGE sql STABLE STRICT PARALLEL SAFE
BEGIN ATOMIC
  SELECT crm.identity_score(crm.identity_compare(a.features, b.features), mo.lambda, mo.m, mo.u)
    FROM crm.identity_record a, crm.identity_record b, crm.identity_current_model() mo
   WHERE a.record_id = record_a AND b.record_id = record_b;
END;
COMMENT ON FUNCTION crm.identity_match_probability(int8, int8) IS
  'Match probability of two identity records under the model in use (NULL if either record does not exist).';

CREATE FUNCTION crm.identity_match_weight(record_a int8, record_b int8) RETURNS float8
  LANGUAGE sql STABLE STRICT PARALLEL SAFE
BEGIN ATOMIC
  SELECT crm.identity_weight(crm.identity_compare(a.features, b.features), mo.lambda, mo.m, mo.u)
    FROM crm.identity_record a, crm.identity_record b, crm.identity_current_model() mo
   WHERE a.record_id = record_a AND b.record_id = record_b;
END;
COMMENT ON FUNCTION crm.identity_match_weight(int8, int8) IS
  'Match weight (log2 posterior odds) of two identity records under the model in use.';

CREATE VIEW crm.identity_pairs AS
  SELECT p.record_a, p.record_b, p.gamma,
         crm.identity_weight(p.gamma, mo.lambda, mo.m, mo.u) AS weight,
         crm.identity_score(p.gamma, mo.lambda, mo.m, mo.u) AS probability
    FROM crm.identity_pair p, crm.identity_current_model() mo;
COMMENT ON VIEW crm.identity_pairs IS
  'Candidate pairs of the last link run with match weight and probability under the model in use.';

------------------------------------------------------------------------
-- Blocking keys, loading, matching on insert
------------------------------------------------------------------------

CREATE FUNCTION crm.identity_block_keys_sql() RETURNS text
  LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
  SELECT 'array_remove(ARRAY[' ||
         coalesce(string_agg(format('hashtextextended(%L || (%s), 0)', r.rule || ':', r.expression),
                             ', ' ORDER BY r.rule),
                  'NULL::int8') ||
         ']::int8[], NULL)'
    FROM crm.identity_blocking_rule r
   WHERE r.enabled;
END;
COMMENT ON FUNCTION crm.identity_block_keys_sql() IS
  'The SQL expression (over a features column named f) computing the blocking keys of the enabled rules: 64-bit hashes of "rule:value" (int8 keys make the GIN index and the self-join several times faster than text).';

CREATE FUNCTION crm.identity_block_keys(features text[]) RETURNS int8[]
  LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  keys int8[];
BEGIN
  EXECUTE format('SELECT %s FROM (SELECT $1::text[] AS f) s', crm.identity_block_keys_sql())
    INTO keys USING features;
  RETURN keys;
END;
$$;
COMMENT ON FUNCTION crm.identity_block_keys(text[]) IS
  'Blocking keys of one features array under the enabled rules.';

CREATE FUNCTION crm.identity_rebuild_keys() RETURNS int8
  LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  n int8;
BEGIN
  EXECUTE format('UPDATE crm.identity_record r SET block_keys = s.k
                    FROM (SELECT record_id, %s AS k FROM (SELECT record_id, features AS f FROM crm.identity_record) t) s
                   WHERE r.record_id = s.record_id AND r.block_keys IS DISTINCT FROM s.k',
                 crm.identity_block_keys_sql());
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n;
END;
$$;
COMMENT ON FUNCTION crm.identity_rebuild_keys() IS
  'Recomputes (writes) the blocking keys of every record after crm.identity_blocking_rule changed; returns the number of records updated.';

CREATE FUNCTION crm.identity_log(record_id int8, old_golden int8, new_golden int8, action text, detail text)
  RETURNS void
  LANGUAGE sql VOLATILE PARALLEL UNSAFE
BEGIN ATOMIC
  INSERT INTO crm.identity_merge_log (record_id, old_golden_id, new_golden_id, action, detail)
  VALUES (record_id, old_golden, new_golden, action, detail);
END;
COMMENT ON FUNCTION crm.identity_log(int8, int8, int8, text, text) IS
  'Writes one row of crm.identity_merge_log (internal).';

CREATE FUNCTION crm.identity_match_record(p_record_id int8) RETURNS int8
  LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  r crm.identity_record;
  mo crm.identity_model_fit := crm.identity_current_model();
  thr float8 := (crm.identity_settings()).threshold;
  k int8;
  target int8;
  hits int8[];
  other record;
BEGIN
  SELECT * INTO r FROM crm.identity_record WHERE record_id = p_record_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'identity record % does not exist', p_record_id USING ERRCODE = '22023';
  END IF;
  IF r.golden_id IS NOT NULL THEN
    RETURN r.golden_id;
  END IF;
  -- Serialise matching of records sharing a blocking key (in one global
  -- order, so two inserts never wait on each other crosswise); a later
  -- statement then sees the other transaction's committed record.
  FOR k IN SELECT DISTINCT x FROM unnest(r.block_keys) x ORDER BY 1 LOOP
    PERFORM pg_advisory_xact_lock(1129468237, hashint8(k));
  END LOOP;

  SELECT array_agg(h.golden_id ORDER BY h.n DESC, h.golden_id) INTO hits
    FROM (SELECT c.golden_id, count(*) AS n
            FROM crm.identity_record c
           WHERE c.block_keys && r.block_keys
             AND c.record_id <> r.record_id
             AND c.golden_id IS NOT NULL
             AND NOT c.locked
             AND (crm.identity_score(crm.identity_compare(r.features, c.features),
                                     mo.lambda, mo.m, mo.u) >= thr
                  OR crm.identity_gamma_identical(crm.identity_compare(r.features, c.features)))
           GROUP BY c.golden_id) h;
  target := hits[1];
  IF target IS NULL THEN
    target := nextval('crm.identity_golden_seq');
    UPDATE crm.identity_record SET golden_id = target WHERE record_id = r.record_id;
    PERFORM crm.identity_log(r.record_id, NULL, target, 'assign', 'new record, no match');
    RETURN target;
  END IF;
  UPDATE crm.identity_record SET golden_id = target WHERE record_id = r.record_id;
  PERFORM crm.identity_log(r.record_id, NULL, target, 'assign', 'new record matched');
  -- the new record links several clusters: they merge into the one it
  -- matches most records of
  FOR other IN
    SELECT g.record_id, g.golden_id FROM crm.identity_record g
     WHERE g.golden_id = ANY (hits[2:]) ORDER BY g.record_id
  LOOP
    UPDATE crm.identity_record SET golden_id = target WHERE record_id = other.record_id;
    PERFORM crm.identity_log(other.record_id, other.golden_id, target, 'merge',
                             format('linked through new record %s', r.record_id));
  END LOOP;
  RETURN target;
END;
$$;
COMMENT ON FUNCTION crm.identity_match_record(int8) IS
  'Matches one record without a golden id against its blocking candidates and assigns (writes) its golden id: a new one, the matched cluster''s, or merges the clusters it links; logged in crm.identity_merge_log.';

CREATE FUNCTION crm.identity_upsert(source text, source_key text, attrs jsonb, region text DEFAULT NULL)
  RETURNS int8
  LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
  -- not STRICT: NULL region = crm_profile.default_region; NULL source or key is an error
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  f text[];
  rid int8;
  gid int8;
  bad text;
  seen timestamptz;
BEGIN
  IF source IS NULL OR source_key IS NULL THEN
    RAISE EXCEPTION 'source and source_key must not be NULL' USING ERRCODE = '22004';
  END IF;
  attrs := coalesce(attrs, '{}');
  SELECT k INTO bad FROM jsonb_object_keys(attrs) k
   WHERE k NOT IN ('full_name', 'given_name', 'family_name', 'birth_date', 'phone', 'email',
                   'national_id', 'address', 'city', 'postcode', 'seen_at')
   LIMIT 1;
  IF bad IS NOT NULL THEN
    RAISE EXCEPTION 'unknown identity field "%"', bad USING ERRCODE = '22023',
      HINT = 'The fields are full_name, given_name, family_name, birth_date, phone, email, national_id, address, city, postcode and seen_at.';
  END IF;
  IF NOT EXISTS (SELECT FROM crm.identity_source s WHERE s.source = identity_upsert.source) THEN
    RAISE EXCEPTION 'identity source "%" is not registered', source USING ERRCODE = '55000',
      HINT = 'Register it with crm.identity_register().';
  END IF;
  region := coalesce(region, (crm.identity_settings()).default_region);
  seen := crm.identity_seen_at(attrs->>'seen_at');
  IF seen IS NULL AND attrs->>'seen_at' IS NOT NULL THEN
    RAISE WARNING 'identity source "%" record "%": seen_at value "%" is not a date or time, stored as the current time',
      source, source_key, attrs->>'seen_at';
  END IF;
  f := crm.identity_features(attrs->>'full_name', attrs->>'given_name', attrs->>'family_name',
                             attrs->>'birth_date', attrs->>'phone', region, attrs->>'email',
                             attrs->>'national_id', attrs->>'address', attrs->>'city',
                             attrs->>'postcode');
  INSERT INTO crm.identity_record AS t
         (source, source_key, full_name, given_name, family_name, birth_date, phone,
          phone_region, email, national_id, address, city, postcode, seen_at, features, block_keys)
  VALUES (source, source_key, attrs->>'full_name', attrs->>'given_name', attrs->>'family_name',
          attrs->>'birth_date', attrs->>'phone', region, attrs->>'email', attrs->>'national_id',
          attrs->>'address', attrs->>'city', attrs->>'postcode',
          coalesce(seen, now()), f, crm.identity_block_keys(f))
  ON CONFLICT ON CONSTRAINT identity_record_source_source_key_key DO UPDATE
     SET full_name = excluded.full_name, given_name = excluded.given_name,
         family_name = excluded.family_name, birth_date = excluded.birth_date,
         phone = excluded.phone, phone_region = excluded.phone_region, email = excluded.email,
         national_id = excluded.national_id, address = excluded.address, city = excluded.city,
         postcode = excluded.postcode, seen_at = excluded.seen_at,
         features = excluded.features, block_keys = excluded.block_keys
  RETURNING t.record_id, t.golden_id INTO rid, gid;
  IF gid IS NULL AND (crm.identity_settings()).match_on_insert THEN
    gid := crm.identity_match_record(rid);
  END IF;
  RETURN gid;
END;
$$;
COMMENT ON FUNCTION crm.identity_upsert(text, text, jsonb, text) IS
  'Inserts or updates (writes) one customer record given as {"full_name": ..., "phone": ...}, standardises it, and when crm_profile.identity_match_on_insert is on matches it and assigns its golden id, which it returns.';

CREATE FUNCTION crm.identity_remove(source text, source_key text) RETURNS boolean
  LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  rid int8;
  gid int8;
BEGIN
  IF NOT EXISTS (SELECT FROM crm.identity_source s WHERE s.source = identity_remove.source) THEN
    RAISE EXCEPTION 'identity source "%" is not registered', source USING ERRCODE = '55000',
      HINT = 'Register it with crm.identity_register().';
  END IF;
  DELETE FROM crm.identity_record r WHERE r.source = identity_remove.source
     AND r.source_key = identity_remove.source_key
  RETURNING r.record_id, r.golden_id INTO rid, gid;
  IF rid IS NULL THEN
    RETURN false;
  END IF;
  PERFORM crm.identity_log(rid, gid, NULL, 'remove', format('%s/%s deleted', source, source_key));
  RETURN true;
END;
$$;
COMMENT ON FUNCTION crm.identity_remove(text, text) IS
  'Deletes (writes) one record from the identity store and logs the removal; false if it was not there. Its pairs in crm.identity_pair stay until the next link.';

CREATE FUNCTION crm.identity_source_trigger() RETURNS trigger
  LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  s crm.identity_source;
  j jsonb;
  attrs jsonb;
BEGIN
  SELECT * INTO s FROM crm.identity_source WHERE source = TG_ARGV[0];
  IF NOT FOUND THEN
    RETURN NULL;
  END IF;
  IF TG_OP = 'TRUNCATE' THEN
    INSERT INTO crm.identity_merge_log (record_id, old_golden_id, new_golden_id, action, detail)
    SELECT r.record_id, r.golden_id, NULL, 'remove', format('%s truncated', s.relation)
      FROM crm.identity_record r WHERE r.source = s.source;
    DELETE FROM crm.identity_record r WHERE r.source = s.source;
    RETURN NULL;
  END IF;
  IF TG_OP IN ('DELETE', 'UPDATE') THEN
    j := to_jsonb(OLD);
    IF TG_OP = 'DELETE' OR j->>s.key_column IS DISTINCT FROM to_jsonb(NEW)->>s.key_column THEN
      PERFORM crm.identity_remove(s.source, j->>s.key_column);
    END IF;
    IF TG_OP = 'DELETE' THEN
      RETURN NULL;
    END IF;
  END IF;
  j := to_jsonb(NEW);
  SELECT coalesce(jsonb_object_agg(m.key, j->>m.value), '{}') INTO attrs
    FROM jsonb_each_text(s.mapping) m;
  PERFORM crm.identity_upsert(s.source, j->>s.key_column, attrs, s.region);
  RETURN NULL;
END;
$$;
COMMENT ON FUNCTION crm.identity_source_trigger() IS
  'Trigger on a registered source table: inserts, updates or removes (writes) the changed row in the identity store, matching new records on insert; after TRUNCATE removes all the source''s records (logged).';

------------------------------------------------------------------------
-- Batch linking
------------------------------------------------------------------------

CREATE FUNCTION crm.identity_check_mapping(relation regclass, key_column name, mapping jsonb)
  RETURNS void
  LANGUAGE plpgsql STABLE PARALLEL SAFE
  -- not STRICT: NULL arguments are reported as errors
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  m record;
BEGIN
  IF relation IS NULL OR key_column IS NULL OR mapping IS NULL OR jsonb_typeof(mapping) <> 'object' THEN
    RAISE EXCEPTION 'relation, key column and mapping object are required' USING ERRCODE = '22004';
  END IF;
  FOR m IN SELECT key, value FROM jsonb_each_text(mapping) UNION ALL SELECT NULL, key_column LOOP
    IF m.key IS NOT NULL AND m.key NOT IN ('full_name', 'given_name', 'family_name', 'birth_date', 'phone', 'email',
                     'national_id', 'address', 'city', 'postcode', 'seen_at') THEN
      RAISE EXCEPTION 'unknown identity field "%"', m.key USING ERRCODE = '22023',
        HINT = 'The fields are full_name, given_name, family_name, birth_date, phone, email, national_id, address, city, postcode and seen_at.';
    END IF;
    IF NOT EXISTS (SELECT FROM pg_attribute WHERE attrelid = relation AND attname = m.value
                      AND attnum > 0 AND NOT attisdropped) THEN
      RAISE EXCEPTION 'column "%" of relation % does not exist', m.value, relation USING ERRCODE = '42703';
    END IF;
  END LOOP;
  -- a table's key must be unique (a view's cannot be checked)
  IF (SELECT c.relkind FROM pg_class c WHERE c.oid = relation) IN ('r', 'p')
     AND NOT EXISTS (SELECT FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
                      WHERE i.indrelid = relation AND i.indisunique AND i.indnatts = 1
                        AND i.indpred IS NULL AND i.indexprs IS NULL AND a.attname = key_column) THEN
    RAISE EXCEPTION 'key column "%" of table % is not unique', key_column, relation USING ERRCODE = '42P10',
      HINT = 'The key column needs a primary key or a one-column unique index: each row is one identity record.';
  END IF;
END;
$$;
COMMENT ON FUNCTION crm.identity_check_mapping(regclass, name, jsonb) IS
  'Raises an error unless every mapped identity field is known, every column exists and a table''s key column is unique (internal).';

CREATE FUNCTION crm.identity_register(source text, relation regclass, key_column name, mapping jsonb,
                                      region text DEFAULT NULL, priority int4 DEFAULT 100,
                                      match_on_insert boolean DEFAULT true)
  RETURNS void
  LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
  -- not STRICT: NULL region = crm_profile.default_region at load time
  SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF source IS NULL OR priority IS NULL OR match_on_insert IS NULL THEN
    RAISE EXCEPTION 'source, priority and match_on_insert must not be NULL' USING ERRCODE = '22004';
  END IF;
  PERFORM crm.identity_check_mapping(relation, key_column, mapping);
  IF region IS NOT NULL AND region !~ '^([A-Za-z]{2})?$' THEN
    RAISE EXCEPTION 'invalid region "%"', region USING ERRCODE = '22023',
      HINT = 'A region is a two-letter ISO 3166 code such as "CN", "US" or "GB", or an empty string for unknown.';
  END IF;
  region := upper(region);
  INSERT INTO crm.identity_source (source, relation, key_column, mapping, region, priority)
  VALUES (source, relation, key_column, mapping, region, priority);
  IF match_on_insert THEN
    EXECUTE format('CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE ON %s FOR EACH ROW EXECUTE FUNCTION crm.identity_source_trigger(%L)',
                   'crm_identity_' || source, relation, source);
    EXECUTE format('CREATE TRIGGER %I AFTER TRUNCATE ON %s FOR EACH STATEMENT EXECUTE FUNCTION crm.identity_source_trigger(%L)',
                   'crm_identity_' || source || '_truncate', relation, source);
  END IF;
END;
$$;
COMMENT ON FUNCTION crm.identity_register(text, regclass, name, jsonb, text, int4, boolean) IS
  'Registers (writes) a table of customer records as an identity source: mapping {"full_name": "col", "phone": "col", ...}; with match_on_insert a trigger keeps the identity store in step with the table.';

CREATE FUNCTION crm.identity_unregister(source text) RETURNS void
  LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE
  SET search_path = pg_catalog, pg_temp
  SET client_min_messages = warning
AS $$
DECLARE
  s crm.identity_source;
BEGIN
  SELECT * INTO s FROM crm.identity_source WHERE identity_source.source = identity_unregister.source;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'identity source "%" is not registered', source USING ERRCODE = '55000';
  END IF;
  EXECUTE format('DROP TRIGGER IF EXISTS %I ON %s', 'crm_identity_' || s.source, s.relation);
  EXECUTE format('DROP TRIGGER IF EXISTS %I ON %s', 'crm_identity_' || s.source || '_truncate', s.relation);
  INSERT INTO crm.identity_merge_log (record_id, old_golden_id, new_golden_id, action, detail)
  SELECT r.record_id, r.golden_id, NULL, 'remove', format('source %s unregistered', s.source)
    FROM crm.identity_record r WHERE r.source = s.source;
  DELETE FROM crm.identity_record r WHERE r.source = s.source;
  DELETE FROM crm.identity_source WHERE identity_source.source = s.source;
END;
$$;
COMMENT ON FUNCTION crm.identity_unregister(text) IS
  'Unregisters a source: drops its trigger and deletes (writes) its records from the identity store, logging their removal.';

CREATE FUNCTION crm.identity_load(source text) RETURNS int8
  LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE
  SET search_path = pg_catalog, pg_temp
  SET jit = off
AS $$
DECLARE
  s crm.identity_source;
  col text;
  fld text;
  sel text := '';
  n int8;
BEGIN
  SELECT * INTO s FROM crm.identity_source WHERE identity_source.source = identity_load.source;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'identity source "%" is not registered', source USING ERRCODE = '55000',
      HINT = 'Register it with crm.identity_register().';
  END IF;
  FOREACH fld IN ARRAY ARRAY['full_name', 'given_name', 'family_name', 'birth_date', 'phone',
                             'email', 'national_id', 'address', 'city', 'postcode'] LOOP
    col := s.mapping->>fld;
    sel := sel || CASE WHEN col IS NULL THEN 'NULL::text' ELSE format('nullif(btrim(%I::text), '''')', col) END
               || ' AS ' || fld || ', ';
  END LOOP;
  col := s.mapping->>'seen_at';
  sel := sel || CASE WHEN col IS NULL THEN 'now()'
                     WHEN (SELECT a.atttypid FROM pg_attribute a WHERE a.attrelid = s.relation AND a.attname = col)
                          IN ('date'::regtype, 'timestamp'::regtype, 'timestamptz'::regtype)
                     THEN format('coalesce(%I::timestamptz, now())', col)
                     ELSE format('coalesce(crm.identity_seen_at(%I::text), now())', col) END
             || ' AS seen_at, ' || format('%I::text AS source_key', s.key_column);
  EXECUTE format($q$
    INSERT INTO crm.identity_record AS t
           (source, source_key, full_name, given_name, family_name, birth_date, phone, phone_region,
            email, national_id, address, city, postcode, seen_at, features, block_keys)
    SELECT %L, source_key, full_name, given_name, family_name, birth_date, phone, %L,
           email, national_id, address, city, postcode, seen_at, f, %s
      FROM (SELECT x.*, crm.identity_features(full_name, given_name, family_name, birth_date, phone, %L,
                                              email, national_id, address, city, postcode) AS f
              FROM (SELECT %s FROM %s) x
             WHERE x.source_key IS NOT NULL
            OFFSET 0) y  -- OFFSET 0: compute f once, not once per use
    ON CONFLICT ON CONSTRAINT identity_record_source_source_key_key DO UPDATE
       SET full_name = excluded.full_name, given_name = excluded.given_name,
           family_name = excluded.family_name, birth_date = excluded.birth_date,
           phone = excluded.phone, phone_region = excluded.phone_region, email = excluded.email,
           national_id = excluded.national_id, address = excluded.address, city = excluded.city,
           postcode = excluded.postcode, seen_at = excluded.seen_at,
           features = excluded.features, block_keys = excluded.block_keys
     WHERE t.features IS DISTINCT FROM excluded.features
        OR t.full_name IS DISTINCT FROM excluded.full_name
        OR t.address IS DISTINCT FROM excluded.address
        OR t.seen_at IS DISTINCT FROM excluded.seen_at$q$,
    s.source, coalesce(s.region, (crm.identity_settings()).default_region),
    crm.identity_block_keys_sql(),
    coalesce(s.region, (crm.identity_settings()).default_region),
    sel, s.relation);
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n;
END;
$$;
COMMENT ON FUNCTION crm.identity_load(text) IS
  'Bulk-loads (writes) every row of a registered source into the identity store, standardised, without matching; returns the rows inserted or changed. Link afterwards with crm.identity_link().';

CREATE FUNCTION crm.identity_link(threshold float8 DEFAULT NULL, max_iter int4 DEFAULT 100,
                                  fix_u boolean DEFAULT false, train boolean DEFAULT true)
  RETURNS TABLE (records int8, candidate_pairs int8, matched_pairs int8, clusters int8,
                 changed int8, em_iterations int4, lambda float8, seconds float8)
  LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
  -- not STRICT: NULL threshold = crm_profile.identity_threshold
  SET search_path = pg_catalog, pg_temp
  SET jit = off
AS $$
DECLARE
  t0 timestamptz := clock_timestamp();
  thr float8 := coalesce(threshold, (crm.identity_settings()).threshold);
  maxb int4 := (crm.identity_settings()).max_block;
  nrec int8;
  npairs int8;
  nmatch int8;
  nclus int8;
  nchg int8;
  uinit float8[];
  fit crm.identity_model_fit;
  ea int8[];
  eb int8[];
  nupd int8;
  bad text;
  wthr float8;
BEGIN
  IF thr IS NULL OR thr < 0 OR thr > 1 THEN
    RAISE EXCEPTION 'threshold % is out of range', thr USING ERRCODE = '22003',
      DETAIL = 'A match probability threshold lies between 0 and 1.';
  END IF;
  -- one batch link at a time; matching on insert waits for nothing but
  -- its own blocking keys, so it may run beside it (see README)
  PERFORM pg_advisory_xact_lock(1129468237, 0);
  ANALYZE crm.identity_record;
  SELECT count(*) INTO nrec FROM crm.identity_record;

  -- 1. blocking: the union of the pairs sharing a key of any rule,
  --    leaving out keys shared by more than crm_profile.identity_max_block
  TRUNCATE crm.identity_pair;
  INSERT INTO crm.identity_pair (record_a, record_b, gamma)
  SELECT p.record_a, p.record_b, p.gamma FROM crm.identity_candidate_pairs(maxb) p;
  GET DIAGNOSTICS npairs = ROW_COUNT;
  ANALYZE crm.identity_pair;
  RAISE DEBUG 'identity_link: pairs %', clock_timestamp() - t0;
  -- 2. the model: u from random pairs, then EM for m and lambda
  IF train AND npairs > 0 THEN
    SELECT crm.identity_u_estimate(coalesce(array_agg(crm.identity_compare(a.features, b.features)), '{}'))
      INTO uinit
      FROM (SELECT i, (abs(hashint8(2 * i)) % nrec) + 1 AS ra, (abs(hashint8(2 * i + 1)) % nrec) + 1 AS rb
              FROM generate_series(1, least(50000, nrec * (nrec - 1) / 2)) i) s
      JOIN (SELECT row_number() OVER (ORDER BY record_id) AS rn, features FROM crm.identity_record) a ON a.rn = s.ra
      JOIN (SELECT row_number() OVER (ORDER BY record_id) AS rn, features FROM crm.identity_record) b ON b.rn = s.rb
     WHERE s.ra <> s.rb;
    SELECT (crm.identity_em(array_agg(g.gamma), array_agg(g.n::float8), uinit, max_iter, fix_u)).*
      INTO fit
      FROM (SELECT p.gamma, count(*) AS n FROM crm.identity_pair p GROUP BY p.gamma) g;
    -- a degenerate fit (small or homogeneous data: the "random" pairs are
    -- mostly matches, so u of exact agreement reaches m) is not kept: exact
    -- agreement on a strong identifier (birth date, phone, e-mail, national
    -- id) must count for a match (m above u), and identical
    -- records must match; names and city may legitimately be uninformative
    SELECT string_agg(c.field, ', ' ORDER BY c.field) INTO bad
      FROM (SELECT DISTINCT x.field
              FROM generate_series(2, 5) f,
                   LATERAL (SELECT (ARRAY[3, 3, 2, 2, 2, 2, 3, 2, 2])[f + 1] AS top) t,
                   LATERAL (SELECT (ARRAY['given_name', 'family_name', 'birth_date', 'phone', 'email',
                                          'national_id', 'address', 'city', 'postcode'])[f + 1] AS field,
                                   fit.m[f * 8 + t.top + 1] AS m, fit.u[f * 8 + t.top + 1] AS u) x
             WHERE x.m <= x.u
               AND EXISTS (SELECT FROM crm.identity_pair p
                            WHERE (p.gamma >> (3 * f)) & 7 = t.top)
            UNION
            SELECT 'identical records'
             WHERE EXISTS (SELECT FROM (SELECT DISTINCT p.gamma FROM crm.identity_pair p) g
                            WHERE crm.identity_gamma_identical(g.gamma)
                              AND crm.identity_score(g.gamma, fit.lambda, fit.m, fit.u) < thr)) c;
    IF bad IS NOT NULL THEN
      RAISE WARNING 'identity model training degenerated, the model in use is kept' USING
        DETAIL = format('Exact agreement does not count for a match on: %s.', bad),
        HINT = 'This happens when the records are few or nearly all alike; link with train => false, or train on more varied data.';
      fit := crm.identity_current_model();
    ELSE
      DELETE FROM crm.identity_model;
      INSERT INTO crm.identity_model (lambda, m, u, iterations, converged, pairs)
      VALUES (fit.lambda, fit.m, fit.u, fit.iterations, fit.converged, npairs);
    END IF;
  ELSE
    fit := crm.identity_current_model();
  END IF;

  RAISE DEBUG 'identity_link: model %', clock_timestamp() - t0;

  -- 3. edges: pairs at or above the threshold between unlocked records,
  --    and identical records.  Term-frequency adjustment of the names: an
  --    exact given or family name shared by more than 5 records whose share
  --    of the records exceeds the model's u for exact agreement counts
  --    log2(share / u) less (200 records named 张伟 do not make one person)
  wthr := CASE WHEN thr <= 0 THEN '-Infinity'::float8 WHEN thr >= 1 THEN 'Infinity'::float8
               ELSE ln(thr / (1 - thr)) / ln(2) END;
  WITH nf AS (
         SELECT n.fld, n.v, (n.c - 1)::float8 / nrec AS share
           FROM (SELECT 1 AS fld, r.features[1] AS v, count(*) AS c FROM crm.identity_record r
                  WHERE r.features[1] IS NOT NULL GROUP BY 2 HAVING count(*) > 5
                 UNION ALL
                 SELECT 2, r.features[2], count(*) FROM crm.identity_record r
                  WHERE r.features[2] IS NOT NULL GROUP BY 2 HAVING count(*) > 5) n),
       radj AS MATERIALIZED (
         SELECT x.record_id, sum(x.ag) AS ag, sum(x.af) AS af
           FROM (SELECT r.record_id, greatest(0, ln(nf.share / greatest(fit.u[4], 1e-6)) / ln(2)) AS ag, 0 AS af
                   FROM crm.identity_record r JOIN nf ON nf.fld = 1 AND nf.v = r.features[1]
                 UNION ALL
                 SELECT r.record_id, 0, greatest(0, ln(nf.share / greatest(fit.u[12], 1e-6)) / ln(2))
                   FROM crm.identity_record r JOIN nf ON nf.fld = 2 AND nf.v = r.features[2]) x
          GROUP BY x.record_id),
       sg AS MATERIALIZED (
         SELECT g.gamma, crm.identity_weight(g.gamma, fit.lambda, fit.m, fit.u) AS w,
                crm.identity_gamma_identical(g.gamma) AS ident
           FROM (SELECT DISTINCT gamma FROM crm.identity_pair) g)
  SELECT coalesce(array_agg(p.record_a), '{}'), coalesce(array_agg(p.record_b), '{}'), count(*)
    INTO ea, eb, nmatch
    FROM crm.identity_pair p
    JOIN sg s ON s.gamma = p.gamma AND (s.ident OR s.w >= wthr)
    LEFT JOIN radj ra ON ra.record_id = p.record_a
   WHERE (s.ident OR s.w - CASE WHEN p.gamma & 7 = 3 THEN coalesce(ra.ag, 0) ELSE 0 END
                         - CASE WHEN (p.gamma >> 3) & 7 = 3 THEN coalesce(ra.af, 0) ELSE 0 END >= wthr)
     AND NOT EXISTS (SELECT FROM crm.identity_record l
                      WHERE l.locked AND l.record_id IN (p.record_a, p.record_b));

  -- 4. components, then golden ids that stay put: each old golden id goes
  --    to the component holding most of its records, and a component keeps
  --    the largest old id it won; the others get new ids
  WITH comp AS MATERIALIZED (
         SELECT r.record_id, coalesce(c.component, r.record_id) AS comp, r.golden_id AS old
           FROM crm.identity_record r
           LEFT JOIN crm.identity_components(ea, eb) c ON c.node = r.record_id),
       holds AS (
         SELECT h.comp, h.old, count(*) AS n FROM comp h WHERE h.old IS NOT NULL GROUP BY h.comp, h.old),
       winner AS (
         SELECT DISTINCT ON (w.old) w.old, w.comp, w.n FROM holds w ORDER BY w.old, w.n DESC, w.comp),
       kept AS (
         SELECT DISTINCT ON (w.comp) w.comp, w.old AS gid FROM winner w ORDER BY w.comp, w.n DESC, w.old),
       fresh AS (
         SELECT f.comp, nextval('crm.identity_golden_seq') AS gid
           FROM (SELECT DISTINCT c.comp FROM comp c
                  WHERE NOT EXISTS (SELECT FROM kept k WHERE k.comp = c.comp) ORDER BY c.comp) f),
       keep AS MATERIALIZED (SELECT * FROM kept UNION ALL SELECT * FROM fresh),
       moves AS MATERIALIZED (
         SELECT c.record_id, c.old, k.gid,
                CASE WHEN c.old IS NULL THEN 'assign'
                     WHEN EXISTS (SELECT FROM kept x WHERE x.gid = c.old) THEN 'split'
                     ELSE 'merge' END AS action
           FROM comp c JOIN keep k ON k.comp = c.comp
          WHERE c.old IS DISTINCT FROM k.gid),
       logged AS (
         INSERT INTO crm.identity_merge_log (record_id, old_golden_id, new_golden_id, action, detail)
         SELECT m.record_id, m.old, m.gid, m.action, 'crm.identity_link' FROM moves m ORDER BY m.record_id
         RETURNING 1),
       updated AS (
         UPDATE crm.identity_record r SET golden_id = m.gid FROM moves m
          WHERE r.record_id = m.record_id
         RETURNING 1)
  SELECT (SELECT count(*) FROM keep), (SELECT count(*) FROM logged), (SELECT count(*) FROM updated)
    INTO nclus, nchg, nupd;
  RAISE DEBUG 'identity_link: golden ids %', clock_timestamp() - t0;
  -- fresh statistics: before the first link every golden_id was NULL, and
  -- plans over crm.identity_golden built on that estimate run for minutes
  ANALYZE crm.identity_record;

  RETURN QUERY SELECT nrec, npairs, nmatch, nclus, nchg, fit.iterations, fit.lambda,
                      extract(epoch FROM clock_timestamp() - t0)::float8;
END;
$$;
COMMENT ON FUNCTION crm.identity_link(float8, int4, boolean, boolean) IS
  'Links the whole identity store (writes pairs, model, golden ids, merge log): blocking, comparison, EM training of m/u without labels (u from random pairs when fix_u), scoring, connected components over pairs at or above the threshold, golden ids kept stable.';

CREATE FUNCTION crm.identity_resolve(source text, relation regclass, key_column name, mapping jsonb,
                                     region text DEFAULT NULL)
  RETURNS TABLE (records int8, candidate_pairs int8, matched_pairs int8, clusters int8,
                 changed int8, em_iterations int4, lambda float8, seconds float8)
  LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
  -- not STRICT: NULL region = crm_profile.default_region
  SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF NOT EXISTS (SELECT FROM crm.identity_source s WHERE s.source = identity_resolve.source) THEN
    PERFORM crm.identity_register(source, relation, key_column, mapping, region);
  END IF;
  PERFORM crm.identity_load(source);
  RETURN QUERY SELECT * FROM crm.identity_link();
END;
$$;
COMMENT ON FUNCTION crm.identity_resolve(text, regclass, name, jsonb, text) IS
  'One call for an application table: registers it as a source (trigger for new rows) if needed, loads it and links everything (writes the identity store); returns the link summary.';

CREATE FUNCTION crm.identity_unmerge(p_record_id int8) RETURNS int8
  LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  old int8;
  gid int8;
BEGIN
  SELECT golden_id INTO old FROM crm.identity_record WHERE record_id = p_record_id FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'identity record % does not exist', p_record_id USING ERRCODE = '22023';
  END IF;
  -- alone in its cluster already: keep the golden id (anything keyed by
  -- it stays valid), only lock the record
  IF old IS NOT NULL AND NOT EXISTS (SELECT FROM crm.identity_record o
                                      WHERE o.golden_id = old AND o.record_id <> p_record_id) THEN
    UPDATE crm.identity_record SET locked = true WHERE record_id = p_record_id;
    RAISE NOTICE 'identity record % is alone in golden customer %: its golden id is kept, the record is locked',
      p_record_id, old;
    RETURN old;
  END IF;
  gid := nextval('crm.identity_golden_seq');
  UPDATE crm.identity_record SET golden_id = gid, locked = true WHERE record_id = p_record_id;
  PERFORM crm.identity_log(p_record_id, old, gid, 'unmerge', 'split off by hand');
  RETURN gid;
END;
$$;
COMMENT ON FUNCTION crm.identity_unmerge(int8) IS
  'Splits one record off its cluster by hand: writes a new golden id and locks the record so that later links leave it alone; logged. Returns the new golden id (a record alone in its cluster keeps its id and is only locked, with a NOTICE).';

CREATE FUNCTION crm.identity_relock(p_record_id int8, locked boolean) RETURNS void
  LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE
  SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  UPDATE crm.identity_record SET locked = identity_relock.locked WHERE record_id = p_record_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'identity record % does not exist', p_record_id USING ERRCODE = '22023';
  END IF;
END;
$$;
COMMENT ON FUNCTION crm.identity_relock(int8, boolean) IS
  'Sets or clears (writes) the lock of a record; an unlocked record is linked again by the next crm.identity_link().';

CREATE FUNCTION crm.identity_golden_id(source text, source_key text) RETURNS int8
  LANGUAGE sql STABLE STRICT PARALLEL SAFE
BEGIN ATOMIC
  SELECT r.golden_id FROM crm.identity_record r
   WHERE r.source = identity_golden_id.source AND r.source_key = identity_golden_id.source_key;
END;
COMMENT ON FUNCTION crm.identity_golden_id(text, text) IS
  'Golden customer id of a source record (NULL if unknown).';

------------------------------------------------------------------------
-- Survivorship
------------------------------------------------------------------------

CREATE VIEW crm.identity_golden AS
WITH v AS (
  SELECT r.golden_id, r.record_id, r.source, r.seen_at, x.field, x.value
    FROM crm.identity_record r
   CROSS JOIN LATERAL (VALUES
       ('full_name',   coalesce(nullif(btrim(r.full_name), ''),
                                nullif(btrim(concat_ws(' ', r.given_name, r.family_name)), ''))),
       ('birth_date',  r.features[3]),
       ('phone',       r.features[4]),
       ('email',       r.features[5]),
       ('national_id', r.features[6]),
       ('address',     nullif(btrim(r.address), '')),
       ('city',        nullif(btrim(r.city), '')),
       ('postcode',    r.features[9])) x(field, value)
   WHERE r.golden_id IS NOT NULL AND x.value IS NOT NULL
), f AS (
  SELECT v.*,
         coalesce(s.rule, CASE WHEN v.field IN ('full_name', 'birth_date', 'national_id')
                               THEN 'most_frequent' ELSE 'most_recent' END) AS rule,
         coalesce(array_position(s.source_order, v.source), 1000000 + coalesce(src.priority, 100)) AS prio,
         count(*) OVER (PARTITION BY v.golden_id, v.field, v.value) AS freq
    FROM v
    LEFT JOIN crm.identity_survivorship s ON s.field = v.field
    LEFT JOIN crm.identity_source src ON src.source = v.source
), ranked AS (
  SELECT f.golden_id, f.field, f.value,
         row_number() OVER (PARTITION BY f.golden_id, f.field
                            ORDER BY CASE WHEN f.rule = 'source_priority' THEN f.prio END NULLS LAST,
                                     CASE WHEN f.rule = 'most_frequent' THEN f.freq END DESC NULLS LAST,
                                     f.seen_at DESC NULLS LAST, f.record_id DESC) AS rn
    FROM f
), best AS (
  SELECT golden_id,
         max(value) FILTER (WHERE field = 'full_name') AS full_name,
         max(value) FILTER (WHERE field = 'birth_date') AS birth_date,
         max(value) FILTER (WHERE field = 'phone') AS phone,
         max(value) FILTER (WHERE field = 'email') AS email,
         max(value) FILTER (WHERE field = 'national_id') AS national_id,
         max(value) FILTER (WHERE field = 'address') AS address,
         max(value) FILTER (WHERE field = 'city') AS city,
         max(value) FILTER (WHERE field = 'postcode') AS postcode
    FROM ranked WHERE rn = 1 GROUP BY golden_id
)
SELECT g.golden_id, g.records, g.sources, b.full_name, b.birth_date::date AS birth_date,
       b.phone, b.email, b.national_id, b.address, b.city, b.postcode, g.first_seen, g.last_seen
  FROM (SELECT r.golden_id, count(*) AS records, array_agg(DISTINCT r.source ORDER BY r.source) AS sources,
               min(r.seen_at) AS first_seen, max(r.seen_at) AS last_seen
          FROM crm.identity_record r WHERE r.golden_id IS NOT NULL GROUP BY r.golden_id) g
  LEFT JOIN best b ON b.golden_id = g.golden_id;
COMMENT ON VIEW crm.identity_golden IS
  'One golden record per golden customer id, each field chosen by its survivorship rule (crm.identity_survivorship; defaults: most_frequent for name, birth date and national id, most_recent for the rest).';

CREATE VIEW crm.identity_map AS
  SELECT r.source, r.source_key, r.record_id, r.golden_id, r.locked
    FROM crm.identity_record r;
COMMENT ON VIEW crm.identity_map IS
  'Source record to golden customer id, for joining application tables: JOIN crm.identity_map m ON m.source = ''web'' AND m.source_key = c.id::text.';
