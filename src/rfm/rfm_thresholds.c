/*
 * rfm_thresholds.c
 *		Quantile scoring: crm.rfm_thresholds_agg collects the customer
 *		population and derives, per dimension, the bounds of each score;
 *		crm.rfm_score(recency, frequency, monetary, thresholds) applies them,
 *		and crm.rfm_class(...) compares with the population means.
 *
 * Tie rule (deterministic): a customer's score is the NTILE(n) bucket of
 * the MIDDLE of its tied group (rank (a + b + 1) / 2 of ranks a..b), sorting
 * ascending by frequency or monetary and descending by recency days: the
 * mid-rank, as statistics ranks ties.  For distinct values this is exactly
 * NTILE(n); equal values always get equal scores.  It is
 * stored as bounds that are population values: score >= k+1 iff frequency
 * >= f_min[k] (monetary likewise), iff recency <= r_max[k]; equal adjacent
 * bounds skip a score (a wide tie); a NULL bound is a score no customer
 * reaches (fewer customers than buckets, or a tie at the top).
 * Analysts' fixed thresholds use the same form (crm.rfm_thresholds()).
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "libpq/pqformat.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/numeric.h"
#include "utils/typcache.h"

#include "rfm/rfm.h"

/* Parsed thresholds, cached per call site by the raw tuple bytes. */
typedef struct RfmThCache
{
	char	   *raw;			/* copy of the composite datum */
	Size		rawlen;
	RfmBounds	b;				/* parsed bounds and means */
	void	   *enum_cache;		/* for CrmRfmEnumValue */
} RfmThCache;

/*
 * rfm_check_n: raise 22023 unless 3 <= n <= 10.
 */
static void
rfm_check_n(int32 n)
{
	if (n < CRM_RFM_MIN_N || n > CRM_RFM_MAX_N)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("number of RFM buckets \"%d\" is out of range", n),
				 errdetail("Scores use from 3 to 10 buckets.")));
}

/*
 * CrmRfmPopNew: an empty population in the aggregate context.
 */
RfmPopState *
CrmRfmPopNew(MemoryContext cxt)
{
	return MemoryContextAllocZero(cxt, sizeof(RfmPopState));
}

/*
 * CrmRfmCheckMonetary: raise 22003 when a monetary figure is NaN, which has
 * no place in an order of customers (numeric sorts it above everything).
 */
void
CrmRfmCheckMonetary(Datum m)
{
	int64		v;
	int			s;

	if (CrmRfmNumericToScaled(m, &v, &s))
		return;
	if (numeric_is_nan(DatumGetNumeric(m)))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("RFM monetary value \"NaN\" is not a number"),
				 errdetail("Scores and classes compare monetary values; NaN has no rank.")));
}

/*
 * rfm_pop_reserve: room for "more" further customers.
 */
static void
rfm_pop_reserve(MemoryContext cxt, RfmPopState *p, int64 more)
{
	int64		want = p->count + more;
	int64		cap;

	if (want <= p->cap)
		return;
	cap = Max(want, Max(p->cap * 2, 1024));
	if (p->cap == 0)
	{
		p->r = MemoryContextAllocHuge(cxt, sizeof(int32) * cap);
		p->f = MemoryContextAllocHuge(cxt, sizeof(int32) * cap);
		if (p->slow)
			p->mnum = MemoryContextAllocHuge(cxt, sizeof(Datum) * cap);
		else
		{
			p->mval = MemoryContextAllocHuge(cxt, sizeof(int64) * cap);
			p->mscale = MemoryContextAllocHuge(cxt, sizeof(int16) * cap);
		}
	}
	else
	{
		p->r = repalloc_huge(p->r, sizeof(int32) * cap);
		p->f = repalloc_huge(p->f, sizeof(int32) * cap);
		if (p->slow)
			p->mnum = repalloc_huge(p->mnum, sizeof(Datum) * cap);
		else
		{
			p->mval = repalloc_huge(p->mval, sizeof(int64) * cap);
			p->mscale = repalloc_huge(p->mscale, sizeof(int16) * cap);
		}
	}
	p->cap = cap;
}

/*
 * rfm_pop_go_slow: switch monetary storage to numerics (a value outside the
 * scaled-integer range arrived).
 */
static void
rfm_pop_go_slow(MemoryContext cxt, RfmPopState *p)
{
	int64		i;
	MemoryContext old;

	if (p->slow)
		return;
	old = MemoryContextSwitchTo(cxt);
	p->mnum = MemoryContextAllocHuge(cxt, sizeof(Datum) * Max(p->cap, 1));
	for (i = 0; i < p->count; i++)
		p->mnum[i] = NumericGetDatum(CrmRfmScaledToNumeric(p->mval[i], p->mscale[i]));
	MemoryContextSwitchTo(old);
	if (p->mval)
		pfree(p->mval);
	if (p->mscale)
		pfree(p->mscale);
	p->mval = NULL;
	p->mscale = NULL;
	p->slow = true;
	if (p->cap == 0)
		p->cap = 0;
}

/*
 * CrmRfmPopAdd: append one customer.
 */
void
CrmRfmPopAdd(MemoryContext cxt, RfmPopState *p, int32 r, int32 f, Datum m)
{
	int64		v;
	int			s;
	bool		fast = CrmRfmNumericToScaled(m, &v, &s);

	if (!fast)
		CrmRfmCheckMonetary(m);
	if (!fast && !p->slow)
		rfm_pop_go_slow(cxt, p);
	rfm_pop_reserve(cxt, p, 1);
	p->r[p->count] = r;
	p->f[p->count] = f;
	if (p->slow)
	{
		MemoryContext old = MemoryContextSwitchTo(cxt);

		p->mnum[p->count] = fast ? NumericGetDatum(CrmRfmScaledToNumeric(v, s))
			: PointerGetDatum(PG_DETOAST_DATUM_COPY(m));
		MemoryContextSwitchTo(old);
	}
	else
	{
		p->mval[p->count] = v;
		p->mscale[p->count] = (int16) s;
	}
	p->count++;
}

/*
 * CrmRfmPopSetN: the bucket count must be the same on every row.
 */
void
CrmRfmPopSetN(RfmPopState *p, int32 n)
{
	rfm_check_n(n);
	if (p->n == 0)
		p->n = n;
	else if (p->n != n)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("number of RFM buckets must be the same for every row")));
}

PG_FUNCTION_INFO_V1(crm_rfm_thresholds_sfunc);

/*
 * crm_rfm_thresholds_sfunc(internal, recency, frequency, monetary, n):
 * collect one customer.  Not strict: customers with a NULL dimension (no
 * purchase) are not part of the population.
 */
Datum
crm_rfm_thresholds_sfunc(PG_FUNCTION_ARGS)
{
	MemoryContext cxt;
	RfmPopState *p;

	if (!AggCheckCallContext(fcinfo, &cxt))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("crm.rfm_thresholds_agg called in a non-aggregate context")));
	p = PG_ARGISNULL(0) ? CrmRfmPopNew(cxt) : (RfmPopState *) PG_GETARG_POINTER(0);
	CrmRfmPopSetN(p, PG_NARGS() > 4 && !PG_ARGISNULL(4) ? PG_GETARG_INT32(4) : 5);
	if (!PG_ARGISNULL(1) && !PG_ARGISNULL(2) && !PG_ARGISNULL(3))
		CrmRfmPopAdd(cxt, p, PG_GETARG_INT32(1), PG_GETARG_INT32(2), PG_GETARG_DATUM(3));
	PG_RETURN_POINTER(p);
}

PG_FUNCTION_INFO_V1(crm_rfm_thresholds_combine);

/*
 * crm_rfm_thresholds_combine: append the second population to the first.
 */
Datum
crm_rfm_thresholds_combine(PG_FUNCTION_ARGS)
{
	MemoryContext cxt;
	RfmPopState *a;
	RfmPopState *b;
	int64		i;

	if (!AggCheckCallContext(fcinfo, &cxt))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("crm.rfm_thresholds_agg called in a non-aggregate context")));
	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_POINTER(PG_GETARG_POINTER(0));
	}
	b = (RfmPopState *) PG_GETARG_POINTER(1);
	a = PG_ARGISNULL(0) ? CrmRfmPopNew(cxt) : (RfmPopState *) PG_GETARG_POINTER(0);
	if (b->n != 0)
		CrmRfmPopSetN(a, b->n);
	if (b->slow)
		rfm_pop_go_slow(cxt, a);
	rfm_pop_reserve(cxt, a, b->count);
	memcpy(a->r + a->count, b->r, sizeof(int32) * b->count);
	memcpy(a->f + a->count, b->f, sizeof(int32) * b->count);
	for (i = 0; i < b->count; i++)
	{
		if (a->slow)
		{
			MemoryContext old = MemoryContextSwitchTo(cxt);

			a->mnum[a->count + i] = b->slow ? PointerGetDatum(PG_DETOAST_DATUM_COPY(b->mnum[i]))
				: NumericGetDatum(CrmRfmScaledToNumeric(b->mval[i], b->mscale[i]));
			MemoryContextSwitchTo(old);
		}
		else
		{
			a->mval[a->count + i] = b->mval[i];
			a->mscale[a->count + i] = b->mscale[i];
		}
	}
	a->count += b->count;
	PG_RETURN_POINTER(a);
}

PG_FUNCTION_INFO_V1(crm_rfm_thresholds_serial);

/*
 * crm_rfm_thresholds_serial: population to bytea for parallel workers.
 */
Datum
crm_rfm_thresholds_serial(PG_FUNCTION_ARGS)
{
	RfmPopState *p;
	StringInfoData buf;
	int64		i;

	if (!AggCheckCallContext(fcinfo, NULL))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("crm.rfm_thresholds_agg called in a non-aggregate context")));
	p = (RfmPopState *) PG_GETARG_POINTER(0);
	pq_begintypsend(&buf);
	pq_sendbyte(&buf, 1);
	pq_sendbyte(&buf, p->slow ? 1 : 0);
	pq_sendint32(&buf, p->n);
	pq_sendint64(&buf, p->count);
	for (i = 0; i < p->count; i++)
	{
		pq_sendint32(&buf, p->r[i]);
		pq_sendint32(&buf, p->f[i]);
		if (p->slow)
		{
			struct varlena *v = PG_DETOAST_DATUM(p->mnum[i]);

			pq_sendint32(&buf, VARSIZE(v));
			pq_sendbytes(&buf, (char *) v, VARSIZE(v));
		}
		else
		{
			pq_sendint64(&buf, p->mval[i]);
			pq_sendint16(&buf, p->mscale[i]);
		}
	}
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

PG_FUNCTION_INFO_V1(crm_rfm_thresholds_deserial);

/*
 * crm_rfm_thresholds_deserial: bytea back to a population, checked.
 */
Datum
crm_rfm_thresholds_deserial(PG_FUNCTION_ARGS)
{
	MemoryContext cxt;
	bytea	   *b;
	StringInfoData buf;
	RfmPopState *p;
	int64		count;
	int64		i;

	if (!AggCheckCallContext(fcinfo, &cxt))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("crm.rfm_thresholds_agg called in a non-aggregate context")));
	b = PG_GETARG_BYTEA_PP(0);
	buf.data = VARDATA_ANY(b);
	buf.len = VARSIZE_ANY_EXHDR(b);
	buf.maxlen = buf.len;
	buf.cursor = 0;
	if (buf.len < 14 || pq_getmsgbyte(&buf) != 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid serialized crm.rfm_thresholds_agg state")));
	p = CrmRfmPopNew(cxt);
	p->slow = pq_getmsgbyte(&buf) != 0;
	p->n = pq_getmsgint(&buf, 4);
	count = pq_getmsgint64(&buf);
	if (count < 0 || count > (buf.len - buf.cursor) / 8 ||
		(p->n != 0 && (p->n < CRM_RFM_MIN_N || p->n > CRM_RFM_MAX_N)))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid serialized crm.rfm_thresholds_agg state")));
	rfm_pop_reserve(cxt, p, count);
	for (i = 0; i < count; i++)
	{
		p->r[i] = pq_getmsgint(&buf, 4);
		p->f[i] = pq_getmsgint(&buf, 4);
		if (p->slow)
		{
			int32		len = pq_getmsgint(&buf, 4);
			char	   *v;

			if (len < VARHDRSZ + 2 || len > buf.len - buf.cursor)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
						 errmsg("invalid serialized crm.rfm_thresholds_agg state")));
			v = MemoryContextAlloc(cxt, len);
			memcpy(v, pq_getmsgbytes(&buf, len), len);
			if (VARSIZE(v) != len)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
						 errmsg("invalid serialized crm.rfm_thresholds_agg state")));
			p->mnum[i] = PointerGetDatum(v);
		}
		else
		{
			p->mval[i] = pq_getmsgint64(&buf);
			p->mscale[i] = pq_getmsgint(&buf, 2);
			if (p->mscale[i] < 0 || p->mscale[i] > CRM_RFM_MAX_SCALE)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
						 errmsg("invalid serialized crm.rfm_thresholds_agg state")));
		}
		p->count++;
	}
	pq_getmsgend(&buf);
	PG_RETURN_POINTER(p);
}

/* qsort comparators (int32: CrmRfmCmpInt32). */
static int
rfm_cmp_int128(const void *a, const void *b)
{
	int128		x;
	int128		y;

	memcpy(&x, a, sizeof(int128));
	memcpy(&y, b, sizeof(int128));
	return (x > y) - (x < y);
}

static int
rfm_cmp_numeric(const void *a, const void *b)
{
	return DatumGetInt32(DirectFunctionCall2(numeric_cmp, *(const Datum *) a,
											 *(const Datum *) b));
}

/*
 * rfm_tile_of: the 1-based NTILE(n) bucket of the 0-based row i of p rows
 * (the first p % n buckets have one row more).
 */
static int
rfm_tile_of(int64 p, int n, int64 i)
{
	int64		q = p / n;
	int64		rem = p % n;

	if (i < rem * (q + 1))
		return (int) (i / (q + 1)) + 1;
	return (int) (rem + (i - rem * (q + 1)) / q) + 1;
}

/*
 * rfm_bounds: bucket bounds over a sorted array of p values, cmp comparing
 * element pointers.  Rows are ranked by goodness: ascending values, or
 * descending ones when "descending" (recency days).  A group of tied rows at
 * ranks a..b gets the NTILE(n) bucket of its middle rank (a + b + 1) / 2, so
 * a single row gets its own NTILE bucket.  pos[k - 2] is the array index of
 * the first value of the first group reaching bucket k; found[k - 2] false =
 * no group reaches it.
 */
static void
rfm_bounds(const char *sorted, Size width, int64 p, int n,
		   int (*cmp) (const void *, const void *), bool descending,
		   int64 *pos, bool *found)
{
	int64		a = 0;
	int			reached = 1;
	int			k;

	for (k = 0; k < n - 1; k++)
		found[k] = false;
#define RFM_AT(g) (sorted + (descending ? p - 1 - (g) : (g)) * width)
	while (a < p)
	{
		int64		b = a;
		int			bucket;

		CHECK_FOR_INTERRUPTS();
		while (b + 1 < p && cmp(RFM_AT(b + 1), RFM_AT(a)) == 0)
			b++;
		bucket = rfm_tile_of(p, n, (a + b + 1) / 2);
		for (; reached < bucket; reached++)
		{
			found[reached - 1] = true;
			pos[reached - 1] = descending ? p - 1 - a : a;
		}
		a = b + 1;
	}
#undef RFM_AT
}

/*
 * rfm_numeric_to_double: a numeric as double, for quick comparisons.
 */
static double
rfm_numeric_to_double(Datum num)
{
	return DatumGetFloat8(DirectFunctionCall1(numeric_float8_no_overflow, num));
}

/*
 * rfm_mean: sum / count as numeric.
 */
static Datum
rfm_mean(Numeric sum, int64 count)
{
	return DirectFunctionCall2(numeric_div, NumericGetDatum(sum),
							   NumericGetDatum(int64_to_numeric(count)));
}

/*
 * CrmRfmBoundsCompute: quantile bounds and means of a non-empty population
 * into *b (numerics allocated in the current context).  Sorts the arrays of
 * the population in place (their content, a multiset, is unchanged).
 */
void
CrmRfmBoundsCompute(RfmPopState *p, RfmBounds *b)
{
	int64		pos[CRM_RFM_MAX_N];
	bool		found[CRM_RFM_MAX_N];
	int			n = p->n;
	int			k;
	int64		i;
	int64		rsum = 0;
	int64		fsum = 0;
	Numeric		msum;

	Assert(p->count > 0);
	memset(b, 0, sizeof(RfmBounds));
	b->n = n;
	b->population = p->count;
	for (i = 0; i < p->count; i++)
	{
		rsum += p->r[i];
		fsum += p->f[i];
	}

	/* Recency: upper bounds, most recent scores highest. */
	qsort(p->r, p->count, sizeof(int32), CrmRfmCmpInt32);
	rfm_bounds((char *) p->r, sizeof(int32), p->count, n, CrmRfmCmpInt32, true, pos, found);
	for (k = 0; k < n - 1; k++)
	{
		b->r_ok[k] = found[k];
		b->r_max[k] = found[k] ? p->r[pos[k]] : 0;
	}

	/* Frequency: lower bounds. */
	qsort(p->f, p->count, sizeof(int32), CrmRfmCmpInt32);
	rfm_bounds((char *) p->f, sizeof(int32), p->count, n, CrmRfmCmpInt32, false, pos, found);
	for (k = 0; k < n - 1; k++)
	{
		b->f_ok[k] = found[k];
		b->f_min[k] = found[k] ? p->f[pos[k]] : 0;
	}

	/* Monetary: lower bounds, exact. */
	if (!p->slow)
	{
		int			maxscale = 0;
		int128	   *m;
		int128		sum = 0;
		bool		overflow = false;

		for (i = 0; i < p->count; i++)
			maxscale = Max(maxscale, p->mscale[i]);
		m = palloc_extended(sizeof(int128) * p->count, MCXT_ALLOC_HUGE);
		for (i = 0; i < p->count; i++)
		{
			int128		v = p->mval[i];

			(void) CrmRfmRescale(&v, p->mscale[i], maxscale);	/* < 2^63 * 10^18 */
			m[i] = v;
			if (!overflow && __builtin_add_overflow(sum, v, &sum))
				overflow = true;
		}
		if (overflow)
		{
			msum = int64_to_numeric(0);
			for (i = 0; i < p->count; i++)
				msum = DatumGetNumeric(DirectFunctionCall2(numeric_add, NumericGetDatum(msum),
														   NumericGetDatum(CrmRfmScaledToNumeric(m[i], maxscale))));
		}
		else
			msum = CrmRfmScaledToNumeric(sum, maxscale);
		qsort(m, p->count, sizeof(int128), rfm_cmp_int128);
		rfm_bounds((char *) m, sizeof(int128), p->count, n, rfm_cmp_int128, false, pos, found);
		for (k = 0; k < n - 1; k++)
		{
			b->m_ok[k] = found[k];
			if (found[k])
				b->m_num[k] = NumericGetDatum(CrmRfmScaledToNumeric(m[pos[k]], maxscale));
		}
		pfree(m);
	}
	else
	{
		msum = int64_to_numeric(0);
		for (i = 0; i < p->count; i++)
			msum = DatumGetNumeric(DirectFunctionCall2(numeric_add, NumericGetDatum(msum),
													   p->mnum[i]));
		qsort(p->mnum, p->count, sizeof(Datum), rfm_cmp_numeric);
		rfm_bounds((char *) p->mnum, sizeof(Datum), p->count, n, rfm_cmp_numeric, false, pos, found);
		for (k = 0; k < n - 1; k++)
		{
			b->m_ok[k] = found[k];
			if (found[k])
				b->m_num[k] = PointerGetDatum(PG_DETOAST_DATUM_COPY(p->mnum[pos[k]]));
		}
	}
	for (k = 0; k < n - 1; k++)
		if (b->m_ok[k])
			b->m_fast[k] = CrmRfmNumericToScaled(b->m_num[k], &b->m_val[k], &b->m_scale[k]);

	b->has_means = true;
	b->mean[0] = rfm_mean(int64_to_numeric(rsum), p->count);
	b->mean[1] = rfm_mean(int64_to_numeric(fsum), p->count);
	b->mean[2] = rfm_mean(msum, p->count);
	for (k = 0; k < 3; k++)
		b->mean_d[k] = rfm_numeric_to_double(b->mean[k]);
}

PG_FUNCTION_INFO_V1(crm_rfm_thresholds_final);

/*
 * crm_rfm_thresholds_final: the crm.rfm_thresholds row of the population,
 * or NULL when it is empty.
 */
Datum
crm_rfm_thresholds_final(PG_FUNCTION_ARGS)
{
	RfmPopState *p;
	RfmBounds	b;
	TupleDesc	tupdesc;
	Datum		values[8];
	bool		nulls[8];
	Datum		elems[CRM_RFM_MAX_N];
	bool		enulls[CRM_RFM_MAX_N];
	int			dims[1];
	int			lbs[1] = {1};
	int			k;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	p = (RfmPopState *) PG_GETARG_POINTER(0);
	if (p->count == 0)
		PG_RETURN_NULL();
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	tupdesc = BlessTupleDesc(tupdesc);
	CrmRfmBoundsCompute(p, &b);
	dims[0] = b.n - 1;
	memset(nulls, 0, sizeof(nulls));

	for (k = 0; k < b.n - 1; k++)
	{
		enulls[k] = !b.r_ok[k];
		elems[k] = Int32GetDatum(b.r_max[k]);
	}
	values[1] = PointerGetDatum(construct_md_array(elems, enulls, 1, dims, lbs,
												   INT4OID, 4, true, TYPALIGN_INT));
	for (k = 0; k < b.n - 1; k++)
	{
		enulls[k] = !b.f_ok[k];
		elems[k] = Int32GetDatum(b.f_min[k]);
	}
	values[2] = PointerGetDatum(construct_md_array(elems, enulls, 1, dims, lbs,
												   INT4OID, 4, true, TYPALIGN_INT));
	for (k = 0; k < b.n - 1; k++)
	{
		enulls[k] = !b.m_ok[k];
		elems[k] = b.m_ok[k] ? b.m_num[k] : (Datum) 0;
	}
	values[3] = PointerGetDatum(construct_md_array(elems, enulls, 1, dims, lbs,
												   NUMERICOID, -1, false, TYPALIGN_INT));
	values[0] = Int32GetDatum(b.n);
	values[4] = b.mean[0];
	values[5] = b.mean[1];
	values[6] = b.mean[2];
	values[7] = Int64GetDatum(b.population);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

/*
 * rfm_th_array: the n-1 elements of one bound array of the thresholds.
 */
static void
rfm_th_array(Datum d, bool isnull, Oid elemtype, int n, const char *name,
			 Datum *elems, bool *enulls)
{
	ArrayType  *a;
	int16		typlen;
	bool		typbyval;
	char		typalign;
	Datum	   *e;
	bool	   *en;
	int			ne;

	if (isnull)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("RFM thresholds field \"%s\" is NULL", name)));
	a = DatumGetArrayTypeP(d);
	get_typlenbyvalalign(elemtype, &typlen, &typbyval, &typalign);
	if (ARR_NDIM(a) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("RFM thresholds field \"%s\" must be a one-dimensional array", name),
				 errdetail("It has %d dimensions.", ARR_NDIM(a))));
	deconstruct_array(a, elemtype, typlen, typbyval, typalign, &e, &en, &ne);
	if (ne != n - 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("RFM thresholds field \"%s\" has %d bounds, not %d", name, ne, n - 1),
				 errdetail("A scale of n buckets has n - 1 bounds per dimension.")));
	memcpy(elems, e, sizeof(Datum) * ne);
	memcpy(enulls, en, sizeof(bool) * ne);
}


/*
 * rfm_th_check_order: raise 22023 unless the bounds of each dimension are in
 * order: r_max non-increasing, f_min and m_min non-decreasing (equal bounds
 * skip a score, as quantile bounds of a wide tie do), and a NULL bound
 * (unreachable score) followed only by NULL bounds.
 */
static void
rfm_th_check_order(const RfmBounds *b)
{
	const char *bad = NULL;
	int			k;

	for (k = 1; k < b->n - 1 && bad == NULL; k++)
	{
		if ((b->r_ok[k] && !b->r_ok[k - 1]) || (b->r_ok[k] && b->r_max[k] > b->r_max[k - 1]))
			bad = "r_max";
		else if ((b->f_ok[k] && !b->f_ok[k - 1]) || (b->f_ok[k] && b->f_min[k] < b->f_min[k - 1]))
			bad = "f_min";
		else if ((b->m_ok[k] && !b->m_ok[k - 1]) ||
				 (b->m_ok[k] &&
				  DatumGetInt32(DirectFunctionCall2(numeric_cmp, b->m_num[k],
													b->m_num[k - 1])) < 0))
			bad = "m_min";
	}
	if (bad != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("RFM thresholds field \"%s\" is not in order", bad),
				 errdetail("r_max lists the recency upper bounds of scores 2..n, non-increasing; f_min and m_min the lower bounds, non-decreasing; NULL bounds (unreachable scores) come last.")));
}

/*
 * rfm_th_get: the parsed thresholds of argument "argno", from the cache
 * when the datum is byte-identical to the last one.
 */
static RfmThCache *
rfm_th_get(FunctionCallInfo fcinfo, int argno)
{
	HeapTupleHeader th = PG_GETARG_HEAPTUPLEHEADER(argno);
	Size		len = HeapTupleHeaderGetDatumLength(th);
	RfmThCache *c = (RfmThCache *) fcinfo->flinfo->fn_extra;
	MemoryContext old;
	TupleDesc	tupdesc;
	HeapTupleData tuple;
	Datum		values[8];
	bool		nulls[8];
	Datum		elems[CRM_RFM_MAX_N];
	bool		enulls[CRM_RFM_MAX_N];
	int			k;
	RfmBounds  *b;

	if (c != NULL && c->rawlen == len && memcmp(c->raw, th, len) == 0)
		return c;

	old = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);
	if (c == NULL)
		c = palloc0(sizeof(RfmThCache));
	else if (c->raw)
		pfree(c->raw);
	c->raw = NULL;
	c->rawlen = 0;
	fcinfo->flinfo->fn_extra = c;
	b = &c->b;
	memset(b, 0, sizeof(RfmBounds));

	tupdesc = lookup_rowtype_tupdesc(HeapTupleHeaderGetTypeId(th), HeapTupleHeaderGetTypMod(th));
	if (tupdesc->natts != 8)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("RFM thresholds must be of type crm.rfm_thresholds")));
	tuple.t_len = len;
	ItemPointerSetInvalid(&(tuple.t_self));
	tuple.t_tableOid = InvalidOid;
	tuple.t_data = th;
	heap_deform_tuple(&tuple, tupdesc, values, nulls);
	ReleaseTupleDesc(tupdesc);

	if (nulls[0])
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("RFM thresholds field \"n\" is NULL")));
	b->n = DatumGetInt32(values[0]);
	rfm_check_n(b->n);

	rfm_th_array(values[1], nulls[1], INT4OID, b->n, "r_max", elems, enulls);
	for (k = 0; k < b->n - 1; k++)
	{
		b->r_ok[k] = !enulls[k];
		b->r_max[k] = enulls[k] ? 0 : DatumGetInt32(elems[k]);
	}
	rfm_th_array(values[2], nulls[2], INT4OID, b->n, "f_min", elems, enulls);
	for (k = 0; k < b->n - 1; k++)
	{
		b->f_ok[k] = !enulls[k];
		b->f_min[k] = enulls[k] ? 0 : DatumGetInt32(elems[k]);
	}
	rfm_th_array(values[3], nulls[3], NUMERICOID, b->n, "m_min", elems, enulls);
	for (k = 0; k < b->n - 1; k++)
	{
		b->m_ok[k] = !enulls[k];
		if (enulls[k])
			continue;
		b->m_num[k] = PointerGetDatum(PG_DETOAST_DATUM_COPY(elems[k]));
		b->m_fast[k] = CrmRfmNumericToScaled(b->m_num[k], &b->m_val[k], &b->m_scale[k]);
		if (!b->m_fast[k] && numeric_is_nan(DatumGetNumeric(b->m_num[k])))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("RFM thresholds field \"m_min\" contains NaN"),
					 errdetail("Bounds must be numbers that can be compared.")));
	}
	rfm_th_check_order(b);
	b->has_means = !nulls[4] && !nulls[5] && !nulls[6];
	if (b->has_means)
		for (k = 0; k < 3; k++)
		{
			b->mean[k] = PointerGetDatum(PG_DETOAST_DATUM_COPY(values[4 + k]));
			b->mean_d[k] = rfm_numeric_to_double(b->mean[k]);
		}
	c->raw = palloc(len);
	memcpy(c->raw, th, len);
	c->rawlen = len;
	MemoryContextSwitchTo(old);
	return c;
}

/*
 * rfm_cmp_scaled: compare a*10^-as with b*10^-bs exactly.
 */
static int
rfm_cmp_scaled(int64 a, int as, int64 b, int bs)
{
	int128		x = a;
	int128		y = b;
	int			s = Max(as, bs);

	(void) CrmRfmRescale(&x, as, s);	/* both < 2^63 * 10^18: no overflow */
	(void) CrmRfmRescale(&y, bs, s);
	return (x > y) - (x < y);
}

/*
 * CrmRfmScoreOf: the score under bounds b: R = 1 + bounds with recency <=
 * r_max, F = 1 + bounds with frequency >= f_min, M = 1 + bounds with
 * monetary >= m_min (NULL bounds never count).  mon is a numeric datum.
 */
int16
CrmRfmScoreOf(const RfmBounds *b, int32 rec, int32 freq, Datum mon)
{
	int64		mv;
	int			ms;
	bool		mfast;
	int			r = 1,
				f = 1,
				m = 1;
	int			k;

	mfast = CrmRfmNumericToScaled(mon, &mv, &ms);
	if (!mfast)
		mon = PointerGetDatum(PG_DETOAST_DATUM(mon));
	for (k = 0; k < b->n - 1; k++)
	{
		if (b->r_ok[k] && rec <= b->r_max[k])
			r++;
		if (b->f_ok[k] && freq >= b->f_min[k])
			f++;
		if (b->m_ok[k] &&
			((mfast && b->m_fast[k]) ?
			 rfm_cmp_scaled(mv, ms, b->m_val[k], b->m_scale[k]) >= 0 :
			 DatumGetInt32(DirectFunctionCall2(numeric_cmp, mon, b->m_num[k])) >= 0))
			m++;
	}
	return CrmRfmScorePack(r, f, m);
}

PG_FUNCTION_INFO_V1(crm_rfm_score_th);

/*
 * crm_rfm_score_th(recency, frequency, monetary, thresholds): the score.
 */
Datum
crm_rfm_score_th(PG_FUNCTION_ARGS)
{
	RfmThCache *c = rfm_th_get(fcinfo, 3);

	CrmRfmCheckMonetary(PG_GETARG_DATUM(2));
	return Int16GetDatum(CrmRfmScoreOf(&c->b, PG_GETARG_INT32(0), PG_GETARG_INT32(1),
									   PG_GETARG_DATUM(2)));
}

/*
 * rfm_vs_mean: sign of (x - mean k), x a numeric datum, exact; a double
 * comparison decides unless the two are within rounding distance.
 */
static int
rfm_vs_mean(const RfmBounds *b, int k, Datum x, double xd)
{
	double		md = b->mean_d[k];

	if (xd > md + 1e-9 * fabs(md) + 1e-12)
		return 1;
	if (xd < md - 1e-9 * fabs(md) - 1e-12)
		return -1;
	return DatumGetInt32(DirectFunctionCall2(numeric_cmp, x, b->mean[k]));
}

/*
 * rfm_int_vs_mean: rfm_vs_mean for an integer, converted to numeric only
 * when the double comparison cannot decide.
 */
static int
rfm_int_vs_mean(const RfmBounds *b, int k, int32 x)
{
	double		md = b->mean_d[k];

	if (x > md + 1e-9 * fabs(md) + 1e-12)
		return 1;
	if (x < md - 1e-9 * fabs(md) - 1e-12)
		return -1;
	return rfm_vs_mean(b, k, NumericGetDatum(int64_to_numeric(x)), x);
}

/*
 * CrmRfmClassIndexOf: the 8-class index under the means of b: recent =
 * recency below its mean, F and M high = above their mean (equal to the
 * mean counts as not).
 */
int
CrmRfmClassIndexOf(const RfmBounds *b, int32 rec, int32 freq, Datum mon)
{
	int64		mv;
	int			ms;
	double		md;

	if (!b->has_means)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("RFM thresholds carry no population means"),
				 errhint("Compute the thresholds with crm.rfm_thresholds_agg.")));
	if (CrmRfmNumericToScaled(mon, &mv, &ms))
		md = (double) mv / (double) CrmRfmPow10[ms];
	else
	{
		mon = PointerGetDatum(PG_DETOAST_DATUM(mon));
		md = rfm_numeric_to_double(mon);
	}
	return CrmRfmClassIndex(rfm_int_vs_mean(b, 0, rec) < 0,
							rfm_int_vs_mean(b, 1, freq) > 0,
							rfm_vs_mean(b, 2, mon, md) > 0);
}

PG_FUNCTION_INFO_V1(crm_rfm_class_th);

/*
 * crm_rfm_class_th(recency, frequency, monetary, thresholds): the 8-class
 * scheme under the thresholds' population means.
 */
Datum
crm_rfm_class_th(PG_FUNCTION_ARGS)
{
	RfmThCache *c = rfm_th_get(fcinfo, 3);

	CrmRfmCheckMonetary(PG_GETARG_DATUM(2));
	return CrmRfmEnumValue(fcinfo, &c->enum_cache, CRM_RFM_SCHEME_CLASS,
						   CrmRfmClassIndexOf(&c->b, PG_GETARG_INT32(0), PG_GETARG_INT32(1),
											  PG_GETARG_DATUM(2)));
}
