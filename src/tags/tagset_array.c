/*
 * tagset_array.c
 *		Conversions between crm.tagset and integer arrays, and unnest.
 *
 * int4[] and int8[] convert to a tagset (NULL elements raise 22004, values
 * outside 0 .. 4294967295 raise 22003; arrays of any shape are flattened);
 * a tagset converts to int8[] (always fits) or int4[] (22003 for a member
 * above 2147483647).  Arrays come out in increasing order.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "tags/tags.h"

PG_FUNCTION_INFO_V1(crm_tagset_from_int4_array);
PG_FUNCTION_INFO_V1(crm_tagset_from_int8_array);
PG_FUNCTION_INFO_V1(crm_tagset_to_int8_array);
PG_FUNCTION_INFO_V1(crm_tagset_to_int4_array);
PG_FUNCTION_INFO_V1(crm_tagset_unnest);

#define ARR_BATCH 4096

/*
 * from_array: build a tagset from an int4[] or int8[].
 */
static Datum
from_array(ArrayType *arr, Oid elemtype)
{
	Datum	   *elems;
	bool	   *nulls;
	int			n,
				i,
				k = 0;
	int16		typlen;
	bool		typbyval;
	char		typalign;
	uint32	   *buf;
	CrmRoaring *r;

	get_typlenbyvalalign(elemtype, &typlen, &typbyval, &typalign);
	deconstruct_array(arr, elemtype, typlen, typbyval, typalign, &elems, &nulls, &n);
	buf = palloc(ARR_BATCH * sizeof(uint32));
	r = CrmRoaringCreate(CurrentMemoryContext);
	for (i = 0; i < n; i++)
	{
		int64		v;

		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("array element %d is NULL", i + 1),
					 errdetail("A tagset cannot hold NULL.")));
		v = elemtype == INT4OID ? (int64) DatumGetInt32(elems[i]) : DatumGetInt64(elems[i]);
		buf[k++] = CrmTagsetElement(v, "array element");
		if (k == ARR_BATCH)
		{
			roaring_bitmap_add_many(r->bm, k, buf);
			k = 0;
			CHECK_FOR_INTERRUPTS();
		}
	}
	if (k > 0)
		roaring_bitmap_add_many(r->bm, k, buf);
	pfree(buf);
	PG_RETURN_CRM_TAGSET_P(CrmTagsetFromRoaring(r));
}

/*
 * crm_tagset_from_int4_array: int4[] to tagset.
 */
Datum
crm_tagset_from_int4_array(PG_FUNCTION_ARGS)
{
	return from_array(PG_GETARG_ARRAYTYPE_P(0), INT4OID);
}

/*
 * crm_tagset_from_int8_array: int8[] to tagset.
 */
Datum
crm_tagset_from_int8_array(PG_FUNCTION_ARGS)
{
	return from_array(PG_GETARG_ARRAYTYPE_P(0), INT8OID);
}

/*
 * to_array: the members as an int8[] or int4[], in increasing order.
 */
static Datum
to_array(CrmTagset *ts, Oid elemtype)
{
	uint64		card = CrmTagsetCard(ts);
	CrmRoaring *r;
	Datum	   *elems;
	uint32	   *vals;
	uint64		i;
	ArrayType  *result;

	if (card > MaxAllocSize / sizeof(Datum))
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("crm.tagset with %llu members is too large for an array",
						(unsigned long long) card)));
	r = CrmTagsetOpen(ts, CurrentMemoryContext);
	vals = palloc(mul_size(Max(card, 1), sizeof(uint32)));
	roaring_bitmap_to_uint32_array(r->bm, vals);
	CrmRoaringFree(r);
	elems = palloc(mul_size(Max(card, 1), sizeof(Datum)));
	for (i = 0; i < card; i++)
	{
		if (elemtype == INT4OID)
		{
			if (vals[i] > (uint32) PG_INT32_MAX)
				ereport(ERROR,
						(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
						 errmsg("member %u is out of range for type integer", vals[i]),
						 errhint("Convert to bigint[] instead.")));
			elems[i] = Int32GetDatum((int32) vals[i]);
		}
		else
			elems[i] = Int64GetDatum((int64) vals[i]);
	}
	pfree(vals);
	if (elemtype == INT4OID)
		result = construct_array(elems, (int) card, INT4OID, 4, true, TYPALIGN_INT);
	else
		result = construct_array(elems, (int) card, INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE);
	PG_RETURN_ARRAYTYPE_P(result);
}

/*
 * crm_tagset_to_int8_array: tagset to bigint[].
 */
Datum
crm_tagset_to_int8_array(PG_FUNCTION_ARGS)
{
	return to_array(PG_GETARG_CRM_TAGSET_P(0), INT8OID);
}

/*
 * crm_tagset_to_int4_array: tagset to integer[].
 */
Datum
crm_tagset_to_int4_array(PG_FUNCTION_ARGS)
{
	return to_array(PG_GETARG_CRM_TAGSET_P(0), INT4OID);
}

/* State of crm.tagset_unnest across calls. */
typedef struct UnnestState
{
	CrmRoaring *r;
	roaring_uint32_iterator_t it;
} UnnestState;

/*
 * crm_tagset_unnest: the members as rows, in increasing order.  The bitmap
 * is owned by the multi-call context, so an abandoned scan frees it too.
 */
Datum
crm_tagset_unnest(PG_FUNCTION_ARGS)
{
	FuncCallContext *funcctx;
	UnnestState *st;

	if (SRF_IS_FIRSTCALL())
	{
		MemoryContext old;
		CrmTagset  *ts;

		funcctx = SRF_FIRSTCALL_INIT();
		old = MemoryContextSwitchTo(funcctx->multi_call_memory_ctx);
		ts = PG_GETARG_CRM_TAGSET_P(0);
		st = palloc(sizeof(UnnestState));
		st->r = CrmTagsetOpen(ts, funcctx->multi_call_memory_ctx);
		roaring_init_iterator(st->r->bm, &st->it);
		funcctx->user_fctx = st;
		MemoryContextSwitchTo(old);
	}
	funcctx = SRF_PERCALL_SETUP();
	st = (UnnestState *) funcctx->user_fctx;
	if (st->it.has_value)
	{
		int64		v = (int64) st->it.current_value;

		roaring_advance_uint32_iterator(&st->it);
		SRF_RETURN_NEXT(funcctx, Int64GetDatum(v));
	}
	CrmRoaringFree(st->r);
	SRF_RETURN_DONE(funcctx);
}
