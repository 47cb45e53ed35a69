/*
 * std_cn_id.c
 *		crm.identity_cn_id: Chinese resident identity card numbers (GB 11643).
 *
 * An 18-character number is 6 digits of region, 8 of birth date (YYYYMMDD),
 * 3 of sequence (odd for men) and a check character: the ISO 7064 MOD 11-2
 * sum of the first 17 digits with weights 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4
 * 2, mapped through "10X98765432".  Old 15-digit numbers (YYMMDD, 19xx) are
 * converted.  Spaces and hyphens are removed, full-width digits and a lower
 * case x accepted.  value is the cleaned 18-character form whenever it has
 * that shape (so that a typo still compares close), valid says whether the
 * checksum, the birth date and the province code are right.
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/builtins.h"

#include "common/errors.h"
#include "identity/identity.h"
#include "identity/identity_text.h"

PG_FUNCTION_INFO_V1(crm_identity_cn_id);

/* STD_RETURN: set the standardiser result and return from the core. */
#define STD_RETURN(v, ok, n) \
	do { const char *v_ = (v); r->value = v_ ? pstrdup(v_) : NULL; r->valid = (ok); r->note = (n); return; } while (0)

static const int weights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
static const char checks[] = "10X98765432";

/*
 * check_char: the check character of the first 17 digits of id.
 */
static char
check_char(const char *id)
{
	int			sum = 0;
	int			i;

	for (i = 0; i < 17; i++)
		sum += (id[i] - '0') * weights[i];
	return checks[sum % 11];
}

/*
 * birth_ok: the YYYYMMDD at id+6 is a date between 1880 and 2100.
 */
static bool
birth_ok(const char *id)
{
	int			y = (id[6] - '0') * 1000 + (id[7] - '0') * 100 + (id[8] - '0') * 10 + (id[9] - '0');
	int			m = (id[10] - '0') * 10 + (id[11] - '0');
	int			d = (id[12] - '0') * 10 + (id[13] - '0');
	int			dim[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	if (y < 1880 || y > 2100 || m < 1 || m > 12 || d < 1)
		return false;
	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return d <= 29;
	return d <= dim[m - 1];
}

/*
 * CrmStdCnId: the core of crm.identity_cn_id(raw text) -> crm.identity_std.
 */
void
CrmStdCnId(const char *in, int inlen, CrmStd *r)
{
	int			flen;
	char	   *f = CrmIdentityFold(in, inlen, false, &flen);
	char		id[19];
	int			n = 0;
	int			i;
	const char *note = NULL;
	char		c;

	for (i = 0; i < flen; i++)
	{
		char		ch = f[i];

		if (ch == ' ' || ch == '-')
			continue;
		if (ch == 'x')
			ch = 'X';
		if (!((ch >= '0' && ch <= '9') || ch == 'X'))
			STD_RETURN(NULL, false, "invalid character");
		if (n >= 18)
			STD_RETURN(NULL, false, "more than 18 characters");
		id[n++] = ch;
	}
	id[n] = '\0';
	if (n == 15)
	{
		/* legacy 15 digits: insert the century, add the check character */
		if (strchr(id, 'X') != NULL)
			STD_RETURN(NULL, false, "X in a 15-digit number");
		memmove(id + 8, id + 6, 9);
		id[6] = '1';
		id[7] = '9';
		id[17] = check_char(id);
		id[18] = '\0';
		note = "converted from 15 digits";
		n = 18;
	}
	if (n != 18)
		STD_RETURN(NULL, false,
											 psprintf("%d characters, not 18", n));
	if (strchr(id, 'X') != NULL && strchr(id, 'X') != id + 17)
		STD_RETURN(NULL, false, "X before the last place");
	if (id[0] < '1' || id[0] > '8')
		STD_RETURN(id, false, "no such province code");
	if (!birth_ok(id))
		STD_RETURN(id, false, "no such birth date");
	c = check_char(id);
	if (c != id[17])
		STD_RETURN(id, false,
											 psprintf("check character is %c, expected %c", id[17], c));
	STD_RETURN(id, true, note);
}

/*
 * crm_identity_cn_id: the SQL entry point of CrmStdCnId.
 */
Datum
crm_identity_cn_id(PG_FUNCTION_ARGS)
{
	text	   *raw = PG_GETARG_TEXT_PP(0);
	CrmStd		r;
	CrmRequireUtf8();

	CrmStdCnId(VARDATA_ANY(raw), VARSIZE_ANY_EXHDR(raw), &r);
	PG_RETURN_DATUM(CrmIdentityStdResult(fcinfo, r.value, r.valid, r.note));
}
