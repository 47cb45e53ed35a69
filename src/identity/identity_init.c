/*
 * identity_init.c
 *		Start-up of the identity area: its GUCs (crm_profile.*), registered once per
 *		backend from _PG_init.
 */
#include "postgres.h"

#include <ctype.h>

#include "access/htup_details.h"
#include "fmgr.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/guc.h"

#include "common/areas.h"
#include "identity/identity.h"

char	   *crm_identity_default_region = NULL;
double		crm_identity_threshold = 0.9;
int			crm_identity_max_block = 500;
bool		crm_identity_match_on_insert = true;

/*
 * check_region: crm_profile.default_region is empty (unknown) or a two-letter
 * ISO 3166 code; it is upper-cased in place.
 */
static bool
check_region(char **newval, void **extra, GucSource source)
{
	char	   *s = *newval;

	if (s == NULL || s[0] == '\0')
		return true;
	if (strlen(s) != 2 || !isalpha((unsigned char) s[0]) || !isalpha((unsigned char) s[1]))
	{
		GUC_check_errdetail("A region is a two-letter ISO 3166 code such as \"CN\", \"US\" or \"GB\", or empty for unknown.");
		return false;
	}
	s[0] = (char) toupper((unsigned char) s[0]);
	s[1] = (char) toupper((unsigned char) s[1]);
	return true;
}

/*
 * CrmIdentityInit: define the area's settings.  Called once from _PG_init.
 */
void
CrmIdentityInit(void)
{
	DefineCustomStringVariable("crm_profile.default_region",
							   "Region assumed for phone numbers written without a country code.",
							   "A two-letter ISO 3166 code (CN, US, GB ...); empty means unknown, "
							   "so only numbers in international form (+86 ..., 0086 ...) are accepted.",
							   &crm_identity_default_region,
							   "",
							   PGC_USERSET, 0,
							   check_region, NULL, NULL);
	DefineCustomRealVariable("crm_profile.identity_threshold",
							 "Match probability at or above which two records are linked.",
							 NULL,
							 &crm_identity_threshold,
							 0.9, 0.0, 1.0,
							 PGC_USERSET, 0,
							 NULL, NULL, NULL);
	DefineCustomIntVariable("crm_profile.identity_max_block",
							"Largest blocking group that still produces candidate pairs.",
							"A blocking key shared by more records than this (a placeholder "
							"value, a very common name) yields no pairs; the other rules still apply.",
							&crm_identity_max_block,
							500, 2, 100000,
							PGC_USERSET, 0,
							NULL, NULL, NULL);
	DefineCustomBoolVariable("crm_profile.identity_match_on_insert",
							 "Match each new identity record and assign its golden id on insert.",
							 "Bulk loads turn this off and link afterwards with crm.identity_link().",
							 &crm_identity_match_on_insert,
							 true,
							 PGC_USERSET, 0,
							 NULL, NULL, NULL);
}

PG_FUNCTION_INFO_V1(crm_identity_settings);

/*
 * crm_identity_settings: crm.identity_settings() -> (default_region,
 * threshold, max_block, match_on_insert): the identity settings in effect.
 * The SQL functions read the settings through this, which also loads the
 * library (and so defines the settings) in a session that has not used it.
 */
Datum
crm_identity_settings(PG_FUNCTION_ARGS)
{
	TupleDesc	tupdesc;
	Datum		values[4];
	bool		nulls[4] = {false, false, false, false};

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	tupdesc = BlessTupleDesc(tupdesc);
	values[0] = CStringGetTextDatum(crm_identity_default_region ? crm_identity_default_region : "");
	values[1] = Float8GetDatum(crm_identity_threshold);
	values[2] = Int32GetDatum(crm_identity_max_block);
	values[3] = BoolGetDatum(crm_identity_match_on_insert);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}
