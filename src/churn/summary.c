/*
 * summary.c
 *		crm.purchase_summary: the per-customer aggregate that turns an orders
 *		table into the inputs of the churn models, in one pass, grouped by
 *		customer:
 *			x		distinct repeat purchase days in the calibration period
 *					(days after the first one, up to calibration_end);
 *			t_x, T	time of the last purchase and of calibration_end, from
 *					the first purchase, in the chosen time unit;
 *			mean_spend	mean daily spend over the repeat days (the first
 *					purchase excluded, as in Fader, Hardie & Lee), 0 if x = 0;
 *		plus the recent-window and earlier activity the early-warning rules
 *		use, and the purchase days and spend after calibration_end (the
 *		holdout).
 *
 * The state is the customer's purchase days with their spend, kept sorted
 * and distinct as orders arrive: an order on a day already present adds
 * to that day's spend, so the state holds distinct days, not orders, and
 * count(DISTINCT day) needs no sort of the whole table.  Orders usually
 * arrive in time order per customer (or nearly), so the new day is almost
 * always the last one or a few places before it; a day further back is
 * appended and the array marked unsorted, then sorted and merged when it
 * must grow and in the final function.  The first SUMMARY_INLINE days live
 * inside the state itself: one allocation per customer for most of them,
 * which matters in a hash aggregation over a million customers.
 *
 * Order times are dates, or timestamptz taken as their date in the session
 * time zone (exactly ::date), from the zone's UTC offset cached per span
 * between two zone transitions.
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "datatype/timestamp.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "nodes/execnodes.h"
#include "pgtime.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/fmgrprotos.h"
#include "utils/timestamp.h"
#include "utils/typcache.h"

#include "churn/churn.h"

typedef struct SummaryDay
{
	int32		day;
	float8		amount;
} SummaryDay;

/*
 * Days kept inside the state: with the header, 120 bytes, which an AllocSet
 * serves from its 128-byte free list.
 */
#define SUMMARY_INLINE 5

/* how far back from the last day a new day is looked for in place */
#define SUMMARY_SCAN_BACK 16

typedef struct SummaryState
{
	int32		cal_end;		/* DateADT */
	int32		n;				/* entries in days */
	int32		cap;			/* room in days */
	bool		sorted;			/* days strictly ascending (hence distinct) */
	float8		unit_days;		/* the time unit, in days */
	float8		window_days;	/* the recent window, in days */
	SummaryDay *days;			/* inline_days, or an array of its own */
	SummaryDay	inline_days[SUMMARY_INLINE];
} SummaryState;

StaticAssertDecl(sizeof(SummaryState) <= 128,
				 "SummaryState must fit the 128-byte AllocSet size class");

/*
 * The settings of the last row a transition function saw (in its fn_extra),
 * so that the two intervals are converted to days once, not once per order.
 */
/*
 * A span of time over which the session time zone keeps one UTC offset:
 * every timestamptz t in [lo, hi) falls on the local day
 * floor((t + off) / USECS_PER_DAY).
 */
typedef struct SummaryZoneSpan
{
	TimestampTz lo;
	TimestampTz hi;
	int64		off;			/* UTC offset in microseconds, east positive */
} SummaryZoneSpan;

#define SUMMARY_ZONE_SPANS 8

typedef struct SummaryArgCache
{
	Interval	unit_iv;
	Interval	window_iv;
	double		unit_days;
	double		window_days;
	pg_tz	   *tz;				/* the zone the spans belong to */
	int			nspans;
	int			next_span;		/* the span a miss replaces when full */
	SummaryZoneSpan spans[SUMMARY_ZONE_SPANS];
} SummaryArgCache;

#define SUMMARY_HEADER (sizeof(int32) + 2 * sizeof(float8) + sizeof(int32))
#define SUMMARY_FIELDS 16

/* sort_summary_days(): an inlined quicksort of (day, amount) by day */
#define ST_SORT sort_summary_days
#define ST_ELEMENT_TYPE SummaryDay
#define ST_COMPARE(a, b) (((a)->day > (b)->day) - ((a)->day < (b)->day))
#define ST_SCOPE static
#define ST_CHECK_FOR_INTERRUPTS
#define ST_DECLARE
#define ST_DEFINE
#include "lib/sort_template.h"

/*
 * interval_days: an interval as a number of days (months count 30 days,
 * as in extract(epoch ...)), checked to be positive.
 */
static double
interval_days(Interval *iv, const char *what)
{
	double		d = iv->month * 30.0 + iv->day + iv->time / (double) USECS_PER_DAY;

	if (!(d > 0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be a positive interval", what)));
	return d;
}

/*
 * summary_compact: sort the days and merge equal ones, in place; the state
 * is then sorted.
 */
static void
summary_compact(SummaryState *s)
{
	SummaryDay *d = s->days;
	int			i,
				n = 0;

	sort_summary_days(d, s->n);
	for (i = 0; i < s->n; i++)
	{
		if (n > 0 && d[i].day == d[n - 1].day)
			d[n - 1].amount += d[i].amount;
		else
			d[n++] = d[i];
	}
	s->n = n;
	s->sorted = true;
}

/*
 * summary_reserve: room for at least need days in the state, in cxt (the
 * aggregate context).  Growth doubles, from 16 days past the inline ones.
 */
static void
summary_reserve(SummaryState *s, MemoryContext cxt, int64 need)
{
	int64		newcap = Max((int64) s->cap, SUMMARY_INLINE);

	if (need <= s->cap)
		return;
	if (need >= PG_INT32_MAX / 2)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("too many purchase days for one customer")));
	while (newcap < need)
		newcap = Max(newcap * 2, 16);
	if (s->days == s->inline_days)
	{
		s->days = MemoryContextAllocHuge(cxt, newcap * sizeof(SummaryDay));
		memcpy(s->days, s->inline_days, s->n * sizeof(SummaryDay));
	}
	else
		s->days = (SummaryDay *) repalloc_huge(s->days, newcap * sizeof(SummaryDay));
	s->cap = (int32) newcap;
}

/*
 * summary_push: add one order to the state.  A day equal to the last one,
 * or found within SUMMARY_SCAN_BACK places before it in a sorted state,
 * adds to its spend; a new day is inserted in place there; a day further
 * back is appended and the state marked unsorted.  A full unsorted state
 * is compacted first, and grows only if that did not free a quarter of it.
 */
static inline void
summary_push(SummaryState *s, MemoryContext cxt, int32 day, float8 amount)
{
	SummaryDay *d = s->days;
	int			n = s->n;
	int			pos = n;

	if (n > 0 && day <= d[n - 1].day)
	{
		int			lo,
					i;

		if (day == d[n - 1].day)
		{
			d[n - 1].amount += amount;
			return;
		}
		if (s->sorted)
		{
			lo = Max(n - 1 - SUMMARY_SCAN_BACK, 0);
			for (i = n - 2; i >= lo && d[i].day > day; i--)
				;
			if (i >= lo && d[i].day == day)
			{
				d[i].amount += amount;
				return;
			}
			if (i >= lo || lo == 0)
				pos = i + 1;
			else
				s->sorted = false;
		}
	}
	if (n == s->cap)
	{
		if (!s->sorted)
		{
			/*
			 * Sort and merge, grow unless that freed a quarter, and add the
			 * day to the sorted state (not full now: no further recursion).
			 */
			summary_compact(s);
			if (s->n >= s->cap - s->cap / 4)
				summary_reserve(s, cxt, (int64) s->n + 1);
			summary_push(s, cxt, day, amount);
			return;
		}
		summary_reserve(s, cxt, (int64) n + 1);
		d = s->days;
	}
	if (pos < n)
		memmove(&d[pos + 1], &d[pos], (n - pos) * sizeof(SummaryDay));
	d[pos].day = day;
	d[pos].amount = amount;
	s->n = n + 1;
}

/*
 * summary_new: an empty state with the query's constants, room for cap
 * days.
 */
static SummaryState *
summary_new(MemoryContext cxt, int32 cal_end, float8 unit_days, float8 window_days, int32 cap)
{
	SummaryState *s = MemoryContextAlloc(cxt, sizeof(SummaryState));

	s->cal_end = cal_end;
	s->unit_days = unit_days;
	s->window_days = window_days;
	s->n = 0;
	s->sorted = true;
	s->days = s->inline_days;
	s->cap = SUMMARY_INLINE;
	summary_reserve(s, cxt, cap);
	return s;
}

/*
 * numeric_to_double: a numeric amount as a float8, equal to numeric::float8.
 *
 * numeric_float8 prints the number and parses the text, which costs more
 * than everything else the aggregate does per order.  Amounts are short
 * (a few base-10000 digits), so their digits are read directly from the
 * numeric's on-disk format (stable: it is what pg_upgrade keeps), summed
 * into an integer below 2^53 and divided once by an exact power of ten:
 * one correctly rounded operation, the same double as the text route.
 * Anything else (NaN, infinities, long or huge values) takes the text route.
 */
static double
numeric_to_double(Datum d)
{
	struct varlena *v = PG_DETOAST_DATUM_PACKED(d);
	const char *p = VARDATA_ANY(v);
	Size		len = VARSIZE_ANY_EXHDR(v);
	uint16		header;
	int			weight,
				ndigits,
				i,
				exp10;
	bool		neg;
	int64		mant = 0;
	static const double pow10[] = {1e0, 1e4, 1e8, 1e12, 1e16, 1e20};

	if (len < sizeof(uint16))
		return DatumGetFloat8(DirectFunctionCall1(numeric_float8, d));
	memcpy(&header, p, sizeof(uint16));
	if ((header & 0xC000) == 0x8000)
	{
		/* short format: sign 0x2000, weight in the low 7 bits (signed) */
		neg = (header & 0x2000) != 0;
		weight = (header & 0x0040) ? (int) (header | ~0x003F) : (int) (header & 0x003F);
		p += sizeof(uint16);
		len -= sizeof(uint16);
	}
	else if ((header & 0xC000) == 0x0000 || (header & 0xC000) == 0x4000)
	{
		int16		w;

		if (len < 2 * sizeof(uint16))
			return DatumGetFloat8(DirectFunctionCall1(numeric_float8, d));
		neg = (header & 0xC000) == 0x4000;
		memcpy(&w, p + sizeof(uint16), sizeof(int16));
		weight = w;
		p += 2 * sizeof(uint16);
		len -= 2 * sizeof(uint16);
	}
	else
		return DatumGetFloat8(DirectFunctionCall1(numeric_float8, d));	/* NaN, +-Inf */

	ndigits = (int) (len / sizeof(int16));
	if (ndigits == 0)
		return 0.0;
	if (ndigits > 3)
		return DatumGetFloat8(DirectFunctionCall1(numeric_float8, d));
	for (i = 0; i < ndigits; i++)
	{
		int16		digit;

		memcpy(&digit, p + i * sizeof(int16), sizeof(int16));
		mant = mant * 10000 + digit;
	}
	/* value = mant * 10000^(weight - ndigits + 1) */
	exp10 = weight - ndigits + 1;
	if (exp10 < -5 || exp10 > 5)
		return DatumGetFloat8(DirectFunctionCall1(numeric_float8, d));
	if (exp10 >= 0)
		return (neg ? -1.0 : 1.0) * ((double) mant * pow10[exp10]);
	return (neg ? -1.0 : 1.0) * ((double) mant / pow10[-exp10]);
}

/*
 * summary_same_settings: 22023 unless calibration_end, the time unit and the
 * recent window (in days) are those of the state: a summary mixing them
 * would be meaningless.
 */
static void
summary_same_settings(SummaryState *s, int32 cal_end, double unit, double window)
{
	if (cal_end != s->cal_end)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("calibration_end must be the same for every row")));
	if (unit != s->unit_days)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("time_unit must be the same for every row"),
				 errdetail("Rows have time units of \"%g\" and \"%g\" days.", s->unit_days, unit)));
	if (window != s->window_days)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("recent_window must be the same for every row"),
				 errdetail("Rows have recent windows of \"%g\" and \"%g\" days.", s->window_days, window)));
}

/*
 * summary_settings: the time unit and the recent window of this row in
 * days, converted once and kept in fn_extra while the intervals stay the
 * same (they are constants in the usual query).
 */
static SummaryArgCache *
summary_settings(FunctionCallInfo fcinfo, double *unit, double *window)
{
	SummaryArgCache *c = (SummaryArgCache *) fcinfo->flinfo->fn_extra;
	Interval   *u = PG_GETARG_INTERVAL_P(4);
	Interval   *w = PG_GETARG_INTERVAL_P(5);

	if (c == NULL ||
		u->time != c->unit_iv.time || u->day != c->unit_iv.day ||
		u->month != c->unit_iv.month ||
		w->time != c->window_iv.time || w->day != c->window_iv.day ||
		w->month != c->window_iv.month)
	{
		double		ud = interval_days(u, "time_unit");
		double		wd = interval_days(w, "recent_window");

		if (c == NULL)
		{
			c = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(SummaryArgCache));
			fcinfo->flinfo->fn_extra = c;
		}
		c->unit_iv = *u;
		c->window_iv = *w;
		c->unit_days = ud;
		c->window_days = wd;
	}
	*unit = c->unit_days;
	*window = c->window_days;
	return c;
}

/*
 * floor_div: a / b rounded down (b > 0), for times before the epoch.
 */
static inline int64
floor_div(int64 a, int64 b)
{
	int64		q = a / b;

	return (a % b < 0) ? q - 1 : q;
}

/*
 * summary_local_date: t::date in the session time zone, the same day as
 * timestamptz_date gives, without its full calendar conversion: the UTC
 * offset is looked up once per span of time without a zone transition
 * (pg_next_dst_boundary, the zone code timestamptz_date itself relies on)
 * and the spans are kept in the cache.  A lookup that fails takes
 * timestamptz_date itself.
 */
static DateADT
summary_local_date(SummaryArgCache *c, TimestampTz t)
{
	SummaryZoneSpan *sp;
	pg_time_t	ut,
				boundary;
	long int	before_gmtoff,
				after_gmtoff;
	int			before_isdst,
				after_isdst,
				r,
				i;
	TimestampTz lo,
				hi;

	if (c->tz != session_timezone)
	{
		c->tz = session_timezone;
		c->nspans = 0;
		c->next_span = 0;
	}
	for (i = 0; i < c->nspans; i++)
	{
		sp = &c->spans[i];
		if (t >= sp->lo && t < sp->hi)
			return (DateADT) floor_div(t + sp->off, USECS_PER_DAY);
	}

	/* a miss: the offset at t, valid up to the next transition */
	ut = (pg_time_t) floor_div(t, USECS_PER_SEC) +
		(pg_time_t) (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * SECS_PER_DAY;
	r = pg_next_dst_boundary(&ut, &before_gmtoff, &before_isdst, &boundary,
							 &after_gmtoff, &after_isdst, session_timezone);
	if (r < 0)
		return DatumGetDateADT(DirectFunctionCall1(timestamptz_date,
												   TimestampTzGetDatum(t)));
	lo = (TimestampTz) (ut - (pg_time_t) (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * SECS_PER_DAY) * USECS_PER_SEC;
	if (r == 0 ||
		boundary - (pg_time_t) (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * SECS_PER_DAY >= END_TIMESTAMP / USECS_PER_SEC)
		hi = DT_NOEND;
	else
		hi = (TimestampTz) (boundary - (pg_time_t) (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * SECS_PER_DAY) * USECS_PER_SEC;

	/* the same span found from a later time: extend it back */
	for (i = 0; i < c->nspans; i++)
	{
		sp = &c->spans[i];
		if (sp->hi == hi && sp->off == (int64) before_gmtoff * USECS_PER_SEC)
		{
			sp->lo = Min(sp->lo, lo);
			return (DateADT) floor_div(t + sp->off, USECS_PER_DAY);
		}
	}
	if (c->nspans < SUMMARY_ZONE_SPANS)
		sp = &c->spans[c->nspans++];
	else
	{
		sp = &c->spans[c->next_span];
		c->next_span = (c->next_span + 1) % SUMMARY_ZONE_SPANS;
	}
	sp->lo = lo;
	sp->hi = hi;
	sp->off = (int64) before_gmtoff * USECS_PER_SEC;
	return (DateADT) floor_div(t + sp->off, USECS_PER_DAY);
}

/*
 * summary_add: the body of the transition functions; amount is already a
 * float8 (0 for a NULL amount), the order's time a date or (tstz) a
 * timestamptz, taken as its date in the session time zone.  Orders without
 * a time are skipped; the settings (calibration_end, time_unit,
 * recent_window) must not be NULL and must be the same in every row (22023).
 */
static Datum
summary_add(FunctionCallInfo fcinfo, double amount, bool tstz)
{
	MemoryContext aggcxt;
	SummaryState *s;
	SummaryArgCache *c;
	int32		cal_end,
				day;
	double		unit,
				window;
	bool		finite;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "crm.purchase_summary transition called in non-aggregate context");
	s = PG_ARGISNULL(0) ? NULL : (SummaryState *) PG_GETARG_POINTER(0);
	if (PG_ARGISNULL(1))
	{
		if (s == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(s);
	}
	if (PG_ARGISNULL(3) || PG_ARGISNULL(4) || PG_ARGISNULL(5))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("calibration_end, time_unit and recent_window must not be null")));
	cal_end = PG_GETARG_DATEADT(3);
	finite = tstz ? !TIMESTAMP_NOT_FINITE(PG_GETARG_TIMESTAMPTZ(1)) :
		!DATE_NOT_FINITE(PG_GETARG_DATEADT(1));
	if (DATE_NOT_FINITE(cal_end) || !finite)
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("purchase dates and calibration_end must be finite")));
	c = summary_settings(fcinfo, &unit, &window);
	day = tstz ? summary_local_date(c, PG_GETARG_TIMESTAMPTZ(1)) : PG_GETARG_DATEADT(1);
	if (s == NULL)
		s = summary_new(aggcxt, cal_end, unit, window, 0);
	else
		summary_same_settings(s, cal_end, unit, window);
	if (!isfinite(amount))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("order amount \"%g\" is not finite", amount)));
	summary_push(s, aggcxt, day, amount);
	PG_RETURN_POINTER(s);
}

PG_FUNCTION_INFO_V1(crm_purchase_summary_sfunc);

/*
 * crm_purchase_summary_sfunc: add one order (day, float8 amount).  Not
 * strict: a NULL amount counts as 0, an order without a day is skipped.
 */
Datum
crm_purchase_summary_sfunc(PG_FUNCTION_ARGS)
{
	return summary_add(fcinfo, PG_ARGISNULL(2) ? 0.0 : PG_GETARG_FLOAT8(2), false);
}

PG_FUNCTION_INFO_V1(crm_purchase_summary_numeric_sfunc);

/*
 * crm_purchase_summary_numeric_sfunc: add one order (day, numeric amount),
 * the usual type of money columns, without numeric_float8's text round trip.
 */
Datum
crm_purchase_summary_numeric_sfunc(PG_FUNCTION_ARGS)
{
	return summary_add(fcinfo, PG_ARGISNULL(2) ? 0.0 : numeric_to_double(PG_GETARG_DATUM(2)), false);
}

PG_FUNCTION_INFO_V1(crm_purchase_summary_tstz_sfunc);

/*
 * crm_purchase_summary_tstz_sfunc: add one order (timestamptz, float8
 * amount); the day is ordered_at::date in the session time zone.
 */
Datum
crm_purchase_summary_tstz_sfunc(PG_FUNCTION_ARGS)
{
	return summary_add(fcinfo, PG_ARGISNULL(2) ? 0.0 : PG_GETARG_FLOAT8(2), true);
}

PG_FUNCTION_INFO_V1(crm_purchase_summary_tstz_numeric_sfunc);

/*
 * crm_purchase_summary_tstz_numeric_sfunc: add one order (timestamptz,
 * numeric amount).
 */
Datum
crm_purchase_summary_tstz_numeric_sfunc(PG_FUNCTION_ARGS)
{
	return summary_add(fcinfo, PG_ARGISNULL(2) ? 0.0 : numeric_to_double(PG_GETARG_DATUM(2)), true);
}

PG_FUNCTION_INFO_V1(crm_purchase_summary_combine);

/*
 * crm_purchase_summary_combine: merge two partial states (either may be
 * NULL); the second is never changed.  Two sorted states are merged day by
 * day into a sorted one; otherwise the days are appended (unsorted).
 */
Datum
crm_purchase_summary_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	SummaryState *s1,
			   *s2;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "crm_purchase_summary_combine called in non-aggregate context");
	s1 = PG_ARGISNULL(0) ? NULL : (SummaryState *) PG_GETARG_POINTER(0);
	s2 = PG_ARGISNULL(1) ? NULL : (SummaryState *) PG_GETARG_POINTER(1);
	if (s2 == NULL)
	{
		if (s1 == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(s1);
	}
	if (s1 == NULL)
	{
		s1 = summary_new(aggcxt, s2->cal_end, s2->unit_days, s2->window_days, s2->n);
		memcpy(s1->days, s2->days, s2->n * sizeof(SummaryDay));
		s1->n = s2->n;
		s1->sorted = s2->sorted;
		PG_RETURN_POINTER(s1);
	}
	summary_same_settings(s1, s2->cal_end, s2->unit_days, s2->window_days);
	if (s1->sorted && s2->sorted)
	{
		/* merge the two ascending lists into a new array */
		int64		total = (int64) s1->n + s2->n;
		SummaryDay *m,
				   *a = s1->days,
				   *b = s2->days;
		int			i = 0,
					j = 0,
					k = 0;

		if (total >= PG_INT32_MAX / 2)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("too many purchase days for one customer")));
		m = MemoryContextAllocHuge(aggcxt, Max(total, 1) * sizeof(SummaryDay));
		while (i < s1->n || j < s2->n)
		{
			if (j >= s2->n || (i < s1->n && a[i].day < b[j].day))
				m[k++] = a[i++];
			else if (i >= s1->n || b[j].day < a[i].day)
				m[k++] = b[j++];
			else
			{
				m[k].day = a[i].day;
				m[k++].amount = a[i++].amount + b[j++].amount;
			}
		}
		if (a != s1->inline_days)
			pfree(a);
		if (k <= SUMMARY_INLINE)
		{
			memcpy(s1->inline_days, m, k * sizeof(SummaryDay));
			pfree(m);
			s1->days = s1->inline_days;
			s1->cap = SUMMARY_INLINE;
		}
		else
		{
			s1->days = m;
			s1->cap = (int32) Max(total, 1);
		}
		s1->n = k;
	}
	else
	{
		summary_reserve(s1, aggcxt, (int64) s1->n + s2->n);
		memcpy(s1->days + s1->n, s2->days, s2->n * sizeof(SummaryDay));
		s1->n += s2->n;
		s1->sorted = false;
	}
	PG_RETURN_POINTER(s1);
}

PG_FUNCTION_INFO_V1(crm_purchase_summary_serial);

/*
 * crm_purchase_summary_serial: the state as bytea: header, then the pairs.
 */
Datum
crm_purchase_summary_serial(PG_FUNCTION_ARGS)
{
	SummaryState *s = (SummaryState *) PG_GETARG_POINTER(0);
	Size		len = add_size(VARHDRSZ + SUMMARY_HEADER, mul_size(s->n, sizeof(SummaryDay)));
	bytea	   *b = palloc(len);
	char	   *p = VARDATA(b);

	SET_VARSIZE(b, len);
	memcpy(p, &s->cal_end, sizeof(int32));
	p += sizeof(int32);
	memcpy(p, &s->unit_days, sizeof(float8));
	p += sizeof(float8);
	memcpy(p, &s->window_days, sizeof(float8));
	p += sizeof(float8);
	memcpy(p, &s->n, sizeof(int32));
	p += sizeof(int32);
	memcpy(p, s->days, s->n * sizeof(SummaryDay));
	PG_RETURN_BYTEA_P(b);
}

PG_FUNCTION_INFO_V1(crm_purchase_summary_deserial);

/*
 * crm_purchase_summary_deserial: a state from its bytea form; a length that
 * does not match the count is rejected.
 */
Datum
crm_purchase_summary_deserial(PG_FUNCTION_ARGS)
{
	bytea	   *b = PG_GETARG_BYTEA_PP(0);
	MemoryContext aggcxt;
	Size		len = VARSIZE_ANY_EXHDR(b);
	const char *p = VARDATA_ANY(b);
	int32		cal_end,
				n;
	float8		unit,
				window;
	SummaryState *s;
	int			i;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "crm_purchase_summary_deserial called in non-aggregate context");
	if (len < SUMMARY_HEADER)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid purchase summary state")));
	memcpy(&cal_end, p, sizeof(int32));
	p += sizeof(int32);
	memcpy(&unit, p, sizeof(float8));
	p += sizeof(float8);
	memcpy(&window, p, sizeof(float8));
	p += sizeof(float8);
	memcpy(&n, p, sizeof(int32));
	p += sizeof(int32);
	if (n < 0 || len != SUMMARY_HEADER + (Size) n * sizeof(SummaryDay))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid purchase summary state")));
	s = summary_new(aggcxt, cal_end, unit, window, n);
	memcpy(s->days, p, n * sizeof(SummaryDay));
	s->n = n;
	/* sorted is recomputed, not trusted */
	for (i = 1; i < n && s->sorted; i++)
		if (s->days[i].day <= s->days[i - 1].day)
			s->sorted = false;
	PG_RETURN_POINTER(s);
}

PG_FUNCTION_INFO_V1(crm_purchase_summary_final);

/*
 * crm_purchase_summary_final: the crm.purchase_summary of one customer.
 * A sorted state is read as it is; an unsorted one is sorted in a copy
 * (the state stays as it is: window aggregates call the final function
 * again).  A customer whose first purchase is after calibration_end has
 * NULL calibration fields and only holdout ones.  The row descriptor is
 * looked up once per query (fn_extra).
 */
Datum
crm_purchase_summary_final(PG_FUNCTION_ARGS)
{
	SummaryState *s = (SummaryState *) PG_GETARG_POINTER(0);
	SummaryDay *d;
	SummaryDay	local[64];
	TupleDesc	tupdesc = (TupleDesc) fcinfo->flinfo->fn_extra;
	Datum		values[SUMMARY_FIELDS];
	bool		nulls[SUMMARY_FIELDS] = {0};
	int32		first = 0,
				last = 0,
				ndays = 0,
				recent_days = 0,
				earlier_days = 0,
				holdout_days = 0,
				prev = 0;
	double		total = 0,
				repeat_spend = 0,
				recent_spend = 0,
				earlier_spend = 0,
				holdout_spend = 0,
				day_amount = 0;
	double		window_start = s->cal_end - s->window_days;
	int			i,
				n;

	if (s->sorted)
		d = s->days;
	else
	{
		d = (s->n <= (int) lengthof(local)) ? local : palloc(s->n * sizeof(SummaryDay));
		memcpy(d, s->days, s->n * sizeof(SummaryDay));
		sort_summary_days(d, s->n);
	}

	/* merge same-day entries (left in an unsorted state), walk the days */
	for (i = 0, n = 0; i <= s->n; i++)
	{
		int32		day;

		if (i < s->n && n > 0 && d[i].day == prev)
		{
			day_amount += d[i].amount;
			continue;
		}
		if (n > 0)
		{
			/* close the day `prev` */
			if (prev <= s->cal_end)
			{
				if (ndays == 0)
					first = prev;
				else
					repeat_spend += day_amount;
				last = prev;
				ndays++;
				total += day_amount;
				if (prev > window_start)
				{
					recent_days++;
					recent_spend += day_amount;
				}
				else
				{
					earlier_days++;
					earlier_spend += day_amount;
				}
			}
			else
			{
				holdout_days++;
				holdout_spend += day_amount;
			}
		}
		if (i == s->n)
			break;
		day = d[i].day;
		prev = day;
		day_amount = d[i].amount;
		n++;
	}
	if (d != s->days && d != local)
		pfree(d);

	/* each amount is finite, but a customer's sums can still overflow */
	if (!isfinite(total) || !isfinite(repeat_spend) || !isfinite(recent_spend) ||
		!isfinite(earlier_spend) || !isfinite(holdout_spend))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("spend of a customer is out of range"),
				 errdetail("The customer's order amounts add up to more than float8 can hold.")));

	if (tupdesc == NULL)
	{
		MemoryContext old = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);

		tupdesc = CrmResultTupleDesc(fcinfo);
		MemoryContextSwitchTo(old);
		fcinfo->flinfo->fn_extra = tupdesc;
	}
	if (ndays > 0)
	{
		double		unit = s->unit_days;
		double		span = window_start - first;

		values[0] = DateADTGetDatum(first);
		values[1] = DateADTGetDatum(last);
		values[2] = Int32GetDatum(ndays - 1);
		values[3] = Float8GetDatum((last - first) / unit);
		values[4] = Float8GetDatum((s->cal_end - first) / unit);
		values[5] = Float8GetDatum(ndays > 1 ? repeat_spend / (ndays - 1) : 0.0);
		values[6] = Float8GetDatum(total);
		values[7] = Int32GetDatum(recent_days);
		values[8] = Float8GetDatum(recent_spend);
		values[9] = Int32GetDatum(earlier_days);
		values[10] = Float8GetDatum(earlier_spend);
		values[11] = Float8GetDatum(Max(span, 0.0) / unit);
		values[12] = Float8GetDatum(s->window_days / unit);
	}
	else
	{
		for (i = 0; i <= 12; i++)
			nulls[i] = true;
	}
	values[13] = Int32GetDatum(holdout_days);
	values[14] = Float8GetDatum(holdout_spend);
	values[15] = Float8GetDatum(s->unit_days);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

/*
 * CrmSummaryFields: x, t_x, T, mean_spend and time_unit_days of the
 * crm.purchase_summary in argument argno, deformed with a row descriptor
 * cached in fn_extra.  False when the customer has no calibration purchase
 * (NULL fields).  A NULL (22004), non-positive or non-finite (22023) time
 * unit is rejected.
 */
bool
CrmSummaryFields(FunctionCallInfo fcinfo, int argno, double *x, double *tx,
				 double *T, double *m, double *unit)
{
	HeapTupleHeader th = PG_GETARG_HEAPTUPLEHEADER(argno);
	TupleDesc	desc = (TupleDesc) fcinfo->flinfo->fn_extra;
	HeapTupleData tmp;
	Datum		v[SUMMARY_FIELDS];
	bool		isnull[SUMMARY_FIELDS];

	if (desc == NULL)
	{
		MemoryContext old = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);

		desc = lookup_rowtype_tupdesc_copy(HeapTupleHeaderGetTypeId(th),
										   HeapTupleHeaderGetTypMod(th));
		MemoryContextSwitchTo(old);
		if (desc->natts != SUMMARY_FIELDS)
			elog(ERROR, "unexpected crm.purchase_summary row type");
		fcinfo->flinfo->fn_extra = desc;
	}
	tmp.t_len = HeapTupleHeaderGetDatumLength(th);
	ItemPointerSetInvalid(&tmp.t_self);
	tmp.t_tableOid = InvalidOid;
	tmp.t_data = th;
	heap_deform_tuple(&tmp, desc, v, isnull);
	if (isnull[2] || isnull[3] || isnull[4] || isnull[5])
		return false;
	*x = (double) DatumGetInt32(v[2]);
	*tx = DatumGetFloat8(v[3]);
	*T = DatumGetFloat8(v[4]);
	*m = DatumGetFloat8(v[5]);
	if (isnull[15])
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("purchase summary field \"time_unit_days\" is null")));
	*unit = DatumGetFloat8(v[15]);
	if (!(isfinite(*unit) && *unit > 0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("time unit \"%g\" days is not a positive finite number", *unit),
				 errdetail("The time_unit_days of a purchase summary must be positive.")));
	return true;
}
