#!/usr/bin/env bash
# test/bench/names/run.sh: the names benchmark (issue 3), ours and the peers
# in one run on the same data.  See README.md.
#
#   flock /tmp/crm_bench.lock test/bench/names/run.sh
#
# Scale (defaults: the issue's): NAMES_N names searched (1000000),
# NAMES_PAIRS name pairs timed per call (1000000), NAMES_QUERIES top-10
# look-ups per method (300), NAMES_GIST_QUERIES of them for the slow pg_trgm
# GiST KNN method (40), NAMES_CRM_GIST_QUERIES of them for ours through
# crm.name_gist_ops (60), NAMES_REPS runs per timing, best kept (5);
# NAMES_PARTS: which parts to run (default "percall top10 quality").
source "$(dirname "$0")/../../lib/common.sh"
crm_setup
here=$(cd "$(dirname "$0")" && pwd)
N=${NAMES_N:-1000000}
PAIRS=${NAMES_PAIRS:-1000000}
QUERIES=${NAMES_QUERIES:-300}
GIST=${NAMES_GIST_QUERIES:-40}
CRM_GIST=${NAMES_CRM_GIST_QUERIES:-60}
REPS=${NAMES_REPS:-5}
PARTS=" ${NAMES_PARTS:-percall top10 quality} "
export PGDATABASE=crm_bench_names

log "names benchmark: $N names, $PAIRS pairs, $QUERIES queries ($GIST for pg_trgm GiST, $CRM_GIST for crm GiST), best of $REPS"
psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $PGDATABASE" -c "CREATE DATABASE $PGDATABASE" 2>/dev/null
psql -X -q -v ON_ERROR_STOP=1 -c 'CREATE EXTENSION crm_profile' \
	-c 'CREATE EXTENSION pg_trgm' -c 'CREATE EXTENSION fuzzystrmatch' -c 'CREATE EXTENSION pg_similarity'

echo "crm_profile names benchmark, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores (shared machine)"
psql -X -At -c 'SELECT crm.version()'
echo
log "building the data"
psql -X -q -v ON_ERROR_STOP=1 -v root="$CRM_ROOT" -v n_names="$N" -v n_pairs="$PAIRS" \
	-v n_queries="$QUERIES" -f "$here/setup.sql"
if [[ $PARTS == *" percall "* ]]; then
	log "per-call timings"
	psql -X -q -v ON_ERROR_STOP=1 -v reps="$REPS" -f "$here/percall.sql" 2>&1 | grep -v NOTICE
fi
if [[ $PARTS == *" top10 "* ]]; then
	log "top-10 look-ups"
	psql -X -q -v ON_ERROR_STOP=1 -v gist_queries="$GIST" -v crm_gist_queries="$CRM_GIST" -f "$here/top10.sql" 2>&1 | grep -v NOTICE
fi
if [[ $PARTS == *" quality "* ]]; then
	log "quality on Febrl"
	psql -X -q -v ON_ERROR_STOP=1 -f "$here/quality.sql" 2>&1 | grep -v NOTICE
fi
psql -X -q -d postgres -c "DROP DATABASE $PGDATABASE"
