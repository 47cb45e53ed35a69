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
 * The state is the customer's (day, amount) pairs; same-day purchases are
 * merged in the final function, so count(DISTINCT day) needs no sort of
 * the whole table.
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "datatype/timestamp.h"
#include "fmgr.h"
#include "funcapi.h"
#include "nodes/execnodes.h"
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

typedef struct SummaryState
{
	int32		cal_end;		/* DateADT */
	float8		unit_days;		/* the time unit, in days */
	float8		window_days;	/* the recent window, in days */
	int32		n;
	int32		cap;
	SummaryDay *days;
} SummaryState;

#define SUMMARY_HEADER (sizeof(int32) + 2 * sizeof(float8) + sizeof(int32))
#define SUMMARY_FIELDS 16

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
 * summary_push: append one (day, amount) to the state (repalloc keeps the
 * aggregate context).
 */
static void
summary_push(SummaryState *s, int32 day, float8 amount)
{
	if (s->n == s->cap)
	{
		int32		newcap;

		if (s->cap >= PG_INT32_MAX / 2)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("too many orders for one customer")));
		newcap = s->cap * 2;
		s->days = (SummaryDay *) repalloc_huge(s->days, newcap * sizeof(SummaryDay));
		s->cap = newcap;
	}
	s->days[s->n].day = day;
	s->days[s->n].amount = amount;
	s->n++;
}

/*
 * summary_new: an empty state with the query's constants.
 */
static SummaryState *
summary_new(MemoryContext cxt, int32 cal_end, float8 unit_days, float8 window_days, int32 cap)
{
	SummaryState *s = MemoryContextAlloc(cxt, sizeof(SummaryState));

	s->cal_end = cal_end;
	s->unit_days = unit_days;
	s->window_days = window_days;
	s->n = 0;
	s->cap = Max(cap, 4);
	s->days = MemoryContextAllocHuge(cxt, s->cap * sizeof(SummaryDay));
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
 * summary_add: the body of both transition functions; amount is already
 * a float8 (0 for a NULL amount).  Orders without a day are skipped; the
 * settings (calibration_end, time_unit, recent_window) must not be NULL and
 * must be the same in every row (22023).
 */
static Datum
summary_add(FunctionCallInfo fcinfo, double amount)
{
	MemoryContext aggcxt;
	SummaryState *s;
	int32		cal_end;
	double		unit,
				window;

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
	if (DATE_NOT_FINITE(cal_end) || DATE_NOT_FINITE(PG_GETARG_DATEADT(1)))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("purchase dates and calibration_end must be finite")));
	unit = interval_days(PG_GETARG_INTERVAL_P(4), "time_unit");
	window = interval_days(PG_GETARG_INTERVAL_P(5), "recent_window");
	if (s == NULL)
		s = summary_new(aggcxt, cal_end, unit, window, 4);
	else
		summary_same_settings(s, cal_end, unit, window);
	if (!isfinite(amount))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("order amount \"%g\" is not finite", amount)));
	summary_push(s, PG_GETARG_DATEADT(1), amount);
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
	return summary_add(fcinfo, PG_ARGISNULL(2) ? 0.0 : PG_GETARG_FLOAT8(2));
}

PG_FUNCTION_INFO_V1(crm_purchase_summary_numeric_sfunc);

/*
 * crm_purchase_summary_numeric_sfunc: add one order (day, numeric amount),
 * the usual type of money columns, without numeric_float8's text round trip.
 */
Datum
crm_purchase_summary_numeric_sfunc(PG_FUNCTION_ARGS)
{
	return summary_add(fcinfo, PG_ARGISNULL(2) ? 0.0 : numeric_to_double(PG_GETARG_DATUM(2)));
}

PG_FUNCTION_INFO_V1(crm_purchase_summary_combine);

/*
 * crm_purchase_summary_combine: concatenate two partial states (either may
 * be NULL); the second is never changed.
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
		s1 = summary_new(aggcxt, s2->cal_end, s2->unit_days, s2->window_days, s2->n);
	else
		summary_same_settings(s1, s2->cal_end, s2->unit_days, s2->window_days);
	if (s1->n + s2->n > s1->cap)
	{
		if ((int64) s1->n + s2->n >= PG_INT32_MAX / 2)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("too many orders for one customer")));
		s1->cap = s1->n + s2->n;
		s1->days = (SummaryDay *) repalloc_huge(s1->days, s1->cap * sizeof(SummaryDay));
	}
	memcpy(s1->days + s1->n, s2->days, s2->n * sizeof(SummaryDay));
	s1->n += s2->n;
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
	PG_RETURN_POINTER(s);
}

/*
 * day_cmp: order (day, amount) pairs by day.
 */
static int
day_cmp(const void *a, const void *b)
{
	int32		da = ((const SummaryDay *) a)->day;
	int32		db = ((const SummaryDay *) b)->day;

	return (da > db) - (da < db);
}

PG_FUNCTION_INFO_V1(crm_purchase_summary_final);

/*
 * crm_purchase_summary_final: the crm.purchase_summary of one customer.
 * It sorts a copy of the pairs (the state stays as it is: window aggregates
 * call the final function again).  A customer whose first purchase is
 * after calibration_end has NULL calibration fields and only holdout ones.
 */
Datum
crm_purchase_summary_final(PG_FUNCTION_ARGS)
{
	SummaryState *s = (SummaryState *) PG_GETARG_POINTER(0);
	SummaryDay *d;
	TupleDesc	tupdesc;
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

	d = palloc(Max(s->n, 1) * sizeof(SummaryDay));
	memcpy(d, s->days, s->n * sizeof(SummaryDay));
	qsort(d, s->n, sizeof(SummaryDay), day_cmp);

	/* merge same-day orders, then walk the days */
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
	pfree(d);

	/* each amount is finite, but a customer's sums can still overflow */
	if (!isfinite(total) || !isfinite(repeat_spend) || !isfinite(recent_spend) ||
		!isfinite(earlier_spend) || !isfinite(holdout_spend))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("spend of a customer is out of range"),
				 errdetail("The customer's order amounts add up to more than float8 can hold.")));

	tupdesc = CrmResultTupleDesc(fcinfo);
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
