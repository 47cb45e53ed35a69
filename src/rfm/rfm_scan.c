/*
 * rfm_scan.c
 *		crm.rfm(orders, customer, ordered_at, amount, as_of, n): the whole
 *		RFM of an orders table in one call: per-customer figures, quantile
 *		scores, segment and class.
 *
 * Same definitions as crm.rfm_agg + crm.rfm_thresholds_agg + crm.rfm_score
 * (and tested equal to them), but faster than even a bare GROUP BY: the
 * table is read with a heap scan and grouped in an open-addressing hash
 * table (lib/simplehash.h) whose 96-byte entries hold the whole customer
 * state, purchase days included, so a row costs one hash probe and no
 * function call, tuple copy or numeric arithmetic.  The cost is memory:
 * about 100 to 200 bytes per customer, outside work_mem.
 *
 * Customer keys are integers (smallint, integer, bigint); order times
 * timestamptz (days in the session time zone), timestamp or date; amounts
 * numeric or integer.  Partitioned and inheritance parents are read through
 * their leaves.  Tables with row level security enabled are refused (use
 * the aggregate, which the executor filters).
 */
#include "postgres.h"

#include "access/relation.h"
#include "access/table.h"
#include "access/tableam.h"
#include "catalog/pg_class.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_type.h"
#include "executor/tuptable.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/lsyscache.h"
#include "utils/numeric.h"
#include "utils/rel.h"
#include "utils/rls.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"

#include "rfm/rfm.h"

#define RFM_CUST_INLINE 10

/* Overflow of a customer: many purchase days, or amounts off the fast path. */
typedef struct RfmCustExt
{
	Numeric		slow;			/* exact part of the total, or NULL */
	int32		ndays;
	int32		maxdays;
	int32	   *days;			/* appended, folded when full */
} RfmCustExt;

/* One customer: an element of the hash table. */
typedef struct RfmCust
{
	int64		key;
	int64		sum;			/* net amount * 10^scale */
	int64		purchases;
	int64		refunds;
	int32		first_day;
	int32		last_day;
	RfmCustExt *ext;
	int16		scale;
	uint8		ninline;		/* sorted unique days in days[] (no ext) */
	char		status;			/* simplehash */
	int32		days[RFM_CUST_INLINE];
} RfmCust;

/*
 * rfm_hash64: a 64-bit integer hash (splitmix64 finaliser).
 */
static inline uint32
rfm_hash64(uint64 k)
{
	k ^= k >> 30;
	k *= UINT64CONST(0xbf58476d1ce4e5b9);
	k ^= k >> 27;
	k *= UINT64CONST(0x94d049bb133111eb);
	k ^= k >> 31;
	return (uint32) k;
}

#define SH_PREFIX rfmcust
#define SH_ELEMENT_TYPE RfmCust
#define SH_KEY_TYPE int64
#define SH_KEY key
#define SH_HASH_KEY(tb, k) rfm_hash64((uint64) (k))
#define SH_EQUAL(tb, a, b) ((a) == (b))
#define SH_SCOPE static inline
#define SH_DECLARE
#define SH_DEFINE
#include "lib/simplehash.h"

/* Scan state shared by the helpers. */
typedef struct RfmScan
{
	MemoryContext cxt;			/* table, ext blocks, slow numerics */
	rfmcust_hash *tab;
	int32		as_of;
	RfmTzCache	tz;
} RfmScan;

/*
 * rfm_ext_compact: sort and deduplicate the overflow day list.
 */
static void
rfm_ext_compact(RfmCustExt *e)
{
	e->ndays = CrmRfmSortUniqueInt32(e->days, e->ndays);
}

/*
 * rfm_get_ext: the overflow part of a customer, created on first need with
 * the inline days moved into it.
 */
static RfmCustExt *
rfm_get_ext(RfmScan *st, RfmCust *c)
{
	if (c->ext == NULL)
	{
		RfmCustExt *e = MemoryContextAllocZero(st->cxt, sizeof(RfmCustExt));

		e->maxdays = RFM_CUST_INLINE * 4;
		e->days = MemoryContextAlloc(st->cxt, sizeof(int32) * e->maxdays);
		memcpy(e->days, c->days, sizeof(int32) * c->ninline);
		e->ndays = c->ninline;
		c->ext = e;
	}
	return c->ext;
}

/*
 * rfm_cust_add_day: remember a purchase day of a customer.
 */
static void
rfm_cust_add_day(RfmScan *st, RfmCust *c, int32 day)
{
	RfmCustExt *e;

	if (c->ext == NULL)
	{
		int			i;

		for (i = c->ninline; i > 0 && c->days[i - 1] > day; i--)
			;
		if (i > 0 && c->days[i - 1] == day)
			return;
		if (c->ninline < RFM_CUST_INLINE)
		{
			memmove(c->days + i + 1, c->days + i, sizeof(int32) * (c->ninline - i));
			c->days[i] = day;
			c->ninline++;
			return;
		}
	}
	e = rfm_get_ext(st, c);
	if (e->ndays == e->maxdays)
	{
		rfm_ext_compact(e);
		if (e->ndays > e->maxdays / 2)
		{
			e->days = repalloc_huge(e->days, sizeof(int32) * e->maxdays * 2);
			e->maxdays *= 2;
		}
	}
	e->days[e->ndays++] = day;
}

/*
 * rfm_cust_slow_add: add a numeric to the exact fallback part.
 */
static void
rfm_cust_slow_add(RfmScan *st, RfmCust *c, Numeric n)
{
	RfmCustExt *e = rfm_get_ext(st, c);
	MemoryContext old = MemoryContextSwitchTo(st->cxt);

	e->slow = e->slow == NULL ? DatumGetNumericCopy(NumericGetDatum(n)) :
		DatumGetNumeric(DirectFunctionCall2(numeric_add, NumericGetDatum(e->slow),
											NumericGetDatum(n)));
	MemoryContextSwitchTo(old);
}

/*
 * rfm_cust_add_amount: add value * 10^-vscale exactly.
 */
static void
rfm_cust_add_amount(RfmScan *st, RfmCust *c, int64 value, int vscale)
{
	int64		r;

	if (vscale > c->scale)
	{
		if (c->sum == 0 ||
			!__builtin_mul_overflow(c->sum, CrmRfmPow10[vscale - c->scale], &r))
			c->sum = c->sum == 0 ? 0 : r;
		else
		{
			rfm_cust_slow_add(st, c, CrmRfmScaledToNumeric(c->sum, c->scale));
			c->sum = 0;
		}
		c->scale = vscale;
	}
	else if (vscale < c->scale)
	{
		if (__builtin_mul_overflow(value, CrmRfmPow10[c->scale - vscale], &r))
		{
			rfm_cust_slow_add(st, c, CrmRfmScaledToNumeric(value, vscale));
			return;
		}
		value = r;
	}
	if (__builtin_add_overflow(c->sum, value, &r))
	{
		rfm_cust_slow_add(st, c, CrmRfmScaledToNumeric(value, c->scale));
		return;
	}
	c->sum = r;
}

/* Rows are folded in batches, their hash buckets prefetched first. */
#define RFM_BATCH 32

typedef struct RfmRow
{
	int64		key;
	int64		v;				/* amount * 10^vscale */
	int32		day;
	int32		vscale;
} RfmRow;

/*
 * rfm_cust_get: the customer of key, created empty if new.
 */
static inline RfmCust *
rfm_cust_get(RfmScan *st, int64 key)
{
	bool		found;
	RfmCust    *c = rfmcust_insert(st->tab, key, &found);

	if (!found)
	{
		c->sum = 0;
		c->purchases = 0;
		c->refunds = 0;
		c->ext = NULL;
		c->scale = 0;
		c->ninline = 0;
	}
	return c;
}

/*
 * rfm_cust_purchase: count a purchase on day.
 */
static inline void
rfm_cust_purchase(RfmScan *st, RfmCust *c, int32 day)
{
	if (c->purchases == 0 || day < c->first_day)
		c->first_day = day;
	if (c->purchases == 0 || day > c->last_day)
		c->last_day = day;
	c->purchases++;
	rfm_cust_add_day(st, c, day);
}

/*
 * rfm_flush: fold a batch of rows.  Prefetching every row's bucket first
 * lets the memory system fetch them in parallel: the hash probe, a cache
 * miss per row otherwise, is most of the cost.
 */
static void
rfm_flush(RfmScan *st, RfmRow *rows, int nrows)
{
	int			i;

	for (i = 0; i < nrows; i++)
		__builtin_prefetch(&st->tab->data[rfm_hash64((uint64) rows[i].key) & st->tab->sizemask], 1);
	for (i = 0; i < nrows; i++)
	{
		RfmCust    *c = rfm_cust_get(st, rows[i].key);

		rfm_cust_add_amount(st, c, rows[i].v, rows[i].vscale);
		if (rows[i].v < 0)
			c->refunds++;
		else
			rfm_cust_purchase(st, c, rows[i].day);
	}
}

/*
 * rfm_scan_relation: fold every order of one relation with storage.
 */
static void
rfm_scan_relation(RfmScan *st, Oid relid, const char *cols[3])
{
	Relation	rel = table_open(relid, AccessShareLock);
	TupleDesc	desc = RelationGetDescr(rel);
	AttrNumber	att[3];
	Oid			typ[3];
	TupleTableSlot *slot;
	TableScanDesc scan;
	int			i;
	int			maxatt = 0;
	RfmRow		rows[RFM_BATCH];
	int			nrows = 0;

	for (i = 0; i < 3; i++)
	{
		att[i] = get_attnum(relid, cols[i]);
		if (att[i] == InvalidAttrNumber)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_COLUMN),
					 errmsg("column \"%s\" of \"%s\" does not exist",
							cols[i], RelationGetRelationName(rel))));
		typ[i] = TupleDescAttr(desc, att[i] - 1)->atttypid;
		maxatt = Max(maxatt, att[i]);
	}
	if (typ[0] != INT2OID && typ[0] != INT4OID && typ[0] != INT8OID)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("customer column \"%s\" is not an integer", cols[0]),
				 errhint("For other key types use crm.rfm_agg() with GROUP BY.")));
	if (typ[1] != TIMESTAMPTZOID && typ[1] != TIMESTAMPOID && typ[1] != DATEOID)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("column \"%s\" is not a timestamptz, timestamp or date", cols[1])));
	if (typ[2] != NUMERICOID && typ[2] != INT2OID && typ[2] != INT4OID && typ[2] != INT8OID)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("column \"%s\" is not numeric or integer", cols[2])));

	slot = table_slot_create(rel, NULL);
	scan = table_beginscan(rel, GetActiveSnapshot(), 0, NULL);
	while (table_scan_getnextslot(scan, ForwardScanDirection, slot))
	{
		Datum		kd,
					td,
					ad;
		bool		kn,
					tn,
					an;
		int64		key;
		int32		day;
		int64		v;
		int			vscale;
		bool		fast = true;

		CHECK_FOR_INTERRUPTS();
		slot_getsomeattrs(slot, maxatt);
		kd = slot->tts_values[att[0] - 1];
		kn = slot->tts_isnull[att[0] - 1];
		td = slot->tts_values[att[1] - 1];
		tn = slot->tts_isnull[att[1] - 1];
		ad = slot->tts_values[att[2] - 1];
		an = slot->tts_isnull[att[2] - 1];
		if (kn || tn || an)
			continue;
		key = typ[0] == INT8OID ? DatumGetInt64(kd) :
			typ[0] == INT4OID ? DatumGetInt32(kd) : DatumGetInt16(kd);
		/* Rows with an infinite time are ignored, as NULL ones. */
		if (typ[1] == TIMESTAMPTZOID)
		{
			if (TIMESTAMP_NOT_FINITE(DatumGetTimestampTz(td)))
				continue;
			day = CrmRfmDayOfTimestampTz(&st->tz, DatumGetTimestampTz(td));
		}
		else if (typ[1] == TIMESTAMPOID)
		{
			Timestamp	ts = DatumGetTimestamp(td);

			if (TIMESTAMP_NOT_FINITE(ts))
				continue;
			day = (int32) (ts / USECS_PER_DAY - (ts % USECS_PER_DAY < 0 ? 1 : 0));
		}
		else
		{
			day = DatumGetDateADT(td);
			if (DATE_NOT_FINITE(day))
				continue;
		}
		if (day > st->as_of)
			continue;
		if (typ[2] == NUMERICOID)
			fast = CrmRfmNumericToScaled(ad, &v, &vscale);
		else
		{
			v = typ[2] == INT8OID ? DatumGetInt64(ad) :
				typ[2] == INT4OID ? DatumGetInt32(ad) : DatumGetInt16(ad);
			vscale = 0;
		}

		if (fast)
		{
			rows[nrows].key = key;
			rows[nrows].v = v;
			rows[nrows].vscale = vscale;
			rows[nrows].day = day;
			if (++nrows == RFM_BATCH)
			{
				rfm_flush(st, rows, nrows);
				nrows = 0;
			}
		}
		else
		{
			/* Rare: an amount off the fast path, folded at once (exact). */
			Numeric		n = DatumGetNumeric(ad);
			RfmCust    *c;

			/* NaN and infinite amounts are ignored, as NULL ones. */
			if (numeric_is_nan(n) || numeric_is_inf(n))
				continue;
			rfm_flush(st, rows, nrows);
			nrows = 0;
			c = rfm_cust_get(st, key);
			rfm_cust_slow_add(st, c, n);
			if (DatumGetInt32(DirectFunctionCall2(numeric_cmp, NumericGetDatum(n),
												  NumericGetDatum(int64_to_numeric(0)))) < 0)
				c->refunds++;
			else
				rfm_cust_purchase(st, c, day);
		}
	}
	rfm_flush(st, rows, nrows);
	table_endscan(scan);
	ExecDropSingleTupleTableSlot(slot);
	table_close(rel, NoLock);
}

/*
 * rfm_cust_total: the customer's exact net amount.
 */
static Numeric
rfm_cust_total(RfmCust *c)
{
	Numeric		t = CrmRfmScaledToNumeric(c->sum, c->scale);

	if (c->ext != NULL && c->ext->slow != NULL)
		t = DatumGetNumeric(DirectFunctionCall2(numeric_add, NumericGetDatum(t),
												NumericGetDatum(c->ext->slow)));
	return t;
}

/*
 * rfm_cust_frequency: distinct purchase days.
 */
static int32
rfm_cust_frequency(RfmCust *c)
{
	if (c->ext == NULL)
		return c->ninline;
	rfm_ext_compact(c->ext);
	return c->ext->ndays;
}

PG_FUNCTION_INFO_V1(crm_rfm_table);

/*
 * crm_rfm_table(orders regclass, customer name, ordered_at name, amount
 * name, as_of date, n int): the per-customer RFM table (materialised).
 */
Datum
crm_rfm_table(PG_FUNCTION_ARGS)
{
	Oid			relid = PG_GETARG_OID(0);
	const char *cols[3];
	int32		n = PG_GETARG_INT32(5);
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	TupleDesc	tupdesc;
	Tuplestorestate *store;
	MemoryContext per_query;
	MemoryContext old;
	RfmScan		st;
	List	   *rels;
	ListCell   *lc;
	rfmcust_iterator it;
	RfmCust    *c;
	RfmPopState *pop;
	RfmBounds	b;
	Numeric    *totals;
	int64		i;
	void	   *seg_cache = NULL;
	void	   *class_cache = NULL;
	MemoryContext rowcxt;
	AclResult	acl;

	cols[0] = NameStr(*PG_GETARG_NAME(1));
	cols[1] = NameStr(*PG_GETARG_NAME(2));
	cols[2] = NameStr(*PG_GETARG_NAME(3));
	st.as_of = PG_GETARG_DATEADT(4);
	if (DATE_NOT_FINITE(st.as_of))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("as-of date is not finite"),
				 errdetail("RFM measures days between finite dates.")));
	if (n < CRM_RFM_MIN_N || n > CRM_RFM_MAX_N)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("number of RFM buckets \"%d\" is out of range", n),
				 errdetail("Scores use from 3 to 10 buckets.")));
	if (rsinfo == NULL || !IsA(rsinfo, ReturnSetInfo) ||
		!(rsinfo->allowedModes & SFRM_Materialize))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("crm.rfm() must be called in a FROM clause")));
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");

	/* The table: readable, no row level security, of a kind we can scan. */
	if (get_rel_relkind(relid) != RELKIND_RELATION &&
		get_rel_relkind(relid) != RELKIND_PARTITIONED_TABLE &&
		get_rel_relkind(relid) != RELKIND_MATVIEW)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s\" is not a table", get_rel_name(relid)),
				 errhint("For views and queries use crm.rfm_agg() with GROUP BY.")));
	acl = pg_class_aclcheck(relid, GetUserId(), ACL_SELECT);
	if (acl != ACLCHECK_OK)
	{
		int			k;

		for (k = 0; k < 3; k++)
		{
			AttrNumber	a = get_attnum(relid, cols[k]);

			if (a == InvalidAttrNumber ||
				pg_attribute_aclcheck(relid, a, GetUserId(), ACL_SELECT) != ACLCHECK_OK)
				aclcheck_error(acl, get_relkind_objtype(get_rel_relkind(relid)),
							   get_rel_name(relid));
		}
	}

	per_query = rsinfo->econtext->ecxt_per_query_memory;
	st.cxt = AllocSetContextCreate(CurrentMemoryContext, "crm.rfm customers",
								   ALLOCSET_DEFAULT_SIZES);
	memset(&st.tz, 0, sizeof(st.tz));
	st.tab = rfmcust_create(st.cxt, 1024, NULL);

	rels = find_all_inheritors(relid, AccessShareLock, NULL);
	foreach(lc, rels)
	{
		Oid			child = lfirst_oid(lc);

		if (check_enable_rls(child, InvalidOid, false) == RLS_ENABLED)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("crm.rfm() does not read tables with row level security"),
					 errhint("Use crm.rfm_agg() with GROUP BY, which the policies filter.")));
		if (!RELKIND_HAS_STORAGE(get_rel_relkind(child)))
			continue;
		rfm_scan_relation(&st, child, cols);
	}

	/* The scoring population: customers with a purchase. */
	pop = CrmRfmPopNew(st.cxt);
	CrmRfmPopSetN(pop, n);
	totals = MemoryContextAllocHuge(st.cxt, sizeof(Numeric) * Max(st.tab->members, 1));
	old = MemoryContextSwitchTo(st.cxt);
	i = 0;
	rfmcust_start_iterate(st.tab, &it);
	while ((c = rfmcust_iterate(st.tab, &it)) != NULL)
	{
		totals[i] = rfm_cust_total(c);
		if (c->purchases > 0)
			CrmRfmPopAdd(st.cxt, pop, st.as_of - c->last_day, rfm_cust_frequency(c),
						 NumericGetDatum(totals[i]));
		i++;
	}
	memset(&b, 0, sizeof(b));
	if (pop->count > 0)
		CrmRfmBoundsCompute(pop, &b);
	MemoryContextSwitchTo(old);

	/* The rows. */
	old = MemoryContextSwitchTo(per_query);
	tupdesc = CreateTupleDescCopy(tupdesc);
	store = tuplestore_begin_heap(true, false, work_mem);
	rsinfo->returnMode = SFRM_Materialize;
	rsinfo->setResult = store;
	rsinfo->setDesc = tupdesc;
	MemoryContextSwitchTo(old);

	rowcxt = AllocSetContextCreate(st.cxt, "crm.rfm row", ALLOCSET_SMALL_SIZES);
	old = MemoryContextSwitchTo(rowcxt);
	i = 0;
	rfmcust_start_iterate(st.tab, &it);
	while ((c = rfmcust_iterate(st.tab, &it)) != NULL)
	{
		Datum		values[13];
		bool		nulls[13];

		CHECK_FOR_INTERRUPTS();
		memset(nulls, 0, sizeof(nulls));
		values[0] = Int64GetDatum(c->key);
		values[2] = Int32GetDatum(c->purchases > 0 ? rfm_cust_frequency(c) : 0);
		values[3] = NumericGetDatum(totals[i]);
		values[8] = Int64GetDatum(c->purchases);
		values[9] = Int64GetDatum(c->refunds);
		if (c->purchases > 0)
		{
			int32		rec = st.as_of - c->last_day;
			int32		freq = DatumGetInt32(values[2]);
			int16		score = CrmRfmScoreOf(&b, rec, freq, values[3]);

			values[1] = Int32GetDatum(rec);
			values[4] = DirectFunctionCall2(numeric_div, values[3],
											NumericGetDatum(int64_to_numeric(freq)));
			values[5] = DateADTGetDatum(c->first_day);
			values[6] = DateADTGetDatum(c->last_day);
			values[7] = Int32GetDatum(st.as_of - c->first_day);
			values[10] = Int16GetDatum(score);
			values[11] = CrmRfmEnumValue(fcinfo, &seg_cache, CRM_RFM_SCHEME_SEGMENT,
										 CrmRfmSegmentIndex(score, n));
			values[12] = CrmRfmEnumValue(fcinfo, &class_cache, CRM_RFM_SCHEME_CLASS,
										 CrmRfmClassIndexOf(&b, rec, freq, values[3]));
		}
		else
			nulls[1] = nulls[4] = nulls[5] = nulls[6] = nulls[7] =
				nulls[10] = nulls[11] = nulls[12] = true;
		tuplestore_putvalues(store, tupdesc, values, nulls);
		MemoryContextReset(rowcxt);
		i++;
	}
	MemoryContextSwitchTo(old);
	MemoryContextDelete(st.cxt);
	return (Datum) 0;
}
