/*
 * distance.c
 *		String distances on Unicode code points: Jaro-Winkler, Levenshtein and
 *		Damerau-Levenshtein (optimal string alignment), with early exit.
 *
 * fuzzystrmatch and pg_similarity count bytes, so 张三/張三 or é/e come out
 * wrong; these work on code points.  Each SQL call scans its two arguments
 * once, eight bytes at a time (CrmUtf8Scan: length in code points, all
 * ASCII?).  Two ASCII strings, most Latin names, are compared on their bytes
 * with nothing decoded; otherwise the text is decoded into stack buffers,
 * after the exact shortcuts that need no decoding (a length difference above
 * max_d).  Levenshtein and optimal string alignment remove the common prefix
 * and suffix, then use the bit-parallel algorithms of Myers and Hyyrö when
 * the shorter remainder has at most 64 characters, which is every name;
 * longer strings fall back to the dynamic programmes, banded when max_d is
 * given.  Jaro-Winkler matches on bit masks when the second string has at
 * most 64 characters.  The SQL functions reject strings longer than
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
 * The bit-parallel kernels below are written once over "a string of
 * characters" and instantiated twice by always-inline wrappers: on the bytes
 * of ASCII text (wide = false: nothing decoded, direct table look-ups) and on
 * decoded code points (wide = true).
 */

/*
 * char_at: character i of s, a byte string (wide = false) or a code point
 * array (wide = true).
 */
static pg_attribute_always_inline uint32
char_at(const void *s, int i, bool wide)
{
	return wide ? ((const uint32 *) s)[i] : ((const unsigned char *) s)[i];
}

/*
 * PeqTable: for a pattern of at most 64 code points, the bit mask of the
 * pattern positions holding each character (bit i = position i), as the
 * bit-parallel algorithms below need it: a direct table for ASCII and a
 * short list for other code points.  A 128-bit set records which ASCII
 * entries the pattern wrote; the others are never cleared, they read as 0
 * through that set, so building the table costs one pass over the pattern
 * and nothing for the text.
 */
typedef struct PeqTable
{
	uint64		present_lo;		/* ASCII 0-63 in the pattern */
	uint64		present_hi;		/* ASCII 64-127 in the pattern */
	uint64		ascii[128];		/* valid where present */
	uint32		other_cp[64];
	uint64		other_mask[64];
	int			nother;
} PeqTable;

/*
 * peq_present: all ones if ASCII character c was written by peq_build, else
 * zero.
 */
static pg_attribute_always_inline uint64
peq_present(const PeqTable *t, uint32 c)
{
	uint64		set = (c < 64) ? t->present_lo : t->present_hi;

	return -((set >> (c & 63)) & 1);
}

/*
 * peq_build: fill *t for pattern p (np <= 64).  Byte strings (wide = false)
 * must be ASCII.
 */
static pg_attribute_always_inline void
peq_build(PeqTable *t, const void *p, int np, bool wide)
{
	int			i,
				j;

	t->present_lo = 0;
	t->present_hi = 0;
	t->nother = 0;
	for (i = 0; i < np; i++)
	{
		uint32		c = char_at(p, i, wide);
		uint64		bit = UINT64CONST(1) << i;

		if (!wide || c < 128)
		{
			uint64		cbit = UINT64CONST(1) << (c & 63);

			t->ascii[c] = (t->ascii[c] & peq_present(t, c)) | bit;
			if (c < 64)
				t->present_lo |= cbit;
			else
				t->present_hi |= cbit;
		}
		else
		{
			for (j = 0; j < t->nother; j++)
				if (t->other_cp[j] == c)
					break;
			if (j == t->nother)
			{
				t->other_cp[t->nother] = c;
				t->other_mask[t->nother++] = 0;
			}
			t->other_mask[j] |= bit;
		}
	}
}

/*
 * peq_lookup: the pattern positions of c (0 if the pattern lacks it).
 */
static pg_attribute_always_inline uint64
peq_lookup(const PeqTable *t, uint32 c, bool wide)
{
	int			j;

	if (!wide || c < 128)
		return t->ascii[c] & peq_present(t, c);
	for (j = 0; j < t->nother; j++)
		if (t->other_cp[j] == c)
			return t->other_mask[j];
	return 0;
}

/*
 * jaro_bits: the Jaro matching step for nb <= 64 and na <= STACK_CHARS, on
 * bit masks: for each character of a, the first unmatched position of the
 * same character in b within the window is the lowest set bit of
 * (positions of that character) & (window) & ~(matched).  The window's two
 * edges are masks shifted by one position a step, and the loop stops where
 * the window has left b.  Same result as the textbook loop, without its
 * unpredictable branches.  Returns the number of matches; *trans receives
 * the number of transpositions (half-counted later).
 */
static pg_attribute_always_inline int
jaro_bits(const void *a, int na, const void *b, int nb, int window,
		  int *trans, bool wide)
{
	PeqTable	peq;
	uint32		achars[STACK_CHARS];
	uint64		matched = 0,
				upto,
				from = ~UINT64CONST(0);
	int			m = 0,
				t = 0,
				i,
				last = Min(na, nb + window);

	peq_build(&peq, b, nb, wide);
	/* upto: positions <= i + window; from: positions >= i - window */
	upto = (window >= 63) ? ~UINT64CONST(0) :
		(UINT64CONST(1) << (window + 1)) - 1;
	for (i = 0; i < last; i++)
	{
		uint32		c = char_at(a, i, wide);
		uint64		cand = peq_lookup(&peq, c, wide) & upto & from & ~matched;

		matched |= cand & (~cand + 1);
		achars[m] = c;
		m += (cand != 0);
		upto = (upto << 1) | 1;
		if (i >= window)
			from <<= 1;
	}
	for (i = 0; i < m; i++)
	{
		int			pos = pg_rightmost_one_pos64(matched);

		t += (char_at(b, pos, wide) != achars[i]);
		matched &= matched - 1;
	}
	*trans = t;
	return m;
}

/*
 * jaro_window: the Jaro matching window, Max(na, nb) / 2 - 1, at least 0.
 */
static inline int
jaro_window(int na, int nb)
{
	return Max(Max(na, nb) / 2 - 1, 0);
}

/*
 * winkler: the Jaro-Winkler similarity from m matches and t transpositions
 * of a (na) and b (nb), both non-empty: the Winkler prefix bonus (0.1 per
 * common leading character, at most 4) applies when Jaro exceeds 0.7.
 */
static pg_attribute_always_inline double
winkler(int m, int t, const void *a, int na, const void *b, int nb, bool wide)
{
	double		jaro;
	int			l;

	if (m == 0)
		return 0.0;
	jaro = ((double) m / na + (double) m / nb + (m - t / 2.0) / m) / 3.0;
	if (jaro <= 0.7)
		return jaro;
	for (l = 0; l < 4 && l < na && l < nb && char_at(a, l, wide) == char_at(b, l, wide); l++)
		;
	return jaro + l * 0.1 * (1.0 - jaro);
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
				t = 0;

	if (na == 0 && nb == 0)
		return 1.0;
	if (na == 0 || nb == 0)
		return 0.0;
	window = jaro_window(na, nb);
	if (nb <= 64 && na <= STACK_CHARS)
	{
		m = jaro_bits(a, na, b, nb, window, &t, true);
		return winkler(m, t, a, na, b, nb, true);
	}
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
	for (i = 0, k = 0; i < na && m > 0; i++)
	{
		if (!ma[i])
			continue;
		while (!mb[k])
			k++;
		if (a[i] != b[k])
			t++;
		k++;
	}
	if (ma != ma_stack)
		pfree(ma);
	if (mb != mb_stack)
		pfree(mb);
	return winkler(m, t, a, na, b, nb, true);
}

/*
 * bitpar_distance: bit-parallel edit distance of pattern p (np, 1..64
 * characters) against text s (ns >= np): Levenshtein by Myers' algorithm in
 * Hyyrö's formulation, or with osa the optimal string alignment distance
 * (Hyyrö 2003: a transposition adds the diagonal two rows and columns back,
 * TR = ((~D0' & Eq) << 1) & Eq', primes for the previous column).
 *
 * With bounded (max_d >= 0) it returns max_d + 1 as soon as the distance
 * must exceed max_d, by Ukkonen's cut-off on the diagonal that ends in the
 * last cell: a path to cell (np, ns) crosses column j at some row i, costing
 * at least D[i][j] + |i - r| with r = j - (ns - np), and since a column's
 * values change by at most one a row, D[i][j] >= D[r][j] - |i - r|; so the
 * distance is at least D[r][j].  That cell's value is followed from
 * (0, ns - np), where it is ns - np, one diagonal step a column: plus the
 * horizontal delta of row r - 1 and the vertical delta of row r, both read
 * from the delta bit vectors.  Both facts hold for optimal string alignment
 * too.
 */
static pg_attribute_always_inline int
bitpar_distance(const void *p, int np, const void *s, int ns, int max_d,
				bool osa, bool bounded, bool wide)
{
	PeqTable	peq;
	uint64		vp = ~UINT64CONST(0),
				vn = 0,
				d0 = 0,
				eq_prev = 0,
				last = UINT64CONST(1) << (np - 1);
	int			score = np,
				gap = ns - np,
				diag = ns - np,
				i;

	peq_build(&peq, p, np, wide);
	for (i = 0; i < ns; i++)
	{
		uint64		eq = peq_lookup(&peq, char_at(s, i, wide), wide),
					hp,
					hn;

		if (osa)
		{
			uint64		tr = (((~d0) & eq) << 1) & eq_prev;

			d0 = ((((eq & vp) + vp) ^ vp) | eq | vn) | tr;
			eq_prev = eq;
		}
		else
			d0 = (((eq & vp) + vp) ^ vp) | eq | vn;
		hp = vn | ~(d0 | vp);
		hn = vp & d0;
		score += (hp & last) != 0;
		score -= (hn & last) != 0;
		hp = (hp << 1) | 1;
		hn <<= 1;
		vp = hn | ~(d0 | hp);
		vn = hp & d0;
		if (bounded && i >= gap)
		{
			int			r = i - gap;	/* bit of row r + 1 of column i + 1 */

			diag += (int) ((hp >> r) & 1) - (int) ((hn >> r) & 1) +
				(int) ((vp >> r) & 1) - (int) ((vn >> r) & 1);
			if (diag > max_d)
				return max_d + 1;
		}
	}
	if (bounded && score > max_d)
		return max_d + 1;
	return score;
}

/*
 * common_bytes: the length of the common prefix (back = false) or suffix
 * (back = true) of byte strings a (na) and b (nb), at most n; eight bytes at
 * a time on little-endian machines, the first differing byte found from the
 * lowest (prefix) or highest (suffix) set bit of the XOR of two words.
 */
static pg_attribute_always_inline int
common_bytes(const unsigned char *a, int na, const unsigned char *b, int nb,
			 int n, bool back)
{
	int			k = 0;

#ifndef WORDS_BIGENDIAN
	for (; k + 8 <= n; k += 8)
	{
		uint64		x,
					y;

		memcpy(&x, back ? a + na - k - 8 : a + k, 8);
		memcpy(&y, back ? b + nb - k - 8 : b + k, 8);
		x ^= y;
		if (x != 0)
			return k + (back ? 7 - pg_leftmost_one_pos64(x) / 8 :
						pg_rightmost_one_pos64(x) / 8);
	}
#endif
	if (back)
		while (k < n && a[na - 1 - k] == b[nb - 1 - k])
			k++;
	else
		while (k < n && a[k] == b[k])
			k++;
	return k;
}

/*
 * strip_affix: remove the common prefix and suffix of a and b (an exact
 * reduction for Levenshtein and optimal string alignment: an optimal
 * alignment matches them); returns the prefix length, by which the caller
 * advances both strings, and shortens *na and *nb.
 */
static pg_attribute_always_inline int
strip_affix(const void *a, int *na, const void *b, int *nb, bool wide)
{
	int			n = Min(*na, *nb),
				pre = 0,
				suf = 0;

	if (wide)
	{
		while (pre < n && char_at(a, pre, wide) == char_at(b, pre, wide))
			pre++;
		while (suf < n - pre &&
			   char_at(a, *na - 1 - suf, wide) == char_at(b, *nb - 1 - suf, wide))
			suf++;
	}
	else
	{
		pre = common_bytes(a, *na, b, *nb, n, false);
		suf = common_bytes(a, *na, b, *nb, n - pre, true);
	}
	*na -= pre + suf;
	*nb -= pre + suf;
	return pre;
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
 * dp_osa: optimal string alignment distance by the three-row dynamic
 * programme, for strings that both exceed 64 code points after the common
 * affix is removed; max_d as for dp_levenshtein (a row and the one before it
 * both above max_d end it: a transposition reaches back two rows).
 */
static int
dp_osa(const uint32 *a, int na, const uint32 *b, int nb, int max_d)
{
	int		   *r0,
			   *r1,
			   *r2;
	int			i,
				j,
				res,
				prevmin = 0;

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
 * widen: the code points of n ASCII bytes, in a palloc'd array (for the
 * dynamic programmes, which work on code points).
 */
static uint32 *
widen(const unsigned char *s, int n)
{
	uint32	   *w = palloc(Max(n, 1) * sizeof(uint32));
	int			i;

	for (i = 0; i < n; i++)
		w[i] = s[i];
	return w;
}

/*
 * edit_distance: Levenshtein (osa = false) or optimal string alignment
 * distance of a and b (code points, or ASCII bytes when wide = false), max_d
 * as for CrmLevenshteinCp.  The exact shortcuts first: a length difference
 * above max_d, then the common prefix and suffix (equal strings end there at
 * 0); then the bit-parallel kernel when the shorter remainder has at most 64
 * characters (every name), else the dynamic programme.
 */
static pg_attribute_always_inline int
edit_distance(const void *a, int na, const void *b, int nb, int max_d,
			  bool osa, bool wide)
{
	int			pre,
				d;

	max_d = clamp_max_d(na, nb, max_d);
	if (max_d >= 0 && abs(na - nb) > max_d)
		return max_d + 1;
	pre = strip_affix(a, &na, b, &nb, wide);
	if (wide)
	{
		a = (const uint32 *) a + pre;
		b = (const uint32 *) b + pre;
	}
	else
	{
		a = (const unsigned char *) a + pre;
		b = (const unsigned char *) b + pre;
	}
	if (na == 0 || nb == 0)
	{
		d = Max(na, nb);
		return (max_d >= 0 && d > max_d) ? max_d + 1 : d;
	}
	if (Min(na, nb) <= 64)
	{
		if (nb < na)
		{
			const void *t = a;

			a = b;
			b = t;
			d = na;
			na = nb;
			nb = d;
		}
		if (max_d >= 0)
			return bitpar_distance(a, na, b, nb, max_d, osa, true, wide);
		return bitpar_distance(a, na, b, nb, -1, osa, false, wide);
	}
	if (wide)
		return osa ? dp_osa(a, na, b, nb, max_d) : dp_levenshtein(a, na, b, nb, max_d);
	else
	{
		uint32	   *wa = widen(a, na),
				   *wb = widen(b, nb);

		d = osa ? dp_osa(wa, na, wb, nb, max_d) : dp_levenshtein(wa, na, wb, nb, max_d);
		pfree(wa);
		pfree(wb);
		return d;
	}
}

/*
 * CrmLevenshteinCp: Levenshtein distance (insert, delete, substitute, each
 * 1) of two code point arrays; with max_d >= 0 any distance above max_d is
 * reported as max_d + 1, computed with early exit.
 */
int
CrmLevenshteinCp(const uint32 *a, int na, const uint32 *b, int nb, int max_d)
{
	return edit_distance(a, na, b, nb, max_d, false, true);
}

/*
 * CrmDamerauLevenshteinCp: optimal string alignment distance (Levenshtein
 * plus transposition of two adjacent characters, no substring edited twice);
 * max_d as for CrmLevenshteinCp.
 */
int
CrmDamerauLevenshteinCp(const uint32 *a, int na, const uint32 *b, int nb, int max_d)
{
	return edit_distance(a, na, b, nb, max_d, true, true);
}

/*
 * DistArg: a text argument of a distance function: its bytes, its length in
 * code points and whether it is all ASCII (one CrmUtf8Scan).
 */
typedef struct DistArg
{
	const char *s;
	int			len;			/* bytes */
	int			nchars;			/* code points */
	bool		ascii;
} DistArg;

/*
 * too_long: the 54000 error of a distance function argument of n code
 * points (out of line, to keep it out of the inlined fast path).
 */
static pg_noinline void
too_long(int n)
{
	ereport(ERROR,
			(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
			 errmsg("string of %d characters is too long for a distance function", n),
			 errdetail("The limit is %d characters per argument.", CRM_DISTANCE_MAX_CHARS)));
}

/*
 * dist_arg: read argument n (never NULL here) into *arg; raises 54000 above
 * the length limit.  Short text is read in place: only compressed or
 * out-of-line values go through the detoaster.
 */
static pg_attribute_always_inline void
dist_arg(FunctionCallInfo fcinfo, int n, DistArg *arg)
{
	struct varlena *v = (struct varlena *) PG_GETARG_POINTER(n);

	if (VARATT_IS_COMPRESSED(v) || VARATT_IS_EXTERNAL(v))
		v = pg_detoast_datum_packed(v);
	arg->s = VARDATA_ANY(v);
	arg->len = VARSIZE_ANY_EXHDR(v);
	arg->nchars = CrmUtf8Scan(arg->s, arg->len, &arg->ascii);
	if (unlikely(arg->nchars > CRM_DISTANCE_MAX_CHARS))
		too_long(arg->nchars);
}

/*
 * decode_arg: the code points of *arg into stack (room for STACK_CHARS) or a
 * palloc'd buffer; *n receives their number.
 */
static uint32 *
decode_arg(const DistArg *arg, uint32 *stack, int *n)
{
	uint32	   *buf = (arg->len <= STACK_CHARS) ? stack :
		palloc(arg->len * sizeof(uint32));

	*n = CrmUtf8Decode(arg->s, arg->len, buf);
	return buf;
}

/*
 * strip_utf8: remove from two UTF-8 arguments their common prefix and suffix
 * in whole code points (bytes compared, the cut moved back to where a
 * character starts), and scan what is left (code points, all ASCII?).  Text that differs in
 * a character or two, such as a name in traditional and in simplified
 * script, is then decoded only around the difference.
 */
static void
strip_utf8(DistArg *A, DistArg *B)
{
	const unsigned char *a = (const unsigned char *) A->s;
	const unsigned char *b = (const unsigned char *) B->s;
	int			pre,
				suf;

#define CONTINUES(c) (((c) & 0xC0) == 0x80)
	pre = common_bytes(a, A->len, b, B->len, Min(A->len, B->len), false);
	while (pre > 0 && ((pre < A->len && CONTINUES(a[pre])) ||
					   (pre < B->len && CONTINUES(b[pre]))))
		pre--;
	suf = common_bytes(a, A->len, b, B->len, Min(A->len, B->len) - pre, true);
	while (suf > 0 && CONTINUES(a[A->len - suf]))
		suf--;
#undef CONTINUES
	A->s += pre;
	B->s += pre;
	A->len -= pre + suf;
	B->len -= pre + suf;
	A->nchars = CrmUtf8Scan(A->s, A->len, &A->ascii);
	B->nchars = CrmUtf8Scan(B->s, B->len, &B->ascii);
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
 * crm_jaro_winkler: SQL crm.jaro_winkler(text, text) -> float8.  Equal
 * strings score 1 at once; two ASCII names are compared on their bytes.
 */
Datum
crm_jaro_winkler(PG_FUNCTION_ARGS)
{
	DistArg		A,
				B;
	uint32		sa[STACK_CHARS],
				sb[STACK_CHARS];
	uint32	   *a,
			   *b;
	int			na,
				nb;

	CrmRequireUtf8();
	dist_arg(fcinfo, 0, &A);
	dist_arg(fcinfo, 1, &B);
	if (A.len == B.len && memcmp(A.s, B.s, A.len) == 0)
		PG_RETURN_FLOAT8(1.0);
	if (A.len == 0 || B.len == 0)
		PG_RETURN_FLOAT8(0.0);
	if (A.ascii && B.ascii && B.len <= 64 && A.len <= STACK_CHARS)
	{
		int			m,
					t;

		m = jaro_bits(A.s, A.len, B.s, B.len, jaro_window(A.len, B.len), &t, false);
		PG_RETURN_FLOAT8(winkler(m, t, A.s, A.len, B.s, B.len, false));
	}
	a = decode_arg(&A, sa, &na);
	b = decode_arg(&B, sb, &nb);
	PG_RETURN_FLOAT8(CrmJaroWinklerCp(a, na, b, nb));
}

/*
 * levenshtein_common: shared body of the Levenshtein and Damerau SQL entry
 * points, inlined into each with constant flags.  NULL text arguments give
 * NULL (the 3-argument forms are not STRICT so that a NULL max_d can mean no
 * limit).  Two ASCII strings are measured on their bytes; otherwise a length
 * difference above max_d is answered before decoding, and only what lies
 * between the common prefix and suffix is decoded.
 */
static pg_attribute_always_inline Datum
levenshtein_common(FunctionCallInfo fcinfo, bool damerau, bool with_max)
{
	DistArg		A,
				B;
	uint32		sa[STACK_CHARS],
				sb[STACK_CHARS];
	uint32	   *a,
			   *b;
	int			na,
				nb,
				max_d = -1,
				clamped;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		PG_RETURN_NULL();
	CrmRequireUtf8();
	if (with_max)
		max_d = get_max_d(fcinfo);
	dist_arg(fcinfo, 0, &A);
	dist_arg(fcinfo, 1, &B);
	if (A.ascii && B.ascii)
		PG_RETURN_INT32(edit_distance(A.s, A.len, B.s, B.len, max_d, damerau, false));
	clamped = clamp_max_d(A.nchars, B.nchars, max_d);
	if (clamped >= 0 && abs(A.nchars - B.nchars) > clamped)
		PG_RETURN_INT32(clamped + 1);
	strip_utf8(&A, &B);
	if (A.nchars == 0 || B.nchars == 0)
	{
		int			d = Max(A.nchars, B.nchars);

		PG_RETURN_INT32((clamped >= 0 && d > clamped) ? clamped + 1 : d);
	}
	/* two different characters (stripping leaves differing ends) */
	if (A.nchars == 1 && B.nchars == 1)
		PG_RETURN_INT32(1);
	/* what differs may be ASCII (Zoë Smith / Zoë Smyth) */
	if (A.ascii && B.ascii)
		PG_RETURN_INT32(edit_distance(A.s, A.len, B.s, B.len, max_d, damerau, false));
	a = decode_arg(&A, sa, &na);
	b = decode_arg(&B, sb, &nb);
	PG_RETURN_INT32(edit_distance(a, na, b, nb, max_d, damerau, true));
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
