#!/usr/bin/env bash
# test/upgrade: every released version installs, upgrades with ALTER EXTENSION
# to the current one, and the upgraded catalog equals a fresh install's.
source "$(dirname "$0")/../lib/common.sh"
set +e
cur=$(sed -n "s/^default_version *= *'\(.*\)'/\1/p" "$CRM_ROOT/crm_profile.control")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT


psql -X -q -c 'DROP DATABASE IF EXISTS crm_up_fresh' -c 'CREATE DATABASE crm_up_fresh' -d postgres
psql -X -q -d crm_up_fresh -c 'CREATE EXTENSION crm_profile'
crm_schema_dump crm_up_fresh >"$work/fresh"

for f in "$CRM_ROOT"/src/sql/crm_profile--*.sql; do
	v=$(basename "$f" .sql); v=${v#crm_profile--}
	case "$v" in *--*) continue ;; esac
	db=crm_up_from_${v//./_}
	psql -X -q -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" -d postgres
	check "version $v installs" psql -X -q -v ON_ERROR_STOP=1 -d "$db" -c "CREATE EXTENSION crm_profile VERSION '$v'"
	check "version $v upgrades to $cur" psql -X -q -v ON_ERROR_STOP=1 -d "$db" -c 'ALTER EXTENSION crm_profile UPDATE'
	check_eq "version after upgrade from $v" "$cur" "$(psql -X -At -d "$db" -c "SELECT extversion FROM pg_extension WHERE extname='crm_profile'")"
	crm_schema_dump "$db" >"$work/up_$v"
	if diff -u "$work/fresh" "$work/up_$v" >"$work/diff_$v"; then
		ok "catalog upgraded from $v equals a fresh $cur install"
	else
		not_ok "catalog upgraded from $v differs from a fresh $cur install"
		head -n 40 "$work/diff_$v"
	fi
	psql -X -q -d postgres -c "DROP DATABASE $db"
done
psql -X -q -d postgres -c 'DROP DATABASE crm_up_fresh'
exit $CRM_FAILED
