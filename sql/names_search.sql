-- names_search: the %% and <-> operators, the GIN operator class, the threshold.
CREATE SCHEMA names_test;
CREATE TABLE names_test.people (id int PRIMARY KEY, name text);
INSERT INTO names_test.people VALUES
  (1, 'Zhang San'), (2, '张三'), (3, 'San Zhang'), (4, '張三'), (5, 'Zhang Sanfeng'),
  (6, 'Robert Smith'), (7, 'Bob Smith'), (8, 'R. Smith'), (9, 'Smith'), (10, 'John Smith'),
  (11, 'Jane Doe'), (12, 'Jose Garcia'), (13, 'garcia, jose'), (14, 'Ｊｏｓé GARCÍA'),
  (15, 'Li Si'), (16, '李四'), (17, ''), (18, NULL), (19, 'Robbie Smyth'), (20, 'Roberta Smithers');
INSERT INTO names_test.people SELECT 100 + g, 'Person' || g || ' Family' || (g % 97) FROM generate_series(1, 3000) g;
CREATE INDEX people_name_gin ON names_test.people USING gin (name crm.name_gin_ops);
ANALYZE names_test.people;

SET search_path = names_test, crm, public;
SHOW crm_profile.name_similarity_threshold;

-- The query a user writes: similar names, best first.  (This table is small
-- enough for a sequential scan; on a big one the planner picks the index.)
SET enable_seqscan = off;
EXPLAIN (COSTS OFF)
SELECT id, name FROM people WHERE name %% 'Zhang San' ORDER BY name <-> 'Zhang San', id LIMIT 10;
SELECT id, name, round((name <-> 'Zhang San')::numeric, 4) AS distance
  FROM people WHERE name %% 'Zhang San' ORDER BY name <-> 'Zhang San', id LIMIT 10;
SELECT id, name, round((name <-> 'Bob Smith')::numeric, 4) AS distance
  FROM people WHERE name %% 'Bob Smith' ORDER BY name <-> 'Bob Smith', id LIMIT 10;
SELECT id, name FROM people WHERE name %% 'Jose Garcia' ORDER BY id;
SELECT id, name FROM people WHERE name %% 'Smith' ORDER BY id;
SELECT id, name FROM people WHERE name %% '' ORDER BY id;

-- The index returns exactly what a sequential scan returns.
EXPLAIN (COSTS OFF) SELECT id FROM people WHERE name %% 'Smith';
CREATE TEMP TABLE via_index AS
  SELECT q, array_agg(p.id ORDER BY p.id) AS ids
    FROM (VALUES ('Zhang San'), ('Bob Smith'), ('Smith'), ('Jose Garcia'), ('李四'), ('Person12 Family12'), ('')) v(q)
    LEFT JOIN people p ON p.name %% v.q GROUP BY q;
RESET enable_seqscan;
SET enable_bitmapscan = off;
SET enable_indexscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM people WHERE name %% 'Smith';
SELECT v.q, array_agg(p.id ORDER BY p.id) = i.ids AS same_as_index
  FROM (VALUES ('Zhang San'), ('Bob Smith'), ('Smith'), ('Jose Garcia'), ('李四'), ('Person12 Family12'), ('')) v(q)
  LEFT JOIN people p ON p.name %% v.q
  JOIN via_index i ON i.q = v.q
 GROUP BY v.q, i.ids ORDER BY v.q;
RESET enable_bitmapscan;
RESET enable_indexscan;

-- The threshold is a setting; the operator follows it.
SET crm_profile.name_similarity_threshold = 0.99;
SELECT id, name FROM people WHERE name %% 'Bob Smith' ORDER BY id;
SET crm_profile.name_similarity_threshold = 1.5;
RESET crm_profile.name_similarity_threshold;

-- Operators: commutative, NULL-safe.
SELECT 'Bob Smith' %% 'Robert Smith' AS similar, 'Robert Smith' %% 'Bob Smith' AS commuted,
       round(('Bob Smith' <-> 'Robert Smith')::numeric, 4) AS distance,
       (NULL::text %% 'x') IS NULL AS null_similar, (NULL::text <-> 'x') IS NULL AS null_distance;

RESET search_path;
DROP SCHEMA names_test CASCADE;
