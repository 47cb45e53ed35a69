#!/usr/bin/env bash
# test/bench/rfm: RFM of an orders table, three ways on the same data in one
# run, then the cost of the capture trigger on order inserts.
#
#   floor     SELECT customer_id, max(ordered_at), count(*), sum(amount)
#             FROM orders GROUP BY customer_id      (no scoring at all)
#   plain     the SQL an analyst writes: GROUP BY, NTILE(5) per dimension,
#             segment CASE
#   pipeline  crm.rfm_agg + crm.rfm_thresholds_agg + crm.rfm_score +
#             crm.rfm_segment + crm.rfm_class (composable SQL)
#   crm.rfm   crm.rfm(): the same figures, scores, segment and class in one call
#
# Each query runs RFM_BENCH_RUNS times per mode (serial: no parallel workers;
# parallel: max_parallel_workers_per_gather = 2) under EXPLAIN (ANALYZE,
# TIMING OFF), so no rows travel to the client; the best wall time is kept,
# and the backend's CPU time (from /proc, serial mode) when readable.
#
# Scale: RFM_BENCH_ORDERS (10000000), RFM_BENCH_CUSTOMERS (1000000),
# RFM_BENCH_RUNS (3), RFM_BENCH_MODES ("serial parallel"),
# RFM_BENCH_PGBENCH_SECONDS (20), RFM_BENCH_PGBENCH_CLIENTS (2),
# RFM_BENCH_CPU_INSERTS (20000), RFM_BENCH_PARTS ("rfm overhead": "overhead"
# alone skips the 10M-order data and the RFM queries, for the trigger part).
source "$(dirname "$0")/../../lib/common.sh"
crm_setup

ORDERS=${RFM_BENCH_ORDERS:-10000000}
CUSTOMERS=${RFM_BENCH_CUSTOMERS:-1000000}
RUNS=${RFM_BENCH_RUNS:-3}
MODES=${RFM_BENCH_MODES:-serial parallel}
PGB_SECONDS=${RFM_BENCH_PGBENCH_SECONDS:-20}
PGB_CLIENTS=${RFM_BENCH_PGBENCH_CLIENTS:-2}
AS_OF=2025-01-01
db=crm_rfm_bench
work=$(mktemp -d)
chmod 755 "$work"
PGBENCH="$(crm_pg_bindir)/pgbench"

psql -X -q -d postgres -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
export PGDATABASE=$db
export PGOPTIONS="-c TimeZone=UTC"

PARTS=${RFM_BENCH_PARTS:-rfm overhead}
if [[ " $PARTS " != *" rfm "* ]]; then
	psql -X -q -v ON_ERROR_STOP=1 -c "CREATE EXTENSION crm_profile" -c "CREATE SCHEMA bench"
fi
if [[ " $PARTS " == *" rfm "* ]]; then
log "generating $ORDERS orders of $CUSTOMERS customers"
t0=$(date +%s)
psql -X -q -v ON_ERROR_STOP=1 <<SQL
CREATE EXTENSION crm_profile;
CREATE SCHEMA bench;
SELECT setseed(0.42);
-- Three years of orders, amounts log-uniform from 1 to 400 (two decimals),
-- 5% refunds (negative amounts), customers uniform.
CREATE TABLE bench.orders AS
SELECT g AS order_id,
       (random() * ($CUSTOMERS - 1))::bigint AS customer_id,
       timestamptz '2022-01-01' + random() * interval '1095 days' AS ordered_at,
       (CASE WHEN random() < 0.05 THEN -1 ELSE 1 END * round(exp(random() * 6)::numeric, 2))::numeric(12,2) AS amount,
       'paid'::text AS status
  FROM generate_series(1, $ORDERS) g;
ALTER TABLE bench.orders ADD PRIMARY KEY (order_id);
VACUUM (FREEZE, ANALYZE) bench.orders;
SQL
log "data ready in $(( $(date +%s) - t0 )) s"

cat >"$work/floor.sql" <<SQL
EXPLAIN (ANALYZE, TIMING OFF)
SELECT customer_id, max(ordered_at), count(*), sum(amount) FROM bench.orders GROUP BY customer_id;
SQL
cat >"$work/plain.sql" <<SQL
EXPLAIN (ANALYZE, TIMING OFF)
WITH c AS (SELECT customer_id, DATE '$AS_OF' - max(ordered_at)::date AS recency, count(*) AS frequency,
                  sum(amount) AS monetary
             FROM bench.orders WHERE ordered_at < DATE '$AS_OF' + 1 GROUP BY customer_id),
s AS (SELECT customer_id, recency, frequency, monetary,
             ntile(5) OVER (ORDER BY recency DESC) AS r, ntile(5) OVER (ORDER BY frequency) AS f,
             ntile(5) OVER (ORDER BY monetary) AS m
        FROM c)
SELECT customer_id, recency, frequency, monetary, r, f, m,
       CASE WHEN r = 5 AND (f + m + 1) / 2 >= 4 THEN 'Champions'
            WHEN r = 5 AND (f + m + 1) / 2 = 1 THEN 'New'
            WHEN r >= 4 AND (f + m + 1) / 2 BETWEEN 2 AND 3 THEN 'Potential Loyalist'
            WHEN r = 4 AND (f + m + 1) / 2 = 1 THEN 'Promising'
            WHEN r BETWEEN 3 AND 4 AND (f + m + 1) / 2 >= 4 THEN 'Loyal'
            WHEN r = 3 AND (f + m + 1) / 2 = 3 THEN 'Need Attention'
            WHEN r = 3 THEN 'About To Sleep'
            WHEN r <= 2 AND (f + m + 1) / 2 = 5 THEN 'Can''t Lose Them'
            WHEN r <= 2 AND (f + m + 1) / 2 >= 3 THEN 'At Risk'
            WHEN r = 1 AND (f + m + 1) / 2 = 1 THEN 'Lost'
            ELSE 'Hibernating' END AS segment
  FROM s;
SQL
cat >"$work/pipeline.sql" <<SQL
EXPLAIN (ANALYZE, TIMING OFF)
WITH c AS MATERIALIZED (SELECT customer_id, crm.rfm_agg(ordered_at, amount, DATE '$AS_OF') AS s
                          FROM bench.orders GROUP BY customer_id),
t AS (SELECT crm.rfm_thresholds_agg((s).recency_days, (s).frequency, (s).monetary) AS th FROM c)
SELECT customer_id, s, sc, crm.rfm_segment(sc), crm.rfm_class(s, th)
  FROM (SELECT customer_id, s, th, crm.rfm_score(s, th) AS sc FROM c, t) x;
SQL
cat >"$work/ours.sql" <<SQL
EXPLAIN (ANALYZE, TIMING OFF)
SELECT * FROM crm.rfm('bench.orders', 'customer_id', 'ordered_at', 'amount', DATE '$AS_OF');
SQL

# measure FILE MODE: prints "wall_seconds cpu_seconds" of one run.
measure() {
	local workers=0
	[ "$2" = parallel ] && workers=2
	psql -X -q -At -v ON_ERROR_STOP=1 -v qfile="$1" -v workers=$workers -v out="$work/m.out" <<'SQL'
SET max_parallel_workers_per_gather = :workers;
SELECT pg_backend_pid() AS pid \gset
\setenv BPID :pid
\! (awk '{print $14+$15}' /proc/$BPID/stat 2>/dev/null || echo x) > /tmp/crm_rfm_bench.cpu0
SELECT extract(epoch FROM clock_timestamp()) AS t0 \gset
\o :out
\i :qfile
\o
SELECT round((extract(epoch FROM clock_timestamp()) - :t0)::numeric, 2) AS wall \gset
\! (awk '{print $14+$15}' /proc/$BPID/stat 2>/dev/null || echo x) > /tmp/crm_rfm_bench.cpu1
\echo :wall
SQL
	local c0 c1
	c0=$(cat /tmp/crm_rfm_bench.cpu0)
	c1=$(cat /tmp/crm_rfm_bench.cpu1)
	if [ "$c0" != x ] && [ "$c1" != x ]; then
		echo "scale=2; ($c1 - $c0) / $(getconf CLK_TCK)" | bc
	else
		echo n/a
	fi
}

declare -A best_wall best_cpu
for mode in $MODES; do
	for run in $(seq 1 "$RUNS"); do
		for q in floor plain pipeline ours; do
			{ read -r wall; read -r cpu; } < <(measure "$work/$q.sql" "$mode")
			log "$mode run $run $q: wall ${wall}s cpu ${cpu}s"
			key="$mode/$q"
			if [ -z "${best_wall[$key]:-}" ] || [ "$(echo "$wall < ${best_wall[$key]}" | bc)" = 1 ]; then
				best_wall[$key]=$wall
			fi
			if [ "$cpu" != n/a ] && { [ -z "${best_cpu[$key]:-}" ] || [ "$(echo "$cpu < ${best_cpu[$key]}" | bc)" = 1 ]; }; then
				best_cpu[$key]=$cpu
			fi
		done
	done
done
psql -X -q -At -c "SET max_parallel_workers_per_gather = 0" -c "EXPLAIN SELECT customer_id, max(ordered_at), count(*), sum(amount) FROM bench.orders GROUP BY customer_id" | head -3 >"$work/floor.plan"

echo
echo "## RFM of $ORDERS orders / $CUSTOMERS customers (best of $RUNS; $(nproc) cores, shared machine)"
echo
echo "| query | mode | best wall (s) | wall / floor | backend CPU (s) | CPU / floor |"
echo "|---|---|---:|---:|---:|---:|"
for mode in $MODES; do
	for q in floor plain pipeline ours; do
		key="$mode/$q"
		w=${best_wall[$key]}
		fw=${best_wall[$mode/floor]}
		c=${best_cpu[$key]:-n/a}
		fc=${best_cpu[$mode/floor]:-n/a}
		cr=n/a
		if [ "$c" != n/a ] && [ "$fc" != n/a ] && [ "$mode" = serial ]; then
			cr=$(echo "scale=2; $c / $fc" | bc)
		fi
		[ "$mode" = serial ] || c="($c leader only)"
		name=$q
		[ "$q" = ours ] && name="crm.rfm()"
		echo "| $name | $mode | $w | $(echo "scale=2; $w / $fw" | bc) | $c | $cr |"
	done
done
echo
echo "Floor plan (serial): $(tr '\n' ' ' <"$work/floor.plan")"
fi

# Trigger overhead on order-insert throughput.
log "trigger overhead: pgbench, $PGB_CLIENTS clients, $PGB_SECONDS s per run"
psql -X -q -v ON_ERROR_STOP=1 <<'SQL'
CREATE TABLE bench.oltp (order_id bigserial PRIMARY KEY, customer_id bigint, ordered_at timestamptz,
                         amount numeric(12,2), status text);
INSERT INTO bench.oltp (customer_id, ordered_at, amount, status)
SELECT (random() * 99999)::bigint, now() - random() * interval '1000 days', round((random() * 300)::numeric, 2), 'paid'
  FROM generate_series(1, 100000);
CREATE TABLE bench.oltp_base AS TABLE bench.oltp;
VACUUM ANALYZE bench.oltp;
SQL
# reset_oltp STATE: every run starts from the same 100k orders, vacuumed and
# checkpointed, so that no run inherits a larger table, index, log or a
# pending checkpoint from the previous one; tracked runs start with a freshly
# built summary and an empty log.
reset_oltp() {
	psql -X -q -At -v ON_ERROR_STOP=1 <<'SQL' >/dev/null
SELECT crm.rfm_untrack('bench.oltp') FROM crm.rfm_tracked WHERE orders_table = 'bench.oltp';
TRUNCATE bench.oltp;
INSERT INTO bench.oltp SELECT * FROM bench.oltp_base;
SQL
	psql -X -q -At -c "VACUUM ANALYZE bench.oltp" -c "CHECKPOINT" >/dev/null
	if [ "$1" = tracked ]; then
		psql -X -q -At -c "SELECT crm.rfm_track('bench.oltp', 'customer_id', 'ordered_at', 'amount', 'UTC')" \
			-c "CHECKPOINT" >/dev/null
	fi
}
cat >"$work/insert1.sql" <<'SQL'
\set c random(0, 99999)
INSERT INTO bench.oltp (customer_id, ordered_at, amount, status) VALUES (:c, now(), round((random() * 300)::numeric, 2), 'paid');
SQL
cat >"$work/insert100.sql" <<'SQL'
INSERT INTO bench.oltp (customer_id, ordered_at, amount, status)
SELECT (random() * 99999)::bigint, now(), round((random() * 300)::numeric, 2), 'paid' FROM generate_series(1, 100);
SQL
tps() {
	"$PGBENCH" -n -c "$PGB_CLIENTS" -j "$PGB_CLIENTS" -T "$PGB_SECONDS" -f "$1" 2>&1 |
		sed -n 's/^tps = \([0-9.]*\).*/\1/p'
}
declare -A best_tps
# Rounds in the order untracked, tracked, tracked, untracked (ABBA), so that
# a drift of the machine's speed during the run does not favour either state.
refresh=
for state in untracked tracked tracked untracked; do
	for s in insert1 insert100; do
		reset_oltp "$state"
		t=$(tps "$work/$s.sql")
		log "$state $s: $t tps"
		key="$state/$s"
		if [ -z "${best_tps[$key]:-}" ] || [ "$(echo "$t > ${best_tps[$key]}" | bc)" = 1 ]; then
			best_tps[$key]=$t
		fi
		if [ $state = tracked ]; then
			pending=$(psql -X -At -c "SELECT count(*) FROM bench.oltp_rfm_log")
			t0=$(date +%s.%N)
			psql -X -q -At -c "SELECT crm.rfm_refresh('bench.oltp')" >/dev/null
			t1=$(date +%s.%N)
			refresh="$pending log rows folded in $(echo "scale=2; ($t1 - $t0) / 1" | bc) s"
			log "refresh: $refresh"
		fi
	done
done
reset_oltp untracked
echo
echo "## Capture trigger overhead on order inserts (pgbench, $PGB_CLIENTS clients, best of 2 x $PGB_SECONDS s, each run from the same 100k-row table)"
echo
echo "| workload | untracked (tps) | tracked (tps) | overhead |"
echo "|---|---:|---:|---:|"
for s in insert1 insert100; do
	u=${best_tps[untracked/$s]}
	t=${best_tps[tracked/$s]}
	label="one-row INSERT per transaction"
	[ $s = insert100 ] && label="100-row INSERT per transaction"
	echo "| $label | $u | $t | $(echo "scale=4; r = (1 - $t / $u) * 100; scale=1; r / 1" | bc)% |"
done
echo
echo "Last refresh: $refresh."

# The same overhead as server CPU time, steadier than throughput on a shared
# machine: one session runs N one-row INSERT statements (N/100 100-row ones),
# and its backend's CPU time is read from /proc.
N=${RFM_BENCH_CPU_INSERTS:-20000}
for i in $(seq 1 "$N"); do
	echo "INSERT INTO bench.oltp (customer_id, ordered_at, amount, status) VALUES ($((i * 7919 % 99999)), now(), 12.34, 'paid');"
done >"$work/cpu1.sql"
for i in $(seq 1 $((N / 10))); do
	echo "INSERT INTO bench.oltp (customer_id, ordered_at, amount, status) SELECT (g * 7919) % 99999, now(), 12.34, 'paid' FROM generate_series(1, 100) g;"
done >"$work/cpu100.sql"
cpu_of() {
	psql -X -q -At -v qfile="$1" <<'SQL'
SELECT pg_backend_pid() AS pid \gset
\setenv BPID :pid
\! (awk '{print $14+$15}' /proc/$BPID/stat 2>/dev/null || echo x) > /tmp/crm_rfm_bench.cpu0
\o /dev/null
\i :qfile
\o
\! (awk '{print $14+$15}' /proc/$BPID/stat 2>/dev/null || echo x) > /tmp/crm_rfm_bench.cpu1
SQL
	local c0 c1
	c0=$(cat /tmp/crm_rfm_bench.cpu0)
	c1=$(cat /tmp/crm_rfm_bench.cpu1)
	if [ "$c0" = x ] || [ "$c1" = x ]; then echo n/a; else echo "scale=2; ($c1 - $c0) / $(getconf CLK_TCK)" | bc; fi
}
declare -A best_cpu_ins
for round in 1 2 3; do
	for state in untracked tracked; do
		reset_oltp "$state"
		for s in cpu1 cpu100; do
			c=$(cpu_of "$work/$s.sql")
			log "round $round $state $s: backend CPU $c s"
			key="$state/$s"
			if [ "$c" != n/a ] && { [ -z "${best_cpu_ins[$key]:-}" ] || [ "$(echo "$c < ${best_cpu_ins[$key]}" | bc)" = 1 ]; }; then
				best_cpu_ins[$key]=$c
			fi
		done
	done
done
echo
echo "## Capture trigger overhead as backend CPU time (best of 3)"
echo
echo "| workload | untracked CPU (s) | tracked CPU (s) | overhead |"
echo "|---|---:|---:|---:|"
for s in cpu1 cpu100; do
	u=${best_cpu_ins[untracked/$s]:-n/a}
	t=${best_cpu_ins[tracked/$s]:-n/a}
	label="$N one-row INSERT statements"
	[ $s = cpu100 ] && label="$((N / 10)) 100-row INSERT statements"
	if [ "$u" != n/a ] && [ "$t" != n/a ]; then
		echo "| $label | $u | $t | $(echo "scale=4; r = ($t / $u - 1) * 100; scale=1; r / 1" | bc)% |"
	else
		echo "| $label | n/a | n/a | n/a |"
	fi
done
psql -X -q -d postgres -c "DROP DATABASE $db"
rm -rf "$work" /tmp/crm_rfm_bench.cpu0 /tmp/crm_rfm_bench.cpu1
