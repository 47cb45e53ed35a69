-- 10_names: fuzzy names on the sample shop (issue 3).  One spelling for the
-- many ways a name is typed, the same person found across channels through
-- a GIN index, and a look-up as a call-centre agent would type it.
\set QUIET on
\echo
\echo '================================================================'
\echo ' 10 names: fuzzy person-name matching'
\echo '================================================================'
\echo
\echo '== One spelling for every way a name is typed (crm.name_normalize, crm.name_pinyin, crm.name_phonetic)'
SELECT c.channel, c.full_name, crm.name_normalize(c.full_name) AS normalized,
       crm.name_pinyin(crm.name_normalize(c.full_name)) AS pinyin, crm.name_phonetic(c.full_name) AS phonetic
  FROM (SELECT DISTINCT ON (channel, full_name ~ '[\u4e00-\u9fff]') *
          FROM shop.customers
         WHERE full_name ~ '[\u4e00-\u9fff]' OR full_name ~ ',' OR full_name ~ '^[a-z]'
         ORDER BY channel, full_name ~ '[\u4e00-\u9fff]', customer_id) c
 ORDER BY c.channel, c.full_name;

\echo '== Index the names once (GIN, crm.name_gin_ops), then find similar names with %% and rank them with <->'
CREATE INDEX customers_full_name_crm_gin ON shop.customers USING gin (full_name crm.name_gin_ops);
ANALYZE shop.customers;
SELECT q.searched, c.customer_id, c.channel, c.full_name,
       round((1 - (c.full_name OPERATOR(crm.<->) q.searched))::numeric, 3) AS similarity
  FROM (VALUES ('jemima patterson'), ('張來復'), ('Dr. Laifu Zhang')) q(searched)
  CROSS JOIN LATERAL (
    SELECT * FROM shop.customers c
     WHERE c.full_name OPERATOR(crm.%%) q.searched
     ORDER BY c.full_name OPERATOR(crm.<->) q.searched, c.customer_id
     LIMIT 4) c
 ORDER BY q.searched, similarity DESC, c.customer_id;

\echo '== The same person across channels: similar-name pairs, spelled differently, found through the index'
CREATE TEMP TABLE names_demo_pairs AS
  SELECT a.customer_id AS a_id, b.customer_id AS b_id, a.channel AS a_channel, b.channel AS b_channel,
         a.full_name AS a_name, b.full_name AS b_name,
         crm.name_similarity(a.full_name, b.full_name) AS similarity
    FROM shop.customers a
    JOIN shop.customers b ON b.full_name OPERATOR(crm.%%) a.full_name AND a.customer_id < b.customer_id;
SELECT a_channel || ' / ' || b_channel AS channels, a_name, b_name, round(similarity::numeric, 3) AS similarity
  FROM (SELECT DISTINCT ON (a_channel, b_channel) *
          FROM names_demo_pairs
         WHERE a_channel <> b_channel AND crm.name_normalize(a_name) <> crm.name_normalize(b_name)
         ORDER BY a_channel, b_channel, similarity DESC, a_id, b_id) p
 ORDER BY channels
 LIMIT 8;

\echo '== How good are name pairs alone? (checked against test/data/sample/truth.csv; identity adds phone, e-mail, birth date)'
CREATE TEMP TABLE names_demo_truth (customer_id bigint, person_id text, source text);
\copy names_demo_truth FROM 'test/data/sample/truth.csv' WITH (FORMAT csv, HEADER true)
SELECT count(*) AS similar_name_pairs,
       count(*) FILTER (WHERE ta.person_id = tb.person_id) AS same_person,
       round(100.0 * count(*) FILTER (WHERE ta.person_id = tb.person_id) / nullif(count(*), 0), 1) AS "precision %",
       (SELECT count(*) FROM names_demo_truth x JOIN names_demo_truth y ON x.person_id = y.person_id AND x.customer_id < y.customer_id) AS true_pairs_in_data,
       round(100.0 * count(*) FILTER (WHERE ta.person_id = tb.person_id)
             / (SELECT count(*) FROM names_demo_truth x JOIN names_demo_truth y ON x.person_id = y.person_id AND x.customer_id < y.customer_id), 1) AS "recall %"
  FROM names_demo_pairs p
  JOIN names_demo_truth ta ON ta.customer_id = p.a_id
  JOIN names_demo_truth tb ON tb.customer_id = p.b_id;
DROP TABLE names_demo_pairs, names_demo_truth;
