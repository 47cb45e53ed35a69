/*
 * compare.c
 *		The Fellegi-Sunter comparison vector of two standardised records.
 *
 * crm.identity_compare(a text[], b text[]) takes the feature arrays of two
 * records (crm.identity_record.features: given, family, birth date, phone,
 * e-mail, national id, address, city, postcode, all standardised) and
 * returns a gamma: one comparison level per field packed into an int4 (see
 * identity.h).  A field missing on either side gets IDENTITY_MISSING.
 *
 * Name similarity goes through CrmIdentityNameSimilarity, the one seam to the
 * names area's comparator (CrmNameSimilarityNormalized: token order,
 * initials, nicknames, Chinese through pinyin, typos).  Addresses and places
 * use Jaro-Winkler, ids and codes a bounded edit distance.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "mb/pg_wchar.h"
#include "utils/array.h"
#include "utils/builtins.h"

#include "common/errors.h"
#include "identity/identity.h"
#include "names/names.h"

PG_FUNCTION_INFO_V1(crm_identity_compare);

const char *const CrmIdentityFieldNames[IDENTITY_NFIELDS] = {
	"given_name", "family_name", "birth_date", "phone", "email",
	"national_id", "address", "city", "postcode"
};

const int	CrmIdentityFieldLevels[IDENTITY_NFIELDS] = {4, 4, 3, 3, 3, 3, 4, 3, 3};

static const char *const name_levels[] = {"different", "similar", "very similar", "exact"};
static const char *const date_levels[] = {"different", "partial", "exact"};
static const char *const close_levels[] = {"different", "one edit", "exact"};
static const char *const place_levels[] = {"different", "similar", "exact"};

const char *const *const CrmIdentityLevelNames[IDENTITY_NFIELDS] = {
	name_levels, name_levels, date_levels, close_levels, close_levels,
	close_levels, name_levels, place_levels, close_levels
};

#define MAXCP 128				/* code points compared (longer text truncated) */

/*
 * decode: UTF-8 s (len bytes) to at most MAXCP code points in out; returns
 * the count.
 */
static int
decode(const char *s, int len, pg_wchar *out)
{
	int			n = 0;
	int			i = 0;

	while (i < len && n < MAXCP)
	{
		unsigned char c = (unsigned char) s[i];
		int			l;

		if (c < 0x80)
		{
			out[n++] = c;
			i++;
			continue;
		}
		l = pg_utf_mblen((const unsigned char *) s + i);
		if (l < 1 || i + l > len)
		{
			out[n++] = c;
			i++;
			continue;
		}
		out[n++] = utf8_to_unicode((const unsigned char *) s + i);
		i += l;
	}
	return n;
}

/*
 * CrmIdentityJaroWinkler: Jaro-Winkler similarity (prefix scale 0.1, up to 4
 * characters) of two UTF-8 strings, on code points.
 */
double
CrmIdentityJaroWinkler(const char *a, int alen, const char *b, int blen)
{
	pg_wchar	x[MAXCP],
				y[MAXCP];
	bool		xm[MAXCP],
				ym[MAXCP];
	int			n = decode(a, alen, x);
	int			m = decode(b, blen, y);
	int			window;
	int			matches = 0;
	int			trans = 0;
	int			i,
				j,
				k;
	int			prefix = 0;
	double		jaro;

	if (n == 0 && m == 0)
		return 1.0;
	if (n == 0 || m == 0)
		return 0.0;
	window = Max(n, m) / 2 - 1;
	if (window < 0)
		window = 0;
	memset(xm, 0, sizeof(bool) * n);
	memset(ym, 0, sizeof(bool) * m);
	for (i = 0; i < n; i++)
	{
		int			lo = Max(0, i - window);
		int			hi = Min(m - 1, i + window);

		for (j = lo; j <= hi; j++)
			if (!ym[j] && x[i] == y[j])
			{
				xm[i] = ym[j] = true;
				matches++;
				break;
			}
	}
	if (matches == 0)
		return 0.0;
	for (i = 0, k = 0; i < n; i++)
	{
		if (!xm[i])
			continue;
		while (!ym[k])
			k++;
		if (x[i] != y[k])
			trans++;
		k++;
	}
	jaro = ((double) matches / n + (double) matches / m +
			(matches - trans / 2.0) / matches) / 3.0;
	while (prefix < 4 && prefix < n && prefix < m && x[prefix] == y[prefix])
		prefix++;
	return jaro + prefix * 0.1 * (1.0 - jaro);
}

/*
 * CrmIdentityLevenshteinBounded: edit distance of two UTF-8 strings on code
 * points, with adjacent transpositions costing one (optimal string
 * alignment); any distance above max_d is reported as max_d + 1.
 */
int
CrmIdentityLevenshteinBounded(const char *a, int alen, const char *b, int blen, int max_d)
{
	pg_wchar	x[MAXCP],
				y[MAXCP];
	int			n = decode(a, alen, x);
	int			m = decode(b, blen, y);
	int			d0[MAXCP + 1],
				d1[MAXCP + 1],
				d2[MAXCP + 1];
	int		   *pp = d0,
			   *prev = d1,
			   *cur = d2;
	int			i,
				j;

	if (abs(n - m) > max_d)
		return max_d + 1;
	for (j = 0; j <= m; j++)
		prev[j] = j;
	for (i = 1; i <= n; i++)
	{
		int			rowmin;
		int		   *t;

		cur[0] = i;
		rowmin = i;
		for (j = 1; j <= m; j++)
		{
			int			cost = (x[i - 1] == y[j - 1]) ? 0 : 1;
			int			v = Min(Min(prev[j] + 1, cur[j - 1] + 1), prev[j - 1] + cost);

			if (i > 1 && j > 1 && x[i - 1] == y[j - 2] && x[i - 2] == y[j - 1])
				v = Min(v, pp[j - 2] + 1);
			cur[j] = v;
			rowmin = Min(rowmin, v);
		}
		if (rowmin > max_d)
			return max_d + 1;
		t = pp;
		pp = prev;
		prev = cur;
		cur = t;
	}
	return Min(prev[m], max_d + 1);
}

/*
 * CrmIdentityNameSimilarity: similarity of two normalised names in [0, 1]
 * (crm.name_similarity of the names area).
 */
double
CrmIdentityNameSimilarity(const char *a, int alen, const char *b, int blen)
{
	return CrmNameSimilarityNormalized(a, alen, b, blen);
}

/* Feature (CrmFeature) is one field of a record: pointer and length. */
typedef CrmFeature Feature;

/*
 * sim_level: level 3 exact, 2 similarity >= 0.92, 1 >= 0.80, else 0.
 */
static int
sim_level(double s, bool exact)
{
	if (exact)
		return 3;
	if (s >= 0.92)
		return 2;
	if (s >= 0.80)
		return 1;
	return 0;
}

/*
 * feq: the two features are byte-equal.
 */
static inline bool
feq(Feature a, Feature b)
{
	return a.len == b.len && memcmp(a.s, b.s, a.len) == 0;
}

/*
 * name_levels_of: levels of the given and family names, trying the crossed
 * alignment too (given and family written the other way round).
 */
static void
name_levels_of(const Feature *a, const Feature *b, int *lg, int *lf)
{
	bool		g = a[IDF_GIVEN].s && b[IDF_GIVEN].s;
	bool		f = a[IDF_FAMILY].s && b[IDF_FAMILY].s;
	double		sgg = 0,
				sff = 0;

	if (g)
		sgg = feq(a[IDF_GIVEN], b[IDF_GIVEN]) ? 1.0 :
			CrmIdentityNameSimilarity(a[IDF_GIVEN].s, a[IDF_GIVEN].len, b[IDF_GIVEN].s, b[IDF_GIVEN].len);
	if (f)
		sff = feq(a[IDF_FAMILY], b[IDF_FAMILY]) ? 1.0 :
			CrmIdentityNameSimilarity(a[IDF_FAMILY].s, a[IDF_FAMILY].len, b[IDF_FAMILY].s, b[IDF_FAMILY].len);
	if (g && f && sgg + sff < 1.9)
	{
		double		sgf = CrmIdentityNameSimilarity(a[IDF_GIVEN].s, a[IDF_GIVEN].len, b[IDF_FAMILY].s, b[IDF_FAMILY].len);
		double		sfg = CrmIdentityNameSimilarity(a[IDF_FAMILY].s, a[IDF_FAMILY].len, b[IDF_GIVEN].s, b[IDF_GIVEN].len);

		if (sgf + sfg > sgg + sff + 0.2)
		{
			*lg = sim_level(sgf, feq(a[IDF_GIVEN], b[IDF_FAMILY]));
			*lf = sim_level(sfg, feq(a[IDF_FAMILY], b[IDF_GIVEN]));
			return;
		}
	}
	*lg = g ? sim_level(sgg, sgg >= 1.0 && feq(a[IDF_GIVEN], b[IDF_GIVEN])) : IDENTITY_MISSING;
	*lf = f ? sim_level(sff, sff >= 1.0 && feq(a[IDF_FAMILY], b[IDF_FAMILY])) : IDENTITY_MISSING;
}

/*
 * date_level: birth dates "YYYY-MM-DD": 2 equal; 1 day and month swapped, or
 * exactly one of year, month, day different; else 0.
 */
static int
date_level(Feature a, Feature b)
{
	int			diff = 0;

	if (feq(a, b))
		return 2;
	if (a.len != 10 || b.len != 10)
		return 0;
	if (memcmp(a.s, b.s, 4) == 0 && memcmp(a.s + 5, b.s + 8, 2) == 0 &&
		memcmp(a.s + 8, b.s + 5, 2) == 0)
		return 1;
	diff += memcmp(a.s, b.s, 4) != 0;
	diff += memcmp(a.s + 5, b.s + 5, 2) != 0;
	diff += memcmp(a.s + 8, b.s + 8, 2) != 0;
	return diff == 1 ? 1 : 0;
}

/*
 * close_level: 2 equal, 1 one edit (or transposition) apart, else 0.  For
 * phone numbers the same last eight digits also count as one edit (a
 * missing or different trunk or country prefix).
 */
static int
close_level(Feature a, Feature b, bool phone)
{
	if (feq(a, b))
		return 2;
	if (CrmIdentityLevenshteinBounded(a.s, a.len, b.s, b.len, 1) <= 1)
		return 1;
	if (phone && a.len >= 8 && b.len >= 8 &&
		memcmp(a.s + a.len - 8, b.s + b.len - 8, 8) == 0)
		return 1;
	return 0;
}

/*
 * differ_in_digits_only: a and b are equal once their digits are removed:
 * numbered accounts such as zw1@example.com and zw3@example.com, which
 * belong to different people far more often than they are typos.
 */
static bool
differ_in_digits_only(Feature a, Feature b)
{
	int			i = 0,
				j = 0;

	for (;;)
	{
		while (i < a.len && a.s[i] >= '0' && a.s[i] <= '9')
			i++;
		while (j < b.len && b.s[j] >= '0' && b.s[j] <= '9')
			j++;
		if (i == a.len || j == b.len)
			return i == a.len && j == b.len;
		if (a.s[i] != b.s[j])
			return false;
		i++;
		j++;
	}
}

/*
 * place_level: 2 equal, 1 Jaro-Winkler >= 0.88, else 0.
 */
static int
place_level(Feature a, Feature b)
{
	if (feq(a, b))
		return 2;
	return CrmIdentityJaroWinkler(a.s, a.len, b.s, b.len) >= 0.88 ? 1 : 0;
}

/*
 * CrmIdentityGetFeatures: the IDENTITY_NFIELDS features of a text[]; empty
 * strings and NULL elements are missing.  Rejects arrays of the wrong shape.
 * The features point into the (detoasted) array.
 */
void
CrmIdentityGetFeatures(ArrayType *arr, CrmFeature *f)
{
	Datum	   *elems;
	bool	   *nulls;
	int			n;
	int			i;

	if (ARR_NDIM(arr) != 1 || ARR_ELEMTYPE(arr) != TEXTOID)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("identity features must be a one-dimensional text array")));
	deconstruct_array(arr, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &n);
	if (n != IDENTITY_NFIELDS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("identity features must have %d elements, not %d", IDENTITY_NFIELDS, n),
				 errdetail("The elements are given name, family name, birth date, phone, e-mail, national id, address, city and postcode.")));
	for (i = 0; i < n; i++)
	{
		text	   *t;

		if (nulls[i])
		{
			f[i].s = NULL;
			f[i].len = 0;
			continue;
		}
		t = DatumGetTextPP(elems[i]);
		f[i].s = VARDATA_ANY(t);
		f[i].len = VARSIZE_ANY_EXHDR(t);
		if (f[i].len == 0)
			f[i].s = NULL;
	}
}

/*
 * CrmIdentityCompareFeatures: the gamma of two records' features.
 */
uint32
CrmIdentityCompareFeatures(const CrmFeature *a, const CrmFeature *b)
{
	uint32		gamma = 0;
	int			lv[IDENTITY_NFIELDS];
	int			i;

	name_levels_of(a, b, &lv[IDF_GIVEN], &lv[IDF_FAMILY]);
	for (i = IDF_BIRTH; i < IDENTITY_NFIELDS; i++)
	{
		if (a[i].s == NULL || b[i].s == NULL)
		{
			lv[i] = IDENTITY_MISSING;
			continue;
		}
		switch (i)
		{
			case IDF_BIRTH:
				lv[i] = date_level(a[i], b[i]);
				break;
			case IDF_PHONE:
				lv[i] = close_level(a[i], b[i], true);
				break;
			case IDF_EMAIL:
				lv[i] = close_level(a[i], b[i], false);
				if (lv[i] == 1 && differ_in_digits_only(a[i], b[i]))
					lv[i] = 0;
				break;
			case IDF_NATIONAL_ID:
			case IDF_POSTCODE:
				lv[i] = close_level(a[i], b[i], false);
				break;
			case IDF_ADDRESS:
				lv[i] = sim_level(feq(a[i], b[i]) ? 1.0 :
								  CrmIdentityJaroWinkler(a[i].s, a[i].len, b[i].s, b[i].len),
								  feq(a[i], b[i]));
				break;
			case IDF_CITY:
				lv[i] = place_level(a[i], b[i]);
				break;
		}
	}
	for (i = 0; i < IDENTITY_NFIELDS; i++)
		gamma |= (uint32) lv[i] << (i * IDENTITY_LEVEL_BITS);
	return gamma;
}

/*
 * crm_identity_compare: crm.identity_compare(a text[], b text[]) -> int4 gamma.
 */
Datum
crm_identity_compare(PG_FUNCTION_ARGS)
{
	Feature		a[IDENTITY_NFIELDS];
	Feature		b[IDENTITY_NFIELDS];
	CrmRequireUtf8();

	CrmIdentityGetFeatures(PG_GETARG_ARRAYTYPE_P(0), a);
	CrmIdentityGetFeatures(PG_GETARG_ARRAYTYPE_P(1), b);
	PG_RETURN_INT32((int32) CrmIdentityCompareFeatures(a, b));
}
