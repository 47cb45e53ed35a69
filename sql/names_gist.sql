-- names_gist: the GiST operator class crm.name_gist_ops: ORDER BY name <-> q
-- as an index scan returning exactly what a sequential scan returns.
CREATE SCHEMA names_gist;
SET search_path = names_gist, crm, public;

-- An index on an empty table, filled afterwards (inserts, page splits).
CREATE TABLE people (id int PRIMARY KEY, name text);
CREATE INDEX people_gist ON people USING gist (name crm.name_gist_ops);
SELECT id FROM people ORDER BY name <-> 'Zhang San' LIMIT 10;
INSERT INTO people VALUES
  (1, 'Zhang San'), (2, '张三'), (3, 'San Zhang'), (4, '張三'), (5, 'Zhang Sanfeng'),
  (6, 'Robert Smith'), (7, 'Bob Smith'), (8, 'R. Smith'), (9, 'Smith'), (10, 'John Smith'),
  (11, 'Jane Doe'), (12, 'Jose Garcia'), (13, 'garcia, jose'), (14, 'Ｊｏｓé GARCÍA'),
  (15, 'Li Si'), (16, '李四'), (17, ''), (18, NULL), (19, 'Robbie Smyth'), (20, 'Roberta Smithers'),
  (21, 'William Gates'), (22, 'Bill Gates'), (23, 'Mc Donald'), (24, 'McDonald'), (25, '单雄信'),
  (26, 'Shan Xiongxin'), (27, 'Xiao Ming Zhang'), (28, '张小明'), (29, 'Zhang Xan'), (30, NULL);
-- Generated names: Latin given name + surname, Chinese surname + given name.
INSERT INTO people
SELECT 100 + g,
       CASE WHEN g % 3 = 0
         THEN (ARRAY['王','李','张','刘','陈','杨','黄','赵','吴','周','徐','孙','馬','朱','胡','郭','何','高','林','羅'])[1 + g % 20]
              || (ARRAY['伟','芳','娜','秀英','敏','静','丽','强','磊','军','洋','勇','艳','杰','娟','涛','明','超','秀兰','霞','平','刚','桂英'])[1 + (g / 20) % 23]
         ELSE (ARRAY['James','Mary','John','Patricia','Robert','Jennifer','Michael','Linda','William','Elizabeth','David','Barbara','Richard','Susan','Joseph','Jessica','Thomas','Sarah','Charles','Karen','Daniel','Nancy','Matthew','Lisa','Anthony','Betty','Mark','Margaret','Donald','Sandra','Steven','Ashley'])[1 + g % 32]
              || ' ' ||
              (ARRAY['Smith','Johnson','Williams','Brown','Jones','Garcia','Miller','Davis','Rodriguez','Martinez','Hernandez','Lopez','Gonzalez','Wilson','Anderson','Thomas','Taylor','Moore','Jackson','Martin','Lee','Perez','Thompson','White','Harris','Sanchez','Clark','Ramirez','Lewis','Robinson','Walker','Young','Allen','King','Wright','Scott','Torres','Nguyen','Hill','Flores'])[1 + (g / 32) % 40]
       END
  FROM generate_series(1, 3000) g;
ANALYZE people;

-- A second table indexed after loading (sorted build).
CREATE TABLE people_sorted AS SELECT * FROM people;
CREATE INDEX people_sorted_gist ON people_sorted USING gist (name crm.name_gist_ops);
ANALYZE people_sorted;

-- The query a user writes: the 10 nearest names, through the index.
EXPLAIN (COSTS OFF)
SELECT id, name FROM people ORDER BY name <-> 'Zhang San' LIMIT 10;
SET enable_seqscan = off;
SELECT id, name, round(d::numeric, 4) AS distance
  FROM (SELECT id, name, name <-> 'Zhang San' AS d FROM people ORDER BY name <-> 'Zhang San' LIMIT 8) s
 ORDER BY d, id;
SELECT id, name, round(d::numeric, 4) AS distance
  FROM (SELECT id, name, name <-> 'Bob Smith' AS d FROM people ORDER BY name <-> 'Bob Smith' LIMIT 6) s
 ORDER BY d, id;
RESET enable_seqscan;
-- A tie-breaker in the ORDER BY cannot use the index (PostgreSQL 15 uses an
-- ordering operator only when the index gives the whole ORDER BY): sort the
-- ten rows in an outer query instead, as above.
EXPLAIN (COSTS OFF)
SELECT id FROM people ORDER BY name <-> 'Zhang San', id LIMIT 10;
-- Why inner pages get no distance bound above 0: names that share no
-- blocking key (%% with the threshold at 0 = share a key) still score high,
-- so sharing none bounds nothing (see name_gist.c).
SET crm_profile.name_similarity_threshold = 0;
SELECT a, b, round(crm.name_similarity(a, b)::numeric, 4) AS similarity, a %% b AS share_a_key
  FROM (VALUES ('Hzang San', 'Zhang San'), ('Jhon Smiht', 'John Smith'),
               ('Jonathan Smith', 'Yonathan Smithe')) v(a, b);
RESET crm_profile.name_similarity_threshold;
-- With a GIN index as well, each query form takes its own index: %% the
-- GIN index (the GiST class has no %% strategy), the plain form the GiST.
CREATE INDEX people_gin ON people USING gin (name crm.name_gin_ops);
SET enable_seqscan = off;
EXPLAIN (COSTS OFF)
SELECT id FROM people WHERE name %% 'Zhang San' ORDER BY name <-> 'Zhang San' LIMIT 10;
EXPLAIN (COSTS OFF)
SELECT id FROM people ORDER BY name <-> 'Zhang San' LIMIT 10;
RESET enable_seqscan;
DROP INDEX people_gin;

-- The test queries: Latin, Chinese (simplified, traditional), pinyin,
-- nicknames, initials, reordered, typos, empty, NULL.
CREATE TABLE queries (q text);
INSERT INTO queries VALUES ('Zhang San'), ('张三'), ('張三'), ('San Zhang'), ('zhang san feng'),
  ('Bob Smith'), ('R. Smith'), ('Smith'), ('Robert Smyth'), ('Jose Garcia'), ('garcia, jose'),
  ('李四'), ('Li Si'), ('Bill Gates'), ('W. Gates'), ('McDonald'), ('Shan Xiong Xin'), ('单雄信'),
  ('Xiao Ming Zhang'), ('王伟'), ('Wang Wei'), ('劉芳'), ('Liu Fang'), ('Jenifer Jonson'),
  ('Mike Brown'), ('Peggy Taylor'), ('Kate Lee'), ('J. Martinez'), ('Nguyen Thi'), ('x'), (''),
  (NULL);

-- top10(tbl, q): the plain ORDER BY name <-> q LIMIT 10, whatever the plan:
-- the ten distances (full precision, in the order returned) and the ids
-- strictly nearer than the tenth (the rows at the tenth distance may tie).
CREATE FUNCTION top10(tbl regclass, q text, OUT dist text, OUT ids text) LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('SELECT string_agg(coalesce(d::text, ''null''), '','' ORDER BY n), string_agg(id::text, '','' ORDER BY id) FILTER (WHERE d < last_d) FROM (SELECT id, d, n, last_value(d) OVER (ORDER BY n ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS last_d FROM (SELECT id, name OPERATOR(crm.<->) $1 AS d, row_number() OVER () AS n FROM (SELECT id, name FROM %s ORDER BY name OPERATOR(crm.<->) $1 LIMIT 10) t) u) v', tbl)
    INTO dist, ids USING q;
END $$;
-- snapshot(tag): the answers of every query through the current plans.
CREATE TABLE answers (tag text, tbl text, q text, top text, dist text);
CREATE PROCEDURE snapshot(tag text) LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO answers
  SELECT tag, t, q, x.ids, x.dist
    FROM queries, unnest(ARRAY['names_gist.people', 'names_gist.people_sorted']) t,
         LATERAL top10(t::regclass, q) x;
END $$;
-- compare(): answers through the indexes, then with index scans off; how
-- many of them are the same.
CREATE FUNCTION compare(OUT queries bigint, OUT same_top10 bigint, OUT same_distances bigint)
  LANGUAGE plpgsql AS $$
BEGIN
  TRUNCATE answers;
  PERFORM set_config('enable_seqscan', 'off', true);
  CALL snapshot('index');
  PERFORM set_config('enable_seqscan', 'on', true);
  PERFORM set_config('enable_indexscan', 'off', true);
  PERFORM set_config('enable_bitmapscan', 'off', true);
  CALL snapshot('seqscan');
  PERFORM set_config('enable_indexscan', 'on', true);
  PERFORM set_config('enable_bitmapscan', 'on', true);
  SELECT count(*),
         count(*) FILTER (WHERE i.top IS NOT DISTINCT FROM s.top),
         count(*) FILTER (WHERE i.dist IS NOT DISTINCT FROM s.dist)
    INTO queries, same_top10, same_distances
    FROM answers i JOIN answers s ON s.tbl = i.tbl AND s.q IS NOT DISTINCT FROM i.q
   WHERE i.tag = 'index' AND s.tag = 'seqscan';
END $$;

-- Through the index (the plans above), then by sequential scans (this plan).
SET enable_indexscan = off;
SET enable_bitmapscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM people ORDER BY name <-> 'Zhang San' LIMIT 10;
RESET enable_indexscan;
RESET enable_bitmapscan;
SELECT * FROM compare();
-- A few answers in full: NULL query (every distance NULL), empty query
-- (similar to nothing: distance 1), Chinese.
SELECT q, top, dist FROM answers
 WHERE tag = 'index' AND tbl = 'names_gist.people' AND (q IS NULL OR q IN ('', '张三', 'R. Smith'))
 ORDER BY q NULLS FIRST;
-- NULL names come last, as in a sequential scan.
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM people ORDER BY name <-> 'Zhang San' OFFSET 3028;
SELECT array_agg(id) FROM (SELECT id FROM people ORDER BY name <-> 'Zhang San' OFFSET 3028) s;
RESET enable_seqscan;

-- Many queries: every 53rd stored name, cut, reordered or with a typo.
TRUNCATE queries;
INSERT INTO queries
SELECT CASE id % 4
         WHEN 0 THEN name
         WHEN 1 THEN regexp_replace(name, '^(\S+) (\S+)$', '\2 \1')
         WHEN 2 THEN overlay(name placing 'x' from 2 for 1)
         ELSE left(name, 5) END
  FROM people_sorted WHERE id % 53 = 0 AND name IS NOT NULL;
SELECT count(*) AS random_queries FROM queries;
SELECT * FROM compare();

-- After updates and deletes, and VACUUM: still the same answers.
UPDATE people SET name = 'Zhang Sang' WHERE id IN (5, 101, 102);
UPDATE people SET name = NULL WHERE id = 3;
UPDATE people SET name = 'San Zhang' WHERE id = 30;
DELETE FROM people WHERE id IN (1, 2) OR id BETWEEN 1000 AND 1999;
VACUUM people;
SET enable_seqscan = off;
SELECT id, name, round(d::numeric, 4) AS distance
  FROM (SELECT id, name, name <-> 'Zhang San' AS d FROM people ORDER BY name <-> 'Zhang San' LIMIT 5) s
 ORDER BY d, id;
RESET enable_seqscan;
TRUNCATE queries;
INSERT INTO queries VALUES ('Zhang San'), ('張三'), ('Bob Smith'), ('R. Smith'), ('李四'), ('王伟'), ('');
SELECT * FROM compare();

-- Very long names are indexed: over 512 bytes the leaf keeps no name and
-- the row is rechecked (9002 is 4,000 characters that do not compress).
INSERT INTO people VALUES (9001, repeat('Zhang San ', 500)),
  (9002, (SELECT string_agg(md5(g::text), ' ') FROM generate_series(1, 121) g)),
  (9003, 'Zhang ' || repeat('x', 600));
SET enable_seqscan = off;
SELECT id FROM people ORDER BY name <-> repeat('Zhang San ', 500) LIMIT 1;
SELECT id FROM people ORDER BY name <-> (SELECT name FROM people WHERE id = 9002) LIMIT 1;
SELECT id, round(d::numeric, 4) AS distance
  FROM (SELECT id, name <-> 'Zhang Sang' AS d FROM people ORDER BY name <-> 'Zhang Sang' LIMIT 5) s
 ORDER BY d, id;
RESET enable_seqscan;
SELECT id, round((name <-> 'Zhang Sang')::numeric, 4) AS distance FROM people WHERE id IN (9001, 9003) ORDER BY id;

RESET search_path;
DROP SCHEMA names_gist CASCADE;
