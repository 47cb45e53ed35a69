-- identity_qa: regressions for the QA findings on the identity area (I0-I8).
\set SHOW_CONTEXT never
CREATE SCHEMA idq;

-- I4: a bad seen_at value never makes the application's own write fail:
-- it is stored as the current time with a WARNING
CREATE TABLE idq.app4 (id int PRIMARY KEY, nm text, seen text);
INSERT INTO idq.app4 VALUES (1, 'Zhang San', '2024-01-01');
SELECT crm.identity_register('app4', 'idq.app4', 'id', '{"full_name": "nm", "seen_at": "seen"}');
INSERT INTO idq.app4 VALUES (2, 'Li Si', 'garbage');
UPDATE idq.app4 SET seen = 'not a time' WHERE id = 1;
INSERT INTO idq.app4 VALUES (3, 'Wang Wu', 'infinity'), (4, 'Zhao Liu', '2024-02-30'),
                            (5, 'Sun Qi', '2024-03-04 05:06:07+08');
SELECT id, seen, r.seen_at IS NOT NULL AS has_seen_at,
       r.seen_at = '2024-03-04 05:06:07+08'::timestamptz AS exact
  FROM idq.app4 a JOIN crm.identity_record r ON r.source = 'app4' AND r.source_key = a.id::text
 ORDER BY id;
SELECT crm.identity_seen_at('2024-01-01 12:00Z') = '2024-01-01 12:00Z'::timestamptz AS parses,
       crm.identity_seen_at('garbage') IS NULL AS garbage,
       crm.identity_seen_at('-infinity') IS NULL AS infinite,
       crm.identity_seen_at('2024-13-01') IS NULL AS bad_month,
       crm.identity_seen_at('') IS NULL AS empty,
       crm.identity_seen_at(repeat('9', 1000)) IS NULL AS long;
-- the bulk load reads the same column without failing either
SELECT crm.identity_load('app4');
SELECT crm.identity_unregister('app4');

-- I0: identical records always link, and a degenerate EM fit (u of exact
-- agreement reaching m on small, homogeneous data) is not stored
CREATE TABLE idq.app0 (id int PRIMARY KEY, nm text, ph text, em text);
INSERT INTO idq.app0 SELECT g, 'Zhang San', '13800138000', 'zs@example.com' FROM generate_series(1, 20) g;
INSERT INTO idq.app0 SELECT g, 'Li Si', '13900139000', 'ls' || g || '@example.com' FROM generate_series(21, 30) g;
SELECT crm.identity_register('app0', 'idq.app0', 'id', '{"full_name": "nm", "phone": "ph", "email": "em"}', 'CN', 100, false);
SELECT crm.identity_load('app0');
SELECT records, matched_pairs, clusters FROM crm.identity_link(train => false);
SELECT records, matched_pairs, clusters FROM crm.identity_link();
SELECT count(*) AS stored_models FROM crm.identity_model;
SELECT count(DISTINCT golden_id) AS zhang_san_ids FROM crm.identity_record
 WHERE source = 'app0' AND source_key::int <= 20;
SELECT records, matched_pairs, clusters FROM crm.identity_link(train => false);
SELECT crm.identity_gamma_identical(crm.identity_compare(a.features, b.features)) AS identical,
       crm.identity_match_probability(a.record_id, b.record_id) > 0.99 AS sure
  FROM crm.identity_record a, crm.identity_record b
 WHERE a.source = 'app0' AND a.source_key = '1' AND b.source = 'app0' AND b.source_key = '2';
-- a name alone, or a name and city, is not "identical records"
SELECT crm.identity_gamma_identical(crm.identity_compare(
         crm.identity_features('张伟', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, '北京', NULL),
         crm.identity_features('张伟', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, '北京', NULL))) AS name_city,
       crm.identity_gamma_identical(crm.identity_compare(
         crm.identity_features('张伟', NULL, NULL, '1980-01-02', NULL, NULL, NULL, NULL, NULL, NULL, NULL),
         crm.identity_features('张伟', NULL, NULL, '1980-01-02', NULL, NULL, NULL, NULL, NULL, NULL, NULL))) AS name_dob,
       crm.identity_gamma_identical(crm.identity_compare(
         crm.identity_features('张伟', NULL, NULL, '1980-01-02', NULL, NULL, NULL, NULL, NULL, NULL, NULL),
         crm.identity_features('张伟', NULL, NULL, '1980-01-03', NULL, NULL, NULL, NULL, NULL, NULL, NULL))) AS dob_differs;
SELECT crm.identity_gamma_identical(-1);
SELECT crm.identity_unregister('app0');
DELETE FROM crm.identity_model;

-- I2: models with NaN, infinite, negative or all-zero probabilities are refused
SELECT crm.identity_em('{0}', '{1}', array_fill('NaN'::float8, array[72]), 100, false);
SELECT crm.identity_em('{0}', '{1}', array_fill(0::float8, array[72]), 100, false);
SELECT crm.identity_score(0, 0.5, array_fill('NaN'::float8, array[72]), array_fill('NaN'::float8, array[72]));
SELECT crm.identity_score(0, 0.5, array_fill('Infinity'::float8, array[72]), array_fill(-1::float8, array[72]));
SELECT crm.identity_weight(0, 0.5, (crm.identity_default_model()).m, array_fill(2::float8, array[72]));
SELECT * FROM crm.identity_contributions(0, (crm.identity_default_model()).m, array_fill(0::float8, array[72]));

-- I3: unknown sources and records are errors; unmerging a record that is
-- alone keeps its golden id
SELECT crm.identity_upsert('nosrc', 'k', '{}', NULL);
SELECT crm.identity_remove('nosrc', 'k');
SELECT crm.identity_relock(-1, true);
CREATE TABLE idq.app3 (id int PRIMARY KEY, nm text, ph text);
SELECT crm.identity_register('app3', 'idq.app3', 'id', '{"full_name": "nm", "phone": "ph"}', 'CN');
INSERT INTO idq.app3 VALUES (1, 'Zhang San', '13800138000'), (2, 'Zhang San', '13800138000'),
                            (3, 'Li Si', '13900139000');
SELECT count(DISTINCT golden_id) AS clusters FROM crm.identity_record WHERE source = 'app3';
CREATE TEMP TABLE g3 AS SELECT source_key, golden_id FROM crm.identity_record WHERE source = 'app3';
SET client_min_messages = warning;  -- its NOTICE names sequence-dependent ids
SELECT crm.identity_unmerge((SELECT record_id FROM crm.identity_record WHERE source = 'app3' AND source_key = '3'))
       = (SELECT golden_id FROM g3 WHERE source_key = '3') AS singleton_kept;
RESET client_min_messages;
SELECT crm.identity_unmerge((SELECT record_id FROM crm.identity_record WHERE source = 'app3' AND source_key = '2'))
       <> (SELECT golden_id FROM g3 WHERE source_key = '2') AS split_gets_new_id;
SELECT source_key, locked FROM crm.identity_record WHERE source = 'app3' ORDER BY source_key;
SELECT crm.identity_relock((SELECT record_id FROM crm.identity_record WHERE source = 'app3' AND source_key = '3'), false);
SELECT crm.identity_remove('app3', '1'), crm.identity_remove('app3', '1');
SELECT crm.identity_unregister('app3');

-- I1: standardisation folds case across Unicode, not ASCII only
SELECT crm.identity_name_clean('ÖDEGÅRD') AS clean,
       crm.identity_name_split('ÖDEGÅRD ÅSE') = crm.identity_name_split('ödegård åse') AS split_same,
       crm.identity_name_key('ИВАН') = crm.identity_name_key('иван') AS key_same,
       (crm.identity_email('ÄB@X.COM')).value AS email,
       crm.identity_address('ÖSTRA STRASSE 5') AS address;
SELECT crm.identity_compare(crm.identity_features('ИВАН ПЕТРОВ', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
                            crm.identity_features('Иван Петров', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL))
     = crm.identity_compare(crm.identity_features('IVAN PETROV', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
                            crm.identity_features('Ivan Petrov', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)) AS cyrillic_like_latin;

-- I6: the name levels follow crm.name_similarity: pinyin and Han, simplified
-- and traditional, nicknames compare as names, not as different strings
SELECT a, b, round(crm.name_similarity(a, b)::numeric, 2) AS names_sim,
       (SELECT string_agg(field || ':' || level_name, ', ')
          FROM crm.identity_contributions(
                 crm.identity_compare(crm.identity_features(a, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
                                      crm.identity_features(b, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)),
                 (crm.identity_default_model()).m, (crm.identity_default_model()).u)
         WHERE level IS NOT NULL) AS identity_levels
  FROM (VALUES ('Zhang San', '张三'), ('张三', '張三'), ('张', '張'), ('欧阳修', 'Ouyang Xiu'),
               ('Bob Smith', 'Robert Smith'), ('Zhang San', 'Li Si')) v(a, b);

-- I0b: 200 different people named 张伟 (different phones, e-mails, birth
-- dates) and 60 named 王芳 (name and city only) are not merged, while real
-- duplicates among them still are: frequent names count less (term
-- frequency), numbered e-mails differing in a digit do not count as a near
-- match, and a different birth date weighs more
CREATE TABLE idq.app0b (id int PRIMARY KEY, nm text, ph text, em text, dob date, city text);
INSERT INTO idq.app0b SELECT g, '张伟', '139' || lpad((g * 7919 % 100000000)::text, 8, '0'), 'zw' || g || '@example.com',
                             date '1970-01-01' + g * 97, '北京' FROM generate_series(1, 200) g;
INSERT INTO idq.app0b SELECT g, '王芳', NULL, NULL, NULL, '上海' FROM generate_series(201, 260) g;
-- real duplicates: record 1 again (traditional script, no e-mail), record 2 with a phone typo
INSERT INTO idq.app0b VALUES (261, '張偉', '13900007919', NULL, date '1970-01-01' + 97, '北京'),
                             (262, '张伟', '13900015839', 'zw2@example.com', date '1970-01-01' + 194, '北京');
SELECT crm.identity_register('app0b', 'idq.app0b', 'id',
  '{"full_name": "nm", "phone": "ph", "email": "em", "birth_date": "dob", "city": "city"}', 'CN', 100, false);
SELECT crm.identity_load('app0b');
SELECT records, matched_pairs, clusters FROM crm.identity_link(train => false);
SELECT crm.identity_golden_id('app0b', '1') = crm.identity_golden_id('app0b', '261') AS dup_1_linked,
       crm.identity_golden_id('app0b', '2') = crm.identity_golden_id('app0b', '262') AS dup_2_linked,
       crm.identity_golden_id('app0b', '1') <> crm.identity_golden_id('app0b', '3') AS different_people_apart;
SELECT records, matched_pairs, clusters FROM crm.identity_link();
SELECT field, level_name, round(weight::numeric, 2) AS weight
  FROM crm.identity_explain((SELECT record_id FROM crm.identity_record WHERE source = 'app0b' AND source_key = '1'),
                            (SELECT record_id FROM crm.identity_record WHERE source = 'app0b' AND source_key = '3'))
 WHERE field IN ('birth_date', 'phone', 'email');
SELECT crm.identity_unregister('app0b');
DELETE FROM crm.identity_model;

-- I5: TRUNCATE of a registered table removes its records (logged)
CREATE TABLE idq.app5 (id int PRIMARY KEY, nm text, ph text);
SELECT crm.identity_register('app5', 'idq.app5', 'id', '{"full_name": "nm", "phone": "ph"}', 'CN');
INSERT INTO idq.app5 VALUES (1, 'Zhang San', '13800138000'), (2, 'Li Si', '13900139000');
SELECT count(*) FROM crm.identity_record WHERE source = 'app5';
TRUNCATE idq.app5;
SELECT count(*) FROM crm.identity_record WHERE source = 'app5';
SELECT action, detail, count(*) FROM crm.identity_merge_log
 WHERE detail = 'idq.app5 truncated' GROUP BY 1, 2;
SELECT crm.identity_unregister('app5');
SELECT count(*) AS triggers_left FROM pg_trigger WHERE tgrelid = 'idq.app5'::regclass;

-- I8: a table's key column must be unique
CREATE TABLE idq.app8 (id int, nm text);
SELECT crm.identity_register('app8', 'idq.app8', 'id', '{"full_name": "nm"}');
SELECT * FROM crm.identity_resolve('app8', 'idq.app8', 'id', '{"full_name": "nm"}');
CREATE UNIQUE INDEX ON idq.app8 (id);
SELECT crm.identity_register('app8', 'idq.app8', 'id', '{"full_name": "nm"}');
SELECT crm.identity_unregister('app8');

DROP SCHEMA idq CASCADE;
