#!/usr/bin/env bash
# test/bench/views/run.sh: what registering the shop's tables costs the
# shop's writes.  Three databases with the same data (test/app): the shop
# alone, the shop registered with crm_profile (crm.capture triggers), and the
# peer, the shop with a hand-written PL/pgSQL change-log trigger.  pgbench
# runs each workload on each database in interleaved rounds; the median TPS
# of each is reported with the overhead against the shop alone.  Then a bulk
# INSERT of VIEWS_BENCH_BULK orders in one statement, and the time of
# crm.apply_changes and crm.refresh on what the writes left.
#
# Env: VIEWS_BENCH_CLIENTS (4), VIEWS_BENCH_SECONDS (20), VIEWS_BENCH_ROUNDS
# (3), VIEWS_BENCH_BULK (100000).  Take recorded figures under
# flock /tmp/crm_bench.lock (the machine is shared).
source "$(dirname "$0")/../../lib/common.sh"
crm_setup
cd "$CRM_ROOT"
here=test/bench/views
clients=${VIEWS_BENCH_CLIENTS:-4}
seconds=${VIEWS_BENCH_SECONDS:-20}
rounds=${VIEWS_BENCH_ROUNDS:-3}
bulk=${VIEWS_BENCH_BULK:-100000}
dbs="vb_plain vb_crm vb_peer"
for db in $dbs; do
	psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" 2>/dev/null
	psql -X -q -v ON_ERROR_STOP=1 -d $db -f test/app/schema.sql -f test/app/pgbench_setup.sql -o /dev/null
done
psql -X -q -v ON_ERROR_STOP=1 -d vb_crm -f test/app/register.sql -o /dev/null
psql -X -q -v ON_ERROR_STOP=1 -d vb_peer -f $here/peer_plpgsql.sql -o /dev/null
for db in $dbs; do psql -X -q -d $db -c 'VACUUM ANALYZE' ; done

tps() { # db script -> tps
	pgbench -n -d "$1" -c "$clients" -j 2 -T "$seconds" -f "$2" 2>&1 |
		sed -n 's/^tps = \([0-9.]*\) .*/\1/p'
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
declare -A res
for w in insert_order:$here/insert_order.sql mixed:test/app/pgbench_writes.sql; do
	name=${w%%:*}; script=${w#*:}
	for r in $(seq 1 "$rounds"); do
		for db in $dbs; do
			res[$name,$db]+="$(tps $db "$script") "
			psql -X -q -d $db -c 'SELECT crm.apply_changes()' -o /dev/null 2>/dev/null || true
		done
	done
done

printf '\n%-14s | %12s | %12s | %9s | %12s | %9s\n' workload "shop alone" "crm_profile" overhead "plpgsql peer" overhead
printf -- '---------------|--------------|--------------|-----------|--------------|----------\n'
for name in insert_order mixed; do
	p=$(echo ${res[$name,vb_plain]} | tr ' ' '\n' | median)
	c=$(echo ${res[$name,vb_crm]} | tr ' ' '\n' | median)
	e=$(echo ${res[$name,vb_peer]} | tr ' ' '\n' | median)
	printf '%-14s | %8.0f tps | %8.0f tps | %8.1f%% | %8.0f tps | %8.1f%%\n' "$name" "$p" "$c" \
		"$(echo "100 * ($p - $c) / $p" | bc -l)" "$e" "$(echo "100 * ($p - $e) / $p" | bc -l)"
	echo "  rounds: plain ${res[$name,vb_plain]}| crm ${res[$name,vb_crm]}| peer ${res[$name,vb_peer]}"
done

ms() { psql -X -q -At -d "$1" -c '\timing on' -c "$2" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | tail -1; }
bulk_sql="INSERT INTO shop.orders SELECT nextval('shop.bench_order_id'), 100001 + g % 8261, '2024-12-01'::timestamptz + g * interval '1 second', 1 + g % 300, 'paid' FROM generate_series(1, $bulk) g"
echo
printf '%-40s | %10s | %10s | %10s\n' "bulk INSERT of $bulk orders" "shop alone" crm_profile "plpgsql peer"
printf '%-40s | %7.0f ms | %7.0f ms | %7.0f ms\n' "one statement" "$(ms vb_plain "$bulk_sql")" "$(ms vb_crm "$bulk_sql")" "$(ms vb_peer "$bulk_sql")"
echo
printf 'crm.apply_changes after the bulk insert: %s ms\n' "$(ms vb_crm 'SELECT crm.apply_changes()')"
printf 'crm.refresh() on %s orders: %s ms\n' "$(psql -X -At -d vb_crm -c 'SELECT count(*) FROM shop.orders')" \
	"$(ms vb_crm "SET crm_profile.views_as_of = '2024-12-10'; SELECT count(*) FROM crm.refresh()")"
psql -X -d vb_crm -c "SELECT step, rows, round(ms::numeric) AS ms, detail FROM crm.refresh_log WHERE run_id = (SELECT max(run_id) FROM crm.refresh_log) ORDER BY started_at"
printf 'SELECT * FROM crm.customer_360 (all %s customers): %s ms\n' "$(psql -X -At -d vb_crm -c 'SELECT count(*) FROM crm.customer_360')" \
	"$(ms vb_crm 'SELECT count(*) FROM (SELECT * FROM crm.customer_360) x')"
printf 'SELECT * FROM crm.segment_summary: %s ms\n' "$(ms vb_crm "SET crm_profile.views_as_of = '2024-12-10'; SELECT count(*) FROM crm.segment_summary")"
for db in $dbs; do psql -X -q -d postgres -c "DROP DATABASE $db"; done
