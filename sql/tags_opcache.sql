-- tags_opcache: the two-operand functions decode an operand that stays the
-- same for the whole query (a constant, a parameter) once, not once per row,
-- and a changing operand is never served from that cache.
SET search_path = crm, public;
CREATE TABLE public.tags_oc (id int PRIMARY KEY, t tagset);
INSERT INTO public.tags_oc SELECT g, tagset(ARRAY[g::bigint, g + 100000]) FROM generate_series(1, 2000) g;

-- '{0-4294967295}' is 65536 run containers (about 900 kB): decoding it for
-- each of the 2000 rows took about 10 seconds, decoding it once milliseconds.
SELECT pg_column_size('{0-4294967295}'::tagset) AS bytes;
SET statement_timeout = '5s';
SELECT count(*) AS overlaps FROM public.tags_oc WHERE t && '{0-4294967295}';
SELECT count(*) AS overlaps FROM public.tags_oc WHERE '{0-4294967295}' && t;
SELECT count(*) AS contained FROM public.tags_oc WHERE t <@ '{0-4294967295}';
SELECT count(*) AS contains FROM public.tags_oc WHERE '{0-4294967295}' @> t;
SELECT count(*) AS lt FROM public.tags_oc WHERE t < '{0-4294967295}';
SELECT count(*) AS ne FROM public.tags_oc WHERE crm.tagset_cmp(t, '{0-4294967295}') <> 0;
SELECT sum(tagset_cardinality(t & '{0-4294967295}')) AS and_card FROM public.tags_oc;
SELECT sum(tagset_cardinality(t - '{0-4294967295}')) AS andnot_card FROM public.tags_oc;
RESET statement_timeout;

-- Constants on either side, exact answers.
SELECT count(*) FROM public.tags_oc WHERE t && '{5,100007,999999}';
SELECT count(*) FROM public.tags_oc WHERE t @> '{7,100007}';
SELECT count(*) FROM public.tags_oc WHERE t <@ '{1-10,100001-100005}';
SELECT count(*) FROM public.tags_oc WHERE t = '{9,100009}';
SELECT id, t | '{0}' AS u, t # '{1,2}' AS x FROM public.tags_oc WHERE id <= 3 ORDER BY id;

-- Changing operands in one FmgrInfo: a PL/pgSQL simple expression keeps its
-- state for the transaction while its parameters change from call to call.
CREATE FUNCTION pg_temp.f(a tagset, b tagset) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  RETURN format('%s %s %s %s %s %s', a && b, a @> b, a = b, crm.tagset_cmp(a, b), a | b, a - b);
END $$;
SELECT x, pg_temp.f(tagset(ARRAY[x]), '{1,3}'), pg_temp.f('{2,3}', tagset(ARRAY[x]))
  FROM generate_series(1, 4) x;
-- an array of constants: the element changes at every comparison
SELECT count(*) FROM public.tags_oc WHERE t = ANY (ARRAY['{1,100001}', '{2,100002}', '{3}']::tagset[]);
SELECT '{1}'::tagset = ANY (ARRAY['{2}', '{1}']::tagset[]) AS any_eq,
       '{1}'::tagset <> ALL (ARRAY['{2}', '{1}']::tagset[]) AS all_ne;
-- a prepared statement's parameter, generic plan
SET plan_cache_mode = force_generic_plan;
PREPARE oc(tagset) AS SELECT count(*) FROM public.tags_oc WHERE t && $1;
EXECUTE oc('{1,2,3}');
EXECUTE oc('{100004}');
EXECUTE oc('{}');
DEALLOCATE oc;
RESET plan_cache_mode;
-- a row-dependent operand on both sides
SELECT count(*) FROM public.tags_oc a JOIN public.tags_oc b ON a.t && b.t WHERE a.id <= 100;
DROP TABLE public.tags_oc;
