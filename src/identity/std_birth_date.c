/*
 * std_birth_date.c
 *		crm.identity_birth_date: dates of birth written many ways to ISO form.
 *
 * Accepted: YYYYMMDD, YYYY-MM-DD (also / . and 年月日 separators), DD/MM/YYYY
 * and MM/DD/YYYY.  When a reading is impossible and swapping day and month
 * makes it possible (month 13 and up), the swap is made and the note says
 * so; when both readings are possible in D/M/Y order, day first is used and
 * the note says the date was ambiguous.  Valid dates lie in 1880-2100 (the
 * function is IMMUTABLE, so "not in the future" is the caller's check).
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/builtins.h"

#include "common/errors.h"
#include "identity/identity.h"
#include "identity/identity_text.h"

PG_FUNCTION_INFO_V1(crm_identity_birth_date);

/* STD_RETURN: set the standardiser result and return from the core. */
#define STD_RETURN(v, ok, n) \
	do { const char *v_ = (v); r->value = v_ ? pstrdup(v_) : NULL; r->valid = (ok); r->note = (n); return; } while (0)

/*
 * days_in: days in month m of year y (0 for a bad month).
 */
static int
days_in(int y, int m)
{
	static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	if (m < 1 || m > 12)
		return 0;
	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return d[m - 1];
}

/*
 * ok_date: whether y-m-d exists and lies in the accepted years.
 */
static bool
ok_date(int y, int m, int d)
{
	return y >= 1880 && y <= 2100 && d >= 1 && d <= days_in(y, m);
}

/*
 * CrmStdBirthDate: the core of crm.identity_birth_date(raw text) -> crm.identity_std.
 */
void
CrmStdBirthDate(const char *in, int inlen, CrmStd *r)
{
	int			flen;
	char	   *f = CrmIdentityFold(in, inlen, true, &flen);
	int			part[3];
	int			plen[3];
	int			np = 0;
	int			i = 0;
	int			y,
				m,
				d;
	const char *note = NULL;

	/* split into runs of digits; anything else separates */
	while (i < flen && np <= 3)
	{
		if (f[i] >= '0' && f[i] <= '9')
		{
			int			v = 0;
			int			l = 0;

			while (i < flen && f[i] >= '0' && f[i] <= '9')
			{
				if (l < 9)
					v = v * 10 + (f[i] - '0');
				l++;
				i++;
			}
			if (np < 3)
			{
				part[np] = v;
				plen[np] = l;
			}
			np++;
		}
		else
			i++;
	}
	/* the time part of a timestamp ("1980-02-03 00:00:00") is ignored */
	if (np > 3 && plen[0] == 4)
		np = 3;

	if (np == 0)
		STD_RETURN(NULL, false, "no digits");
	if (np == 1 && plen[0] == 8)
	{
		y = part[0] / 10000;
		m = (part[0] / 100) % 100;
		d = part[0] % 100;
	}
	else if (np == 3 && plen[0] == 4 && plen[1] <= 2 && plen[2] <= 2)
	{
		y = part[0];
		m = part[1];
		d = part[2];
	}
	else if (np == 3 && plen[2] == 4 && plen[0] <= 2 && plen[1] <= 2)
	{
		y = part[2];
		d = part[0];
		m = part[1];
		if (d <= 12 && m <= 12 && d != m)
			note = "ambiguous day and month, read day first";
	}
	else if (np == 3 && plen[2] == 2 && plen[0] <= 2 && plen[1] <= 2)
		STD_RETURN(NULL, false, "two-digit year");
	else
		STD_RETURN(NULL, false, "not a date");

	if (!ok_date(y, m, d))
	{
		if (ok_date(y, d, m))
		{
			int			t = m;

			m = d;
			d = t;
			note = "day and month swapped";
		}
		else
			STD_RETURN(NULL, false,
												 (y < 1880 || y > 2100) ? "year out of range"
												 : "no such day");
	}
	STD_RETURN(psprintf("%04d-%02d-%02d", y, m, d), true, note);
}

/*
 * crm_identity_birth_date: the SQL entry point of CrmStdBirthDate.
 */
Datum
crm_identity_birth_date(PG_FUNCTION_ARGS)
{
	text	   *raw = PG_GETARG_TEXT_PP(0);
	CrmStd		r;
	CrmRequireUtf8();

	CrmStdBirthDate(VARDATA_ANY(raw), VARSIZE_ANY_EXHDR(raw), &r);
	PG_RETURN_DATUM(CrmIdentityStdResult(fcinfo, r.value, r.valid, r.note));
}
