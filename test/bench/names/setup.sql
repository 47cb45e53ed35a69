-- setup.sql: the names benchmark's data, built from the shipped public data
-- (test/data): Febrl person names, 255k historical Chinese names
-- (names_zh), the nickname list, plus generated variants of them (typos,
-- swapped order, initials, nicknames, simplified script, pinyin).
-- psql variables: root (repository path), n_names, n_pairs, n_queries.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
DROP SCHEMA IF EXISTS bench_names CASCADE;
CREATE SCHEMA bench_names;
SET search_path = bench_names, public;
SELECT setseed(0.42);

-- time_ms(sql, reps): the best wall-clock time of reps runs of sql, in ms.
CREATE FUNCTION bench_names.time_ms(q text, reps int) RETURNS float8
  LANGUAGE plpgsql AS $$
DECLARE
  t0 timestamptz;
  best float8 := 'infinity';
BEGIN
  FOR i IN 1..reps LOOP
    t0 := clock_timestamp();
    EXECUTE q;
    best := least(best, extract(epoch FROM clock_timestamp() - t0) * 1000);
  END LOOP;
  RETURN best;
END $$;


-- Raw data.
CREATE TABLE febrl_raw (rec_id text, given_name text, surname text, street_number text,
  address_1 text, address_2 text, suburb text, postcode text, state text,
  date_of_birth text, soc_sec_id text, dataset int);
\set f1 :root '/test/data/febrl/dataset1.csv'
\set f2 :root '/test/data/febrl/dataset2.csv'
\set fzh :root '/test/data/names_zh/Ancient_Names_Corpus_25W.txt'
\set fnick :root '/test/data/nicknames/names.csv'
COPY febrl_raw (rec_id, given_name, surname, street_number, address_1, address_2, suburb, postcode, state, date_of_birth, soc_sec_id) FROM :'f1' WITH (FORMAT csv, HEADER);
UPDATE febrl_raw SET dataset = 1;
COPY febrl_raw (rec_id, given_name, surname, street_number, address_1, address_2, suburb, postcode, state, date_of_birth, soc_sec_id) FROM :'f2' WITH (FORMAT csv, HEADER);
UPDATE febrl_raw SET dataset = 2 WHERE dataset IS NULL;
CREATE TABLE febrl AS
  SELECT dataset, trim(rec_id) AS rec_id, (regexp_match(rec_id, 'rec-(\d+)'))[1]::int AS ent,
         trim(coalesce(given_name, '')) AS given, trim(coalesce(surname, '')) AS surname,
         trim(postcode) AS postcode, trim(date_of_birth) AS dob
    FROM febrl_raw;
CREATE TABLE zh_raw (line_no serial, name text);
COPY zh_raw (name) FROM :'fzh';
CREATE TABLE zh AS
  SELECT row_number() OVER (ORDER BY line_no) AS i, n AS name
    FROM (SELECT line_no, trim(replace(replace(name, E'\r', ''), E'\uFEFF', '')) AS n FROM zh_raw WHERE line_no > 3) s
   WHERE n <> '';
CREATE TABLE nick_raw (name1 text, relationship text, name2 text);
COPY nick_raw FROM :'fnick' WITH (FORMAT csv, HEADER);
CREATE TABLE nick AS SELECT DISTINCT trim(name1) AS formal, trim(replace(name2, E'\r', '')) AS nickname FROM nick_raw;
CREATE INDEX ON nick (formal);

-- Latin vocabulary from the Febrl originals (uncorrupted records).
CREATE TABLE given_v AS SELECT row_number() OVER (ORDER BY given) AS i, given FROM (SELECT DISTINCT given FROM febrl WHERE rec_id LIKE '%-org' AND given <> '') s;
CREATE TABLE surname_v AS SELECT row_number() OVER (ORDER BY surname) AS i, surname FROM (SELECT DISTINCT surname FROM febrl WHERE rec_id LIKE '%-org' AND surname <> '') s;
ALTER TABLE given_v ADD PRIMARY KEY (i);
ALTER TABLE surname_v ADD PRIMARY KEY (i);
ANALYZE;

-- typo(s): one random edit (substitute, delete, insert or swap) at a random
-- position; an identity when the string is too short.
CREATE FUNCTION typo(s text) RETURNS text LANGUAGE sql VOLATILE AS $$
  SELECT CASE WHEN length(s) < 3 THEN s ELSE
    CASE (random() * 3)::int
      WHEN 0 THEN overlay(s placing chr(97 + (random() * 25)::int) from p for 1)
      WHEN 1 THEN overlay(s placing '' from p for 1)
      WHEN 2 THEN overlay(s placing chr(97 + (random() * 25)::int) from p for 0)
      ELSE overlay(s placing substr(s, p + 1, 1) || substr(s, p, 1) from p for 2) END END
  FROM (SELECT 2 + (random() * (length(s) - 3))::int AS p) x
$$;

-- Base names: about a quarter Chinese (all 255k historical names at 1M),
-- the rest Latin given + surname drawn from Febrl.
CREATE TABLE base AS
  SELECT i AS base_id, 'zh' AS script, name FROM zh WHERE i <= :n_names / 4
  UNION ALL
  SELECT (SELECT count(*) FROM zh) + g AS base_id, 'latin',
         initcap((SELECT given FROM given_v WHERE i = 1 + (abs(hashint4(g)) % (SELECT count(*) FROM given_v)))) || ' ' ||
         initcap((SELECT surname FROM surname_v WHERE i = 1 + (abs(hashint4(g + 7777777)) % (SELECT count(*) FROM surname_v))))
    FROM generate_series(1, (:n_names * 11) / 20) g;

-- Variants of a fraction of the base names, each with the base it comes from.
CREATE TABLE variant AS
  SELECT base_id, kind, v AS name FROM (
    SELECT b.base_id, k.kind,
           CASE k.kind
             WHEN 'simplified' THEN crm.name_normalize(b.name)
             WHEN 'pinyin' THEN initcap(crm.name_pinyin(b.name))
             WHEN 'typo' THEN typo(b.name)
             WHEN 'swapped' THEN split_part(b.name, ' ', 2) || ', ' || split_part(b.name, ' ', 1)
             WHEN 'initial' THEN left(b.name, 1) || '. ' || split_part(b.name, ' ', 2)
             WHEN 'nickname' THEN coalesce(initcap((SELECT n.nickname FROM nick n WHERE n.formal = lower(split_part(b.name, ' ', 1)) ORDER BY n.nickname LIMIT 1)), typo(split_part(b.name, ' ', 1))) || ' ' || split_part(b.name, ' ', 2)
           END AS v
      FROM base b
      CROSS JOIN LATERAL (SELECT unnest(CASE WHEN b.script = 'zh' THEN ARRAY['simplified', 'pinyin'] ELSE ARRAY['typo', 'swapped', 'initial', 'nickname'] END) AS kind) k
     WHERE b.base_id % CASE WHEN b.script = 'zh' THEN 2 ELSE 5 END = 0) s
   WHERE v IS NOT NULL AND v <> '';

-- The 1M names searched (base names and variants), in random order.
CREATE TABLE people AS
  SELECT row_number() OVER (ORDER BY random()) AS id, base_id, kind, name
    FROM (SELECT base_id, 'base' AS kind, name FROM base UNION ALL SELECT base_id, kind, name FROM variant) s
   LIMIT :n_names;
ALTER TABLE people ADD PRIMARY KEY (id);

-- The 1M name pairs timed: a name with one of its variants, or with a random
-- other name (as a scan comparing a query with every row would meet).
CREATE TABLE pairs AS
  SELECT a, b FROM (
    SELECT b.name AS a, v.name AS b FROM variant v JOIN base b USING (base_id)
    UNION ALL
    SELECT p.name, q.name FROM people p JOIN people q ON q.id = 1 + (abs(hashint4(p.id::int)) % (SELECT count(*) FROM people))
  ) s
  ORDER BY random() LIMIT :n_pairs;

-- Queries of the top-10 look-up: variants whose base name is in people,
-- searched for; the base row is the one a user wants in the top 10.
CREATE TABLE queries AS
  SELECT row_number() OVER () AS qid, kind, q, target_id FROM (
    SELECT v.kind, v.name AS q, p.id AS target_id,
           row_number() OVER (PARTITION BY v.kind ORDER BY hashtext(v.name)) AS r
      FROM variant v JOIN people p ON p.base_id = v.base_id AND p.kind = 'base') s
   WHERE r <= :n_queries / 6;

-- Febrl candidate pairs for the quality measure: every pair of dataset 1,
-- and the pairs of dataset 2 sharing a postcode or a date of birth.
CREATE TABLE febrl_pairs AS
  SELECT 1 AS dataset, a.ent = b.ent AS truth, trim(a.given || ' ' || a.surname) AS na, trim(b.given || ' ' || b.surname) AS nb
    FROM febrl a JOIN febrl b ON a.dataset = 1 AND b.dataset = 1 AND a.rec_id < b.rec_id
  UNION ALL
  SELECT 2, a.ent = b.ent, trim(a.given || ' ' || a.surname), trim(b.given || ' ' || b.surname)
    FROM febrl a JOIN febrl b ON a.dataset = 2 AND b.dataset = 2 AND a.rec_id < b.rec_id
     AND (a.postcode = b.postcode OR a.dob = b.dob);
ANALYZE;
SELECT (SELECT count(*) FROM people) AS names, (SELECT count(*) FROM people WHERE name ~ '[一-鿿]') AS chinese_script,
       (SELECT count(*) FROM pairs) AS pairs, (SELECT count(*) FROM queries) AS queries,
       (SELECT count(*) FROM febrl_pairs) AS febrl_pairs;
