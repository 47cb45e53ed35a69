#!/usr/bin/env bash
# test/views_concurrency: pgbench clients run the shop's write workload
# (test/app/pgbench_writes.sql and pgbench_cross.sql) on registered tables
# while crm.refresh() runs again and again and readers query the views.
# No client may fail or deadlock, and afterwards every incremental summary
# (real time and folded) equals a full recomputation from the shop's tables.
# Scale: VIEWS_CONC_CLIENTS (4), VIEWS_CONC_SECONDS (15).
source "$(dirname "$0")/../lib/common.sh"
set +e
cd "$CRM_ROOT"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
db=crm_views_conc
clients=${VIEWS_CONC_CLIENTS:-4}
seconds=${VIEWS_CONC_SECONDS:-15}
psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" 2>/dev/null
check "load and register the shop" psql -X -q -v ON_ERROR_STOP=1 -d $db \
	-f test/app/schema.sql -f test/app/pgbench_setup.sql -f test/app/register.sql \
	-c "SET crm_profile.views_as_of = '2024-12-10'" -c 'SELECT * FROM crm.refresh()' -o /dev/null

pgbench -n -d $db -c "$clients" -j 2 -T "$seconds" \
	-f test/app/pgbench_writes.sql@9 -f test/app/pgbench_cross.sql@1 >"$work/pgbench.out" 2>&1 &
bench=$!
refreshes=0; refresh_errors=0; reads=0; read_errors=0
while kill -0 $bench 2>/dev/null; do
	if psql -X -q -v ON_ERROR_STOP=1 -d $db -c "SET crm_profile.views_as_of = '2024-12-10'" \
		-c 'SELECT * FROM crm.refresh()' -o /dev/null 2>>"$work/refresh.err"; then
		refreshes=$((refreshes + 1))
	else
		refresh_errors=$((refresh_errors + 1))
	fi
	if psql -X -q -v ON_ERROR_STOP=1 -d $db -c 'SELECT count(*), sum(revenue) FROM crm.customer_360' \
		-c 'SELECT * FROM crm.segment_summary' -o /dev/null 2>>"$work/read.err"; then
		reads=$((reads + 1))
	else
		read_errors=$((read_errors + 1))
	fi
done
wait $bench
rc=$?
check_eq "pgbench exits cleanly" 0 "$rc"
tx=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$work/pgbench.out")
failed=$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' "$work/pgbench.out")
check "pgbench processed transactions ($tx in ${seconds}s, $clients clients)" test "${tx:-0}" -gt 0
check_eq "no failed transaction" "0" "${failed:-0}"
check "no error or deadlock reported to the clients" test -z "$(grep -i -E 'error|deadlock|abort' "$work/pgbench.out")"
grep -i -E 'error|deadlock|abort' "$work/pgbench.out" | head -5 | sed 's/^/# /'
check "crm.refresh ran during the load ($refreshes runs) without error" test "$refresh_errors" -eq 0 -a "$refreshes" -gt 0
head -5 "$work/refresh.err" | sed 's/^/# /'
check "the views answered during the load ($reads reads) without error" test "$read_errors" -eq 0 -a "$reads" -gt 0

q() { psql -X -q -At -v ON_ERROR_STOP=1 -d $db -c "$1" 2>&1; }
truth_orders="SELECT customer_id::text, count(*), count(*) FILTER (WHERE amount > 0), count(*) FILTER (WHERE amount < 0),
	sum(amount), min(ordered_at) FILTER (WHERE amount > 0), max(ordered_at) FILTER (WHERE amount > 0)
	FROM shop.orders WHERE customer_id IS NOT NULL GROUP BY 1"
truth_events="SELECT customer_id::text, count(*), min(happened_at), max(happened_at),
	(array_agg(kind ORDER BY happened_at DESC, kind DESC))[1] FROM shop.events WHERE customer_id IS NOT NULL GROUP BY 1"
cmp_sql() { echo "SELECT (SELECT count(*) FROM ($1 EXCEPT $2) x) + (SELECT count(*) FROM ($2 EXCEPT $1) y)"; }
orders_of() { echo "SELECT customer_key, orders, purchases, refunds, revenue, first_purchase_at, last_purchase_at FROM crm.$1"; }
events_of() { echo "SELECT customer_key, events, first_event_at, last_event_at, last_event_kind FROM crm.$1"; }
# the last refresh may have folded every change pgbench made: one more
# order, written after it, is always still queued (the check is deterministic)
q "INSERT INTO shop.orders (order_id, customer_id, ordered_at, amount, status)
	SELECT max(order_id) + 1, (SELECT min(customer_id) FROM shop.customers), '2024-12-01', 1.00, 'paid'
	  FROM shop.orders" >/dev/null
check_eq "changes are still queued before the final fold" t "$(q "SELECT count(*) > 0 FROM crm.order_queue")"
check_eq "real-time order summary equals a full recomputation" 0 "$(q "$(cmp_sql "$truth_orders" "$(orders_of customer_orders)")")"
check_eq "real-time event summary equals a full recomputation" 0 "$(q "$(cmp_sql "$truth_events" "$(events_of customer_events)")")"
q 'SELECT crm.apply_changes()' >/dev/null
check_eq "folded order summary equals a full recomputation" 0 "$(q "$(cmp_sql "$truth_orders" "$(orders_of order_summary)")")"
check_eq "folded event summary equals a full recomputation" 0 "$(q "$(cmp_sql "$truth_events" "$(events_of event_summary)")")"
check_eq "captured customer records equal the shop's customers" 0 \
	"$(q "$(cmp_sql "SELECT customer_id::text, channel, full_name, phone FROM shop.customers" "SELECT source_key, channel, full_name, phone FROM crm.record")")"
check_eq "captured orders equal the shop's orders" 0 \
	"$(q "$(cmp_sql "SELECT order_id::text, customer_id::text, ordered_at, amount, status FROM shop.orders" "SELECT order_key, customer_key, ordered_at, amount, status FROM crm.order_fact")")"
check_eq "customer_360 revenue equals the shop's" \
	"$(q 'SELECT sum(amount) FROM shop.orders')" "$(q 'SELECT sum(revenue) FROM crm.customer_360')"
psql -X -q -d postgres -c "DROP DATABASE $db"
exit $CRM_FAILED
