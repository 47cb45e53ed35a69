-- tags_agg: the tagset aggregates, serial and parallel.
SET search_path = crm, public;

SELECT tagset_agg(x) FROM (VALUES (3), (1), (NULL), (3), (0), (4294967295)) t(x);
SELECT tagset_agg(x) IS NULL AS no_rows FROM (SELECT 1::bigint WHERE false) t(x);
SELECT tagset_agg(x) IS NULL AS only_nulls FROM (VALUES (NULL::bigint), (NULL)) t(x);
SELECT tagset_agg(x) FROM (VALUES (-1::bigint)) t(x);
SELECT tagset_agg(x) FROM (VALUES (4294967296)) t(x);
SELECT tagset_union_agg(v), tagset_intersect_agg(v)
  FROM (VALUES ('{1,2,3}'::tagset), ('{2,3,4}'), (NULL), ('{0,2,3,4294967295}')) t(v);
SELECT tagset_intersect_agg(v) FROM (VALUES ('{1,2}'::tagset), ('{}'), ('{2}')) t(v);
SELECT tagset_union_agg(v) IS NULL AS union_none, tagset_intersect_agg(v) IS NULL AS intersect_none
  FROM (SELECT '{1}'::tagset WHERE false) t(v);
-- grouped, and as a window aggregate (the final function is called repeatedly)
SELECT g, tagset_agg(x) FROM (VALUES (1, 5), (2, 6), (1, 7), (2, 6)) t(g, x) GROUP BY g ORDER BY g;
SELECT x, tagset_agg(x) OVER (ORDER BY x) AS running, tagset_union_agg(tagset_add('{}', x)) OVER (ORDER BY x) AS running_union
  FROM (VALUES (3), (1), (2)) t(x);

-- Parallel: the plan has a Partial Aggregate and the result equals the
-- serial one.
CREATE TABLE public.tags_agg_big AS
SELECT g AS id, (g::bigint * 7919) % 3000000 AS x,
       tagset(ARRAY[(g % 200), (g % 37) + 500, (g * 31) % 100000]) AS v
  FROM generate_series(1, 300000) g;
ANALYZE public.tags_agg_big;
SET max_parallel_workers_per_gather = 2;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET parallel_leader_participation = off;
EXPLAIN (COSTS OFF) CREATE TEMP TABLE par AS
  SELECT tagset_agg(x) AS a, tagset_union_agg(v) AS u, tagset_intersect_agg(v) AS i,
         tagset_intersect_agg(v) FILTER (WHERE id % 200 = 7) AS i7 FROM public.tags_agg_big;
CREATE TEMP TABLE par AS
  SELECT tagset_agg(x) AS a, tagset_union_agg(v) AS u, tagset_intersect_agg(v) AS i,
         tagset_intersect_agg(v) FILTER (WHERE id % 200 = 7) AS i7 FROM public.tags_agg_big;
SET max_parallel_workers_per_gather = 0;
CREATE TEMP TABLE ser AS
  SELECT tagset_agg(x) AS a, tagset_union_agg(v) AS u, tagset_intersect_agg(v) AS i,
         tagset_intersect_agg(v) FILTER (WHERE id % 200 = 7) AS i7 FROM public.tags_agg_big;
SELECT p.a = s.a AS agg_equal, p.u = s.u AS union_equal, p.i = s.i AS intersect_equal,
       p.i7 = s.i7 AS intersect7_equal,
       tagset_cardinality(s.a) AS agg_card, tagset_cardinality(s.u) AS union_card,
       s.i AS intersect, s.i7 AS intersect7
  FROM par p, ser s;
SELECT tagset_cardinality(s.a) = (SELECT count(DISTINCT x) FROM public.tags_agg_big) AS card_matches_sql
  FROM ser s;
RESET ALL;
DROP TABLE public.tags_agg_big;
