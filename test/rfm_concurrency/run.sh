#!/usr/bin/env bash
# test/rfm_concurrency: several pgbench clients insert, update and delete
# orders of a tracked table at once (in single statements and in multi-
# statement transactions, some rolled back), while another client folds the
# log with crm.rfm_refresh().  Afterwards the trigger-maintained figures (the
# view before folding, then the folded summary and day tables) must equal a
# full recomputation from the orders, row for row.
# The refreshing client stops 3 s before the writers, so that the final
# comparison also covers changes still in the log.
# Scale: RFM_CONC_CLIENTS (6), RFM_CONC_SECONDS (20).
source "$(dirname "$0")/../lib/common.sh"
set +e
db=crm_rfm_conc
clients=${RFM_CONC_CLIENTS:-6}
seconds=${RFM_CONC_SECONDS:-20}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
chmod 755 "$work"
PGBENCH="$(crm_pg_bindir)/pgbench"

psql -X -q -d postgres -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
export PGDATABASE=$db
export PGOPTIONS="-c TimeZone=UTC"
psql -X -q -v ON_ERROR_STOP=1 -o /dev/null <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION crm_profile;
CREATE SCHEMA shop;
CREATE TABLE shop.orders (order_id bigint PRIMARY KEY, customer_id bigint, ordered_at timestamptz,
                          amount numeric(12,2), status text);
CREATE SEQUENCE shop.order_ids START 100001;
INSERT INTO shop.orders
SELECT g, g % 300, timestamptz '2024-01-01' + (hashint4(g) & 1023) * interval '1 hour',
       CASE WHEN g % 10 = 0 THEN -(g % 40) ELSE (hashint4(g * 7) & 65535) / 100.0 END, 'paid'
  FROM generate_series(1, 20000) g;
SELECT crm.rfm_track('shop.orders', 'customer_id', 'ordered_at', 'amount', 'UTC');
SQL
check "set-up: orders table tracked" test "$(psql -X -At -c "SELECT count(*) FROM crm.rfm_tracked")" = 1

# Writers: one statement at a time, many on the same few customers and days
# (hot rows), times spread so that one customer's last purchase moves.
cat >"$work/insert.sql" <<'SQL'
\set c random(0, 299)
\set h random(0, 1500)
\set a random(-2000, 20000)
INSERT INTO shop.orders VALUES (nextval('shop.order_ids'), :c, timestamptz '2024-01-01' + :h * interval '1 hour', :a / 100.0, 'paid');
SQL
cat >"$work/update.sql" <<'SQL'
\set o random(1, 20000)
\set c random(0, 299)
\set h random(0, 1500)
UPDATE shop.orders SET amount = amount + 1, ordered_at = timestamptz '2024-01-01' + :h * interval '1 hour' WHERE order_id = :o;
UPDATE shop.orders SET customer_id = :c WHERE order_id = :o + 1;
UPDATE shop.orders SET status = 'seen' WHERE order_id = :o + 2;
SQL
cat >"$work/delete.sql" <<'SQL'
\set o random(1, 20000)
DELETE FROM shop.orders WHERE order_id = :o;
DELETE FROM shop.orders WHERE order_id = (SELECT max(order_id) FROM shop.orders) AND random() < 0.3;
SQL
cat >"$work/txn.sql" <<'SQL'
\set c random(0, 299)
\set o random(1, 20000)
\set h random(0, 1500)
BEGIN;
INSERT INTO shop.orders VALUES (nextval('shop.order_ids'), :c, timestamptz '2024-01-01' + :h * interval '1 hour', 12.34, 'paid');
INSERT INTO shop.orders VALUES (nextval('shop.order_ids'), :c, timestamptz '2024-01-01' + :h * interval '1 hour', -2.00, 'refunded');
UPDATE shop.orders SET customer_id = :c, amount = 99.99 WHERE order_id = :o;
COMMIT;
SQL
cat >"$work/rollback.sql" <<'SQL'
\set c random(0, 299)
\set o random(1, 20000)
BEGIN;
INSERT INTO shop.orders VALUES (nextval('shop.order_ids'), :c, now(), 1000.00, 'paid');
DELETE FROM shop.orders WHERE order_id = :o;
ROLLBACK;
SQL
cat >"$work/refresh.sql" <<'SQL'
SELECT crm.rfm_refresh('shop.orders');
\sleep 50 ms
SQL
cat >"$work/read.sql" <<'SQL'
SELECT count(*), sum(monetary) FROM shop.orders_rfm;
SQL

"$PGBENCH" -n -c "$clients" -j 2 -T "$seconds" \
	-f "$work/insert.sql@10" -f "$work/update.sql@5" -f "$work/delete.sql@3" \
	-f "$work/txn.sql@3" -f "$work/rollback.sql@1" >"$work/writers.log" 2>&1 &
writers=$!
"$PGBENCH" -n -c 2 -j 1 -T "$((seconds > 6 ? seconds - 3 : seconds))" -f "$work/refresh.sql@3" -f "$work/read.sql@1" >"$work/folders.log" 2>&1
folders_rc=$?
wait $writers
writers_rc=$?
sed -n 's/^number of transactions actually processed: /writer transactions: /p' "$work/writers.log"
sed -n 's/^number of transactions actually processed: /refresh and read transactions: /p' "$work/folders.log"
check_eq "pgbench writers finished without error" "0" "$writers_rc"
check_eq "pgbench refreshers finished without error" "0" "$folders_rc"
no_errors() { ! grep -qi "aborted\|error" "$work/writers.log" "$work/folders.log"; }
check "no client aborted" no_errors
grep -i "aborted\|error" "$work/writers.log" "$work/folders.log" | head -5

compare() {
	psql -X -At -v ON_ERROR_STOP=1 <<SQL
WITH full_rfm AS (
  SELECT customer_id, (s).* FROM (
    SELECT customer_id, crm.rfm_agg(ordered_at, amount, (now() AT TIME ZONE 'UTC')::date) AS s
      FROM shop.orders GROUP BY customer_id) x WHERE s IS DISTINCT FROM NULL),
tracked AS (
  SELECT customer_id, recency_days, frequency, monetary, avg_monetary, first_purchase, last_purchase,
         tenure_days, orders, refunds FROM shop.orders_rfm)
SELECT (SELECT count(*) FROM full_rfm) || ' ' ||
       (SELECT count(*) FROM ((SELECT * FROM full_rfm EXCEPT ALL SELECT * FROM tracked)
                              UNION ALL (SELECT * FROM tracked EXCEPT ALL SELECT * FROM full_rfm)) d);
SQL
}
pending=$(psql -X -At -c "SELECT count(*) FROM shop.orders_rfm_log")
echo "log rows not yet folded: $pending"
read -r customers diffs <<<"$(compare)"
check "customers recomputed ($customers)" test "${customers:-0}" -gt 250
check_eq "view (summary + unfolded log) equals a full recomputation, row for row" "0" "$diffs"

psql -X -At -c "SELECT crm.rfm_refresh('shop.orders')" >/dev/null
check_eq "log empty after the final refresh" "0" "$(psql -X -At -c "SELECT count(*) FROM shop.orders_rfm_log")"
read -r customers diffs <<<"$(compare)"
check_eq "view after folding equals a full recomputation, row for row" "0" "$diffs"
check_eq "customer summary equals a full recomputation, row for row" "0" "$(psql -X -At <<'SQL'
WITH full_sum AS (
  SELECT customer_id AS customer,
         min(ordered_at::date) FILTER (WHERE amount >= 0) AS first_purchase,
         max(ordered_at::date) FILTER (WHERE amount >= 0) AS last_purchase,
         count(DISTINCT ordered_at::date) FILTER (WHERE amount >= 0)::int AS frequency,
         count(*) FILTER (WHERE amount >= 0) AS orders, count(*) FILTER (WHERE amount < 0) AS refunds,
         sum(amount) AS monetary
    FROM shop.orders GROUP BY customer_id)
SELECT count(*) FROM ((SELECT * FROM full_sum EXCEPT ALL SELECT * FROM shop.orders_rfm_summary)
                      UNION ALL (SELECT * FROM shop.orders_rfm_summary EXCEPT ALL SELECT * FROM full_sum)) d;
SQL
)"
check_eq "day table equals a full recomputation, row for row" "0" "$(psql -X -At <<'SQL'
WITH full_days AS (
  SELECT customer_id AS customer, ordered_at::date AS day, count(*) FILTER (WHERE amount >= 0) AS purchases,
         count(*) FILTER (WHERE amount < 0) AS refunds, sum(amount) AS amount
    FROM shop.orders GROUP BY 1, 2)
SELECT count(*) FROM ((SELECT * FROM full_days EXCEPT ALL SELECT * FROM shop.orders_rfm_days)
                      UNION ALL (SELECT * FROM shop.orders_rfm_days EXCEPT ALL SELECT * FROM full_days)) d;
SQL
)"
check_eq "scores in the view follow the population thresholds" "0" "$(psql -X -At -c "
SELECT count(*) FROM shop.orders_rfm v,
       (SELECT crm.rfm_thresholds_agg(recency_days, frequency, monetary) AS th FROM shop.orders_rfm) t
 WHERE v.score OPERATOR(crm.<>) crm.rfm_score(v.recency_days, v.frequency, v.monetary, t.th)")"
psql -X -q -d postgres -c "DROP DATABASE $db"
exit $CRM_FAILED
