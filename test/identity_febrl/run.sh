#!/usr/bin/env bash
# test/identity_febrl: end-to-end identity resolution on the shipped febrl
# datasets 1 and 2 with no labels given to the model: the pairwise F1 of the
# golden ids against the entities in the record ids must be at least 0.95.
# (The benchmark test/bench/identity/ records the figures and timings.)
source "$(dirname "$0")/../lib/common.sh"
set +e
here=$(cd "$(dirname "$0")" && pwd)
db=crm_identity_febrl
psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
psql -X -q -d $db -c 'CREATE EXTENSION crm_profile'
check "load febrl datasets" psql -X -q -v ON_ERROR_STOP=1 -d $db \
	-v datadir="$CRM_ROOT/test/data/febrl" -f "$CRM_ROOT/test/bench/identity/bench.sql"
for ds in ds1 ds2; do
	f1=$(psql -X -q -At -v ON_ERROR_STOP=1 -d $db <<SQL 2>&1
SET client_min_messages = warning;
CREATE VIEW bench.v_$ds AS SELECT * FROM bench.people WHERE ds = '$ds';
SELECT crm.identity_register('$ds', 'bench.v_$ds', 'rec_id',
  '{"given_name": "given_name", "family_name": "surname", "address": "address", "city": "suburb",
    "postcode": "postcode", "birth_date": "date_of_birth", "national_id": "soc_sec_id"}',
  NULL, 100, false) \g /dev/null
SELECT crm.identity_load('$ds') \g /dev/null
SELECT * FROM crm.identity_link() \g /dev/null
SELECT f1 FROM bench.score('$ds', 'bench.people');
SELECT crm.identity_unregister('$ds') \g /dev/null
SQL
)
	check "febrl $ds linked without labels: F1 $f1 >= 0.95" awk -v f="$f1" 'BEGIN { exit !(f + 0 >= 0.95) }'
done
psql -X -q -d postgres -c "DROP DATABASE $db"
exit $CRM_FAILED
