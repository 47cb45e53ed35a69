#!/usr/bin/env bash
# test/lifecycle: CREATE EXTENSION in a new database works, and DROP
# EXTENSION leaves nothing behind: the catalogs after the drop equal the
# catalogs before the create, even after every area's objects were used
# (each area may add test/lifecycle/<area>_use.sql).
source "$(dirname "$0")/../lib/common.sh"
set +e
here=$(cd "$(dirname "$0")" && pwd)
db=crm_lifecycle
psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
snapshot() {
	psql -X -At -d $db <<'SQL'
SELECT 'class ' || oid::regclass::text FROM pg_class WHERE relnamespace NOT IN ('pg_toast'::regnamespace) AND relname NOT LIKE 'pg_toast%'
UNION ALL SELECT 'proc ' || oid::regprocedure::text FROM pg_proc
UNION ALL SELECT 'type ' || oid::regtype::text FROM pg_type
UNION ALL SELECT 'namespace ' || nspname FROM pg_namespace
UNION ALL SELECT 'operator ' || oid::regoperator::text FROM pg_operator
UNION ALL SELECT 'opclass ' || opcname FROM pg_opclass
UNION ALL SELECT 'cast ' || castsource::regtype || '->' || casttarget::regtype FROM pg_cast
UNION ALL SELECT 'trigger ' || tgname FROM pg_trigger
UNION ALL SELECT 'event trigger ' || evtname FROM pg_event_trigger
UNION ALL SELECT 'policy ' || polname FROM pg_policy
UNION ALL SELECT 'role ' || rolname FROM pg_roles
ORDER BY 1;
SQL
}
snapshot >/tmp/crm_lifecycle_before.$$
check "CREATE EXTENSION in a new database" psql -X -q -v ON_ERROR_STOP=1 -d $db -c 'CREATE EXTENSION crm_profile'
check_eq "all objects in schema crm" "t" "$(psql -X -At -d $db -c "SELECT count(*) > 0 FROM pg_proc WHERE pronamespace = 'crm'::regnamespace")"
for f in "$here"/*_use.sql; do
	[ -e "$f" ] || continue
	check "use $(basename "$f")" psql -X -q -v ON_ERROR_STOP=1 -d $db -f "$f" -o /dev/null
done
check "DROP EXTENSION" psql -X -q -v ON_ERROR_STOP=1 -d $db -c 'DROP EXTENSION crm_profile'
snapshot >/tmp/crm_lifecycle_after.$$
if diff -u /tmp/crm_lifecycle_before.$$ /tmp/crm_lifecycle_after.$$ >/tmp/crm_lifecycle_diff.$$; then
	ok "DROP EXTENSION leaves nothing behind"
else
	not_ok "DROP EXTENSION left objects behind"; head -n 30 /tmp/crm_lifecycle_diff.$$
fi
check "CREATE EXTENSION again after DROP" psql -X -q -v ON_ERROR_STOP=1 -d $db -c 'CREATE EXTENSION crm_profile'
rm -f /tmp/crm_lifecycle_*.$$
psql -X -q -d postgres -c "DROP DATABASE $db"
exit $CRM_FAILED
