/*
 * errors.h
 *		Shared error helpers, so every area reports the same condition with
 *		the same SQLSTATE and wording.
 */
#ifndef CRM_ERRORS_H
#define CRM_ERRORS_H

#include "mb/pg_wchar.h"

/*
 * CrmRequireUtf8: raise 0A000 unless the database encoding is UTF8.  Text
 * functions that work on code points call it once per call.
 */
static inline void
CrmRequireUtf8(void)
{
	if (GetDatabaseEncoding() != PG_UTF8)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("crm_profile requires a UTF8 database"),
				 errdetail("The current database encoding is \"%s\".",
						   GetDatabaseEncodingName()),
				 errhint("Create the database with ENCODING 'UTF8'.")));
}

#endif							/* CRM_ERRORS_H */
