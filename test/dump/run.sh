#!/usr/bin/env bash
# test/dump: a database using crm_profile survives pg_dump and restore.
# Each area adds test/dump/<area>_fixture.sql (creates user data and
# configuration through crm_profile) and test/dump/<area>_check.sql (queries
# whose output must be identical in the original and the restored database).
source "$(dirname "$0")/../lib/common.sh"
set +e
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
here=$(cd "$(dirname "$0")" && pwd)

for db in crm_dump_src crm_dump_plain crm_dump_custom; do
	psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
done
psql -X -q -v ON_ERROR_STOP=1 -d crm_dump_src -c 'CREATE EXTENSION crm_profile' >/dev/null
for f in "$here"/*_fixture.sql; do
	[ -e "$f" ] || continue
	check "fixture $(basename "$f")" psql -X -q -v ON_ERROR_STOP=1 -d crm_dump_src -f "$f" -o /dev/null
done

pg_dump -d crm_dump_src -f "$work/plain.sql"
check "plain dump restores without error" psql -X -q -v ON_ERROR_STOP=1 -d crm_dump_plain -f "$work/plain.sql" -o /dev/null
pg_dump -Fc -d crm_dump_src -f "$work/custom.dump"
check "custom-format dump restores without error" pg_restore -d crm_dump_custom --exit-on-error "$work/custom.dump"

for f in "$here"/*_check.sql; do
	[ -e "$f" ] || continue
	psql -X -At -v ON_ERROR_STOP=1 -d crm_dump_src -f "$f" >"$work/src.out" 2>&1
	for db in crm_dump_plain crm_dump_custom; do
		psql -X -At -v ON_ERROR_STOP=1 -d $db -f "$f" >"$work/$db.out" 2>&1
		if diff -u "$work/src.out" "$work/$db.out" >"$work/diff"; then
			ok "$(basename "$f") identical after restore ($db)"
		else
			not_ok "$(basename "$f") differs after restore ($db)"; head -n 30 "$work/diff"
		fi
	done
done
for db in crm_dump_plain crm_dump_custom; do
	a=$(crm_schema_dump crm_dump_src | md5sum)
	b=$(crm_schema_dump $db | md5sum)
	check_eq "schema of $db equals the original" "$a" "$b"
done
for db in crm_dump_src crm_dump_plain crm_dump_custom; do
	psql -X -q -d postgres -c "DROP DATABASE $db"
done
exit $CRM_FAILED
