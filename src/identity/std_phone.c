/*
 * std_phone.c
 *		crm.identity_phone: phone numbers to E.164 through libphonenumber.
 *
 * The number is parsed as dialled from a region (the argument, or the
 * crm_profile.default_region setting): "138 0013 8000" from CN, "0086 138
 * 0013 8000" and "+86-138-0013-8000" from anywhere give +8613800138000.
 * value is the E.164 form whenever the text parses as a number of a possible
 * length; valid says whether the number is assigned in its country's plan;
 * note names the kind and region ("mobile CN") or why it failed.
 */
#include "postgres.h"

#include <ctype.h>

#include "fmgr.h"
#include "utils/builtins.h"

#include "common/errors.h"
#include "identity/identity.h"

PG_FUNCTION_INFO_V1(crm_identity_phone);
PG_FUNCTION_INFO_V1(crm_identity_phone_region);

/* STD_RETURN: set the standardiser result and return from the core. */
#define STD_RETURN(v, ok, n) \
	do { const char *v_ = (v); r->value = v_ ? pstrdup(v_) : NULL; r->valid = (ok); r->note = (n); return; } while (0)

/*
 * CrmStdPhone: standardise in (inlen bytes) dialled from region; the shared
 * body of both SQL entry points and of crm.identity_features.
 */
void
CrmStdPhone(const char *in, int inlen, const char *region, CrmStd *r)
{
	char	   *s = pnstrdup(in, inlen);
	char		e164[64];
	char		kind[32];
	char		cc[8];
	int			valid;
	int			possible;
	int			rc;
	bool		anydigit = false;
	char	   *p;

	for (p = s; *p; p++)
		if (isdigit((unsigned char) *p) || (unsigned char) *p >= 0x80)
			anydigit = true;
	if (!anydigit)
		STD_RETURN(NULL, false, "no digits");
	if (strlen(s) > 250)
		STD_RETURN(NULL, false, "too long to be a phone number");

	rc = CrmPhoneParse(s, region, e164, sizeof(e164), &valid, &possible,
					   kind, sizeof(kind), cc, sizeof(cc));
	if (rc == CRM_PHONE_ERROR)
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("libphonenumber failed on \"%s\"", s)));
	if (rc != CRM_PHONE_OK)
		STD_RETURN(NULL, false,
									(region == NULL || region[0] == '\0')
									? "not a phone number, or no country code and no default region"
									: "not a phone number");
	if (!possible)
		STD_RETURN(NULL, false,
									psprintf("impossible length for %s",
											 cc[0] ? cc : "its country code"));
	if (!valid)
		STD_RETURN(e164, false,
									psprintf("unassigned number range%s%s",
											 cc[0] ? " in " : "", cc));
	STD_RETURN(e164, true, psprintf("%s %s", kind, cc[0] ? cc : "001"));
}

/*
 * check_region_arg: the region argument is '' (unknown) or two letters;
 * returns it upper-cased.
 */
static const char *
check_region_arg(text *t)
{
	char	   *r = text_to_cstring(t);

	if (r[0] == '\0')
		return r;
	if (strlen(r) != 2 || !isalpha((unsigned char) r[0]) || !isalpha((unsigned char) r[1]))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid region \"%s\"", r),
				 errhint("A region is a two-letter ISO 3166 code such as \"CN\", \"US\" or \"GB\", or '' for unknown.")));
	r[0] = (char) toupper((unsigned char) r[0]);
	r[1] = (char) toupper((unsigned char) r[1]);
	return r;
}

/*
 * crm_identity_phone: crm.identity_phone(raw text), dialled from the region
 * in crm_profile.default_region (hence STABLE).
 */
Datum
crm_identity_phone(PG_FUNCTION_ARGS)
{
	text	   *raw = PG_GETARG_TEXT_PP(0);
	CrmStd		r;
	CrmRequireUtf8();

	CrmStdPhone(VARDATA_ANY(raw), VARSIZE_ANY_EXHDR(raw), crm_identity_default_region, &r);
	PG_RETURN_DATUM(CrmIdentityStdResult(fcinfo, r.value, r.valid, r.note));
}

/*
 * crm_identity_phone_region: crm.identity_phone(raw text, region text).
 */
Datum
crm_identity_phone_region(PG_FUNCTION_ARGS)
{
	text	   *raw = PG_GETARG_TEXT_PP(0);
	CrmStd		r;
	CrmRequireUtf8();

	CrmStdPhone(VARDATA_ANY(raw), VARSIZE_ANY_EXHDR(raw), check_region_arg(PG_GETARG_TEXT_PP(1)), &r);
	PG_RETURN_DATUM(CrmIdentityStdResult(fcinfo, r.value, r.valid, r.note));
}
