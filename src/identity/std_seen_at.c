/*
 * std_seen_at.c
 *		crm.identity_seen_at: a source's "last seen" value as timestamptz,
 *		or NULL when it cannot be read, without ever raising an error.
 *
 * The match-on-insert trigger runs inside the application's own INSERT or
 * UPDATE, and a CRM problem must never make that statement fail.  A mapped
 * seen_at column may be text holding anything, so the value is parsed with
 * the datetime decoder's error codes (ParseDateTime/DecodeDateTime return
 * them rather than raising) instead of the timestamptz input function.
 * Infinite values, "epoch" excepted, are also refused: they are not times
 * a customer was seen.
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/timestamp.h"

#include "identity/identity.h"

PG_FUNCTION_INFO_V1(crm_identity_seen_at);

/*
 * crm_identity_seen_at: crm.identity_seen_at(raw text) -> timestamptz,
 * NULL when raw is not a finite time (STABLE: reads TimeZone and DateStyle).
 */
Datum
crm_identity_seen_at(PG_FUNCTION_ARGS)
{
	char	   *str = text_to_cstring(PG_GETARG_TEXT_PP(0));
	char		workbuf[MAXDATELEN + MAXDATEFIELDS];
	char	   *field[MAXDATEFIELDS];
	int			ftype[MAXDATEFIELDS];
	int			nf;
	int			dtype;
	int			tz;
	struct pg_tm tt,
			   *tm = &tt;
	fsec_t		fsec;
	TimestampTz result;

	if (strlen(str) >= MAXDATELEN ||
		ParseDateTime(str, workbuf, sizeof(workbuf), field, ftype, MAXDATEFIELDS, &nf) != 0 ||
		DecodeDateTime(field, ftype, nf, &dtype, tm, &fsec, &tz) != 0)
		PG_RETURN_NULL();
	if (dtype == DTK_EPOCH)
		PG_RETURN_TIMESTAMPTZ(SetEpochTimestamp());
	if (dtype != DTK_DATE || tm2timestamp(tm, fsec, &tz, &result) != 0 ||
		!IS_VALID_TIMESTAMP(result))
		PG_RETURN_NULL();
	PG_RETURN_TIMESTAMPTZ(result);
}
