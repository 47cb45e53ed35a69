#!/usr/bin/env bash
# test/bench/tags: audience selection "A & B & !C" over N customers x 200
# tags (Zipf-like popularity, ~10 tags each), in one run on the same data:
#   ours      crm.audience_count / crm.audience over the per-tag bitmaps that
#             the crm.customer_tags triggers maintain
#   intarray  an int[] column with a GIN index (gin__int_ops), query_int @@
#   normal    a normalised (customer_id, tag_id) table with a btree on
#             (tag_id, customer_id), INTERSECT / EXCEPT
# for a count and for the id list, plus the storage each needs.
#
# Settings (environment):
#   CRM_BENCH_TAGS_SIZES    customer counts, default "1000000 10000000"
#   CRM_BENCH_TAGS_NTAGS    number of tags, default 200
#   CRM_BENCH_TAGS_DRAWS    tag draws per customer (duplicates collapse), default 12 (~10 distinct)
#   CRM_BENCH_TAGS_TRIPLES  "A,B,C ..." tag ranks to query, default "1,2,3 5,10,20 40,80,120"
#   CRM_BENCH_TAGS_REPS     timed repetitions per query (median reported), default 15
#   CRM_BENCH_TAGS_NORMAL   1 (default) to include the normalised table, 0 to skip it
#                           (its build and queries take most of a 10M run)
# Usage: flock /tmp/crm_bench.lock test/bench/tags/run.sh
source "$(dirname "$0")/../../lib/common.sh"

SIZES=${CRM_BENCH_TAGS_SIZES:-"1000000 10000000"}
NTAGS=${CRM_BENCH_TAGS_NTAGS:-200}
DRAWS=${CRM_BENCH_TAGS_DRAWS:-12}
TRIPLES=${CRM_BENCH_TAGS_TRIPLES:-"1,2,3 5,10,20 40,80,120"}
REPS=${CRM_BENCH_TAGS_REPS:-15}
NORMAL=${CRM_BENCH_TAGS_NORMAL:-1}

crm_setup
export PGDATABASE=crm_bench_tags
psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $PGDATABASE" -c "CREATE DATABASE $PGDATABASE"
psql -X -q -v ON_ERROR_STOP=1 <<'SQL'
CREATE EXTENSION crm_profile;
CREATE EXTENSION intarray;
CREATE SCHEMA b;
-- median_ms: run a query REPS times after two warm-ups (parse, plan and
-- execute each time, as a client sending the query would), median in ms.
CREATE FUNCTION b.median_ms(q text, reps int, OUT ms numeric, OUT result numeric) LANGUAGE plpgsql AS $$
DECLARE
  t0 timestamptz;
  ts float8[] := '{}';
BEGIN
  EXECUTE q INTO result;
  EXECUTE q INTO result;
  FOR i IN 1 .. reps LOOP
    t0 := clock_timestamp();
    EXECUTE q INTO result;
    ts := ts || extract(epoch FROM clock_timestamp() - t0)::float8 * 1000;
  END LOOP;
  SELECT round(percentile_cont(0.5) WITHIN GROUP (ORDER BY x)::numeric, 3) INTO ms FROM unnest(ts) x;
END $$;
SQL

q() { psql -X -q -At -v ON_ERROR_STOP=1 -c "SET jit = off" -c "SET client_min_messages = warning" -c "$1"; }
secs() { local t0 t1; t0=$(date +%s.%N); "$@" >/dev/null; t1=$(date +%s.%N); awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }'; }
mb() { awk -v a="$1" 'BEGIN { printf "%.1f", a / 1048576 }'; }
nm() { if [ "$NORMAL" = 1 ]; then mb "$1"; else echo skipped; fi; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a != "-" && b > 0) printf "%.0fx", a / b; else print "-" }'; }

echo "# crm_profile tags benchmark, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores (shared), PostgreSQL $(q 'SHOW server_version')"
echo "# tags=$NTAGS draws/customer=$DRAWS reps=$REPS (median ms, server-side: parse + plan + execute)"
for N in $SIZES; do
	q "DROP TABLE IF EXISTS b.cust, b.ct; TRUNCATE crm.customer_tags; DELETE FROM crm.tags" >/dev/null
	# Tag rank r has popularity ~ 1/r: rank = floor((NTAGS+1)^u), u uniform.
	t_gen=$(secs q "CREATE TABLE b.cust AS
		SELECT c AS customer_id,
		       ARRAY(SELECT DISTINCT floor(power($NTAGS + 1, random()))::int FROM generate_series(1, $DRAWS) WHERE c > 0) AS tags
		  FROM generate_series(1, $N) c")
	q "ALTER TABLE b.cust ADD PRIMARY KEY (customer_id)" >/dev/null
	t_int=$(secs q "CREATE INDEX cust_gin ON b.cust USING gin (tags gin__int_ops)")
	if [ "$NORMAL" = 1 ]; then
		t_norm=$(secs q "CREATE TABLE b.ct AS SELECT customer_id, unnest(tags) AS tag_id FROM b.cust;
			CREATE INDEX ct_tag ON b.ct (tag_id, customer_id)")
	else
		t_norm=skipped
		q "CREATE TABLE b.ct (customer_id bigint, tag_id int); CREATE INDEX ct_tag ON b.ct (tag_id, customer_id)" >/dev/null
	fi
	q "INSERT INTO crm.tags (tag_id, name) SELECT g, 't' || g FROM generate_series(1, $NTAGS) g" >/dev/null
	# ours: the real write path (statement trigger fills the per-tag bitmaps)
	t_ours=$(secs q "INSERT INTO crm.customer_tags (customer_id, tags) SELECT customer_id, crm.tagset(tags) FROM b.cust")
	for t in b.cust b.ct crm.customer_tags crm.tag_members crm.audience_all; do q "VACUUM ANALYZE $t" >/dev/null; done
	avg=$(q "SELECT round(avg(cardinality(tags)), 2) FROM b.cust")
	echo
	echo "## $N customers, $avg tags each on average"
	echo "load (s): generate $t_gen | intarray GIN build $t_int | normalised table + btree $t_norm | ours (INSERT into crm.customer_tags incl. bitmap triggers) $t_ours"
	echo
	echo "| query (tag ranks) | matches | ours count | ours count, cache off | intarray count | normal count | ours ids | intarray ids | normal ids | intarray/ours count | normal/ours count | intarray/ours ids |"
	echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
	for tr in $TRIPLES; do
		IFS=, read -r A B C <<<"$tr"
		expr="t$A & t$B & !t$C"
		qi="'$A&$B&!$C'::query_int"
		norm="SELECT customer_id FROM b.ct WHERE tag_id = $A INTERSECT SELECT customer_id FROM b.ct WHERE tag_id = $B EXCEPT SELECT customer_id FROM b.ct WHERE tag_id = $C"
		med() { echo "(SELECT concat(ms, ':', result) FROM b.median_ms(\$q\$$1\$q\$, $REPS))"; }
		nc=-:- ni=-:-
		if [ "$NORMAL" = 1 ]; then
			res=$(q "SELECT concat_ws('|', $(med "SELECT count(*) FROM ($norm) s"), $(med "SELECT sum(customer_id) FROM ($norm) s"))")
			IFS='|' read -r nc ni <<<"$res"
		fi
		res=$(q "SELECT concat_ws('|',
			$(med "SELECT crm.audience_count('$expr')"),
			$(med "SELECT count(*) FROM b.cust WHERE tags @@ $qi"),
			$(med "SELECT sum(id) FROM crm.tagset_unnest(crm.audience('$expr')) id"),
			$(med "SELECT sum(customer_id) FROM b.cust WHERE tags @@ $qi"))")
		IFS='|' read -r oc ic oi ii <<<"$res"
		# ours again with the per-backend bitmap cache off: every call reads
		# TOAST, decodes the three bitmaps and evaluates with CRoaring
		res=$(q "SET crm_profile.audience_cache_size = 0; SELECT $(med "SELECT crm.audience_count('$expr')")" | tail -n 1)
		ocn=$res
		cnt=${oc#*:}
		agree=ok
		[ "${ic#*:}" = "$cnt" ] && [ "${ocn#*:}" = "$cnt" ] || agree="COUNTS DIFFER ${oc#*:}/${ocn#*:}/${ic#*:}"
		[ "${ii#*:}" = "${oi#*:}" ] || agree="$agree IDS DIFFER"
		if [ "$NORMAL" = 1 ]; then
			[ "${nc#*:}" = "$cnt" ] || agree="$agree NORMAL COUNT DIFFERS ${nc#*:}"
			[ "${ni#*:}" = "${oi#*:}" ] || agree="$agree NORMAL IDS DIFFER"
		fi
		r1=$(ratio "${ic%%:*}" "${oc%%:*}")
		r2=$(ratio "${nc%%:*}" "${oc%%:*}")
		r3=$(ratio "${ii%%:*}" "${oi%%:*}")
		[ "$agree" = ok ] || echo "ERROR: peers disagree for $expr: $agree" >&2
		echo "| t$A & t$B & !t$C | $cnt | ${oc%%:*} | ${ocn%%:*} | ${ic%%:*} | ${nc%%:*} | ${oi%%:*} | ${ii%%:*} | ${ni%%:*} | $r1 | $r2 | $r3 |"
	done
	echo
	sizes=$(q "SELECT concat_ws('|',
		(SELECT sum(pg_column_size(tags)) FROM b.cust),
		(SELECT sum(pg_column_size(tags)) FROM crm.customer_tags),
		pg_table_size('b.cust'), pg_indexes_size('b.cust'),
		pg_table_size('b.ct'), pg_relation_size('b.ct_tag'),
		pg_table_size('crm.customer_tags'), pg_indexes_size('crm.customer_tags'),
		pg_total_relation_size('crm.tag_members'),
		(SELECT sum(pg_column_size(members)) FROM crm.tag_members))")
	IFS='|' read -r col_int col_ours t_int i_int t_ct i_ct t_ours i_ours t_mem col_mem <<<"$sizes"
	echo "| storage (MB) | intarray | normalised | ours |"
	echo "|---|---|---|---|"
	echo "| tag column (sum of pg_column_size) | $(mb "$col_int") (int[]) | - | $(mb "$col_ours") (crm.tagset) |"
	echo "| table | $(mb "$t_int") | $(nm "$t_ct") | $(mb "$t_ours") (crm.customer_tags) |"
	echo "| indexes | $(mb "$i_int") (primary key + GIN) | $(nm "$i_ct") (btree) | $(mb "$i_ours") (primary key) |"
	echo "| per-tag audience bitmaps | - | - | $(mb "$t_mem") (crm.tag_members, $(mb "$col_mem") of bitmaps) |"
	echo "| total | $(mb $((t_int + i_int))) | $(nm $((t_ct + i_ct))) | $(mb $((t_ours + i_ours + t_mem))) |"
done
q "DROP TABLE IF EXISTS b.cust, b.ct; TRUNCATE crm.customer_tags" >/dev/null
psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $PGDATABASE"
