/*
 * distance.c
 *		String distances on Unicode code points: Jaro-Winkler, Levenshtein and
 *		Damerau-Levenshtein (optimal string alignment), with early exit.
 *
 * fuzzystrmatch and pg_similarity count bytes, so 张三/張三 or é/e come out
 * wrong; these decode UTF-8 once (an ASCII fast path copies bytes) into stack
 * buffers.  Levenshtein uses Myers' bit-parallel algorithm (Hyyrö's
 * formulation) when the shorter string has at most 64 code points, which is
 * every name; longer strings fall back to the two-row dynamic programme,
 * banded when max_d is given.  The SQL functions reject strings longer than
 * CRM_DISTANCE_MAX_CHARS code points (54000), since the cost is quadratic.
 */
#include "postgres.h"

#include <limits.h>

#include "fmgr.h"
#include "miscadmin.h"
#include "port/pg_bitutils.h"
#include "utils/builtins.h"

#include "common/crm_utf8.h"
#include "common/errors.h"
#include "names/names.h"

PG_FUNCTION_INFO_V1(crm_jaro_winkler);
PG_FUNCTION_INFO_V1(crm_levenshtein);
PG_FUNCTION_INFO_V1(crm_levenshtein_max);
PG_FUNCTION_INFO_V1(crm_damerau_levenshtein);
PG_FUNCTION_INFO_V1(crm_damerau_levenshtein_max);

#define STACK_CHARS 256

/*
 * PeqTable: for a pattern of at most 64 code points, the bit mask of the
 * pattern positions holding each character (bit i = position i), as the
 * bit-parallel algorithms below need it: a direct table for ASCII and a
 * short list for other code points.  Only the ASCII entries that the pattern
 * or the text use are initialised, so building it costs O(np + ns).
 */
typedef struct PeqTable
{
	uint64		ascii[128];
	uint32		other_cp[64];
	uint64		other_mask[64];
	int			nother;
} PeqTable;

/*
 * peq_build: fill *t for pattern p (np <= 64) to be matched against text s.
 */
static inline void
peq_build(PeqTable *t, const uint32 *p, int np, const uint32 *s, int ns)
{
	int			i,
				j;

	t->nother = 0;
	for (i = 0; i < np; i++)
		if (p[i] < 128)
			t->ascii[p[i]] = 0;
	for (i = 0; i < ns; i++)
		if (s[i] < 128)
			t->ascii[s[i]] = 0;
	for (i = 0; i < np; i++)
	{
		uint64		bit = UINT64CONST(1) << i;

		if (p[i] < 128)
			t->ascii[p[i]] |= bit;
		else
		{
			for (j = 0; j < t->nother; j++)
				if (t->other_cp[j] == p[i])
					break;
			if (j == t->nother)
			{
				t->other_cp[t->nother] = p[i];
				t->other_mask[t->nother++] = 0;
			}
			t->other_mask[j] |= bit;
		}
	}
}

/*
 * peq_lookup: the pattern positions of c (0 if the pattern lacks it); c must
 * be a character of the text given to peq_build.
 */
static inline uint64
peq_lookup(const PeqTable *t, uint32 c)
{
	int			j;

	if (c < 128)
		return t->ascii[c];
	for (j = 0; j < t->nother; j++)
		if (t->other_cp[j] == c)
			return t->other_mask[j];
	return 0;
}

/*
 * jaro_bits: the Jaro matching step of CrmJaroWinklerCp for nb <= 64, on
 * bit masks: for each character of a, the first unmatched position of the
 * same character in b within the window is the lowest set bit of
 * (positions of that character) & (window) & ~(matched).  Same result as
 * the textbook loop, without its unpredictable branches.  Returns the number
 * of matches; *trans receives the number of transpositions (half-counted
 * later).
 */
static int
jaro_bits(const uint32 *a, int na, const uint32 *b, int nb, int window, int *trans)
{
	PeqTable	peq;
	uint32		achars[STACK_CHARS];
	int			m = 0,
				i,
				t = 0;
	uint64		matched = 0;

	peq_build(&peq, b, nb, a, na);
	for (i = 0; i < na && i < STACK_CHARS; i++)
	{
		int			lo = Max(0, i - window);
		int			hi = Min(nb - 1, i + window);
		uint64		eq,
					win,
					cand;

		if (lo > hi)
			continue;
		eq = peq_lookup(&peq, a[i]);
		win = (hi - lo == 63) ? ~UINT64CONST(0) :
			((UINT64CONST(1) << (hi - lo + 1)) - 1) << lo;
		cand = eq & win & ~matched;
		if (cand)
		{
			matched |= cand & (~cand + 1);
			achars[m++] = a[i];
		}
	}
	for (i = 0; i < m; i++)
	{
		int			pos = pg_rightmost_one_pos64(matched);

		if (b[pos] != achars[i])
			t++;
		matched &= matched - 1;
	}
	*trans = t;
	return m;
}

/*
 * CrmJaroWinklerCp: Jaro-Winkler similarity in [0, 1] of two code point
 * arrays; the Winkler prefix bonus (0.1 per common leading character, at most
 * 4) applies when the Jaro similarity exceeds 0.7.  Two empty strings are
 * identical (1); one empty string against a non-empty one scores 0.
 */
double
CrmJaroWinklerCp(const uint32 *a, int na, const uint32 *b, int nb)
{
	bool		ma_stack[STACK_CHARS],
				mb_stack[STACK_CHARS];
	bool	   *ma,
			   *mb;
	int			window,
				i,
				j,
				k,
				m = 0,
				t = 0,
				l;
	double		jaro;

	if (na == 0 && nb == 0)
		return 1.0;
	if (na == 0 || nb == 0)
		return 0.0;
	window = Max(na, nb) / 2 - 1;
	if (window < 0)
		window = 0;
	if (nb <= 64 && na <= STACK_CHARS)
	{
		m = jaro_bits(a, na, b, nb, window, &t);
		jaro = (m == 0) ? 0.0 :
			((double) m / na + (double) m / nb + (m - t / 2.0) / m) / 3.0;
	}
	else
	{
		ma = na <= STACK_CHARS ? ma_stack : palloc(na * sizeof(bool));
		mb = nb <= STACK_CHARS ? mb_stack : palloc(nb * sizeof(bool));
		memset(ma, 0, na * sizeof(bool));
		memset(mb, 0, nb * sizeof(bool));
		for (i = 0; i < na; i++)
		{
			int			lo = Max(0, i - window);
			int			hi = Min(nb - 1, i + window);

			for (j = lo; j <= hi; j++)
			{
				if (!mb[j] && a[i] == b[j])
				{
					ma[i] = mb[j] = true;
					m++;
					break;
				}
			}
		}
		if (m == 0)
			jaro = 0.0;
		else
		{
			for (i = 0, k = 0; i < na; i++)
			{
				if (!ma[i])
					continue;
				while (!mb[k])
					k++;
				if (a[i] != b[k])
					t++;
				k++;
			}
			jaro = ((double) m / na + (double) m / nb + (m - t / 2.0) / m) / 3.0;
		}
		if (ma != ma_stack)
			pfree(ma);
		if (mb != mb_stack)
			pfree(mb);
	}
	if (jaro <= 0.7)
		return jaro;
	for (l = 0; l < 4 && l < na && l < nb && a[l] == b[l]; l++)
		;
	return jaro + l * 0.1 * (1.0 - jaro);
}

/*
 * myers: bit-parallel Levenshtein distance, pattern p of np (1..64) code
 * points against text s of ns; returns max_d + 1 as soon as the distance is
 * known to exceed max_d (max_d >= 0).
 */
static int
myers(const uint32 *p, int np, const uint32 *s, int ns, int max_d)
{
	PeqTable	peq;
	uint64		pv = ~UINT64CONST(0),
				mv = 0,
				last = UINT64CONST(1) << (np - 1);
	int			score = np,
				i;

	peq_build(&peq, p, np, s, ns);
	for (i = 0; i < ns; i++)
	{
		uint64		eq = peq_lookup(&peq, s[i]),
					xv,
					xh,
					ph,
					mh;
		xv = eq | mv;
		xh = (((eq & pv) + pv) ^ pv) | eq;
		ph = mv | ~(xh | pv);
		mh = pv & xh;
		if (ph & last)
			score++;
		else if (mh & last)
			score--;
		ph = (ph << 1) | 1;
		mh <<= 1;
		pv = mh | ~(xv | ph);
		mv = ph & xv;
		if (max_d >= 0 && score - (ns - i - 1) > max_d)
			return max_d + 1;
	}
	if (max_d >= 0 && score > max_d)
		return max_d + 1;
	return score;
}

/*
 * myers_ascii: myers() for two ASCII strings, on their bytes (no decoding).
 */
static int
myers_ascii(const unsigned char *p, int np, const unsigned char *s, int ns,
			int max_d)
{
	uint64		peq[128];
	uint64		pv = ~UINT64CONST(0),
				mv = 0,
				last = UINT64CONST(1) << (np - 1);
	int			score = np,
				i;

	for (i = 0; i < ns; i++)
		peq[s[i]] = 0;
	for (i = 0; i < np; i++)
		peq[p[i]] = 0;
	for (i = 0; i < np; i++)
		peq[p[i]] |= UINT64CONST(1) << i;
	for (i = 0; i < ns; i++)
	{
		uint64		eq = peq[s[i]],
					xv = eq | mv,
					xh = (((eq & pv) + pv) ^ pv) | eq,
					ph = mv | ~(xh | pv),
					mh = pv & xh;

		if (ph & last)
			score++;
		else if (mh & last)
			score--;
		ph = (ph << 1) | 1;
		mh <<= 1;
		pv = mh | ~(xv | ph);
		mv = ph & xv;
		if (max_d >= 0 && score - (ns - i - 1) > max_d)
			return max_d + 1;
	}
	if (max_d >= 0 && score > max_d)
		return max_d + 1;
	return score;
}

/*
 * clamp_max_d: no edit distance of strings of na and nb code points exceeds
 * Max(na, nb), so a max_d at or above it is the same as no limit (-1).  This
 * keeps every band bound (i + max_d) and the early-exit value (max_d + 1)
 * far from INT_MAX whatever the caller passes.
 */
static inline int
clamp_max_d(int na, int nb, int max_d)
{
	return (max_d >= Max(na, nb)) ? -1 : max_d;
}

/*
 * dp_levenshtein: two-row dynamic programme for long strings; with max_d >= 0
 * only the band |i - j| <= max_d is computed and the loop stops once a whole
 * row exceeds max_d.
 */
static int
dp_levenshtein(const uint32 *a, int na, const uint32 *b, int nb, int max_d)
{
	int		   *prev = palloc((nb + 1) * sizeof(int));
	int		   *cur = palloc((nb + 1) * sizeof(int));
	int			big = (max_d >= 0) ? max_d + 1 : INT_MAX / 2;
	int			i,
				j,
				r;

	for (j = 0; j <= nb; j++)
		prev[j] = (max_d >= 0 && j > max_d) ? big : j;
	for (i = 1; i <= na; i++)
	{
		int			lo = 1,
					hi = nb,
					rowmin;

		CHECK_FOR_INTERRUPTS();
		if (max_d >= 0)
		{
			lo = Max(1, i - max_d);
			hi = Min(nb, i + max_d);
		}
		cur[0] = (max_d >= 0 && i > max_d) ? big : i;
		for (j = 1; j < lo; j++)
			cur[j] = big;
		rowmin = cur[0];
		for (j = lo; j <= hi; j++)
		{
			int			v = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);

			if (prev[j] + 1 < v)
				v = prev[j] + 1;
			if (cur[j - 1] + 1 < v)
				v = cur[j - 1] + 1;
			if (v > big)
				v = big;
			cur[j] = v;
			if (v < rowmin)
				rowmin = v;
		}
		for (j = hi + 1; j <= nb; j++)
			cur[j] = big;
		if (max_d >= 0 && rowmin > max_d)
		{
			pfree(prev);
			pfree(cur);
			return max_d + 1;
		}
		{
			int		   *tmp = prev;

			prev = cur;
			cur = tmp;
		}
	}
	r = prev[nb];
	pfree(prev);
	pfree(cur);
	if (max_d >= 0 && r > max_d)
		return max_d + 1;
	return r;
}

/*
 * CrmLevenshteinCp: Levenshtein distance (insert, delete, substitute, each
 * 1) of two code point arrays; with max_d >= 0 any distance above max_d is
 * reported as max_d + 1, computed with early exit.
 */
int
CrmLevenshteinCp(const uint32 *a, int na, const uint32 *b, int nb, int max_d)
{
	max_d = clamp_max_d(na, nb, max_d);
	if (max_d >= 0 && abs(na - nb) > max_d)
		return max_d + 1;
	if (na == 0 || nb == 0)
	{
		int			d = Max(na, nb);

		return (max_d >= 0 && d > max_d) ? max_d + 1 : d;
	}
	if (na <= nb && na <= 64)
		return myers(a, na, b, nb, max_d);
	if (nb < na && nb <= 64)
		return myers(b, nb, a, na, max_d);
	return dp_levenshtein(a, na, b, nb, max_d);
}

/*
 * CrmDamerauLevenshteinCp: optimal string alignment distance (Levenshtein
 * plus transposition of two adjacent characters, no substring edited twice);
 * max_d as for CrmLevenshteinCp.
 */
int
CrmDamerauLevenshteinCp(const uint32 *a, int na, const uint32 *b, int nb, int max_d)
{
	int		   *r0,
			   *r1,
			   *r2;
	int			i,
				j,
				res,
				prevmin = 0;

	max_d = clamp_max_d(na, nb, max_d);
	if (max_d >= 0 && abs(na - nb) > max_d)
		return max_d + 1;
	if (na == 0 || nb == 0)
	{
		int			d = Max(na, nb);

		return (max_d >= 0 && d > max_d) ? max_d + 1 : d;
	}
	r0 = palloc((nb + 1) * sizeof(int));	/* row i - 2 */
	r1 = palloc((nb + 1) * sizeof(int));	/* row i - 1 */
	r2 = palloc((nb + 1) * sizeof(int));	/* row i */
	for (j = 0; j <= nb; j++)
		r1[j] = j;
	for (i = 1; i <= na; i++)
	{
		int			rowmin;

		if ((i & 63) == 0)
			CHECK_FOR_INTERRUPTS();
		r2[0] = i;
		rowmin = i;
		for (j = 1; j <= nb; j++)
		{
			int			cost = (a[i - 1] == b[j - 1]) ? 0 : 1;
			int			v = r1[j - 1] + cost;

			if (r1[j] + 1 < v)
				v = r1[j] + 1;
			if (r2[j - 1] + 1 < v)
				v = r2[j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
				r0[j - 2] + 1 < v)
				v = r0[j - 2] + 1;
			r2[j] = v;
			if (v < rowmin)
				rowmin = v;
		}
		if (max_d >= 0 && rowmin > max_d && prevmin > max_d)
		{
			pfree(r0);
			pfree(r1);
			pfree(r2);
			return max_d + 1;
		}
		prevmin = rowmin;
		{
			int		   *tmp = r0;

			r0 = r1;
			r1 = r2;
			r2 = tmp;
		}
	}
	res = r1[nb];
	pfree(r0);
	pfree(r1);
	pfree(r2);
	if (max_d >= 0 && res > max_d)
		return max_d + 1;
	return res;
}

/*
 * decode_arg: the code points of a text argument into stack (room for
 * STACK_CHARS) or a palloc'd buffer; raises 54000 above the length limit.
 */
static uint32 *
decode_arg(text *t, uint32 *stack, int *n)
{
	const char *s = VARDATA_ANY(t);
	int			len = VARSIZE_ANY_EXHDR(t);
	uint32	   *buf;

	if (len <= STACK_CHARS)
		buf = stack;
	else
	{
		int			nc = CrmUtf8Length(s, len);

		if (nc > CRM_DISTANCE_MAX_CHARS)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("string of %d characters is too long for a distance function", nc),
					 errdetail("The limit is %d characters per argument.", CRM_DISTANCE_MAX_CHARS)));
		buf = palloc(len * sizeof(uint32));
	}
	*n = CrmUtf8Decode(s, len, buf);
	return buf;
}

/*
 * get_max_d: the optional max_d argument; NULL means no limit, a negative
 * value is an error (22023).
 */
static int
get_max_d(FunctionCallInfo fcinfo)
{
	int			d;

	if (PG_ARGISNULL(2))
		return -1;
	d = PG_GETARG_INT32(2);
	if (d < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("max_d must not be negative: \"%d\"", d)));
	return d;
}

/*
 * crm_jaro_winkler: SQL crm.jaro_winkler(text, text) -> float8.
 */
Datum
crm_jaro_winkler(PG_FUNCTION_ARGS)
{
	text	   *ta = PG_GETARG_TEXT_PP(0);
	text	   *tb = PG_GETARG_TEXT_PP(1);
	uint32		sa[STACK_CHARS],
				sb[STACK_CHARS];
	uint32	   *a,
			   *b;
	int			na,
				nb;

	CrmRequireUtf8();
	a = decode_arg(ta, sa, &na);
	b = decode_arg(tb, sb, &nb);
	PG_RETURN_FLOAT8(CrmJaroWinklerCp(a, na, b, nb));
}

/*
 * levenshtein_common: shared body of the Levenshtein and Damerau SQL entry
 * points.  NULL text arguments give NULL (the 3-argument forms are not
 * STRICT so that a NULL max_d can mean no limit).
 */
static Datum
levenshtein_common(FunctionCallInfo fcinfo, bool damerau, bool with_max)
{
	uint32		sa[STACK_CHARS],
				sb[STACK_CHARS];
	uint32	   *a,
			   *b;
	int			na,
				nb,
				max_d = -1;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		PG_RETURN_NULL();
	CrmRequireUtf8();
	if (with_max)
		max_d = get_max_d(fcinfo);
	if (!damerau)
	{
		text	   *ta = PG_GETARG_TEXT_PP(0);
		text	   *tb = PG_GETARG_TEXT_PP(1);
		const unsigned char *pa = (const unsigned char *) VARDATA_ANY(ta);
		const unsigned char *pb = (const unsigned char *) VARDATA_ANY(tb);
		int			la = VARSIZE_ANY_EXHDR(ta);
		int			lb = VARSIZE_ANY_EXHDR(tb);

		/* ASCII names: bit-parallel on the bytes, nothing decoded. */
		if (la > 0 && lb > 0 && Min(la, lb) <= 64 &&
			Max(la, lb) <= CRM_DISTANCE_MAX_CHARS &&
			CrmUtf8IsAscii((const char *) pa, la) &&
			CrmUtf8IsAscii((const char *) pb, lb))
		{
			max_d = clamp_max_d(la, lb, max_d);
			if (max_d >= 0 && abs(la - lb) > max_d)
				PG_RETURN_INT32(max_d + 1);
			if (la <= lb)
				PG_RETURN_INT32(myers_ascii(pa, la, pb, lb, max_d));
			PG_RETURN_INT32(myers_ascii(pb, lb, pa, la, max_d));
		}
	}
	a = decode_arg(PG_GETARG_TEXT_PP(0), sa, &na);
	b = decode_arg(PG_GETARG_TEXT_PP(1), sb, &nb);
	if (damerau)
		PG_RETURN_INT32(CrmDamerauLevenshteinCp(a, na, b, nb, max_d));
	PG_RETURN_INT32(CrmLevenshteinCp(a, na, b, nb, max_d));
}

/*
 * crm_levenshtein: SQL crm.levenshtein(text, text) -> int.
 */
Datum
crm_levenshtein(PG_FUNCTION_ARGS)
{
	return levenshtein_common(fcinfo, false, false);
}

/*
 * crm_levenshtein_max: SQL crm.levenshtein(text, text, max_d int) -> int.
 */
Datum
crm_levenshtein_max(PG_FUNCTION_ARGS)
{
	return levenshtein_common(fcinfo, false, true);
}

/*
 * crm_damerau_levenshtein: SQL crm.damerau_levenshtein(text, text) -> int.
 */
Datum
crm_damerau_levenshtein(PG_FUNCTION_ARGS)
{
	return levenshtein_common(fcinfo, true, false);
}

/*
 * crm_damerau_levenshtein_max: SQL crm.damerau_levenshtein(text, text,
 * max_d int) -> int.
 */
Datum
crm_damerau_levenshtein_max(PG_FUNCTION_ARGS)
{
	return levenshtein_common(fcinfo, true, true);
}
