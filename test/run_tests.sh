#!/usr/bin/env bash
# test/run_tests.sh: the whole test suite in one command.
#
# Installs missing Debian packages, builds crm_profile with warnings as
# errors, installs it, starts a throwaway cluster (or uses PGHOST/PGPORT),
# then runs
#   1. the pg_regress suite (sql/, expected/) and the isolation specs
#      (test/isolation/), through PGXS's installcheck;
#   2. every other suite: test/<suite>/run.sh (upgrade, dump, ... ; the
#      benchmarks under test/bench/ are not tests and are not run here).
# It ends with the line "N passed, N failed" and exits non-zero on any failure.
#
# Usage: test/run_tests.sh [suite ...]   (suite names limit step 2; "regress"
#        alone runs only step 1)
source "$(dirname "$0")/lib/common.sh"

CRM_SUMMARY_ON_SETUP_FAILURE=1
crm_setup
set +e

passed=0
failed=0
failures=()
count_output() {
	# Count pg_regress (PG14/15 "... ok", PG16+ TAP) and suite TAP lines.
	local f=$1 p fl
	p=$(grep -cE '^(ok [0-9]|ok -|.*\.\.\. ok)' "$f")
	fl=$(grep -cE '^(not ok|.*\.\.\. FAILED|.*\.\.\. failed)' "$f")
	passed=$((passed + p))
	failed=$((failed + fl))
	while IFS= read -r line; do failures+=("$line"); done < <(grep -E '^(not ok|.*\.\.\. FAILED|.*\.\.\. failed)' "$f")
}

out=$(mktemp)
suites=("$@")
if [ ${#suites[@]} -eq 0 ] || [[ " ${suites[*]} " == *" regress "* ]]; then
	log "pg_regress and isolation suites"
	make -C "$CRM_ROOT" -s PG_CONFIG="${PG_CONFIG:-/usr/lib/postgresql/$PG_MAJOR/bin/pg_config}" installcheck >"$out" 2>&1
	rc=$?
	cat "$out"
	count_output "$out"
	# pg_regress exiting non-zero with no failed test counted (a missing
	# expected file, a crash between tests) is a failure of its own.
	if [ $rc -ne 0 ] && ! grep -qE '(\.\.\. FAILED|\.\.\. failed|^not ok)' "$out"; then
		failed=$((failed + 1)); failures+=("pg_regress exited $rc")
	fi
	[ -f "$CRM_ROOT/regression.diffs" ] && [ $rc -ne 0 ] && head -n 200 "$CRM_ROOT/regression.diffs"
fi

for dir in "$CRM_ROOT"/test/*/; do
	name=$(basename "$dir")
	[ -x "$dir/run.sh" ] || continue
	case "$name" in bench|data|lib|demo|isolation) continue ;; esac
	if [ ${#suites[@]} -gt 0 ] && [[ " ${suites[*]} " != *" $name "* ]]; then continue; fi
	log "suite $name"
	"$dir/run.sh" >"$out" 2>&1
	rc=$?
	sed "s/^/[$name] /" "$out"
	before=$failed
	count_output "$out"
	if [ $rc -ne 0 ] && [ $failed -eq $before ]; then
		failed=$((failed + 1)); failures+=("suite $name exited $rc")
	fi
done
rm -f "$out"

if [ $failed -gt 0 ]; then
	echo
	echo "Failures:"
	printf '  %s\n' "${failures[@]}"
fi
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
