#!/usr/bin/env bash
# test/bench/identity/run.sh: identity resolution benchmark.
#
# Links the shipped febrl dataset1 (1,000 records) and dataset2 (5,000), and
# BENCH_N (default 100,000) febrl-like records generated deterministically
# from them (gen.sql), with NO labels given to the model; scores pairwise
# precision, recall and F1 of the golden ids against the entities encoded in
# the record ids, and the wall time (load = standardise + store, link =
# blocking + comparison + EM + scoring + clustering + golden ids).
# Peer in the same run on the same data: a pg_trgm similarity self-join over
# the whole record text (the obvious in-database alternative), pairwise.
#
#   PG_CONFIG=... flock /tmp/crm_bench.lock test/bench/identity/run.sh
#   BENCH_N=20000 ...        smaller generated set
#   BENCH_PEER_BIG=1 ...     also run the pg_trgm peer on the generated set
#                            (minutes: the issue measured 338 s at 100k)
source "$(dirname "$0")/../../lib/common.sh"
crm_setup
here=$(cd "$(dirname "$0")" && pwd)
N=${BENCH_N:-100000}
TRGM=${BENCH_TRGM_THRESHOLD:-0.6}
db=crm_bench_identity
psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" 2>/dev/null
export PGDATABASE=$db
psql -X -q -v ON_ERROR_STOP=1 -c 'CREATE EXTENSION crm_profile' -c 'CREATE EXTENSION pg_trgm'
log "loading febrl datasets 1 and 2, generating $N febrl-like records"
psql -X -q -v ON_ERROR_STOP=1 -v datadir="$CRM_ROOT/test/data/febrl" -f "$here/bench.sql"
psql -X -q -v ON_ERROR_STOP=1 -v n="$N" -f "$here/gen.sql"
psql -X -q -v ON_ERROR_STOP=1 <<'SQL'
CREATE VIEW bench.v_ds1 AS SELECT * FROM bench.people WHERE ds = 'ds1';
CREATE VIEW bench.v_ds2 AS SELECT * FROM bench.people WHERE ds = 'ds2';
CREATE TABLE bench.results (data text, records int8, method text, pairs int8, prec numeric, rec numeric,
                            f1 numeric, load_s numeric, link_s numeric, total_s numeric);
SQL

# ours: crm_profile identity resolution, no labels
ours() {	# ours DATA RELATION TRUTH_TABLE
	log "crm_profile on $1"
	psql -X -q -v ON_ERROR_STOP=1 <<SQL
SET client_min_messages = warning;
SELECT crm.identity_register('$1', '$2', 'rec_id',
  '{"given_name": "given_name", "family_name": "surname", "address": "address", "city": "suburb",
    "postcode": "postcode", "birth_date": "date_of_birth", "national_id": "soc_sec_id"}',
  NULL, 100, false) \g /dev/null
CHECKPOINT;
SELECT clock_timestamp() AS t0 \gset
SELECT crm.identity_load('$1') \g /dev/null
SELECT clock_timestamp() AS t1 \gset
SELECT * FROM crm.identity_link() \gset link_
SELECT clock_timestamp() AS t2 \gset
INSERT INTO bench.results
SELECT '$1', :link_records, 'crm_profile (Fellegi-Sunter, EM, no labels)', s.pred, s.prec, s.rec, s.f1,
       round(extract(epoch FROM :'t1'::timestamptz - :'t0'::timestamptz)::numeric, 2),
       round(extract(epoch FROM :'t2'::timestamptz - :'t1'::timestamptz)::numeric, 2),
       round(extract(epoch FROM :'t2'::timestamptz - :'t0'::timestamptz)::numeric, 2)
  FROM bench.score('$1', '$3') s;
SELECT crm.identity_unregister('$1') \g /dev/null
TRUNCATE crm.identity_merge_log, crm.identity_model, crm.identity_pair;
SQL
}

# peer: pg_trgm self-join on the record text (GIN trigram index, % operator)
trgm() {	# trgm DATA RELATION DS
	log "pg_trgm peer on $1"
	psql -X -q -v ON_ERROR_STOP=1 <<SQL
SET client_min_messages = warning;
SET pg_trgm.similarity_threshold = $TRGM;
DROP TABLE IF EXISTS bench.trgm_in, bench.trgm_pairs;
SELECT clock_timestamp() AS t0 \gset
CREATE TABLE bench.trgm_in AS
  SELECT rec_id, concat_ws(' ', given_name, surname, date_of_birth, address, suburb, postcode, soc_sec_id) AS doc
    FROM $2;
CREATE INDEX ON bench.trgm_in USING gin (doc gin_trgm_ops);
CREATE TABLE bench.trgm_pairs AS
  SELECT a.rec_id AS a, b.rec_id AS b FROM bench.trgm_in a JOIN bench.trgm_in b
    ON a.doc % b.doc AND a.rec_id < b.rec_id;
SELECT clock_timestamp() AS t1 \gset
INSERT INTO bench.results
SELECT '$1', (SELECT count(*) FROM bench.trgm_in), 'pg_trgm self-join, similarity >= $TRGM', s.pred, s.prec, s.rec, s.f1,
       NULL, NULL, round(extract(epoch FROM :'t1'::timestamptz - :'t0'::timestamptz)::numeric, 2)
  FROM bench.score_pairs('bench.trgm_pairs', '$2', '$3') s;
SQL
}

ours "febrl dataset1" bench.v_ds1 bench.people
trgm "febrl dataset1" bench.v_ds1 ds1
ours "febrl dataset2" bench.v_ds2 bench.people
trgm "febrl dataset2" bench.v_ds2 ds2
ours "generated $N" bench.big bench.big
if [ "${BENCH_PEER_BIG:-0}" = 1 ]; then trgm "generated $N" bench.big gen; fi

echo
echo "identity resolution benchmark, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores (shared), load average $(cut -d' ' -f1-3 /proc/loadavg)"
psql -X -q -P footer=off <<'SQL'
SELECT r.data, r.records, r.method, r.pairs AS "predicted pairs", r.prec AS precision, r.rec AS recall, r.f1,
       r.load_s AS "load s", r.link_s AS "link s", r.total_s AS "total s",
       CASE WHEN r.method LIKE 'crm_profile%' THEN 1.0
            ELSE round(r.total_s / nullif((SELECT o.total_s FROM bench.results o
                                            WHERE o.data = r.data AND o.method LIKE 'crm_profile%'), 0), 1) END
         AS "time vs ours"
  FROM bench.results r ORDER BY r.records, r.data, r.method;
SQL
psql -X -q -d postgres -c "DROP DATABASE $db"
