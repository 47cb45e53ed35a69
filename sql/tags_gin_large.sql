-- tags_gin_large: GIN searches with query values larger than
-- crm_profile.tagset_gin_max_query_keys: never an error, never a
-- materialisation of every member, the same answers as a sequential scan.
SET search_path = crm, public;
CREATE TABLE public.tags_gl (id int PRIMARY KEY, t tagset);
INSERT INTO public.tags_gl SELECT g, tagset(ARRAY[g::bigint]) FROM generate_series(1, 5000) g;
INSERT INTO public.tags_gl VALUES (5001, '{1-6}'), (5002, '{}'), (5003, NULL),
  (5004, '{0,4294967295}');
CREATE INDEX tags_gl_gin ON public.tags_gl USING gin (t);
ANALYZE public.tags_gl;
SHOW crm_profile.tagset_gin_max_query_keys;

-- A constant with 2^32 members plans and runs (it raised 54000 "too large
-- to index" even with index scans disabled, since the planner's cost
-- estimate extracts the query keys).  (EXPLAIN would print its 2^32 members.)
SELECT count(*) AS overlaps FROM public.tags_gl WHERE t && '{0-4294967295}';
SELECT count(*) AS contained FROM public.tags_gl WHERE t <@ '{0-4294967295}';
SET enable_seqscan = off;
SELECT count(*) AS overlaps FROM public.tags_gl WHERE t && '{0-4294967295}';
SELECT count(*) AS contained FROM public.tags_gl WHERE t <@ '{0-4294967295}';
SELECT count(*) AS contains FROM public.tags_gl WHERE t @> '{0-4294967295}';
SELECT count(*) AS equal FROM public.tags_gl WHERE t = '{0-4294967295}';
-- 50 million members: planning used to build 50 million keys (600 MB, about
-- 10 seconds)
SET statement_timeout = '5s';
SELECT count(*) AS overlaps FROM public.tags_gl WHERE t && '{0-50000000}';
SELECT count(*) AS contains FROM public.tags_gl WHERE t @> '{3-50000000}';
RESET statement_timeout;
RESET enable_seqscan;

-- A small limit: every strategy above it agrees with a sequential scan,
-- and a truncated @> or = rechecks (the first 3 keys of '{1,2,3,4,5,7}' are
-- all in row 5001, which does not contain 7).
SET crm_profile.tagset_gin_max_query_keys = 3;
-- above the limit, && and <@ would scan the whole index: a sequential scan wins
EXPLAIN (COSTS OFF) SELECT count(*) FROM public.tags_gl WHERE t && '{1,2,3,4}';
EXPLAIN (COSTS OFF) SELECT count(*) FROM public.tags_gl WHERE t && '{1,2,3}';
CREATE TEMP TABLE q (n int, op text, v tagset);
INSERT INTO q VALUES
  (1, '&&', '{1,2,3,4}'), (2, '&&', '{4999-5010}'), (3, '&&', '{1,2,3}'),
  (4, '@>', '{1,2,3,4,5,6}'), (5, '@>', '{1,2,3,4,5,7}'), (6, '@>', '{1,2,3}'),
  (7, '<@', '{1-7}'), (8, '<@', '{0,4294967295,7,8}'), (9, '<@', '{}'),
  (10, '=', '{1-6}'), (11, '=', '{1,2,3,4,5}'), (12, '=', '{1,2,3}');
CREATE FUNCTION pg_temp.run(op text, v tagset) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE n bigint;
BEGIN
  EXECUTE format('SELECT count(*) FROM public.tags_gl WHERE t OPERATOR(crm.%s) %L::crm.tagset', op, v) INTO n;
  RETURN n;
END $$;
SET enable_indexscan = off;
SET enable_bitmapscan = off;
CREATE TEMP TABLE seq AS SELECT n, pg_temp.run(op, v) AS c FROM q;
RESET enable_indexscan;
RESET enable_bitmapscan;
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT count(*) FROM public.tags_gl WHERE t @> '{1,2,3,4,5,7}';
CREATE TEMP TABLE idx AS SELECT n, pg_temp.run(op, v) AS c FROM q;
SELECT q.n, q.op, q.v, s.c AS seq, i.c AS idx, s.c = i.c AS agree
  FROM q JOIN seq s USING (n) JOIN idx i USING (n) ORDER BY n;
-- ternary consistent with a truncated @> beside another key
SELECT count(*) FROM public.tags_gl WHERE t @> '{1,2,3,4,5,7}' AND t && '{1}';
SELECT count(*) FROM public.tags_gl WHERE t @> '{1,2,3,4,5,6}' AND t && '{1}';
RESET enable_seqscan;
RESET crm_profile.tagset_gin_max_query_keys;
DROP TABLE public.tags_gl;
