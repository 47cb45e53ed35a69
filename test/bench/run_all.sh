#!/usr/bin/env bash
# test/bench/run_all.sh: every area's benchmark, one after another, on one
# throwaway cluster; each prints its own table with ratios against its peers.
# Scale with the env vars each benchmark's README names.
source "$(dirname "$0")/../lib/common.sh"
crm_setup
for b in "$CRM_ROOT"/test/bench/*/run.sh; do
	[ -x "$b" ] || continue
	log "benchmark $(basename "$(dirname "$b")")"
	CRM_SETUP_DONE=1 "$b"
done
