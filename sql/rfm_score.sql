-- rfm_score: the crm.rfm_score type.
SELECT '5-4-3'::crm.rfm_score AS s1, ' 10-1-3 '::crm.rfm_score AS s2, crm.rfm_score(1, 2, 3) AS s3;
SELECT crm.rfm_r('5-4-3'), crm.rfm_f('5-4-3'), crm.rfm_m('5-4-3');
SELECT pg_column_size('5-4-3'::crm.rfm_score) AS bytes;

-- Bad literals (22P02 with the position) and out-of-range scores (22003).
SELECT '5-4'::crm.rfm_score;
SELECT '5-4-3-2'::crm.rfm_score;
SELECT '5-x-3'::crm.rfm_score;
SELECT ''::crm.rfm_score;
SELECT '5-4-11'::crm.rfm_score;
SELECT '0-4-3'::crm.rfm_score;
SELECT '5-4-0003'::crm.rfm_score;
SELECT '+5-4-3'::crm.rfm_score;
SELECT crm.rfm_score(0, 1, 1);
SELECT crm.rfm_score(1, 11, 1);
SELECT crm.rfm_score(1, 1, NULL) IS NULL AS strict_null;

-- Binary send/recv round trip (COPY BINARY) and a rejected binary value.
CREATE TEMP TABLE sc (s crm.rfm_score);
INSERT INTO sc VALUES ('1-1-1'), ('10-10-10'), ('5-4-3'), (NULL);
COPY sc TO '/tmp/crm_rfm_score.bin' WITH (FORMAT binary);
CREATE TEMP TABLE sc2 (s crm.rfm_score);
COPY sc2 FROM '/tmp/crm_rfm_score.bin' WITH (FORMAT binary);
SELECT s FROM sc2 ORDER BY s NULLS LAST;
SELECT crm.rfm_score_send('5-4-3');
-- recv checks its input: a bytea column's binary COPY carries the raw bytes.
CREATE TEMP TABLE raw (b bytea);
CREATE TEMP TABLE target (s crm.rfm_score);
INSERT INTO raw VALUES ('\x01050403');
COPY raw TO '/tmp/crm_rfm_raw.bin' WITH (FORMAT binary);
COPY target FROM '/tmp/crm_rfm_raw.bin' WITH (FORMAT binary);
TRUNCATE raw;
INSERT INTO raw VALUES ('\x02050403');     -- unknown version
COPY raw TO '/tmp/crm_rfm_raw.bin' WITH (FORMAT binary);
COPY target FROM '/tmp/crm_rfm_raw.bin' WITH (FORMAT binary);
TRUNCATE raw;
INSERT INTO raw VALUES ('\x01050b03');     -- score 11
COPY raw TO '/tmp/crm_rfm_raw.bin' WITH (FORMAT binary);
COPY target FROM '/tmp/crm_rfm_raw.bin' WITH (FORMAT binary);
TRUNCATE raw;
INSERT INTO raw VALUES ('\x010504');       -- too short
COPY raw TO '/tmp/crm_rfm_raw.bin' WITH (FORMAT binary);
COPY target FROM '/tmp/crm_rfm_raw.bin' WITH (FORMAT binary);
SELECT s FROM target;

-- Ordering: R first, then F, then M.
SELECT s FROM (VALUES ('2-1-1'::crm.rfm_score), ('1-5-5'), ('1-5-4'), ('10-1-1'), ('2-1-1')) v(s)
 ORDER BY s;
SELECT '1-5-5'::crm.rfm_score OPERATOR(crm.<) '2-1-1' AS lt,
       '2-1-1'::crm.rfm_score OPERATOR(crm.<=) '2-1-1' AS le,
       '2-1-1'::crm.rfm_score OPERATOR(crm.=) '2-1-1' AS eq,
       '2-1-1'::crm.rfm_score OPERATOR(crm.<>) '2-1-2' AS ne,
       '2-1-1'::crm.rfm_score OPERATOR(crm.>=) '2-1-2' AS ge,
       '3-1-1'::crm.rfm_score OPERATOR(crm.>) '2-9-9' AS gt;
SELECT crm.rfm_score_cmp('1-1-2', '1-1-1'), crm.rfm_score_cmp('1-1-1', '1-1-1'), crm.rfm_score_cmp('1-1-1', '1-2-1');

-- B-tree index and hash grouping.
CREATE TEMP TABLE many AS
  SELECT crm.rfm_score(1 + g % 5, 1 + (g / 5) % 5, 1 + (g / 25) % 5) AS s FROM generate_series(0, 999) g;
CREATE INDEX ON many (s);
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT count(*) FROM many WHERE s OPERATOR(crm.=) '5-5-5';
SELECT count(*) FROM many WHERE s OPERATOR(crm.=) '5-5-5';
SELECT count(*) FROM many WHERE s OPERATOR(crm.>=) '5-5-1';
RESET enable_seqscan;
SET enable_sort = off;
EXPLAIN (COSTS OFF) SELECT s, count(*) FROM many GROUP BY s;
SELECT count(*) AS groups, min(c), max(c) FROM (SELECT s, count(*) AS c FROM many GROUP BY s) g;
RESET enable_sort;
SELECT count(DISTINCT s) FROM many;

-- Weighted total.
SELECT crm.rfm_total('5-4-3'), crm.rfm_total('5-4-3', 0.2, 0.3, 0.5), crm.rfm_total('5-4-3', w_m => 2);
SELECT crm.rfm_total('5-4-3', -1, 1, 1);
SELECT crm.rfm_total('5-4-3', 'NaN', 1, 1);
SELECT crm.rfm_total('5-4-3', 'Infinity', 1, 1);
