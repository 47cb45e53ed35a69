-- tags_index: the GIN operator class (@>, &&, <@, =) and the B-tree one.
SET search_path = crm, public;

CREATE TABLE public.tags_idx (id int PRIMARY KEY, tags tagset);
SELECT setseed(0.7);
INSERT INTO public.tags_idx
SELECT g, tagset(ARRAY(SELECT (random() * 40)::int FROM generate_series(1, 1 + (g % 6))))
  FROM generate_series(1, 5000) g;
INSERT INTO public.tags_idx VALUES (5001, '{}'), (5002, NULL), (5003, '{0,4294967295}');
CREATE INDEX tags_idx_gin ON public.tags_idx USING gin (tags);
ANALYZE public.tags_idx;

-- Sequential answers first.
SET enable_indexscan = off;
SET enable_bitmapscan = off;
CREATE TEMP TABLE seq AS SELECT
  (SELECT count(*) FROM public.tags_idx WHERE tags @> '{3,5}') AS contains,
  (SELECT count(*) FROM public.tags_idx WHERE tags && '{3,5}') AS overlaps,
  (SELECT count(*) FROM public.tags_idx WHERE tags <@ '{1,2,3,4,5,6}') AS contained,
  (SELECT count(*) FROM public.tags_idx WHERE tags = '{7}') AS equal,
  (SELECT count(*) FROM public.tags_idx WHERE tags @> '{}') AS contains_empty,
  (SELECT count(*) FROM public.tags_idx WHERE tags && '{}') AS overlaps_empty,
  (SELECT count(*) FROM public.tags_idx WHERE tags <@ '{}') AS contained_empty,
  (SELECT count(*) FROM public.tags_idx WHERE tags = '{}') AS equal_empty,
  (SELECT count(*) FROM public.tags_idx WHERE tags @> '{4294967295}') AS contains_top;
RESET enable_indexscan;
RESET enable_bitmapscan;
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT count(*) FROM public.tags_idx WHERE tags @> '{3,5}';
EXPLAIN (COSTS OFF) SELECT count(*) FROM public.tags_idx WHERE tags && '{3,5}';
CREATE TEMP TABLE idx AS SELECT
  (SELECT count(*) FROM public.tags_idx WHERE tags @> '{3,5}') AS contains,
  (SELECT count(*) FROM public.tags_idx WHERE tags && '{3,5}') AS overlaps,
  (SELECT count(*) FROM public.tags_idx WHERE tags <@ '{1,2,3,4,5,6}') AS contained,
  (SELECT count(*) FROM public.tags_idx WHERE tags = '{7}') AS equal,
  (SELECT count(*) FROM public.tags_idx WHERE tags @> '{}') AS contains_empty,
  (SELECT count(*) FROM public.tags_idx WHERE tags && '{}') AS overlaps_empty,
  (SELECT count(*) FROM public.tags_idx WHERE tags <@ '{}') AS contained_empty,
  (SELECT count(*) FROM public.tags_idx WHERE tags = '{}') AS equal_empty,
  (SELECT count(*) FROM public.tags_idx WHERE tags @> '{4294967295}') AS contains_top;
SELECT * FROM seq;
SELECT (SELECT row(s.*)::text FROM seq s) = (SELECT row(i.*)::text FROM idx i) AS index_agrees;
-- the same with the ternary consistent path on a multi-key query
SELECT count(*) FROM public.tags_idx WHERE tags @> '{1,2}' AND tags && '{39,40}';
RESET enable_seqscan;
SELECT count(*) FROM public.tags_idx WHERE tags @> '{1,2}' AND tags && '{39,40}';

-- B-tree: unique index, DISTINCT, GROUP BY, ORDER BY, merge join.
CREATE TABLE public.tags_bt (v tagset);
CREATE UNIQUE INDEX tags_bt_u ON public.tags_bt (v);
INSERT INTO public.tags_bt VALUES ('{1,2}'), ('{}'), ('{0}'), ('{4294967295}');
INSERT INTO public.tags_bt VALUES ('{2,1}');
SELECT count(DISTINCT tags) = (SELECT count(*) FROM (SELECT DISTINCT tags::text FROM public.tags_idx WHERE tags IS NOT NULL) d) AS distinct_agrees
  FROM public.tags_idx;
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT * FROM public.tags_bt WHERE v = '{1,2}';
SELECT * FROM public.tags_bt WHERE v = '{1-2}';
SELECT * FROM public.tags_bt ORDER BY v;
RESET enable_seqscan;
SET enable_hashjoin = off;
SET enable_nestloop = off;
SELECT count(*) AS merge_join_rows FROM public.tags_idx a JOIN public.tags_bt b ON a.tags = b.v;
RESET ALL;
DROP TABLE public.tags_idx, public.tags_bt;
