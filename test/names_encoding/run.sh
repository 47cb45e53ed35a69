#!/usr/bin/env bash
# test/names_encoding: the name functions refuse a non-UTF8 database with a
# clear error (SQLSTATE 0A000) instead of misreading bytes.  Creates a LATIN1
# and an SQL_ASCII database (TEMPLATE template0, C locale), installs
# crm_profile in each and calls every text function of the names area.
source "$(dirname "$0")/../lib/common.sh"
set +e

calls=(
	"SELECT crm.name_normalize('Jose')"
	"SELECT crm.name_pinyin('Jose')"
	"SELECT crm.name_phonetic('Jose')"
	"SELECT crm.jaro_winkler('a', 'b')"
	"SELECT crm.levenshtein('a', 'b')"
	"SELECT crm.levenshtein('a', 'b', 1)"
	"SELECT crm.damerau_levenshtein('a', 'b')"
	"SELECT crm.damerau_levenshtein('a', 'b', 1)"
	"SELECT crm.name_similarity('a', 'b')"
	"SELECT 'a' OPERATOR(crm.%%) 'b'"
	"SELECT 'a' OPERATOR(crm.<->) 'b'"
	"CREATE TABLE t (name text); INSERT INTO t VALUES ('Jose'); CREATE INDEX ON t USING gin (name crm.name_gin_ops)"
)

for enc in LATIN1 SQL_ASCII; do
	db="crm_names_${enc,,}"
	psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" \
		-c "CREATE DATABASE $db ENCODING '$enc' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0"
	check "CREATE EXTENSION in a $enc database" psql -X -q -v ON_ERROR_STOP=1 -d "$db" -c 'CREATE EXTENSION crm_profile'
	for sql in "${calls[@]}"; do
		out=$(psql -X -q -d "$db" -v VERBOSITY=verbose -c "$sql" 2>&1)
		state=$(printf '%s\n' "$out" | sed -n 's/^ERROR:  \([0-9A-Z]\{5\}\): .*/\1/p' | head -n 1)
		msg=$(printf '%s\n' "$out" | sed -n 's/^ERROR:  [0-9A-Z]\{5\}: //p' | head -n 1)
		check_eq "$enc: $sql raises 0A000" "0A000" "$state"
		check_eq "$enc: $sql says why" "crm_profile requires a UTF8 database" "$msg"
	done
	detail=$(psql -X -q -d "$db" -c "SELECT crm.name_normalize('x')" -v VERBOSITY=verbose 2>&1 | sed -n 's/^DETAIL:  //p')
	check_eq "$enc: the detail names the encoding" "The current database encoding is \"$enc\"." "$detail"
	# NULL still gives NULL without touching the text (STRICT).
	check_eq "$enc: NULL argument gives NULL" "t" "$(psql -X -At -d "$db" -c 'SELECT crm.name_normalize(NULL) IS NULL')"
	psql -X -q -d postgres -c "DROP DATABASE $db"
done
exit $CRM_FAILED
