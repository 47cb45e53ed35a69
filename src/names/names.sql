-- names area: fuzzy person-name matching (issue 3).  Objects in dependency order.

CREATE FUNCTION crm.name_normalize(name text) RETURNS text
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'crm_name_normalize';
COMMENT ON FUNCTION crm.name_normalize(text) IS
  'canonical spelling of a person name: NFKC case fold, half-width, accents and punctuation removed, titles (Mr, Dr, 先生, 女士 ...) dropped, Chinese traditional to simplified';

CREATE FUNCTION crm.name_pinyin(name text) RETURNS text
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'crm_name_pinyin';
COMMENT ON FUNCTION crm.name_pinyin(text) IS
  'Chinese characters to toneless pinyin syllables separated by spaces (surname readings for the first character of each name, compound surnames); other text kept';

CREATE FUNCTION crm.name_phonetic(name text) RETURNS text
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'crm_name_phonetic';
COMMENT ON FUNCTION crm.name_phonetic(text) IS
  'sound-alike blocking key of a name: sorted Metaphone-style codes of its tokens (Chinese through pinyin)';

CREATE FUNCTION crm.jaro_winkler(a text, b text) RETURNS float8
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'crm_jaro_winkler';
COMMENT ON FUNCTION crm.jaro_winkler(text, text) IS
  'Jaro-Winkler similarity in [0, 1] on Unicode code points (prefix bonus 0.1, up to 4 characters, above 0.7)';

CREATE FUNCTION crm.levenshtein(a text, b text) RETURNS integer
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'crm_levenshtein';
COMMENT ON FUNCTION crm.levenshtein(text, text) IS
  'Levenshtein edit distance on Unicode code points';

-- not STRICT: a NULL max_d means no limit (NULL a or b still gives NULL)
CREATE FUNCTION crm.levenshtein(a text, b text, max_d integer) RETURNS integer
  LANGUAGE C IMMUTABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'crm_levenshtein_max';
COMMENT ON FUNCTION crm.levenshtein(text, text, integer) IS
  'Levenshtein edit distance on Unicode code points with early exit: max_d + 1 when above max_d; NULL max_d = no limit';

CREATE FUNCTION crm.damerau_levenshtein(a text, b text) RETURNS integer
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'crm_damerau_levenshtein';
COMMENT ON FUNCTION crm.damerau_levenshtein(text, text) IS
  'Damerau-Levenshtein (optimal string alignment) distance on Unicode code points: adjacent transpositions cost 1';

-- not STRICT: a NULL max_d means no limit (NULL a or b still gives NULL)
CREATE FUNCTION crm.damerau_levenshtein(a text, b text, max_d integer) RETURNS integer
  LANGUAGE C IMMUTABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'crm_damerau_levenshtein_max';
COMMENT ON FUNCTION crm.damerau_levenshtein(text, text, integer) IS
  'Damerau-Levenshtein (optimal string alignment) distance with early exit: max_d + 1 when above max_d; NULL max_d = no limit';

CREATE FUNCTION crm.name_similarity(a text, b text) RETURNS float8
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE COST 100
  AS 'MODULE_PATHNAME', 'crm_name_similarity';
COMMENT ON FUNCTION crm.name_similarity(text, text) IS
  'how alike two person names are, in [0, 1]: token order, initials, nicknames, Chinese through pinyin and simplified characters, typos';

-- COST: a normalisation and a name comparison per call, far more than an
-- ordinary operator; the planner then prefers the GIN index to a scan.
CREATE FUNCTION crm.name_similar(a text, b text) RETURNS boolean
  LANGUAGE C STABLE STRICT PARALLEL SAFE COST 100
  AS 'MODULE_PATHNAME', 'crm_name_similar';
COMMENT ON FUNCTION crm.name_similar(text, text) IS
  'the %% operator: the names share a blocking key and name_similarity >= crm_profile.name_similarity_threshold';

CREATE FUNCTION crm.name_distance(a text, b text) RETURNS float8
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE COST 100
  AS 'MODULE_PATHNAME', 'crm_name_distance';
COMMENT ON FUNCTION crm.name_distance(text, text) IS
  'the <-> operator: 1 - name_similarity';

CREATE OPERATOR crm.%% (
  LEFTARG = text, RIGHTARG = text, FUNCTION = crm.name_similar,
  COMMUTATOR = OPERATOR(crm.%%),
  RESTRICT = contsel, JOIN = contjoinsel);
COMMENT ON OPERATOR crm.%% (text, text) IS
  'similar person names (crm.name_similar); indexable with crm.name_gin_ops';

CREATE OPERATOR crm.<-> (
  LEFTARG = text, RIGHTARG = text, FUNCTION = crm.name_distance,
  COMMUTATOR = OPERATOR(crm.<->));
COMMENT ON OPERATOR crm.<-> (text, text) IS
  'person-name distance, 1 - crm.name_similarity';

CREATE FUNCTION crm.name_gin_extract_value(text, internal, internal) RETURNS internal
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'crm_name_gin_extract_value';
COMMENT ON FUNCTION crm.name_gin_extract_value(text, internal, internal) IS
  'GIN support of crm.name_gin_ops: blocking keys stored for a name';

CREATE FUNCTION crm.name_gin_extract_query(text, internal, int2, internal, internal, internal, internal) RETURNS internal
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'crm_name_gin_extract_query';
COMMENT ON FUNCTION crm.name_gin_extract_query(text, internal, int2, internal, internal, internal, internal) IS
  'GIN support of crm.name_gin_ops: blocking keys looked up for a query name';

CREATE FUNCTION crm.name_gin_consistent(internal, int2, text, int4, internal, internal, internal, internal) RETURNS boolean
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'crm_name_gin_consistent';
COMMENT ON FUNCTION crm.name_gin_consistent(internal, int2, text, int4, internal, internal, internal, internal) IS
  'GIN support of crm.name_gin_ops: a row is a candidate when it has any query key (always rechecked)';

CREATE FUNCTION crm.name_gin_triconsistent(internal, int2, text, int4, internal, internal, internal) RETURNS "char"
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'crm_name_gin_triconsistent';
COMMENT ON FUNCTION crm.name_gin_triconsistent(internal, int2, text, int4, internal, internal, internal) IS
  'GIN support of crm.name_gin_ops: ternary consistency check';

CREATE OPERATOR CLASS crm.name_gin_ops FOR TYPE text USING gin AS
  OPERATOR 1 crm.%% (text, text),
  FUNCTION 1 pg_catalog.btint4cmp(int4, int4),
  FUNCTION 2 crm.name_gin_extract_value(text, internal, internal),
  FUNCTION 3 crm.name_gin_extract_query(text, internal, int2, internal, internal, internal, internal),
  FUNCTION 4 crm.name_gin_consistent(internal, int2, text, int4, internal, internal, internal, internal),
  FUNCTION 6 crm.name_gin_triconsistent(internal, int2, text, int4, internal, internal, internal),
  STORAGE int4;
COMMENT ON OPERATOR CLASS crm.name_gin_ops USING gin IS
  'GIN index of person names for the %% operator (blocking keys: phonetic codes, initials, nicknames, pinyin)';

-- GiST operator class crm.name_gist_ops (src/names/name_gist.c): ORDER BY
-- name <-> q as an exact index scan (distances computed from the normalised
-- names stored in the index).  No %% strategy: the GIN class serves it.
CREATE FUNCTION crm.name_gist_consistent(internal, text, int2, oid, internal) RETURNS boolean
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'crm_name_gist_consistent';
COMMENT ON FUNCTION crm.name_gist_consistent(internal, text, int2, oid, internal) IS
  'GiST support of crm.name_gist_ops (required; the class has no search strategy, so it is never called)';

CREATE FUNCTION crm.name_gist_distance(internal, text, int2, oid, internal) RETURNS float8
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'crm_name_gist_distance';
COMMENT ON FUNCTION crm.name_gist_distance(internal, text, int2, oid, internal) IS
  'GiST support of crm.name_gist_ops: exact name distance of a leaf (from its stored normalised name), 0 for an inner node';

CREATE FUNCTION crm.name_gist_compress(internal) RETURNS internal
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'crm_name_gist_compress';
COMMENT ON FUNCTION crm.name_gist_compress(internal) IS
  'GiST support of crm.name_gist_ops: a name becomes its normalised name';

CREATE FUNCTION crm.name_gist_decompress(internal) RETURNS internal
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'crm_name_gist_decompress';
COMMENT ON FUNCTION crm.name_gist_decompress(internal) IS
  'GiST support of crm.name_gist_ops: detoasts a key';

CREATE FUNCTION crm.name_gist_union(internal, internal) RETURNS bytea
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'crm_name_gist_union';
COMMENT ON FUNCTION crm.name_gist_union(internal, internal) IS
  'GiST support of crm.name_gist_ops: inner key (carries nothing: no distance bound is valid for a page of names)';

CREATE FUNCTION crm.name_gist_penalty(internal, internal, internal) RETURNS internal
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'crm_name_gist_penalty';
COMMENT ON FUNCTION crm.name_gist_penalty(internal, internal, internal) IS
  'GiST support of crm.name_gist_ops: every subtree is as good as any other for a new name';

CREATE FUNCTION crm.name_gist_picksplit(internal, internal) RETURNS internal
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'crm_name_gist_picksplit';
COMMENT ON FUNCTION crm.name_gist_picksplit(internal, internal) IS
  'GiST support of crm.name_gist_ops: splits a full page in two halves, in page order';

CREATE FUNCTION crm.name_gist_same(bytea, bytea, internal) RETURNS internal
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'crm_name_gist_same';
COMMENT ON FUNCTION crm.name_gist_same(bytea, bytea, internal) IS
  'GiST support of crm.name_gist_ops: key equality';

CREATE FUNCTION crm.name_gist_sortsupport(internal) RETURNS void
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'crm_name_gist_sortsupport';
COMMENT ON FUNCTION crm.name_gist_sortsupport(internal) IS
  'GiST support of crm.name_gist_ops: sorted index build, by normalised name';

CREATE OPERATOR CLASS crm.name_gist_ops FOR TYPE text USING gist AS
  OPERATOR 1 crm.<-> (text, text) FOR ORDER BY pg_catalog.float_ops,
  FUNCTION 1 crm.name_gist_consistent(internal, text, int2, oid, internal),
  FUNCTION 2 crm.name_gist_union(internal, internal),
  FUNCTION 3 crm.name_gist_compress(internal),
  FUNCTION 4 crm.name_gist_decompress(internal),
  FUNCTION 5 crm.name_gist_penalty(internal, internal, internal),
  FUNCTION 6 crm.name_gist_picksplit(internal, internal),
  FUNCTION 7 crm.name_gist_same(bytea, bytea, internal),
  FUNCTION 8 crm.name_gist_distance(internal, text, int2, oid, internal),
  FUNCTION 11 crm.name_gist_sortsupport(internal),
  STORAGE bytea;
COMMENT ON OPERATOR CLASS crm.name_gist_ops USING gist IS
  'GiST index of person names for ORDER BY name <-> q (exact nearest names; distances computed from the index); use crm.name_gin_ops for %%';
