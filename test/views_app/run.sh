#!/usr/bin/env bash
# test/views_app: an existing application (test/app: the shop schema, its
# data and its SQL workload) gains crm_profile's views after registration,
# and its workload prints the same bytes with and without crm_profile.
#
#  1. database A: the shop alone; database B: the shop, CREATE EXTENSION,
#     registration (test/app/register.sql), a refresh.  The workload runs in
#     both; its echoed statements and results must be byte-for-byte equal.
#  2. In B every view answers, and the incremental summaries equal a full
#     recomputation from the shop's tables.
#  3. crm.refresh() scheduled with pg_cron runs and logs what it did.
#  4. DROP EXTENSION in B leaves the shop's rows as in A and no trigger.
source "$(dirname "$0")/../lib/common.sh"
set +e
cd "$CRM_ROOT"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
A=crm_app_plain
B=crm_app_crm
for db in $A $B; do
	psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" 2>/dev/null
	check "load the shop into $db" psql -X -q -v ON_ERROR_STOP=1 -d $db -f test/app/schema.sql -o /dev/null
done
check "register the shop's tables in $B" psql -X -q -v ON_ERROR_STOP=1 -d $B -f test/app/register.sql -o /dev/null
check "first refresh in $B" psql -X -q -v ON_ERROR_STOP=1 -d $B -c "SET crm_profile.views_as_of = '2024-12-10'" -c 'SELECT * FROM crm.refresh()' -o /dev/null

# 1. the workload, byte for byte
for db in $A $B; do
	PGTZ=UTC psql -X -a -d $db -f test/app/workload.sql >"$work/$db.out" 2>&1
done
if cmp -s "$work/$A.out" "$work/$B.out"; then
	ok "workload output identical with and without crm_profile ($(wc -l <"$work/$A.out") lines, $(grep -c 'ERROR:' "$work/$A.out") application errors in both)"
else
	not_ok "workload output differs with crm_profile"; diff -u "$work/$A.out" "$work/$B.out" | head -n 40
fi

# 2. every view answers in B, and the summaries are exact
qb() { psql -X -q -At -v ON_ERROR_STOP=1 -d $B -c "SET crm_profile.views_as_of = '2024-12-10'" -c "$1" 2>&1; }
check_eq "crm.registrations lists the three tables" "customers orders events" "$(qb "SELECT string_agg(kind, ' ' ORDER BY source_id) FROM crm.registrations")"
check_eq "crm.customer_360 has every customer record" \
	"$(psql -X -At -d $B -c 'SELECT count(*) FROM shop.customers')" \
	"$(qb 'SELECT sum(cardinality(record_ids)) FROM crm.customer_360')"
check_eq "crm.customer_360 sees the workload's new customer and orders in real time" "3|120.50" \
	"$(qb "SELECT orders, revenue FROM crm.customer_360 WHERE 200001 = ANY (SELECT (r->>'key')::bigint FROM jsonb_array_elements(records) r)")"
check_eq "crm.customer_360 revenue equals the shop's" \
	"$(psql -X -At -d $B -c 'SELECT sum(amount) FROM shop.orders o WHERE EXISTS (SELECT 1 FROM shop.customers c WHERE c.customer_id = o.customer_id)')" \
	"$(qb 'SELECT sum(revenue) FROM crm.customer_360')"
check "crm.segment_summary answers" test -n "$(qb 'SELECT count(*) FROM crm.segment_summary HAVING count(*) > 0')"
check "crm.duplicate_candidates answers" test -n "$(qb 'SELECT count(*) FROM crm.duplicate_candidates')"
check "crm.audience_members answers" test -n "$(qb "SELECT count(*) FROM crm.audience_members('big_spender_360 & !at_risk_360')" | grep -E '^[0-9]+$')"
truth_orders="SELECT customer_id::text, count(*), count(*) FILTER (WHERE amount > 0), count(*) FILTER (WHERE amount < 0),
	sum(amount), min(ordered_at) FILTER (WHERE amount > 0), max(ordered_at) FILTER (WHERE amount > 0)
	FROM shop.orders WHERE customer_id IS NOT NULL GROUP BY 1"
crm_orders="SELECT customer_key, orders, purchases, refunds, revenue, first_purchase_at, last_purchase_at FROM crm.customer_orders"
check_eq "real-time order summary equals a full recomputation" "0|0" \
	"$(qb "SELECT (SELECT count(*) FROM ($truth_orders EXCEPT $crm_orders) x), (SELECT count(*) FROM ($crm_orders EXCEPT $truth_orders) y)")"
qb 'SELECT crm.apply_changes()' >/dev/null
check_eq "folded order summary equals a full recomputation" "0|0" \
	"$(qb "SELECT (SELECT count(*) FROM ($truth_orders EXCEPT ${crm_orders/customer_orders/order_summary}) x), (SELECT count(*) FROM (${crm_orders/customer_orders/order_summary} EXCEPT $truth_orders) y)")"
check_eq "crm.record equals the shop's customers" "0|0" \
	"$(qb "SELECT (SELECT count(*) FROM (SELECT customer_id::text, channel, full_name, phone, email FROM shop.customers EXCEPT SELECT source_key, channel, full_name, phone, email FROM crm.record) x), (SELECT count(*) FROM (SELECT source_key, channel, full_name, phone, email FROM crm.record EXCEPT SELECT customer_id::text, channel, full_name, phone, email FROM shop.customers) y)")"

# 3. pg_cron runs the refresh (the cluster preloads pg_cron for database postgres)
if psql -X -q -d postgres -c 'CREATE EXTENSION IF NOT EXISTS pg_cron' 2>/dev/null; then
	job=$(psql -X -At -d postgres -c "SELECT cron.schedule_in_database('crm_views_test', '* * * * *', 'SELECT count(*) FROM crm.refresh()', '$B')")
	# the test cluster listens on a unix socket only: point the job there
	# (pg_cron connects to cron.host, localhost by default)
	psql -X -q -d postgres -c "UPDATE cron.job SET nodename = split_part(current_setting('unix_socket_directories'), ',', 1) WHERE jobid = $job"
	before=$(psql -X -At -d $B -c 'SELECT count(DISTINCT run_id) FROM crm.refresh_log')
	for _ in $(seq 1 80); do
		after=$(psql -X -At -d $B -c 'SELECT count(DISTINCT run_id) FROM crm.refresh_log')
		[ "$after" -gt "$before" ] && break
		sleep 1
	done
	check "pg_cron ran crm.refresh() (job $job) and it logged its steps" test "$after" -gt "$before"
	psql -X -q -At -d postgres -c "SELECT cron.unschedule($job)" >/dev/null
	psql -X -At -d $B -c "SELECT step || ': ' || detail FROM crm.refresh_log WHERE run_id = (SELECT max(run_id) FROM crm.refresh_log) ORDER BY started_at" | sed 's/^/# /'
else
	not_ok "pg_cron is not available in this cluster"
fi

# 4. DROP EXTENSION never touches the application's rows
hash="SELECT md5(string_agg(t, ',' ORDER BY t)) FROM (SELECT o::text AS t FROM shop.orders o UNION ALL SELECT c::text FROM shop.customers c UNION ALL SELECT e::text FROM shop.events e) x"
check "DROP EXTENSION with registered tables" psql -X -q -v ON_ERROR_STOP=1 -d $B -c 'DROP EXTENSION crm_profile'
check_eq "the shop's rows are the same as without crm_profile" "$(psql -X -At -d $A -c "$hash")" "$(psql -X -At -d $B -c "$hash")"
check_eq "no trigger left on the shop's tables" "0" "$(psql -X -At -d $B -c "SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal AND tgrelid::regclass::text LIKE 'shop.%'")"
check "the shop keeps working after DROP EXTENSION" psql -X -q -v ON_ERROR_STOP=1 -d $B -c "INSERT INTO shop.orders VALUES (900001, 200001, '2024-12-09', 5, 'paid')"

for db in $A $B; do psql -X -q -d postgres -c "DROP DATABASE $db"; done
exit $CRM_FAILED
