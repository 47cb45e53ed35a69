/*
 * compat.h
 *		Shims over PostgreSQL server APIs that differ between 14 and 17.
 *
 * Every area includes this instead of testing PG_VERSION_NUM itself, so that
 * a new server version is supported by editing one file.
 */
#ifndef CRM_COMPAT_H
#define CRM_COMPAT_H

#if PG_VERSION_NUM < 140000
#error "crm_profile requires PostgreSQL 14 or later"
#endif

/*
 * Soft errors in input functions (PG16+): CRM_INPUT_ERROR reports through
 * fcinfo->context when the caller asked for a soft error, else raises ERROR.
 * Use it as:  CRM_INPUT_ERROR(fcinfo, (errcode(...), errmsg(...)));
 * and return (Datum) 0 right after it.
 */
#if PG_VERSION_NUM >= 160000
#include "nodes/miscnodes.h"
#define CRM_INPUT_ERROR(fcinfo, rest) \
	ereturn((fcinfo)->context, (Datum) 0, rest)
#else
#define CRM_INPUT_ERROR(fcinfo, rest) \
	ereport(ERROR, rest)
#endif

/* MarkGUCPrefixReserved replaced EmitWarningsOnPlaceholders in PG15. */
#if PG_VERSION_NUM >= 150000
#define CrmReserveGucPrefix(p) MarkGUCPrefixReserved(p)
#else
#define CrmReserveGucPrefix(p) EmitWarningsOnPlaceholders(p)
#endif

#endif							/* CRM_COMPAT_H */
