-- tags area: SQL objects, in dependency order.
--
-- crm.tagset (a CRoaring bitmap of unsigned 32-bit integers), its operators,
-- functions, aggregates and index support; the tag dictionary; per-customer
-- tags with per-tag audience bitmaps kept in step by triggers; audience
-- expressions; rule-based tagging.

-- ---------------------------------------------------------------------------
-- The type
-- ---------------------------------------------------------------------------
CREATE TYPE crm.tagset;

CREATE FUNCTION crm.tagset_in(cstring) RETURNS crm.tagset
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'crm_tagset_in';
COMMENT ON FUNCTION crm.tagset_in(cstring) IS
  'crm.tagset text input: ''{1,2,5}'', ranges ''{1-3}'', members 0..4294967295';

CREATE FUNCTION crm.tagset_out(crm.tagset) RETURNS cstring
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'crm_tagset_out';
COMMENT ON FUNCTION crm.tagset_out(crm.tagset) IS
  'crm.tagset text output: members in increasing order, ''{1,2,5}''';

CREATE FUNCTION crm.tagset_recv(internal) RETURNS crm.tagset
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'crm_tagset_recv';
COMMENT ON FUNCTION crm.tagset_recv(internal) IS
  'crm.tagset binary input: validates header, size and every container, stores the canonical form';

CREATE FUNCTION crm.tagset_send(crm.tagset) RETURNS bytea
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'crm_tagset_send';
COMMENT ON FUNCTION crm.tagset_send(crm.tagset) IS
  'crm.tagset binary output: version, flags, reserved, cardinality, CRoaring portable bytes';

CREATE TYPE crm.tagset (
  INPUT = crm.tagset_in,
  OUTPUT = crm.tagset_out,
  RECEIVE = crm.tagset_recv,
  SEND = crm.tagset_send,
  INTERNALLENGTH = VARIABLE,
  ALIGNMENT = int4,
  STORAGE = external
);
COMMENT ON TYPE crm.tagset IS
  'set of unsigned 32-bit integers (tag ids, customer ids) stored as a run-optimised CRoaring bitmap';

-- ---------------------------------------------------------------------------
-- Set algebra
-- ---------------------------------------------------------------------------
CREATE FUNCTION crm.tagset_or(crm.tagset, crm.tagset) RETURNS crm.tagset
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'crm_tagset_or';
COMMENT ON FUNCTION crm.tagset_or(crm.tagset, crm.tagset) IS 'union of two tagsets (operator |)';

CREATE FUNCTION crm.tagset_and(crm.tagset, crm.tagset) RETURNS crm.tagset
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'crm_tagset_and';
COMMENT ON FUNCTION crm.tagset_and(crm.tagset, crm.tagset) IS 'intersection of two tagsets (operator &)';

CREATE FUNCTION crm.tagset_andnot(crm.tagset, crm.tagset) RETURNS crm.tagset
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'crm_tagset_andnot';
COMMENT ON FUNCTION crm.tagset_andnot(crm.tagset, crm.tagset) IS 'members of the first tagset not in the second (operator -)';

CREATE FUNCTION crm.tagset_xor(crm.tagset, crm.tagset) RETURNS crm.tagset
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'crm_tagset_xor';
COMMENT ON FUNCTION crm.tagset_xor(crm.tagset, crm.tagset) IS 'members in exactly one of two tagsets (operator #)';

CREATE OPERATOR crm.| (LEFTARG = crm.tagset, RIGHTARG = crm.tagset,
  FUNCTION = crm.tagset_or, COMMUTATOR = OPERATOR(crm.|));
COMMENT ON OPERATOR crm.| (crm.tagset, crm.tagset) IS 'tagset union';
CREATE OPERATOR crm.& (LEFTARG = crm.tagset, RIGHTARG = crm.tagset,
  FUNCTION = crm.tagset_and, COMMUTATOR = OPERATOR(crm.&));
COMMENT ON OPERATOR crm.& (crm.tagset, crm.tagset) IS 'tagset intersection';
CREATE OPERATOR crm.- (LEFTARG = crm.tagset, RIGHTARG = crm.tagset,
  FUNCTION = crm.tagset_andnot);
COMMENT ON OPERATOR crm.- (crm.tagset, crm.tagset) IS 'tagset difference (and-not)';
CREATE OPERATOR crm.# (LEFTARG = crm.tagset, RIGHTARG = crm.tagset,
  FUNCTION = crm.tagset_xor, COMMUTATOR = OPERATOR(crm.#));
COMMENT ON OPERATOR crm.# (crm.tagset, crm.tagset) IS 'tagset symmetric difference (xor)';

-- ---------------------------------------------------------------------------
-- Predicates and ordering
-- ---------------------------------------------------------------------------
CREATE FUNCTION crm.tagset_contains(crm.tagset, crm.tagset) RETURNS boolean
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'crm_tagset_contains_set';
COMMENT ON FUNCTION crm.tagset_contains(crm.tagset, crm.tagset) IS 'whether the first tagset contains every member of the second (operator @>)';

CREATE FUNCTION crm.tagset_contained(crm.tagset, crm.tagset) RETURNS boolean
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'crm_tagset_contained';
COMMENT ON FUNCTION crm.tagset_contained(crm.tagset, crm.tagset) IS 'whether every member of the first tagset is in the second (operator <@)';

CREATE FUNCTION crm.tagset_overlaps(crm.tagset, crm.tagset) RETURNS boolean
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'crm_tagset_overlaps';
COMMENT ON FUNCTION crm.tagset_overlaps(crm.tagset, crm.tagset) IS 'whether two tagsets share a member (operator &&)';

CREATE FUNCTION crm.tagset_eq(crm.tagset, crm.tagset) RETURNS boolean
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'crm_tagset_eq';
COMMENT ON FUNCTION crm.tagset_eq(crm.tagset, crm.tagset) IS 'tagset equality (operator =)';

CREATE FUNCTION crm.tagset_ne(crm.tagset, crm.tagset) RETURNS boolean
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'crm_tagset_ne';
COMMENT ON FUNCTION crm.tagset_ne(crm.tagset, crm.tagset) IS 'tagset inequality (operator <>)';

CREATE FUNCTION crm.tagset_lt(crm.tagset, crm.tagset) RETURNS boolean
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'crm_tagset_lt';
COMMENT ON FUNCTION crm.tagset_lt(crm.tagset, crm.tagset) IS 'B-tree order (lexicographic on sorted members): less than';

CREATE FUNCTION crm.tagset_le(crm.tagset, crm.tagset) RETURNS boolean
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'crm_tagset_le';
COMMENT ON FUNCTION crm.tagset_le(crm.tagset, crm.tagset) IS 'B-tree order (lexicographic on sorted members): less or equal';

CREATE FUNCTION crm.tagset_gt(crm.tagset, crm.tagset) RETURNS boolean
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'crm_tagset_gt';
COMMENT ON FUNCTION crm.tagset_gt(crm.tagset, crm.tagset) IS 'B-tree order (lexicographic on sorted members): greater than';

CREATE FUNCTION crm.tagset_ge(crm.tagset, crm.tagset) RETURNS boolean
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'crm_tagset_ge';
COMMENT ON FUNCTION crm.tagset_ge(crm.tagset, crm.tagset) IS 'B-tree order (lexicographic on sorted members): greater or equal';

CREATE FUNCTION crm.tagset_cmp(crm.tagset, crm.tagset) RETURNS integer
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'crm_tagset_cmp';
COMMENT ON FUNCTION crm.tagset_cmp(crm.tagset, crm.tagset) IS 'B-tree comparison of two tagsets: -1, 0 or 1';

CREATE OPERATOR crm.@> (LEFTARG = crm.tagset, RIGHTARG = crm.tagset,
  FUNCTION = crm.tagset_contains, COMMUTATOR = OPERATOR(crm.<@),
  RESTRICT = contsel, JOIN = contjoinsel);
COMMENT ON OPERATOR crm.@> (crm.tagset, crm.tagset) IS 'tagset contains';
CREATE OPERATOR crm.<@ (LEFTARG = crm.tagset, RIGHTARG = crm.tagset,
  FUNCTION = crm.tagset_contained, COMMUTATOR = OPERATOR(crm.@>),
  RESTRICT = contsel, JOIN = contjoinsel);
COMMENT ON OPERATOR crm.<@ (crm.tagset, crm.tagset) IS 'tagset is contained by';
CREATE OPERATOR crm.&& (LEFTARG = crm.tagset, RIGHTARG = crm.tagset,
  FUNCTION = crm.tagset_overlaps, COMMUTATOR = OPERATOR(crm.&&),
  RESTRICT = contsel, JOIN = contjoinsel);
COMMENT ON OPERATOR crm.&& (crm.tagset, crm.tagset) IS 'tagsets overlap';
CREATE OPERATOR crm.= (LEFTARG = crm.tagset, RIGHTARG = crm.tagset,
  FUNCTION = crm.tagset_eq, COMMUTATOR = OPERATOR(crm.=), NEGATOR = OPERATOR(crm.<>),
  RESTRICT = eqsel, JOIN = eqjoinsel, MERGES);
COMMENT ON OPERATOR crm.= (crm.tagset, crm.tagset) IS 'tagsets are equal';
CREATE OPERATOR crm.<> (LEFTARG = crm.tagset, RIGHTARG = crm.tagset,
  FUNCTION = crm.tagset_ne, COMMUTATOR = OPERATOR(crm.<>), NEGATOR = OPERATOR(crm.=),
  RESTRICT = neqsel, JOIN = neqjoinsel);
COMMENT ON OPERATOR crm.<> (crm.tagset, crm.tagset) IS 'tagsets are not equal';
CREATE OPERATOR crm.< (LEFTARG = crm.tagset, RIGHTARG = crm.tagset,
  FUNCTION = crm.tagset_lt, COMMUTATOR = OPERATOR(crm.>), NEGATOR = OPERATOR(crm.>=),
  RESTRICT = scalarltsel, JOIN = scalarltjoinsel);
COMMENT ON OPERATOR crm.< (crm.tagset, crm.tagset) IS 'tagset sorts before (B-tree order)';
CREATE OPERATOR crm.<= (LEFTARG = crm.tagset, RIGHTARG = crm.tagset,
  FUNCTION = crm.tagset_le, COMMUTATOR = OPERATOR(crm.>=), NEGATOR = OPERATOR(crm.>),
  RESTRICT = scalarlesel, JOIN = scalarlejoinsel);
COMMENT ON OPERATOR crm.<= (crm.tagset, crm.tagset) IS 'tagset sorts before or equals (B-tree order)';
CREATE OPERATOR crm.> (LEFTARG = crm.tagset, RIGHTARG = crm.tagset,
  FUNCTION = crm.tagset_gt, COMMUTATOR = OPERATOR(crm.<), NEGATOR = OPERATOR(crm.<=),
  RESTRICT = scalargtsel, JOIN = scalargtjoinsel);
COMMENT ON OPERATOR crm.> (crm.tagset, crm.tagset) IS 'tagset sorts after (B-tree order)';
CREATE OPERATOR crm.>= (LEFTARG = crm.tagset, RIGHTARG = crm.tagset,
  FUNCTION = crm.tagset_ge, COMMUTATOR = OPERATOR(crm.<=), NEGATOR = OPERATOR(crm.<),
  RESTRICT = scalargesel, JOIN = scalargejoinsel);
COMMENT ON OPERATOR crm.>= (crm.tagset, crm.tagset) IS 'tagset sorts after or equals (B-tree order)';

CREATE OPERATOR CLASS crm.tagset_btree_ops
  DEFAULT FOR TYPE crm.tagset USING btree AS
  OPERATOR 1 crm.< ,
  OPERATOR 2 crm.<= ,
  OPERATOR 3 crm.= ,
  OPERATOR 4 crm.>= ,
  OPERATOR 5 crm.> ,
  FUNCTION 1 crm.tagset_cmp(crm.tagset, crm.tagset);

-- ---------------------------------------------------------------------------
-- Members
-- ---------------------------------------------------------------------------
CREATE FUNCTION crm.tagset_cardinality(crm.tagset) RETURNS bigint
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'crm_tagset_cardinality';
COMMENT ON FUNCTION crm.tagset_cardinality(crm.tagset) IS 'number of members (read from the header: O(1))';

CREATE FUNCTION crm.tagset_contains(crm.tagset, bigint) RETURNS boolean
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'crm_tagset_contains';
COMMENT ON FUNCTION crm.tagset_contains(crm.tagset, bigint) IS 'whether the integer is a member';

CREATE FUNCTION crm.tagset_add(crm.tagset, bigint) RETURNS crm.tagset
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'crm_tagset_add';
COMMENT ON FUNCTION crm.tagset_add(crm.tagset, bigint) IS 'the tagset with the integer added';

CREATE FUNCTION crm.tagset_remove(crm.tagset, bigint) RETURNS crm.tagset
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'crm_tagset_remove';
COMMENT ON FUNCTION crm.tagset_remove(crm.tagset, bigint) IS 'the tagset without the integer';

CREATE FUNCTION crm.tagset_min(crm.tagset) RETURNS bigint
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'crm_tagset_min';
COMMENT ON FUNCTION crm.tagset_min(crm.tagset) IS 'smallest member, NULL for the empty set';

CREATE FUNCTION crm.tagset_max(crm.tagset) RETURNS bigint
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'crm_tagset_max';
COMMENT ON FUNCTION crm.tagset_max(crm.tagset) IS 'largest member, NULL for the empty set';

CREATE FUNCTION crm.tagset_rank(crm.tagset, bigint) RETURNS bigint
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'crm_tagset_rank';
COMMENT ON FUNCTION crm.tagset_rank(crm.tagset, bigint) IS 'number of members less than or equal to the integer';

CREATE FUNCTION crm.tagset(integer[]) RETURNS crm.tagset
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'crm_tagset_from_int4_array';
COMMENT ON FUNCTION crm.tagset(integer[]) IS 'tagset of the elements of an integer array (no NULLs, no negatives)';

CREATE FUNCTION crm.tagset(bigint[]) RETURNS crm.tagset
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'crm_tagset_from_int8_array';
COMMENT ON FUNCTION crm.tagset(bigint[]) IS 'tagset of the elements of a bigint array (0..4294967295, no NULLs)';

CREATE FUNCTION crm.tagset_to_array(crm.tagset) RETURNS bigint[]
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'crm_tagset_to_int8_array';
COMMENT ON FUNCTION crm.tagset_to_array(crm.tagset) IS 'members as a sorted bigint array';

CREATE FUNCTION crm.tagset_to_int4_array(crm.tagset) RETURNS integer[]
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'crm_tagset_to_int4_array';
COMMENT ON FUNCTION crm.tagset_to_int4_array(crm.tagset) IS 'members as a sorted integer array (error above 2147483647)';

CREATE CAST (integer[] AS crm.tagset) WITH FUNCTION crm.tagset(integer[]);
COMMENT ON CAST (integer[] AS crm.tagset) IS 'integer array to tagset';
CREATE CAST (bigint[] AS crm.tagset) WITH FUNCTION crm.tagset(bigint[]);
COMMENT ON CAST (bigint[] AS crm.tagset) IS 'bigint array to tagset';
CREATE CAST (crm.tagset AS integer[]) WITH FUNCTION crm.tagset_to_int4_array(crm.tagset);
COMMENT ON CAST (crm.tagset AS integer[]) IS 'tagset to sorted integer array';
CREATE CAST (crm.tagset AS bigint[]) WITH FUNCTION crm.tagset_to_array(crm.tagset);
COMMENT ON CAST (crm.tagset AS bigint[]) IS 'tagset to sorted bigint array';

CREATE FUNCTION crm.tagset_unnest(crm.tagset) RETURNS SETOF bigint
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 100
  AS 'MODULE_PATHNAME', 'crm_tagset_unnest';
COMMENT ON FUNCTION crm.tagset_unnest(crm.tagset) IS 'members as rows, in increasing order';

-- ---------------------------------------------------------------------------
-- Aggregates (parallel)
-- ---------------------------------------------------------------------------
-- The transition functions are not STRICT: the internal state starts NULL
-- and NULL inputs are skipped (a group of only NULLs gives NULL).
CREATE FUNCTION crm.tagset_build_sfunc(internal, bigint) RETURNS internal
  LANGUAGE C IMMUTABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'crm_tagset_build_sfunc';
COMMENT ON FUNCTION crm.tagset_build_sfunc(internal, bigint) IS 'transition function of crm.tagset_agg';

CREATE FUNCTION crm.tagset_union_sfunc(internal, crm.tagset) RETURNS internal
  LANGUAGE C IMMUTABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'crm_tagset_union_sfunc';
COMMENT ON FUNCTION crm.tagset_union_sfunc(internal, crm.tagset) IS 'transition function of crm.tagset_union_agg';

CREATE FUNCTION crm.tagset_intersect_sfunc(internal, crm.tagset) RETURNS internal
  LANGUAGE C IMMUTABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'crm_tagset_intersect_sfunc';
COMMENT ON FUNCTION crm.tagset_intersect_sfunc(internal, crm.tagset) IS 'transition function of crm.tagset_intersect_agg';

-- Combine functions are not STRICT: either partial state may be NULL.
CREATE FUNCTION crm.tagset_union_combine(internal, internal) RETURNS internal
  LANGUAGE C IMMUTABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'crm_tagset_union_combine';
COMMENT ON FUNCTION crm.tagset_union_combine(internal, internal) IS 'combine function of crm.tagset_agg and crm.tagset_union_agg';

CREATE FUNCTION crm.tagset_intersect_combine(internal, internal) RETURNS internal
  LANGUAGE C IMMUTABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'crm_tagset_intersect_combine';
COMMENT ON FUNCTION crm.tagset_intersect_combine(internal, internal) IS 'combine function of crm.tagset_intersect_agg';

CREATE FUNCTION crm.tagset_serial(internal) RETURNS bytea
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'crm_tagset_serial';
COMMENT ON FUNCTION crm.tagset_serial(internal) IS 'serialise a tagset aggregate state (parallel aggregation)';

CREATE FUNCTION crm.tagset_deserial(bytea, internal) RETURNS internal
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'crm_tagset_deserial';
COMMENT ON FUNCTION crm.tagset_deserial(bytea, internal) IS 'deserialise a tagset aggregate state (parallel aggregation)';

CREATE FUNCTION crm.tagset_final(internal) RETURNS crm.tagset
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'crm_tagset_final';
COMMENT ON FUNCTION crm.tagset_final(internal) IS 'final function of the tagset aggregates';

CREATE AGGREGATE crm.tagset_agg(bigint) (
  SFUNC = crm.tagset_build_sfunc, STYPE = internal, SSPACE = 1024,
  COMBINEFUNC = crm.tagset_union_combine, SERIALFUNC = crm.tagset_serial,
  DESERIALFUNC = crm.tagset_deserial, FINALFUNC = crm.tagset_final,
  PARALLEL = SAFE);
COMMENT ON AGGREGATE crm.tagset_agg(bigint) IS 'tagset of the non-NULL input integers (0..4294967295)';

CREATE AGGREGATE crm.tagset_union_agg(crm.tagset) (
  SFUNC = crm.tagset_union_sfunc, STYPE = internal, SSPACE = 1024,
  COMBINEFUNC = crm.tagset_union_combine, SERIALFUNC = crm.tagset_serial,
  DESERIALFUNC = crm.tagset_deserial, FINALFUNC = crm.tagset_final,
  PARALLEL = SAFE);
COMMENT ON AGGREGATE crm.tagset_union_agg(crm.tagset) IS 'union of the non-NULL input tagsets';

CREATE AGGREGATE crm.tagset_intersect_agg(crm.tagset) (
  SFUNC = crm.tagset_intersect_sfunc, STYPE = internal, SSPACE = 1024,
  COMBINEFUNC = crm.tagset_intersect_combine, SERIALFUNC = crm.tagset_serial,
  DESERIALFUNC = crm.tagset_deserial, FINALFUNC = crm.tagset_final,
  PARALLEL = SAFE);
COMMENT ON AGGREGATE crm.tagset_intersect_agg(crm.tagset) IS 'intersection of the non-NULL input tagsets';

-- ---------------------------------------------------------------------------
-- GIN index support
-- ---------------------------------------------------------------------------
CREATE FUNCTION crm.tagset_gin_extract_value(crm.tagset, internal, internal) RETURNS internal
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'crm_tagset_gin_extract_value';
COMMENT ON FUNCTION crm.tagset_gin_extract_value(crm.tagset, internal, internal) IS 'GIN support: index keys of a tagset';

CREATE FUNCTION crm.tagset_gin_extract_query(crm.tagset, internal, int2, internal, internal, internal, internal) RETURNS internal
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'crm_tagset_gin_extract_query';
COMMENT ON FUNCTION crm.tagset_gin_extract_query(crm.tagset, internal, int2, internal, internal, internal, internal) IS 'GIN support: keys and search mode of a tagset query';

CREATE FUNCTION crm.tagset_gin_consistent(internal, int2, crm.tagset, int4, internal, internal, internal, internal) RETURNS boolean
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'crm_tagset_gin_consistent';
COMMENT ON FUNCTION crm.tagset_gin_consistent(internal, int2, crm.tagset, int4, internal, internal, internal, internal) IS 'GIN support: whether an item can match';

CREATE FUNCTION crm.tagset_gin_triconsistent(internal, int2, crm.tagset, int4, internal, internal, internal) RETURNS "char"
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'crm_tagset_gin_triconsistent';
COMMENT ON FUNCTION crm.tagset_gin_triconsistent(internal, int2, crm.tagset, int4, internal, internal, internal) IS 'GIN support: ternary consistent check';

CREATE OPERATOR CLASS crm.tagset_gin_ops
  DEFAULT FOR TYPE crm.tagset USING gin AS
  OPERATOR 1 crm.&& ,
  OPERATOR 2 crm.@> ,
  OPERATOR 3 crm.<@ ,
  OPERATOR 4 crm.= ,
  FUNCTION 1 pg_catalog.btint4cmp(integer, integer),
  FUNCTION 2 crm.tagset_gin_extract_value(crm.tagset, internal, internal),
  FUNCTION 3 crm.tagset_gin_extract_query(crm.tagset, internal, int2, internal, internal, internal, internal),
  FUNCTION 4 crm.tagset_gin_consistent(internal, int2, crm.tagset, int4, internal, internal, internal, internal),
  FUNCTION 6 crm.tagset_gin_triconsistent(internal, int2, crm.tagset, int4, internal, internal, internal),
  STORAGE integer;

-- ---------------------------------------------------------------------------
-- Tag dictionary
-- ---------------------------------------------------------------------------
CREATE SEQUENCE crm.tags_tag_id_seq AS integer;
COMMENT ON SEQUENCE crm.tags_tag_id_seq IS 'ids of new tags in crm.tags';

CREATE TABLE crm.tags (
  tag_id      integer PRIMARY KEY DEFAULT pg_catalog.nextval('crm.tags_tag_id_seq'::pg_catalog.regclass)
              CHECK (tag_id > 0),
  name        text NOT NULL UNIQUE
              CHECK (name <> '' AND name = pg_catalog.btrim(name) AND pg_catalog.length(name) <= 200),
  category    text NOT NULL DEFAULT 'basic' CHECK (category ~ '^[a-z][a-z0-9_]*$'),
  description text,
  rule        text,
  rule_source text,
  rule_key    name NOT NULL DEFAULT 'customer_id',
  CHECK ((rule IS NULL) = (rule_source IS NULL))
);
ALTER SEQUENCE crm.tags_tag_id_seq OWNED BY crm.tags.tag_id;
COMMENT ON TABLE crm.tags IS
  'tag dictionary: id, name, category (basic, behaviour, interest, value, lifecycle ...), description, optional rule';
COMMENT ON COLUMN crm.tags.rule IS
  'SQL condition over rule_source selecting the customers who carry the tag; validated when saved';
COMMENT ON COLUMN crm.tags.rule_source IS
  'relation (table or view, schema-qualified) the rule is evaluated over';
COMMENT ON COLUMN crm.tags.rule_key IS
  'column of rule_source holding the customer id';
SELECT pg_catalog.pg_extension_config_dump('crm.tags', '');
SELECT pg_catalog.pg_extension_config_dump('crm.tags_tag_id_seq', '');

-- Per-customer tags, and the per-tag audience bitmaps the triggers below keep
-- in step with them.
CREATE TABLE crm.customer_tags (
  customer_id bigint PRIMARY KEY CHECK (customer_id BETWEEN 0 AND 4294967295),
  tags        crm.tagset NOT NULL DEFAULT '{}'
);
COMMENT ON TABLE crm.customer_tags IS
  'tags of each customer (tag ids); crm.tag_members and crm.audience_all follow it through triggers';
SELECT pg_catalog.pg_extension_config_dump('crm.customer_tags', '');

CREATE TABLE crm.tag_members (
  tag_id  bigint PRIMARY KEY CHECK (tag_id BETWEEN 0 AND 4294967295),
  members crm.tagset NOT NULL
);
COMMENT ON TABLE crm.tag_members IS
  'audience bitmaps: the customer ids carrying each tag id (maintained by triggers on crm.customer_tags)';

CREATE TABLE crm.audience_all (
  id      boolean PRIMARY KEY DEFAULT true CHECK (id),
  members crm.tagset NOT NULL
);
COMMENT ON TABLE crm.audience_all IS
  'one row: the ids of every customer in crm.customer_tags (the universe of ! in audience expressions)';

CREATE FUNCTION crm.tag_rule_query(relation regclass, key_column name, rule text) RETURNS text
  LANGUAGE C STABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'crm_tag_rule_query';
COMMENT ON FUNCTION crm.tag_rule_query(regclass, name, text) IS
  'SQL selecting the customer ids that satisfy a tag rule; raises 42601 unless the rule is one SQL expression';

CREATE FUNCTION crm.tags_validate() RETURNS trigger
  LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  rel regclass;
  detail text;
BEGIN
  IF NEW.rule IS NULL THEN
    RETURN NEW;
  END IF;
  IF NEW.rule_source IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = '22023',
      MESSAGE = format('tag "%s" has a rule but no rule_source', NEW.name),
      HINT = 'Set rule_source to the schema-qualified relation the rule reads, e.g. public.customer_profile.';
  END IF;
  BEGIN
    rel := NEW.rule_source::regclass;
  EXCEPTION WHEN OTHERS THEN
    RAISE EXCEPTION USING ERRCODE = SQLSTATE,
      MESSAGE = format('invalid rule source "%s" for tag "%s"', NEW.rule_source, NEW.name),
      DETAIL = SQLERRM || '.',
      HINT = 'Write the relation with its schema, e.g. public.customer_profile.';
  END;
  NEW.rule_source := rel::text;   -- schema-qualified under this search_path
  BEGIN
    EXECUTE crm.tag_rule_query(rel, NEW.rule_key, NEW.rule) || ' LIMIT 0';
  EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS detail = PG_EXCEPTION_DETAIL;
    IF detail <> '' THEN
      RAISE EXCEPTION USING ERRCODE = SQLSTATE,
        MESSAGE = format('invalid rule for tag "%s": %s', NEW.name, SQLERRM),
        DETAIL = detail,
        HINT = 'A rule is one SQL condition over the columns of its rule_source.';
    END IF;
    RAISE EXCEPTION USING ERRCODE = SQLSTATE,
      MESSAGE = format('invalid rule for tag "%s": %s', NEW.name, SQLERRM),
      HINT = 'A rule is one SQL condition over the columns of its rule_source.';
  END;
  RETURN NEW;
END
$$;
COMMENT ON FUNCTION crm.tags_validate() IS
  'trigger on crm.tags: validates a rule when it is saved (parses and plans it against rule_source); modifies rule_source to its qualified name';

CREATE TRIGGER tags_validate BEFORE INSERT OR UPDATE OF rule, rule_source, rule_key ON crm.tags
  FOR EACH ROW EXECUTE FUNCTION crm.tags_validate();

-- Statement-level maintenance of crm.tag_members and crm.audience_all from
-- the transition tables of crm.customer_tags: one bitmap update per touched
-- tag per statement.  Rows of crm.tag_members are locked in tag order before
-- being changed, so concurrent writers wait instead of deadlocking.
-- SECURITY DEFINER: writers of crm.customer_tags need no rights on the
-- derived tables.  It therefore refuses to run unless fired by its own
-- statement-level AFTER triggers on crm.customer_tags (anyone could otherwise
-- attach it to a table of their own and rewrite the audience bitmaps as the
-- owner), and EXECUTE is revoked from PUBLIC so that nobody else can even
-- create a trigger with it.
CREATE FUNCTION crm.customer_tags_sync() RETURNS trigger
  LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
BEGIN
  IF TG_RELID IS DISTINCT FROM 'crm.customer_tags'::regclass::oid
     OR TG_LEVEL <> 'STATEMENT' OR TG_WHEN <> 'AFTER' THEN
    RAISE EXCEPTION USING ERRCODE = '42501',
      MESSAGE = format('trigger "%s" on "%s" may not execute crm.customer_tags_sync()',
                       TG_NAME, TG_RELID::regclass),
      DETAIL = 'The function maintains the audience bitmaps: it runs only as an AFTER ... FOR EACH STATEMENT trigger of crm.customer_tags.';
  END IF;
  IF TG_OP = 'TRUNCATE' THEN
    DELETE FROM crm.tag_members;
    DELETE FROM crm.audience_all;
    RETURN NULL;
  END IF;

  -- Removed (customer, tag) pairs.
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    PERFORM 1 FROM crm.tag_members m
      WHERE m.tag_id IN (SELECT DISTINCT t FROM old_rows o, crm.tagset_unnest(o.tags) t)
      ORDER BY m.tag_id FOR UPDATE;
    IF TG_OP = 'DELETE' THEN
      UPDATE crm.tag_members m SET members = m.members OPERATOR(crm.-) d.ids
        FROM (SELECT t, crm.tagset_agg(o.customer_id) AS ids
                FROM old_rows o, crm.tagset_unnest(o.tags) t GROUP BY t) d
       WHERE m.tag_id = d.t;
      UPDATE crm.audience_all SET members = members OPERATOR(crm.-)
        (SELECT crm.tagset_agg(customer_id) FROM old_rows)
       WHERE EXISTS (SELECT 1 FROM old_rows);
    ELSE
      UPDATE crm.tag_members m SET members = m.members OPERATOR(crm.-) d.ids
        FROM (SELECT t, crm.tagset_agg(c) AS ids
                FROM (SELECT o.customer_id AS c, t FROM old_rows o, crm.tagset_unnest(o.tags) t
                      EXCEPT
                      SELECT n.customer_id, t FROM new_rows n, crm.tagset_unnest(n.tags) t) g
               GROUP BY t) d
       WHERE m.tag_id = d.t;
      UPDATE crm.audience_all SET members = members OPERATOR(crm.-)
        (SELECT crm.tagset_agg(customer_id)
           FROM (SELECT customer_id FROM old_rows EXCEPT SELECT customer_id FROM new_rows) g)
       WHERE EXISTS (SELECT customer_id FROM old_rows EXCEPT SELECT customer_id FROM new_rows);
    END IF;
  END IF;

  -- Added (customer, tag) pairs.
  IF TG_OP = 'INSERT' THEN
    INSERT INTO crm.tag_members AS m (tag_id, members)
      SELECT t, crm.tagset_agg(n.customer_id)
        FROM new_rows n, crm.tagset_unnest(n.tags) t GROUP BY t ORDER BY t
      ON CONFLICT (tag_id) DO UPDATE SET members = m.members OPERATOR(crm.|) excluded.members;
    INSERT INTO crm.audience_all AS a (id, members)
      SELECT true, crm.tagset_agg(customer_id) FROM new_rows HAVING count(*) > 0
      ON CONFLICT (id) DO UPDATE SET members = a.members OPERATOR(crm.|) excluded.members;
  ELSIF TG_OP = 'UPDATE' THEN
    INSERT INTO crm.tag_members AS m (tag_id, members)
      SELECT t, crm.tagset_agg(c)
        FROM (SELECT n.customer_id AS c, t FROM new_rows n, crm.tagset_unnest(n.tags) t
              EXCEPT
              SELECT o.customer_id, t FROM old_rows o, crm.tagset_unnest(o.tags) t) g
       GROUP BY t ORDER BY t
      ON CONFLICT (tag_id) DO UPDATE SET members = m.members OPERATOR(crm.|) excluded.members;
    INSERT INTO crm.audience_all AS a (id, members)
      SELECT true, crm.tagset_agg(customer_id)
        FROM (SELECT customer_id FROM new_rows EXCEPT SELECT customer_id FROM old_rows) g
      HAVING count(*) > 0
      ON CONFLICT (id) DO UPDATE SET members = a.members OPERATOR(crm.|) excluded.members;
  END IF;
  RETURN NULL;
END
$$;
COMMENT ON FUNCTION crm.customer_tags_sync() IS
  'trigger on crm.customer_tags: updates crm.tag_members and crm.audience_all (the audience bitmaps) per statement';
REVOKE EXECUTE ON FUNCTION crm.customer_tags_sync() FROM PUBLIC;

CREATE TRIGGER customer_tags_sync_insert AFTER INSERT ON crm.customer_tags
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION crm.customer_tags_sync();
CREATE TRIGGER customer_tags_sync_update AFTER UPDATE ON crm.customer_tags
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION crm.customer_tags_sync();
CREATE TRIGGER customer_tags_sync_delete AFTER DELETE ON crm.customer_tags
  REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION crm.customer_tags_sync();
CREATE TRIGGER customer_tags_sync_truncate AFTER TRUNCATE ON crm.customer_tags
  FOR EACH STATEMENT EXECUTE FUNCTION crm.customer_tags_sync();

-- ---------------------------------------------------------------------------
-- Look-ups by name, audiences
-- ---------------------------------------------------------------------------
CREATE FUNCTION crm.tag_id(name text) RETURNS integer
  LANGUAGE C STABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'crm_tag_id';
COMMENT ON FUNCTION crm.tag_id(text) IS 'id of the tag with this name (42704 if none)';

CREATE FUNCTION crm.has_tag(tags crm.tagset, name text) RETURNS boolean
  LANGUAGE C STABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'crm_has_tag';
COMMENT ON FUNCTION crm.has_tag(crm.tagset, text) IS
  'whether a tagset holds the tag with this name (looked up once per query; 42704 if unknown)';

CREATE FUNCTION crm.tag_names(tags crm.tagset) RETURNS text[]
  LANGUAGE sql STABLE STRICT PARALLEL SAFE
  BEGIN ATOMIC
    SELECT coalesce(pg_catalog.array_agg(t.name ORDER BY t.name), '{}')
      FROM crm.tags t
     WHERE crm.tagset_contains(tags, t.tag_id::bigint);
  END;
COMMENT ON FUNCTION crm.tag_names(crm.tagset) IS
  'names of the dictionary tags in a tagset, sorted (ids missing from crm.tags are left out; {} if none)';

CREATE FUNCTION crm.tag_ids(VARIADIC names text[]) RETURNS crm.tagset
  LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  missing text;
  result crm.tagset;
BEGIN
  SELECT n INTO missing FROM unnest(names) n
   WHERE n IS NULL OR NOT EXISTS (SELECT 1 FROM crm.tags t WHERE t.name = n) LIMIT 1;
  IF FOUND THEN
    IF missing IS NULL THEN
      RAISE EXCEPTION USING ERRCODE = '22004', MESSAGE = 'tag name must not be NULL';
    END IF;
    RAISE EXCEPTION USING ERRCODE = '42704', MESSAGE = format('tag "%s" does not exist', missing),
      HINT = 'Tags are listed in crm.tags.';
  END IF;
  SELECT coalesce(crm.tagset_agg(t.tag_id), '{}') INTO result
    FROM crm.tags t WHERE t.name = ANY (names);
  RETURN result;
END
$$;
COMMENT ON FUNCTION crm.tag_ids(text[]) IS 'tagset of the ids of the named tags (42704 for an unknown name)';

CREATE FUNCTION crm.audience(expression text) RETURNS crm.tagset
  LANGUAGE C STABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'crm_audience';
COMMENT ON FUNCTION crm.audience(text) IS
  'customer ids matching an audience expression such as ''vip & sports & !churned'' (& | ! and parentheses, tags by name)';

CREATE FUNCTION crm.audience_count(expression text) RETURNS bigint
  LANGUAGE C STABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'crm_audience_count';
COMMENT ON FUNCTION crm.audience_count(text) IS 'number of customers matching an audience expression';

-- ---------------------------------------------------------------------------
-- Tagging customers
-- ---------------------------------------------------------------------------
CREATE FUNCTION crm.tag_customer(customer_id bigint, VARIADIC names text[]) RETURNS crm.tagset
  LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  ids crm.tagset := crm.tag_ids(VARIADIC names);
  result crm.tagset;
BEGIN
  IF tag_customer.customer_id NOT BETWEEN 0 AND 4294967295 THEN
    RAISE EXCEPTION USING ERRCODE = '22003',
      MESSAGE = format('customer id %s is out of range for tags', tag_customer.customer_id),
      DETAIL = 'Tagged customer ids are unsigned 32-bit integers, from 0 to 4294967295.';
  END IF;
  INSERT INTO crm.customer_tags AS c (customer_id, tags) VALUES (tag_customer.customer_id, ids)
  ON CONFLICT ON CONSTRAINT customer_tags_pkey
  DO UPDATE SET tags = c.tags OPERATOR(crm.|) excluded.tags
  RETURNING c.tags INTO result;
  RETURN result;
END
$$;
COMMENT ON FUNCTION crm.tag_customer(bigint, text[]) IS
  'adds the named tags to a customer (writes crm.customer_tags, inserting the customer if new); returns the new tagset';

CREATE FUNCTION crm.untag_customer(customer_id bigint, VARIADIC names text[]) RETURNS crm.tagset
  LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  ids crm.tagset := crm.tag_ids(VARIADIC names);
  result crm.tagset;
BEGIN
  UPDATE crm.customer_tags c SET tags = c.tags OPERATOR(crm.-) ids
   WHERE c.customer_id = untag_customer.customer_id
  RETURNING c.tags INTO result;
  RETURN result;
END
$$;
COMMENT ON FUNCTION crm.untag_customer(bigint, text[]) IS
  'removes the named tags from a customer (writes crm.customer_tags); returns the new tagset, NULL for an unknown customer';

CREATE FUNCTION crm.audience_rebuild() RETURNS bigint
  LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  n bigint;
BEGIN
  LOCK TABLE crm.customer_tags IN SHARE MODE;
  DELETE FROM crm.tag_members;
  DELETE FROM crm.audience_all;
  INSERT INTO crm.tag_members (tag_id, members)
    SELECT t, crm.tagset_agg(c.customer_id)
      FROM crm.customer_tags c, crm.tagset_unnest(c.tags) t GROUP BY t;
  INSERT INTO crm.audience_all (id, members)
    SELECT true, crm.tagset_agg(customer_id) FROM crm.customer_tags HAVING count(*) > 0;
  SELECT count(*) INTO n FROM crm.tag_members;
  RETURN n;
END
$$;
COMMENT ON FUNCTION crm.audience_rebuild() IS
  'rebuilds crm.tag_members and crm.audience_all from crm.customer_tags (writes both; e.g. after a restore with triggers disabled); returns the number of tag bitmaps';

-- ---------------------------------------------------------------------------
-- Rule-based tagging
-- ---------------------------------------------------------------------------
CREATE FUNCTION crm.tag_apply_rules()
  RETURNS TABLE (tag text, tag_id integer, added bigint, removed bigint,
                 added_ids crm.tagset, removed_ids crm.tagset)
  LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  r record;
  want crm.tagset;
  have crm.tagset;
  names text[] := '{}';
  ids integer[] := '{}';
  adds crm.tagset[] := '{}';
  dels crm.tagset[] := '{}';
  bad text;
  i integer;
BEGIN
  -- One writer at a time; readers of customer_tags are not blocked.
  LOCK TABLE crm.customer_tags IN SHARE ROW EXCLUSIVE MODE;
  -- First evaluate every rule on the same snapshot, then apply them all.
  FOR r IN SELECT t.tag_id, t.name, t.rule, t.rule_source, t.rule_key
             FROM crm.tags t WHERE t.rule IS NOT NULL ORDER BY t.tag_id LOOP
    -- Ids a tagset cannot hold are reported by name, not as a failure of
    -- crm.tagset_agg.
    BEGIN
      EXECUTE 'SELECT crm.tagset_agg(k) FILTER (WHERE k BETWEEN 0 AND 4294967295),'
              || ' (pg_catalog.min(k) FILTER (WHERE k NOT BETWEEN 0 AND 4294967295))::text FROM ('
              || crm.tag_rule_query(r.rule_source::regclass, r.rule_key, r.rule)
              || ') AS q(k)' INTO want, bad;
    EXCEPTION WHEN OTHERS THEN
      RAISE EXCEPTION USING ERRCODE = SQLSTATE,
        MESSAGE = format('rule of tag "%s" failed: %s', r.name, SQLERRM),
        HINT = 'No rule was applied.';
    END;
    IF bad IS NOT NULL THEN
      RAISE EXCEPTION USING ERRCODE = '22003',
        MESSAGE = format('customer id %s selected by the rule of tag "%s" is out of range for tags',
                         bad, r.name),
        DETAIL = 'Tagged customer ids are unsigned 32-bit integers, from 0 to 4294967295.',
        HINT = format('Exclude other ids in the rule, e.g. "(%s) AND %I BETWEEN 0 AND 4294967295". No rule was applied.',
                      r.rule, r.rule_key);
    END IF;
    want := coalesce(want, '{}');
    SELECT m.members INTO have FROM crm.tag_members m WHERE m.tag_id = r.tag_id;
    have := coalesce(have, '{}');
    names := names || r.name;
    ids := ids || r.tag_id;
    adds := adds || (want OPERATOR(crm.-) have);
    dels := dels || (have OPERATOR(crm.-) want);
  END LOOP;

  FOR i IN 1 .. coalesce(array_length(ids, 1), 0) LOOP
    IF crm.tagset_cardinality(adds[i]) > 0 THEN
      INSERT INTO crm.customer_tags AS c (customer_id, tags)
        SELECT u, crm.tagset_add('{}', ids[i]) FROM crm.tagset_unnest(adds[i]) u
      ON CONFLICT ON CONSTRAINT customer_tags_pkey
      DO UPDATE SET tags = crm.tagset_add(c.tags, ids[i]);
    END IF;
    IF crm.tagset_cardinality(dels[i]) > 0 THEN
      UPDATE crm.customer_tags c SET tags = crm.tagset_remove(c.tags, ids[i])
       WHERE c.customer_id IN (SELECT crm.tagset_unnest(dels[i]));
    END IF;
    tag := names[i];
    tag_id := ids[i];
    added := crm.tagset_cardinality(adds[i]);
    removed := crm.tagset_cardinality(dels[i]);
    added_ids := adds[i];
    removed_ids := dels[i];
    RETURN NEXT;
  END LOOP;
END
$$;
COMMENT ON FUNCTION crm.tag_apply_rules() IS
  'applies every tag rule at once (writes crm.customer_tags: adds the tag to customers satisfying the rule, removes it from the others); returns what changed per rule';
