#!/usr/bin/env bash
# test/bench/names/cputime.sh: CPU time (the backend's time on a core, so
# time spent waiting for a core on a shared machine does not count) of the
# Jaro-Winkler and Levenshtein functions, ours and the peers, over the
# benchmark's name pairs, with the ratios; then perf profiles of
# crm.jaro_winkler and crm.levenshtein(a, b, 2).  Needs Linux, perf
# (linux-perf) for the profiles, and root.
#
#   flock /tmp/crm_bench.lock test/bench/names/cputime.sh
#
# Scale: CPUTIME_NAMES (100000) names, CPUTIME_PAIRS (300000) pairs wanted;
# CPUTIME_RUNS (5) runs of each expression, the fastest kept.
source "$(dirname "$0")/../../lib/common.sh"
crm_setup
export PGDATABASE=crm_bench_cputime
RUNS=${CPUTIME_RUNS:-5}
W=$(mktemp -d)
psql -X -q -d postgres -c "DROP DATABASE IF EXISTS crm_bench_cputime" -c "CREATE DATABASE crm_bench_cputime"
psql -X -q -c 'CREATE EXTENSION crm_profile' -c 'CREATE EXTENSION pg_trgm' -c 'CREATE EXTENSION fuzzystrmatch' -c 'CREATE EXTENSION pg_similarity'
psql -X -q -v ON_ERROR_STOP=1 -v root="$CRM_ROOT" -v n_names="${CPUTIME_NAMES:-100000}" -v n_pairs="${CPUTIME_PAIRS:-300000}" -v n_queries=60 -f "$CRM_ROOT/test/bench/names/setup.sql" >/dev/null 2>&1
read -r npairs avglen nonascii < <(psql -X -At -F ' ' -c "SELECT count(*), round(avg(length(a)), 1), count(*) FILTER (WHERE a ~ '[^\x01-\x7f]' OR b ~ '[^\x01-\x7f]') FROM bench_names.pairs")
echo "crm_profile names CPU time, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores (shared machine), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "$npairs pairs (mean $avglen characters, $nonascii with a non-ASCII name), best of $RUNS runs of each expression"

# cpu_ms EXPR: the backend's CPU time (ms) of the fastest of RUNS scans
# computing EXPR, after one warm-up scan; prints it.  The figure is the
# kernel's count of the backend's time on a core (/proc/self/schedstat),
# read after a 0.1 ms sleep, which makes the kernel bring it up to date (it
# otherwise moves only at scheduler ticks); perf stat -p on the whole
# session also counted occasional stalls outside the scans.
cpu_ms() {
	psql -X -At -v ON_ERROR_STOP=1 <<SQL | tail -n 1
SET search_path = bench_names, public;
SET max_parallel_workers_per_gather = 0;
SET jit = off;
CREATE FUNCTION pg_temp.cpu_ns() RETURNS bigint LANGUAGE plpgsql AS \$\$
BEGIN
  PERFORM pg_sleep(0.0001);
  RETURN split_part(pg_read_file('/proc/self/schedstat'), ' ', 1)::bigint;
END \$\$;
DO \$\$
DECLARE
  c0 bigint;
  best float8 := 'infinity';
BEGIN
  EXECUTE 'SELECT sum($1) FROM bench_names.pairs';
  FOR i IN 1..$RUNS LOOP
    c0 := pg_temp.cpu_ns();
    EXECUTE 'SELECT sum($1) FROM bench_names.pairs';
    best := least(best, (pg_temp.cpu_ns() - c0) / 1e6);
  END LOOP;
  PERFORM set_config('bench.best', round(best::numeric, 2)::text, false);
END \$\$;
SELECT current_setting('bench.best');
SQL
}

exprs=("octet_length(a) + octet_length(b)"
	"public.levenshtein(a, b)" "crm.levenshtein(a, b)"
	"public.levenshtein_less_equal(a, b, 2)" "crm.levenshtein(a, b, 2)"
	"crm.damerau_levenshtein(a, b)" "crm.damerau_levenshtein(a, b, 2)"
	"public.jarowinkler(a, b)" "crm.jaro_winkler(a, b)")
declare -A ms
for e in "${exprs[@]}"; do ms[$e]=$(cpu_ms "$e"); done
base=${ms["octet_length(a) + octet_length(b)"]}
net() { awk -v t="$1" -v b="$base" -v n="$npairs" 'BEGIN { printf "%.0f", (t - b) * 1e6 / n }'; }
ratio() { awk -v p="$1" -v o="$2" -v b="$base" 'BEGIN { if (o - b > 0) printf "%.2fx", (p - b) / (o - b) }'; }
echo
printf '| %-40s | %12s | %12s | %-14s |\n' "expression" "CPU ms, best" "net ns/call" "peer / ours"
printf '|%s|%s|%s|%s|\n' "------------------------------------------" "--------------" "--------------" "----------------"
for e in "${exprs[@]}"; do
	r=""
	case $e in
	"crm.levenshtein(a, b)") r=$(ratio "${ms["public.levenshtein(a, b)"]}" "${ms[$e]}") ;;
	"crm.levenshtein(a, b, 2)") r=$(ratio "${ms["public.levenshtein_less_equal(a, b, 2)"]}" "${ms[$e]}") ;;
	"crm.jaro_winkler(a, b)") r=$(ratio "${ms["public.jarowinkler(a, b)"]}" "${ms[$e]}") ;;
	esac
	printf '| %-40s | %12s | %12s | %-14s |\n' "$e" "${ms[$e]}" "$(net "${ms[$e]}")" "$r"
done

# perf record of ours
for expr in "crm.jaro_winkler(a, b)" "crm.levenshtein(a, b, 2)"; do
	rm -f "$W"/pid
	{
		echo "\\o $W/pid"
		echo "SELECT pg_backend_pid();"
		echo "\\o"
		echo "SELECT pg_sleep(1);"
		for i in 1 2 3 4 5; do echo "SELECT sum($expr) FROM bench_names.pairs;"; done
	} >"$W"/q.sql
	psql -X -At -f "$W"/q.sql >/dev/null 2>&1 &
	ppid=$!
	while [ ! -s "$W"/pid ]; do sleep 0.05; done
	bpid=$(tr -dc 0-9 <"$W"/pid)
	perf record -e cpu-clock -o "$W"/perf.data -p "$bpid" 2>/dev/null >/dev/null &
	rpid=$!
	wait $ppid
	kill -INT $rpid 2>/dev/null || true
	wait $rpid || true
	echo
	echo "profile of $expr (perf record, cpu-clock; top entries)"
	perf report -i "$W"/perf.data --no-children --stdio 2>/dev/null | grep -v "^#" | grep "%" | head -15 || true
done
psql -X -q -d postgres -c "DROP DATABASE crm_bench_cputime"
rm -rf "$W"
