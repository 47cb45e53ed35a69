#!/usr/bin/env bash
# test/demo.sh: the main job on the shipped sample CRM dataset.
#
# Same set-up as the test command (Debian packages, build, install, a
# throwaway cluster as the postgres OS user, or PGHOST/PGPORT), then loads
# test/data/sample/ into a fresh database "crm_demo" as an existing shop
# application would keep it, and runs the report steps test/demo/NN_*.sql in
# order: duplicates and golden ids, RFM segments, tag audiences, customers
# at risk, lifetime value.  Safe to run again: the database is recreated.
source "$(dirname "$0")/lib/common.sh"
crm_setup
export PGDATABASE=crm_demo
psql -X -q -d postgres -c 'DROP DATABASE IF EXISTS crm_demo' -c 'CREATE DATABASE crm_demo' 2>/dev/null
cd "$CRM_ROOT"
for step in test/demo/[0-9][0-9]_*.sql; do
	[ -e "$step" ] || continue
	psql -X -q -v ON_ERROR_STOP=1 --pset=footer=off -f "$step"
done
