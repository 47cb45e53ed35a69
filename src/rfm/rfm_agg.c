/*
 * rfm_agg.c
 *		crm.rfm_agg(ordered_at, amount, as_of): recency, frequency and
 *		monetary value of one customer in one aggregate pass.
 *
 * Definitions (README, rfm section):
 *	- a row with a negative amount is a refund: it is netted into the
 *	  monetary total and is not a purchase; any other amount is a purchase;
 *	- frequency counts purchase DAYS: several orders on the same calendar day
 *	  (session time zone for timestamptz) are one purchase occasion;
 *	- rows dated after the as-of date, rows with a NULL or infinite time and
 *	  rows with a NULL, NaN or infinite amount are ignored; a NULL as-of date
 *	  means no cut-off (recency and tenure are then NULL);
 *	- recency = as_of - last purchase day, tenure = as_of - first purchase
 *	  day, average = monetary / frequency.
 *
 * Speed: one transition per row instead of max + count + sum; amounts are
 * added as scaled 128-bit integers (rfm_numeric.c) with an exact numeric
 * fallback, so the result is exactly sum(amount), display scale included.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "datatype/timestamp.h"
#include "fmgr.h"
#include "funcapi.h"
#include "libpq/pqformat.h"
#include "pgtime.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/numeric.h"
#include "utils/timestamp.h"

#include "rfm/rfm.h"

/* Days kept sorted (insertion) up to this many, then appended and folded. */
#define RFM_SORTED_MAX 64

/* Size of a new state: one 128-byte allocation chunk. */
#define RFM_STATE_BYTES 128

/*
 * Aggregate state of one customer.  The purchase days live in the same
 * allocation, so a row touches one cache line or two; the state is
 * reallocated (and the new pointer returned) when they outgrow it.
 */
typedef struct RfmAggState
{
	int64		purchases;		/* purchase rows counted */
	int64		refunds;		/* refund rows counted */
	int128		sum;			/* exact net amount * 10^scale */
	Numeric		slow;			/* amounts outside the fast path, or NULL */
	int32		scale;			/* display scale of the total */
	int32		as_of;			/* as-of day (valid if has_as_of) */
	bool		has_as_of;		/* as_of seen and not NULL */
	bool		as_of_null;		/* as_of seen and NULL */
	bool		sorted;			/* days sorted and unique */
	int32		first_day;		/* first purchase day (if purchases > 0) */
	int32		last_day;		/* last purchase day (if purchases > 0) */
	int32		ndays;			/* entries used in days */
	int32		maxdays;		/* allocated entries in days */
	int32		days[FLEXIBLE_ARRAY_MEMBER];	/* purchase days */
} RfmAggState;

/*
 * CrmRfmDayOfTimestampTz: calendar day (days since 2000-01-01) of ts in the
 * session time zone, as ts::date gives, without timestamp2tm when the zone
 * has a fixed offset (UTC, most servers).  c caches the zone's offset.
 */
int32
CrmRfmDayOfTimestampTz(RfmTzCache *c, TimestampTz ts)
{
	if (TIMESTAMP_NOT_FINITE(ts))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("order time \"%s\" is not finite",
						TIMESTAMP_IS_NOBEGIN(ts) ? "-infinity" : "infinity"),
				 errdetail("RFM needs the calendar day of every order.")));
	if (c->tz != session_timezone)
	{
		c->tz = session_timezone;
		c->fixed = pg_get_timezone_offset(session_timezone, &c->gmtoff);
	}
	if (c->fixed)
	{
		int64		local = ts + (int64) c->gmtoff * USECS_PER_SEC;
		int64		day = local / USECS_PER_DAY;

		if (local % USECS_PER_DAY < 0)
			day--;
		return (int32) day;
	}
	return DatumGetDateADT(DirectFunctionCall1(timestamptz_date,
											   TimestampTzGetDatum(ts)));
}

/*
 * rfm_day_of_timestamptz: CrmRfmDayOfTimestampTz with the call site's cache.
 */
static int32
rfm_day_of_timestamptz(FunctionCallInfo fcinfo, TimestampTz ts)
{
	if (fcinfo->flinfo->fn_extra == NULL)
		fcinfo->flinfo->fn_extra = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt,
														  sizeof(RfmTzCache));
	return CrmRfmDayOfTimestampTz((RfmTzCache *) fcinfo->flinfo->fn_extra, ts);
}

/*
 * rfm_check_day: reject infinite dates, which have no distance to as_of.
 */
static void
rfm_check_day(DateADT d, const char *what)
{
	if (DATE_NOT_FINITE(d))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("%s \"%s\" is not finite", what,
						DATE_IS_NOBEGIN(d) ? "-infinity" : "infinity"),
				 errdetail("RFM measures days between finite dates.")));
}

/*
 * rfm_state_new: an empty state in the aggregate context with room for at
 * least "days" purchase days.
 */
static RfmAggState *
rfm_state_new(MemoryContext aggcxt, int32 days)
{
	Size		size = Max(RFM_STATE_BYTES, offsetof(RfmAggState, days) + sizeof(int32) * (Size) days);
	RfmAggState *s = MemoryContextAllocZero(aggcxt, size);

	s->maxdays = (size - offsetof(RfmAggState, days)) / sizeof(int32);
	s->sorted = true;
	return s;
}

/*
 * CrmRfmCmpInt32: qsort comparator of int32 (days, counts).
 */
int
CrmRfmCmpInt32(const void *a, const void *b)
{
	int32		x = *(const int32 *) a;
	int32		y = *(const int32 *) b;

	return (x > y) - (x < y);
}

/*
 * CrmRfmSortUniqueInt32: sort a[0..n-1] and drop duplicates; returns the
 * new length.
 */
int32
CrmRfmSortUniqueInt32(int32 *a, int32 n)
{
	int32		i,
				m = 0;

	if (n < 2)
		return n;
	qsort(a, n, sizeof(int32), CrmRfmCmpInt32);
	for (i = 0; i < n; i++)
		if (m == 0 || a[m - 1] != a[i])
			a[m++] = a[i];
	return m;
}

/*
 * rfm_compact_days: sort the day list and drop duplicates.  Changes only the
 * representation, not the set, so the final function may call it.
 */
static void
rfm_compact_days(RfmAggState *s)
{
	if (!s->sorted)
		s->ndays = CrmRfmSortUniqueInt32(s->days, s->ndays);
}

/*
 * rfm_add_day: remember a purchase day; returns the state, reallocated when
 * it had to grow.  Small lists stay sorted by insertion; long ones are
 * appended to and folded (sorted, duplicates dropped) whenever they fill up.
 */
static RfmAggState *
rfm_add_day(MemoryContext aggcxt, RfmAggState *s, int32 day)
{
	int			i = 0;

	if (s->ndays > 0 && s->days[s->ndays - 1] == day)
		return s;
	if (s->sorted)
	{
		for (i = s->ndays; i > 0 && s->days[i - 1] > day; i--)
			;
		if (i > 0 && s->days[i - 1] == day)
			return s;
	}
	if (s->ndays == s->maxdays)
	{
		if (!s->sorted)
			rfm_compact_days(s);
		if (s->ndays > s->maxdays / 2 || s->sorted)
		{
			RfmAggState *ns = rfm_state_new(aggcxt, s->maxdays * 2);
			int32		maxdays = ns->maxdays;

			memcpy(ns, s, offsetof(RfmAggState, days) + sizeof(int32) * s->ndays);
			ns->maxdays = maxdays;
			pfree(s);
			s = ns;
		}
		if (s->sorted && s->ndays >= RFM_SORTED_MAX)
			s->sorted = false;
		if (s->sorted)
			for (i = s->ndays; i > 0 && s->days[i - 1] > day; i--)
				;
	}
	if (s->sorted)
	{
		memmove(s->days + i + 1, s->days + i, sizeof(int32) * (s->ndays - i));
		s->days[i] = day;
		s->ndays++;
	}
	else
		s->days[s->ndays++] = day;
	return s;
}

/*
 * rfm_slow_add: add a numeric to the exact fallback part of the total.
 */
static void
rfm_slow_add(MemoryContext aggcxt, RfmAggState *s, Numeric n)
{
	MemoryContext old = MemoryContextSwitchTo(aggcxt);

	if (s->slow == NULL)
		s->slow = DatumGetNumericCopy(NumericGetDatum(n));
	else
		s->slow = DatumGetNumeric(DirectFunctionCall2(numeric_add,
													  NumericGetDatum(s->slow),
													  NumericGetDatum(n)));
	MemoryContextSwitchTo(old);
}

/*
 * rfm_sum_spill: move the scaled part into the numeric part (before it
 * would overflow) and continue at a new scale.
 */
static void
rfm_sum_spill(MemoryContext aggcxt, RfmAggState *s, int new_scale)
{
	if (s->sum != 0)
		rfm_slow_add(aggcxt, s, CrmRfmScaledToNumeric(s->sum, s->scale));
	else if (s->slow == NULL)
		rfm_slow_add(aggcxt, s, CrmRfmScaledToNumeric(0, s->scale));
	s->sum = 0;
	s->scale = new_scale;
}

/*
 * rfm_sum_add: add value * 10^-vscale to the total exactly.
 */
static void
rfm_sum_add(MemoryContext aggcxt, RfmAggState *s, int128 value, int vscale)
{
	int128		r;

	if (vscale > s->scale)
	{
		int128		cur = s->sum;

		if (CrmRfmRescale(&cur, s->scale, vscale))
		{
			s->sum = cur;
			s->scale = vscale;
		}
		else
			rfm_sum_spill(aggcxt, s, vscale);
	}
	else if (vscale < s->scale &&
			 !CrmRfmRescale(&value, vscale, s->scale))
	{
		rfm_slow_add(aggcxt, s, CrmRfmScaledToNumeric(value, vscale));
		return;
	}
	if (__builtin_add_overflow(s->sum, value, &r))
	{
		rfm_sum_spill(aggcxt, s, s->scale);
		r = value;
	}
	s->sum = r;
}

/*
 * rfm_get_state: the state argument, created on the first row.
 */
static RfmAggState *
rfm_get_state(FunctionCallInfo fcinfo, MemoryContext *aggcxt)
{
	if (!AggCheckCallContext(fcinfo, aggcxt))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("crm.rfm_agg transition function called in a non-aggregate context")));
	if (PG_ARGISNULL(0))
		return rfm_state_new(*aggcxt, 0);
	return (RfmAggState *) PG_GETARG_POINTER(0);
}

/*
 * rfm_set_as_of: record the as-of argument; it must be the same on every row.
 */
static void
rfm_set_as_of(RfmAggState *s, bool isnull, DateADT as_of)
{
	if (!isnull)
		rfm_check_day(as_of, "as-of date");
	if (!s->has_as_of && !s->as_of_null)
	{
		s->has_as_of = !isnull;
		s->as_of_null = isnull;
		s->as_of = isnull ? 0 : as_of;
		return;
	}
	if (isnull ? s->has_as_of : (s->as_of_null || s->as_of != as_of))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("as-of date of crm.rfm_agg must be the same for every row"),
				 errhint("Pass a constant or a parameter as the as-of date.")));
}

/*
 * rfm_add_row: fold one order into the state.
 */
static RfmAggState *
rfm_add_row(MemoryContext aggcxt, RfmAggState *s, int32 day, Datum amount)
{
	int64		v;
	int			vscale;
	bool		refund;

	if (s->has_as_of && day > s->as_of)
		return s;
	if (!CrmRfmNumericToScaled(amount, &v, &vscale) &&
		(numeric_is_nan(DatumGetNumeric(amount)) || numeric_is_inf(DatumGetNumeric(amount))))
		return s;				/* NaN and infinite amounts are ignored */
	if (CrmRfmNumericToScaled(amount, &v, &vscale))
	{
		refund = v < 0;
		rfm_sum_add(aggcxt, s, v, vscale);
	}
	else
	{
		Numeric		n = DatumGetNumeric(amount);	/* detoasted */

		refund = DatumGetInt32(DirectFunctionCall2(numeric_cmp, NumericGetDatum(n),
											  NumericGetDatum(int64_to_numeric(0)))) < 0;
		rfm_slow_add(aggcxt, s, n);
	}
	if (refund)
	{
		s->refunds++;
		return s;
	}
	if (s->purchases == 0 || day < s->first_day)
		s->first_day = day;
	if (s->purchases == 0 || day > s->last_day)
		s->last_day = day;
	s->purchases++;
	return rfm_add_day(aggcxt, s, day);
}

PG_FUNCTION_INFO_V1(crm_rfm_agg_sfunc);

/*
 * crm_rfm_agg_sfunc(internal, timestamptz, numeric, date): transition with
 * order times; the day is taken in the session time zone.  Not strict: a
 * NULL or infinite time or a NULL amount skips the row, a NULL as-of means
 * no cut-off.
 */
Datum
crm_rfm_agg_sfunc(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	RfmAggState *s = rfm_get_state(fcinfo, &aggcxt);

	if (PG_ARGISNULL(3) ? !s->as_of_null :
		!(s->has_as_of && s->as_of == PG_GETARG_DATEADT(3)))
		rfm_set_as_of(s, PG_ARGISNULL(3), PG_ARGISNULL(3) ? 0 : PG_GETARG_DATEADT(3));
	/* Infinite times are ignored, as NULL ones: they have no calendar day. */
	if (!PG_ARGISNULL(1) && !PG_ARGISNULL(2) &&
		!TIMESTAMP_NOT_FINITE(PG_GETARG_TIMESTAMPTZ(1)))
		s = rfm_add_row(aggcxt, s,
						rfm_day_of_timestamptz(fcinfo, PG_GETARG_TIMESTAMPTZ(1)),
						PG_GETARG_DATUM(2));
	PG_RETURN_POINTER(s);
}

PG_FUNCTION_INFO_V1(crm_rfm_agg_date_sfunc);

/*
 * crm_rfm_agg_date_sfunc(internal, date, numeric, date): transition with
 * order days.  Not strict, as above.
 */
Datum
crm_rfm_agg_date_sfunc(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	RfmAggState *s = rfm_get_state(fcinfo, &aggcxt);

	if (PG_ARGISNULL(3) ? !s->as_of_null :
		!(s->has_as_of && s->as_of == PG_GETARG_DATEADT(3)))
		rfm_set_as_of(s, PG_ARGISNULL(3), PG_ARGISNULL(3) ? 0 : PG_GETARG_DATEADT(3));
	if (!PG_ARGISNULL(1) && !PG_ARGISNULL(2))
	{
		DateADT		d = PG_GETARG_DATEADT(1);

		/* Infinite dates are ignored: they have no distance to as_of. */
		if (!DATE_NOT_FINITE(d))
			s = rfm_add_row(aggcxt, s, d, PG_GETARG_DATUM(2));
	}
	PG_RETURN_POINTER(s);
}

PG_FUNCTION_INFO_V1(crm_rfm_agg_combine);

/*
 * crm_rfm_agg_combine: merge two partial states into the first (parallel
 * aggregation).  Either side may be NULL; the second is never modified.
 */
Datum
crm_rfm_agg_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	RfmAggState *a;
	RfmAggState *b;
	int			i;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("crm.rfm_agg combine function called in a non-aggregate context")));
	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_POINTER(PG_GETARG_POINTER(0));
	}
	b = (RfmAggState *) PG_GETARG_POINTER(1);
	a = PG_ARGISNULL(0) ? rfm_state_new(aggcxt, b->ndays) : (RfmAggState *) PG_GETARG_POINTER(0);

	if (b->has_as_of || b->as_of_null)
		rfm_set_as_of(a, b->as_of_null, b->as_of);
	if (b->purchases > 0)
	{
		if (a->purchases == 0 || b->first_day < a->first_day)
			a->first_day = b->first_day;
		if (a->purchases == 0 || b->last_day > a->last_day)
			a->last_day = b->last_day;
	}
	a->purchases += b->purchases;
	a->refunds += b->refunds;
	if (b->sum != 0 || b->scale > a->scale)
		rfm_sum_add(aggcxt, a, b->sum, b->scale);
	if (b->slow != NULL)
		rfm_slow_add(aggcxt, a, b->slow);
	for (i = 0; i < b->ndays; i++)
		a = rfm_add_day(aggcxt, a, b->days[i]);
	PG_RETURN_POINTER(a);
}

PG_FUNCTION_INFO_V1(crm_rfm_agg_serial);

/*
 * crm_rfm_agg_serial: state to bytea for parallel workers.
 */
Datum
crm_rfm_agg_serial(PG_FUNCTION_ARGS)
{
	RfmAggState *s;
	StringInfoData buf;
	int			i;

	if (!AggCheckCallContext(fcinfo, NULL))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("crm.rfm_agg serial function called in a non-aggregate context")));
	s = (RfmAggState *) PG_GETARG_POINTER(0);
	rfm_compact_days(s);
	pq_begintypsend(&buf);
	pq_sendbyte(&buf, 1);		/* format version */
	pq_sendbyte(&buf, (s->has_as_of ? 1 : 0) | (s->as_of_null ? 2 : 0));
	pq_sendint64(&buf, s->purchases);
	pq_sendint64(&buf, s->refunds);
	pq_sendint64(&buf, (int64) (s->sum >> 64));
	pq_sendint64(&buf, (int64) (uint64) s->sum);
	pq_sendint32(&buf, s->scale);
	pq_sendint32(&buf, s->as_of);
	pq_sendint32(&buf, s->first_day);
	pq_sendint32(&buf, s->last_day);
	if (s->slow == NULL)
		pq_sendint32(&buf, 0);
	else
	{
		pq_sendint32(&buf, VARSIZE(s->slow));
		pq_sendbytes(&buf, (char *) s->slow, VARSIZE(s->slow));
	}
	pq_sendint32(&buf, s->ndays);
	for (i = 0; i < s->ndays; i++)
		pq_sendint32(&buf, s->days[i]);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/*
 * rfm_bad_state: the error of a malformed serialised state.
 */
static void
rfm_bad_state(const char *why)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
			 errmsg("invalid serialized crm.rfm_agg state"),
			 errdetail("%s", why)));
}

PG_FUNCTION_INFO_V1(crm_rfm_agg_deserial);

/*
 * crm_rfm_agg_deserial: bytea back to a state, rejecting malformed input.
 */
Datum
crm_rfm_agg_deserial(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	bytea	   *b;
	StringInfoData buf;
	RfmAggState *s;
	int			flags;
	int64		hi;
	uint64		lo;
	int32		len;
	int32		n;
	int			i;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("crm.rfm_agg deserial function called in a non-aggregate context")));
	b = PG_GETARG_BYTEA_PP(0);
	buf.data = VARDATA_ANY(b);
	buf.len = VARSIZE_ANY_EXHDR(b);
	buf.maxlen = buf.len;
	buf.cursor = 0;
	if (buf.len < 2 + 4 * 8 + 5 * 4 + 4)
		rfm_bad_state("The state is too short.");
	if (pq_getmsgbyte(&buf) != 1)
		rfm_bad_state("Unknown state format version.");
	s = rfm_state_new(aggcxt, (buf.len - buf.cursor) / 4);
	flags = pq_getmsgbyte(&buf);
	s->has_as_of = (flags & 1) != 0;
	s->as_of_null = (flags & 2) != 0;
	s->purchases = pq_getmsgint64(&buf);
	s->refunds = pq_getmsgint64(&buf);
	hi = pq_getmsgint64(&buf);
	lo = (uint64) pq_getmsgint64(&buf);
	s->sum = (int128) (((uint128) (uint64) hi << 64) | lo);
	s->scale = pq_getmsgint(&buf, 4);
	s->as_of = pq_getmsgint(&buf, 4);
	s->first_day = pq_getmsgint(&buf, 4);
	s->last_day = pq_getmsgint(&buf, 4);
	if (s->scale < 0 || s->scale > CRM_RFM_MAX_SCALE || s->purchases < 0 || s->refunds < 0)
		rfm_bad_state("A field is out of range.");
	len = pq_getmsgint(&buf, 4);
	if (len != 0)
	{
		if (len < VARHDRSZ + 2 || len > buf.len - buf.cursor)
			rfm_bad_state("The numeric part has a bad length.");
		s->slow = MemoryContextAlloc(aggcxt, len);
		memcpy(s->slow, pq_getmsgbytes(&buf, len), len);
		if (VARSIZE(s->slow) != len)
			rfm_bad_state("The numeric part has a bad length.");
	}
	n = pq_getmsgint(&buf, 4);
	if (n < 0 || n != (buf.len - buf.cursor) / 4 || (buf.len - buf.cursor) % 4 != 0)
		rfm_bad_state("The day list has a bad length.");
	for (i = 0; i < n; i++)
	{
		s->days[i] = pq_getmsgint(&buf, 4);
		if (i > 0 && s->days[i] <= s->days[i - 1])
			rfm_bad_state("The day list is not sorted.");
	}
	s->ndays = n;
	s->sorted = n <= RFM_SORTED_MAX;
	pq_getmsgend(&buf);
	PG_RETURN_POINTER(s);
}

PG_FUNCTION_INFO_V1(crm_rfm_agg_final);

/*
 * crm_rfm_agg_final: the crm.rfm_stats row, or NULL when no row counted.
 */
Datum
crm_rfm_agg_final(PG_FUNCTION_ARGS)
{
	RfmAggState *s;
	TupleDesc	tupdesc;
	Datum		values[9];
	bool		nulls[9];
	Numeric		total;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	s = (RfmAggState *) PG_GETARG_POINTER(0);
	if (s->purchases == 0 && s->refunds == 0)
		PG_RETURN_NULL();
	tupdesc = (TupleDesc) fcinfo->flinfo->fn_extra;
	if (tupdesc == NULL)
	{
		MemoryContext old = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);

		if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
			elog(ERROR, "return type must be a row type");
		tupdesc = BlessTupleDesc(tupdesc);
		fcinfo->flinfo->fn_extra = tupdesc;
		MemoryContextSwitchTo(old);
	}

	rfm_compact_days(s);
	total = CrmRfmScaledToNumeric(s->sum, s->scale);
	if (s->slow != NULL)
		total = DatumGetNumeric(DirectFunctionCall2(numeric_add,
													NumericGetDatum(total),
													NumericGetDatum(s->slow)));
	memset(nulls, 0, sizeof(nulls));
	values[1] = Int32GetDatum(s->ndays);
	values[2] = NumericGetDatum(total);
	values[7] = Int64GetDatum(s->purchases);
	values[8] = Int64GetDatum(s->refunds);
	if (s->purchases > 0)
	{
		values[3] = DirectFunctionCall2(numeric_div, NumericGetDatum(total),
										NumericGetDatum(int64_to_numeric(s->ndays)));
		values[4] = DateADTGetDatum(s->first_day);
		values[5] = DateADTGetDatum(s->last_day);
		if (s->has_as_of)
		{
			values[0] = Int32GetDatum(s->as_of - s->last_day);
			values[6] = Int32GetDatum(s->as_of - s->first_day);
		}
		else
			nulls[0] = nulls[6] = true;
	}
	else
		nulls[0] = nulls[3] = nulls[4] = nulls[5] = nulls[6] = true;
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}
