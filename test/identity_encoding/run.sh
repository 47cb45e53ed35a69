#!/usr/bin/env bash
# test/identity_encoding: in a database that is not UTF8 the identity
# functions raise 0A000 (as the names area does) instead of reading the
# bytes as UTF-8 (QA I7).
source "$(dirname "$0")/../lib/common.sh"
set +e
db=crm_identity_latin1
psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" \
	-c "CREATE DATABASE $db ENCODING 'LATIN1' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0"
psql -X -q -d $db -c 'CREATE EXTENSION crm_profile'
for call in "crm.identity_name_split(convert_from('\\xe5bca0e4b889'::bytea, 'LATIN1'))" \
	"crm.identity_name_clean('abc')" "crm.identity_name_key('abc')" \
	"crm.identity_email('a@b.com')" "crm.identity_address('12 main st')" \
	"crm.identity_birth_date('1980-01-02')" "crm.identity_cn_id('110105491231002')" \
	"crm.identity_phone('+8613800138000', 'CN')" \
	"crm.identity_features('Zhang San', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)" \
	"crm.identity_compare('{a,b,NULL,NULL,NULL,NULL,NULL,NULL,NULL}', '{a,b,NULL,NULL,NULL,NULL,NULL,NULL,NULL}')"; do
	got=$(psql -X -q -At -d $db -v VERBOSITY=verbose -c "SELECT $call" 2>&1 | grep -o '0A000: crm_profile requires a UTF8 database' | head -1)
	check_eq "LATIN1 database: $call raises 0A000" "0A000: crm_profile requires a UTF8 database" "$got"
done
psql -X -q -d postgres -c "DROP DATABASE $db"
exit $CRM_FAILED
