#!/usr/bin/env bash
# test/tags_memory: no CRoaring bitmap leaks when an ERROR interrupts a
# statement while bitmaps are alive.
#
# CRoaring 0.2.66 mallocs outside PostgreSQL's memory contexts; crm_profile
# ties every bitmap to a memory context through a reset callback.  This suite
# runs, in ONE backend, thousands of statements that each build large bitmaps
# (hundreds of KB of malloc'd containers) and then fail: in text input, in an
# aggregate, in binary input (COPY), in an audience with an unknown tag.  It
# reads the backend's resident memory (VmRSS, /proc) after a warm-up and at
# the end: a leak of even one bitmap per statement would grow it by hundreds
# of MB; the check allows 24 MB of noise.  (Sensitivity, checked by hand:
# with the reset callbacks disabled, 200 rounds grew the backend by 600 MB
# and both checks failed.)  A loop of the same statements that succeed is
# measured too, as a control.
source "$(dirname "$0")/../lib/common.sh"
set +e
ITER=${CRM_TAGS_MEMORY_ITER:-1000}
WARM=200
db=crm_tags_memory
work=$(mktemp -d)
chmod 755 "$work"
trap 'rm -rf "$work"; psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1' EXIT
psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
psql -X -q -v ON_ERROR_STOP=1 -d $db >/dev/null <<'SQL'
CREATE EXTENSION crm_profile;
INSERT INTO crm.tags (tag_id, name) VALUES (1, 'a'), (2, 'b');
-- 300000 customers: the per-tag bitmaps are ~40 KB decoded each.
INSERT INTO crm.customer_tags SELECT g * 3, CASE WHEN g % 2 = 0 THEN '{1}'::crm.tagset ELSE '{1,2}' END
  FROM generate_series(1, 300000) g;
-- a binary COPY file holding one big valid bitmap whose header lies about
-- its cardinality: recv decodes and rebuilds it, then fails.
SELECT lo_from_bytea(0,
  '\x5047434f50590aff0d0a00'::bytea || '\x0000000000000000'::bytea || '\x0001'::bytea
  || int4send(length(b)) || b || '\xffff'::bytea) AS lo
  FROM (SELECT '\x0100000000000000' || '\x00000001'::bytea
               || substring(crm.tagset_send(crm.tagset_agg(g::bigint * 7)) FROM 13) AS b
          FROM generate_series(1, 200000) g) s \gset
SELECT lo_export(:lo, 'crm_tags_memory.bin');
SELECT lo_unlink(:lo);
CREATE TABLE recv_t (v crm.tagset);
SQL

# The literal: 3000 members spread over 3000 containers, then junk.
lit=$(seq 0 65536 $((65536 * 2999)) | paste -sd,)
{
	echo '\set VERBOSITY terse'
	echo '\set lit_bad '"'{$lit,x}'"
	echo '\set lit_ok '"'{$lit}'"
	echo '\o '"$work/pid"
	echo 'SELECT pg_backend_pid();'
	echo '\o'
	rss() { echo '\! grep VmRSS /proc/$(cat '"$work/pid"')/status > '"$work/$1"; }
	emit() { # emit N FAILING(0/1)
		local i
		for ((i = 0; i < $1; i++)); do
			if [ "$2" = 1 ]; then
				echo "SELECT :'lit_bad'::crm.tagset;"
				echo "SELECT crm.tagset_agg(CASE WHEN g < 20000 THEN g::bigint * 65536 ELSE -1 END) FROM generate_series(1, 20000) g;"
				echo "SELECT crm.tagset_union_agg(('{' || CASE WHEN g < 3000 THEN (g::bigint * 65536)::text ELSE 'x' END || '}')::crm.tagset) FROM generate_series(1, 3000) g;"
				echo "COPY recv_t FROM 'crm_tags_memory.bin' (FORMAT binary);"
				echo "SELECT crm.audience('a & b & !nope');"
			else
				echo "SELECT crm.tagset_cardinality(:'lit_ok'::crm.tagset);"
				echo "SELECT crm.tagset_cardinality(crm.tagset_agg(g::bigint * 65536)) FROM generate_series(1, 19999) g;"
				echo "SELECT crm.audience_count('a & b & !a');"
			fi
		done
	}
	emit 100 0
	rss ok0
	emit "$ITER" 0
	rss ok1
	emit "$WARM" 1
	rss rss0
	emit "$ITER" 1
	rss rss1
	echo "SELECT 'done';"
} >"$work/loop.sql"

# Error messages quote the whole literal: keep only their beginnings.
out=$(psql -X -q -At -d $db -f "$work/loop.sql" 2> >(cut -c1-100 >"$work/err"))
sleep 1
errors=$(grep -c ERROR "$work/err")
check_eq "the session completed" "done" "$(echo "$out" | tail -n 1)"
check_eq "every failing statement raised an ERROR" "$(((WARM + ITER) * 5))" "$errors"
check "error messages are the expected ones" bash -c "
	grep -q 'invalid input syntax for type crm.tagset' '$work/err' &&
	grep -q 'out of range for crm.tagset' '$work/err' &&
	grep -q 'invalid binary representation of crm.tagset' '$work/err' &&
	grep -q 'tag \"nope\" does not exist' '$work/err'"
kb() { awk '{print $2}' "$1" 2>/dev/null || echo 0; }
ok0=$(kb "$work/ok0"); ok1=$(kb "$work/ok1")
r0=$(kb "$work/rss0"); r1=$(kb "$work/rss1")
echo "# control (statements succeed): VmRSS $ok0 kB -> $ok1 kB over $ITER rounds"
echo "# failing statements: VmRSS $r0 kB -> $r1 kB over $ITER rounds of 5 failing statements"
check "RSS was measured" test "$r0" -gt 0 -a "$r1" -gt 0 -a "$ok0" -gt 0
check "no growth when statements succeed (< 24 MB)" test $((ok1 - ok0)) -lt 24576
check "no growth when statements fail with live bitmaps (< 24 MB, a leak would be > 500 MB)" test $((r1 - r0)) -lt 24576
exit $CRM_FAILED
