# test/lib/common.sh: set-up shared by test/run_tests.sh, test/demo.sh and
# the benchmarks.  Sourced, never run.  It
#   - installs the Debian packages the build, tests and benchmarks need;
#   - builds crm_profile (warnings are errors) and installs it;
#   - starts a throwaway cluster in a temporary directory, unix socket only,
#     run as the postgres OS user, removed on exit even after a failure;
#   - or, with PGHOST/PGPORT set, uses that running server instead.
# Works as root (CI) or as a user with sudo.

set -euo pipefail

CRM_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export CRM_ROOT
PG_MAJOR=${PG_MAJOR:-15}
CRM_PACKAGES="postgresql-$PG_MAJOR postgresql-server-dev-$PG_MAJOR postgresql-contrib
  postgresql-$PG_MAJOR-similarity postgresql-$PG_MAJOR-cron libroaring-dev libicu-dev
  pkg-config make gcc"
# Areas list further build/test packages in src/<area>/debian-packages.
CRM_EXTRA_PACKAGES="${CRM_EXTRA_PACKAGES:-} $(cat "$CRM_ROOT"/src/*/debian-packages 2>/dev/null | grep -v "^#" | tr "\n" " " || true)"

log() { printf '== %s\n' "$*" >&2; }

# as_root CMD...: run CMD as root (directly when we are root, else sudo).
as_root() {
	if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo -n "$@"; fi
}

# as_postgres CMD...: run CMD as the postgres OS user.
as_postgres() {
	if [ "$(id -un)" = postgres ]; then
		"$@"
	elif [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- "$@"
	else
		sudo -n -u postgres -- "$@"
	fi
}

# crm_install_packages: install from Debian whatever is missing.
crm_install_packages() {
	local missing=() p
	for p in $CRM_PACKAGES $CRM_EXTRA_PACKAGES; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	log "installing Debian packages: ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	as_root apt-get update -qq >/dev/null
	as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# crm_pg_bindir: the server's bin directory (from PG_CONFIG, default Debian's).
crm_pg_bindir() {
	"${PG_CONFIG:-/usr/lib/postgresql/$PG_MAJOR/bin/pg_config}" --bindir
}

# crm_build: build with warnings as errors and install.
crm_build() {
	local pgc=${PG_CONFIG:-/usr/lib/postgresql/$PG_MAJOR/bin/pg_config}
	log "building crm_profile ($("$pgc" --version))"
	make -C "$CRM_ROOT" -s PG_CONFIG="$pgc" COPT='-Werror' >/dev/null
	if [ -w "$("$pgc" --pkglibdir)" ]; then
		make -C "$CRM_ROOT" -s PG_CONFIG="$pgc" install >/dev/null
	else
		as_root make -C "$CRM_ROOT" -s PG_CONFIG="$pgc" install >/dev/null
	fi
}

# crm_start_cluster: a throwaway cluster, or the server in PGHOST/PGPORT.
# Sets PGHOST, PGPORT, PGUSER, PGDATABASE for the caller.
crm_start_cluster() {
	if [ -n "${PGHOST:-}${PGPORT:-}" ]; then
		log "using the running server at ${PGHOST:-localhost}:${PGPORT:-5432}"
		export PGUSER=${PGUSER:-postgres} PGDATABASE=${PGDATABASE:-postgres}
		return 0
	fi
	local bindir d pid
	bindir=$(crm_pg_bindir)
	# A run killed before its EXIT trap (SIGKILL, a lost machine) leaves its
	# cluster behind: stop and remove clusters whose runner is gone.
	for d in /tmp/crm_profile.*; do
		[ -f "$d/runner.pid" ] || continue
		pid=$(cat "$d/runner.pid" 2>/dev/null || echo)
		[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && continue
		as_postgres "$bindir/pg_ctl" -D "$d/data" -m immediate stop >/dev/null 2>&1 || true
		as_root rm -rf "$d" 2>/dev/null || true
	done
	CRM_TMP=$(mktemp -d /tmp/crm_profile.XXXXXX)
	echo $$ >"$CRM_TMP/runner.pid"
	chmod 755 "$CRM_TMP"
	mkdir "$CRM_TMP/data" "$CRM_TMP/sock"
	chmod 755 "$CRM_TMP/sock"
	[ "$(id -un)" = postgres ] || as_root chown postgres: "$CRM_TMP/data" "$CRM_TMP/sock"
	log "starting a throwaway cluster in $CRM_TMP"
	as_postgres "$bindir/initdb" -D "$CRM_TMP/data" -U postgres --auth=trust \
		--encoding=UTF8 --locale=C.UTF-8 >"$CRM_TMP/initdb.log" 2>&1 ||
		as_postgres "$bindir/initdb" -D "$CRM_TMP/data" -U postgres --auth=trust \
			--encoding=UTF8 --no-locale >"$CRM_TMP/initdb.log" 2>&1
	cat >>"$CRM_TMP/data/postgresql.conf" <<CONF
listen_addresses = ''
unix_socket_directories = '$CRM_TMP/sock'
port = 5432
fsync = off
synchronous_commit = off
full_page_writes = off
shared_buffers = '1GB'
work_mem = '64MB'
maintenance_work_mem = '1GB'
max_wal_size = '8GB'
max_worker_processes = 16
max_parallel_workers_per_gather = 2
shared_preload_libraries = 'pg_cron'
cron.database_name = 'postgres'
log_min_messages = warning
log_checkpoints = off
CONF
	as_postgres "$bindir/pg_ctl" -D "$CRM_TMP/data" -l "$CRM_TMP/data/server.log" -w -t 60 start >/dev/null
	export PGHOST=$CRM_TMP/sock PGPORT=5432 PGUSER=postgres PGDATABASE=postgres
}

# crm_stop_cluster [RC]: stop and remove the throwaway cluster (EXIT trap);
# RC is the exit status of the run (the server log is shown when it failed).
crm_stop_cluster() {
	local rc=${1:-0}
	if [ -n "${CRM_TMP:-}" ] && [ -d "$CRM_TMP" ]; then
		as_postgres "$(crm_pg_bindir)/pg_ctl" -D "$CRM_TMP/data" -m immediate stop >/dev/null 2>&1 || true
		if [ "$rc" -ne 0 ] && [ -f "$CRM_TMP/data/server.log" ]; then
			log "server log (last lines):"
			as_root tail -n 30 "$CRM_TMP/data/server.log" >&2 || true
		fi
		as_root rm -rf "$CRM_TMP" 2>/dev/null || rm -rf "$CRM_TMP" || true
	fi
	return $rc
}

# crm_on_exit: EXIT trap of every entry point: stop the cluster; when set-up
# itself failed and the caller counts tests, say so in the summary format.
# errexit is switched off first: under `set -e` any failing command in the
# trap (a former `(exit $rc)` among them) ended the trap at once and left
# the cluster of a failed run running.
crm_on_exit() {
	local rc=$?
	set +e
	if [ "${CRM_SETUP_DONE:-0}" != 1 ] && [ "${CRM_SUMMARY_ON_SETUP_FAILURE:-0}" = 1 ]; then
		echo "0 passed, 1 failed (set-up failed)"
		[ $rc -ne 0 ] || rc=1
	fi
	crm_stop_cluster "$rc"
	exit "$rc"
}

# crm_setup: the whole preamble of every entry point.
crm_setup() {
	trap crm_on_exit EXIT
	crm_install_packages
	crm_build
	crm_start_cluster
	CRM_SETUP_DONE=1
}

# q SQL: run SQL quietly in $PGDATABASE, print unaligned tuples only.
q() {
	psql -X -q -v ON_ERROR_STOP=1 -At -c "$1"
}

# crm_schema_dump DB: the schema of DB as sorted lines, without comments and
# pg_dump's per-run \restrict keys, for comparing two databases.
crm_schema_dump() {
	pg_dump -s -d "$1" 2>&1 | grep -v -e '^--' -e '^$' -e '^\\restrict' -e '^\\unrestrict' | sort
}

# Suite helpers for test/<suite>/run.sh: each check prints one TAP-ish line,
# which test/run_tests.sh counts.
CRM_FAILED=0
ok() { printf 'ok - %s\n' "$*"; }
not_ok() { printf 'not ok - %s\n' "$*"; CRM_FAILED=1; }
# check DESC CMD...: ok if CMD succeeds.
check() {
	local desc=$1; shift
	if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}
# check_eq DESC EXPECTED ACTUAL
check_eq() {
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1 (expected '$2', got '$3')"; fi
}
