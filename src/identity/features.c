/*
 * features.c
 *		crm.identity_features: a record's raw fields to its standardised
 *		comparison features, in one C call.
 *
 * The same rules as the SQL standardisers (it calls their cores), but
 * without building a crm.identity_std row per field: bulk loads call this
 * once per record.  Element order is that of IdentityField.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "utils/array.h"
#include "utils/builtins.h"

#include "common/errors.h"
#include "identity/identity.h"
#include "identity/identity_text.h"
#include "names/names.h"

PG_FUNCTION_INFO_V1(crm_identity_features);

/* Argument positions of crm.identity_features. */
enum
{
	A_FULL, A_GIVEN, A_FAMILY, A_BIRTH, A_PHONE, A_REGION, A_EMAIL,
	A_NATIONAL, A_ADDRESS, A_CITY, A_POSTCODE, A_NARGS
};

/*
 * national_id: a Chinese resident id in its 18-character form, any other id
 * as its upper-case ASCII letters and digits; NULL when empty.
 */
static char *
national_id(const char *in, int len)
{
	CrmStd		r;
	char	   *out;
	int			i,
				n = 0;

	CrmStdCnId(in, len, &r);
	if (r.value != NULL)
		return r.value;
	out = palloc(len + 1);
	for (i = 0; i < len; i++)
	{
		char		c = in[i];

		if (c >= 'a' && c <= 'z')
			c -= 'a' - 'A';
		if ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
			out[n++] = c;
	}
	out[n] = '\0';
	return n > 0 ? out : NULL;
}

/*
 * postcode: upper case, white space removed; NULL when empty.
 */
static char *
postcode(const char *in, int len)
{
	char	   *out = palloc(len + 1);
	int			i,
				n = 0;

	for (i = 0; i < len; i++)
	{
		char		c = in[i];

		if (c == ' ' || c == '\t' || c == '\n' || c == '\r')
			continue;
		if (c >= 'a' && c <= 'z')
			c -= 'a' - 'A';
		out[n++] = c;
	}
	out[n] = '\0';
	return n > 0 ? out : NULL;
}

/*
 * crm_identity_features: crm.identity_features(full_name, given_name,
 * family_name, birth_date, phone, phone_region, email, national_id,
 * address, city, postcode) -> text[] of IDENTITY_NFIELDS (NULL = missing).
 * Not strict: any argument may be NULL.  Given and family names come from
 * full_name only when both are NULL; either is then normalised by the names
 * area (crm.name_normalize).
 */
Datum
crm_identity_features(PG_FUNCTION_ARGS)
{
	const char *s[A_NARGS];
	int			l[A_NARGS];
	char	   *out[IDENTITY_NFIELDS];
	Datum		elems[IDENTITY_NFIELDS];
	bool		nulls[IDENTITY_NFIELDS];
	int			dims[1] = {IDENTITY_NFIELDS};
	int			lbs[1] = {1};
	CrmStd		r;
	int			i;
	CrmRequireUtf8();

	for (i = 0; i < A_NARGS; i++)
	{
		if (PG_ARGISNULL(i))
		{
			s[i] = NULL;
			l[i] = 0;
		}
		else
		{
			text	   *t = PG_GETARG_TEXT_PP(i);

			s[i] = VARDATA_ANY(t);
			l[i] = VARSIZE_ANY_EXHDR(t);
		}
	}
	memset(out, 0, sizeof(out));

	if (s[A_GIVEN] == NULL && s[A_FAMILY] == NULL)
	{
		if (s[A_FULL] != NULL)
			CrmIdentityNameSplit(s[A_FULL], l[A_FULL], &out[IDF_GIVEN], &out[IDF_FAMILY]);
	}
	else
	{
		if (s[A_GIVEN] != NULL)
			out[IDF_GIVEN] = CrmIdentityNameClean(s[A_GIVEN], l[A_GIVEN]);
		if (s[A_FAMILY] != NULL)
			out[IDF_FAMILY] = CrmIdentityNameClean(s[A_FAMILY], l[A_FAMILY]);
	}
	/* the names area's canonical spelling (simplified Chinese, no accents) */
	for (i = IDF_GIVEN; i <= IDF_FAMILY; i++)
		if (out[i] != NULL)
		{
			int			nlen;

			out[i] = CrmNameNormalize(out[i], strlen(out[i]), &nlen);
			if (nlen == 0)
				out[i] = NULL;
		}
	if (s[A_BIRTH] != NULL)
	{
		CrmStdBirthDate(s[A_BIRTH], l[A_BIRTH], &r);
		out[IDF_BIRTH] = r.value;
	}
	if (s[A_PHONE] != NULL)
	{
		char	   *region = s[A_REGION] ? pnstrdup(s[A_REGION], l[A_REGION]) : "";

		CrmStdPhone(s[A_PHONE], l[A_PHONE], region, &r);
		out[IDF_PHONE] = r.value;
	}
	if (s[A_EMAIL] != NULL)
	{
		CrmStdEmail(s[A_EMAIL], l[A_EMAIL], &r);
		out[IDF_EMAIL] = r.value;
	}
	if (s[A_NATIONAL] != NULL)
		out[IDF_NATIONAL_ID] = national_id(s[A_NATIONAL], l[A_NATIONAL]);
	if (s[A_ADDRESS] != NULL)
	{
		CrmStdAddress(s[A_ADDRESS], l[A_ADDRESS], &r);
		out[IDF_ADDRESS] = r.value;
	}
	if (s[A_CITY] != NULL)
		out[IDF_CITY] = CrmIdentityNameClean(s[A_CITY], l[A_CITY]);
	if (s[A_POSTCODE] != NULL)
		out[IDF_POSTCODE] = postcode(s[A_POSTCODE], l[A_POSTCODE]);

	for (i = 0; i < IDENTITY_NFIELDS; i++)
	{
		nulls[i] = (out[i] == NULL);
		elems[i] = nulls[i] ? (Datum) 0 : CStringGetTextDatum(out[i]);
	}
	PG_RETURN_ARRAYTYPE_P(construct_md_array(elems, nulls, 1, dims, lbs,
											 TEXTOID, -1, false, TYPALIGN_INT));
}
