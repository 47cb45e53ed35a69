/*
 * crm_profile.c
 *		Module magic, start-up and crm.version().
 *
 * _PG_init defines the settings of every area (each area keeps its own in
 * src/<area>/<area>_init.c) and reserves the crm_profile. GUC prefix, so a
 * mistyped setting name is an error rather than a silent placeholder.
 */
#include "postgres.h"

#include <roaring/roaring.h>
#include <unicode/uversion.h>

#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/guc.h"

#include "common/areas.h"
#include "common/compat.h"
#include "common/relcache_gen.h"

PG_MODULE_MAGIC;

#ifndef CRM_PROFILE_VERSION
#error "CRM_PROFILE_VERSION is set by the Makefile from crm_profile.control"
#endif

void		_PG_init(void);

/*
 * _PG_init: register every area's GUCs, then reserve the prefix.
 */
void
_PG_init(void)
{
	CrmRelcacheGenInit();
	CrmNamesInit();
	CrmIdentityInit();
	CrmRfmInit();
	CrmTagsInit();
	CrmChurnInit();
	CrmViewsInit();
	CrmReserveGucPrefix("crm_profile");
}

PG_FUNCTION_INFO_V1(crm_version);

/*
 * crm_version: the library version and the versions of the libraries it was
 * built with, e.g. "crm_profile 0.2.0 (CRoaring 0.2.66, ICU 72.1, PostgreSQL 15.20)".
 * The ICU version is the one loaded at run time, which is what a bug report
 * needs; CRoaring is header-only versioned, so the build-time version is given.
 */
Datum
crm_version(PG_FUNCTION_ARGS)
{
	UVersionInfo icu;
	char		icu_str[U_MAX_VERSION_STRING_LENGTH];

	u_getVersion(icu);
	u_versionToString(icu, icu_str);
	PG_RETURN_TEXT_P(cstring_to_text(psprintf("crm_profile %s (CRoaring %d.%d.%d, ICU %s, PostgreSQL %s)",
											  CRM_PROFILE_VERSION,
											  ROARING_VERSION_MAJOR,
											  ROARING_VERSION_MINOR,
											  ROARING_VERSION_REVISION,
											  icu_str,
											  PG_VERSION)));
}
