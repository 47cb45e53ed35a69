#!/usr/bin/env bash
# test/bench/names/cputime.sh: CPU time (perf task-clock of the backend, so
# time spent waiting for a core on a shared machine does not count) of the
# Jaro-Winkler and Levenshtein functions over the benchmark's name pairs, and
# a perf profile of crm.jaro_winkler.  Needs perf (linux-perf) and root.
#
#   flock /tmp/crm_bench.lock test/bench/names/cputime.sh
#
# Scale: CPUTIME_NAMES (100000) names, CPUTIME_PAIRS (300000) pairs wanted.
source "$(dirname "$0")/../../lib/common.sh"
crm_setup
export PGDATABASE=crm_bench_cputime
W=$(mktemp -d)
psql -X -q -d postgres -c "DROP DATABASE IF EXISTS crm_bench_cputime" -c "CREATE DATABASE crm_bench_cputime"
psql -X -q -c 'CREATE EXTENSION crm_profile' -c 'CREATE EXTENSION pg_trgm' -c 'CREATE EXTENSION fuzzystrmatch' -c 'CREATE EXTENSION pg_similarity'
psql -X -q -v ON_ERROR_STOP=1 -v root="$CRM_ROOT" -v n_names="${CPUTIME_NAMES:-100000}" -v n_pairs="${CPUTIME_PAIRS:-300000}" -v n_queries=60 -f "$CRM_ROOT/test/bench/names/setup.sql" >/dev/null 2>&1
psql -X -At -c "SELECT count(*), avg(length(a)), count(*) FILTER (WHERE a ~ '[^\x01-\x7f]' OR b ~ '[^\x01-\x7f]') FROM bench_names.pairs"
for expr in "octet_length(a) + octet_length(b)" "public.jarowinkler(a, b)" "crm.jaro_winkler(a, b)" "public.levenshtein(a, b)" "crm.levenshtein(a, b)"; do
  ( echo "SET search_path = bench_names, public; SET max_parallel_workers_per_gather = 0; SET jit = off;"
    echo "SELECT sum($expr) FROM bench_names.pairs;"   # warm
    echo "\\o "$W"/pid"; echo "SELECT pg_backend_pid();"; echo "\\o"
    echo "SELECT pg_sleep(1.5);"
    echo "\\timing on"
    echo "SELECT sum($expr) FROM bench_names.pairs;"
    echo "SELECT sum($expr) FROM bench_names.pairs;"
    echo "SELECT sum($expr) FROM bench_names.pairs;" ) > "$W"/q.sql
  psql -X -At -f "$W"/q.sql > "$W"/out.txt 2>&1 &
  ppid=$!
  sleep 0.5
  while [ ! -s "$W"/pid ]; do sleep 0.1; done
  bpid=$(tr -dc 0-9 < "$W"/pid); echo "backend $bpid"; ls /proc/$bpid >/dev/null || echo nopid
  sleep 0.2
  perf stat -e task-clock -p "$bpid" -o "$W"/stat.txt &
  spid=$!
  wait $ppid
  wait $spid
  echo "== $expr"; grep -E "Time|task-clock" "$W"/out.txt "$W"/stat.txt || true
  rm -f "$W"/pid
done
# perf record of ours
( echo "\\o "$W"/pid"; echo "SELECT pg_backend_pid();"; echo "\\o"; echo "SELECT pg_sleep(1);"
  for i in 1 2 3; do echo "SELECT sum(crm.jaro_winkler(a, b)) FROM bench_names.pairs;"; done ) > "$W"/q.sql
psql -X -At -f "$W"/q.sql > /dev/null 2>&1 &
ppid=$!
while [ ! -s "$W"/pid ]; do sleep 0.1; done
bpid=$(tr -dc 0-9 < "$W"/pid)
perf record -e cpu-clock -o "$W"/perf.data -p "$bpid" 2>/dev/null &
rpid=$!
wait $ppid; wait $rpid
perf report -i "$W"/perf.data --no-children --stdio 2>/dev/null | grep -v "^#" | grep "%" | head -30 || true
rm -rf "$W"
