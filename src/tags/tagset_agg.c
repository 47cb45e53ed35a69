/*
 * tagset_agg.c
 *		Parallel aggregates over crm.tagset: crm.tagset_agg(bigint) builds a
 *		set from integers, crm.tagset_union_agg and crm.tagset_intersect_agg
 *		combine sets.
 *
 * The transition state is a CrmRoaring slot allocated in the aggregate
 * context and registered as its reset callback, so the malloc'd bitmap dies
 * with the group (or with the query on error).  Inputs are decoded in the
 * per-call context and freed at once.  NULL inputs are skipped; a group
 * without any non-NULL input yields NULL, as array_agg does.  The combine
 * functions accept NULL on either side and never change their second
 * argument; the final function leaves the state usable (window aggregates
 * call it again): it only run-optimises the containers, which keeps the set.
 * Serialised states are plain CRoaring portable bytes, read back with the
 * bounded deserialiser and an exact size check.
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include "tags/tags.h"

PG_FUNCTION_INFO_V1(crm_tagset_build_sfunc);
PG_FUNCTION_INFO_V1(crm_tagset_union_sfunc);
PG_FUNCTION_INFO_V1(crm_tagset_intersect_sfunc);
PG_FUNCTION_INFO_V1(crm_tagset_union_combine);
PG_FUNCTION_INFO_V1(crm_tagset_intersect_combine);
PG_FUNCTION_INFO_V1(crm_tagset_serial);
PG_FUNCTION_INFO_V1(crm_tagset_deserial);
PG_FUNCTION_INFO_V1(crm_tagset_final);

/*
 * agg_context: the aggregate context, or an error when not called as an
 * aggregate support function.
 */
static MemoryContext
agg_context(FunctionCallInfo fcinfo, const char *fname)
{
	MemoryContext aggcxt;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("%s called in a non-aggregate context", fname)));
	return aggcxt;
}

/*
 * crm_tagset_build_sfunc: add one integer to the set being built.
 * Not STRICT: the state starts NULL and NULL inputs are skipped.
 */
Datum
crm_tagset_build_sfunc(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt = agg_context(fcinfo, "crm.tagset_build_sfunc");
	CrmRoaring *st = PG_ARGISNULL(0) ? NULL : (CrmRoaring *) PG_GETARG_POINTER(0);
	uint32		x;

	if (PG_ARGISNULL(1))
	{
		if (st == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(st);
	}
	x = CrmTagsetElement(PG_GETARG_INT64(1), "value");
	if (st == NULL)
		st = CrmRoaringCreate(aggcxt);
	roaring_bitmap_add(st->bm, x);
	PG_RETURN_POINTER(st);
}

/*
 * set_sfunc: fold one tagset into the state by union or intersection.
 */
static Datum
set_sfunc(FunctionCallInfo fcinfo, bool intersect, const char *fname)
{
	MemoryContext aggcxt = agg_context(fcinfo, fname);
	CrmRoaring *st = PG_ARGISNULL(0) ? NULL : (CrmRoaring *) PG_GETARG_POINTER(0);
	CrmTagset  *ts;
	CrmRoaring *in;

	if (PG_ARGISNULL(1))
	{
		if (st == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(st);
	}
	ts = PG_GETARG_CRM_TAGSET_P(1);
	if (st == NULL)
		PG_RETURN_POINTER(CrmTagsetOpen(ts, aggcxt));
	if (intersect && roaring_bitmap_is_empty(st->bm))
		PG_RETURN_POINTER(st);
	in = CrmTagsetOpen(ts, CurrentMemoryContext);
	if (intersect)
		roaring_bitmap_and_inplace(st->bm, in->bm);
	else
		roaring_bitmap_or_inplace(st->bm, in->bm);
	CrmRoaringFree(in);
	PG_RETURN_POINTER(st);
}

/*
 * crm_tagset_union_sfunc: union one tagset into the state (not STRICT).
 */
Datum
crm_tagset_union_sfunc(PG_FUNCTION_ARGS)
{
	return set_sfunc(fcinfo, false, "crm.tagset_union_sfunc");
}

/*
 * crm_tagset_intersect_sfunc: intersect one tagset into the state (not
 * STRICT).
 */
Datum
crm_tagset_intersect_sfunc(PG_FUNCTION_ARGS)
{
	return set_sfunc(fcinfo, true, "crm.tagset_intersect_sfunc");
}

/*
 * set_combine: merge two partial states; argument 2 is never modified.
 */
static Datum
set_combine(FunctionCallInfo fcinfo, bool intersect, const char *fname)
{
	MemoryContext aggcxt = agg_context(fcinfo, fname);
	CrmRoaring *s1 = PG_ARGISNULL(0) ? NULL : (CrmRoaring *) PG_GETARG_POINTER(0);
	CrmRoaring *s2 = PG_ARGISNULL(1) ? NULL : (CrmRoaring *) PG_GETARG_POINTER(1);

	if (s2 == NULL)
	{
		if (s1 == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(s1);
	}
	if (s1 == NULL)
	{
		s1 = CrmRoaringNew(aggcxt);
		s1->bm = roaring_bitmap_copy(s2->bm);
		CrmRoaringCheck(s1->bm);
		PG_RETURN_POINTER(s1);
	}
	if (intersect)
		roaring_bitmap_and_inplace(s1->bm, s2->bm);
	else
		roaring_bitmap_or_inplace(s1->bm, s2->bm);
	PG_RETURN_POINTER(s1);
}

/*
 * crm_tagset_union_combine: combine function of tagset_agg and
 * tagset_union_agg (not STRICT: either state may be NULL).
 */
Datum
crm_tagset_union_combine(PG_FUNCTION_ARGS)
{
	return set_combine(fcinfo, false, "crm.tagset_union_combine");
}

/*
 * crm_tagset_intersect_combine: combine function of tagset_intersect_agg
 * (not STRICT: either state may be NULL).
 */
Datum
crm_tagset_intersect_combine(PG_FUNCTION_ARGS)
{
	return set_combine(fcinfo, true, "crm.tagset_intersect_combine");
}

/*
 * crm_tagset_serial: a state as CRoaring portable bytes.
 */
Datum
crm_tagset_serial(PG_FUNCTION_ARGS)
{
	CrmRoaring *st;
	size_t		size;
	bytea	   *result;

	agg_context(fcinfo, "crm.tagset_serial");
	st = (CrmRoaring *) PG_GETARG_POINTER(0);
	roaring_bitmap_run_optimize(st->bm);
	size = roaring_bitmap_portable_size_in_bytes(st->bm);
	if (size > MaxAllocSize - VARHDRSZ)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("aggregate state of %zu bytes is too large to serialise", size)));
	result = palloc(VARHDRSZ + size);
	SET_VARSIZE(result, VARHDRSZ + size);
	if (roaring_bitmap_portable_serialize(st->bm, VARDATA(result)) != size)
		elog(ERROR, "CRoaring wrote an unexpected number of bytes");
	PG_RETURN_BYTEA_P(result);
}

/*
 * crm_tagset_deserial: a serialised state back into the aggregate context.
 */
Datum
crm_tagset_deserial(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt = agg_context(fcinfo, "crm.tagset_deserial");
	bytea	   *b = PG_GETARG_BYTEA_PP(0);
	const char *data = VARDATA_ANY(b);
	size_t		len = VARSIZE_ANY_EXHDR(b);
	CrmRoaring *st;

	if (len == 0 || roaring_bitmap_portable_deserialize_size(data, len) != len)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid serialised crm.tagset aggregate state"),
				 errdetail("The state has %zu bytes, which is not one CRoaring bitmap.", len)));
	st = CrmRoaringNew(aggcxt);
	st->bm = roaring_bitmap_portable_deserialize_safe(data, len);
	if (st->bm == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid serialised crm.tagset aggregate state")));
	PG_RETURN_POINTER(st);
}

/*
 * crm_tagset_final: the state as a tagset.
 */
Datum
crm_tagset_final(PG_FUNCTION_ARGS)
{
	CrmRoaring *st;

	agg_context(fcinfo, "crm.tagset_final");
	st = (CrmRoaring *) PG_GETARG_POINTER(0);
	PG_RETURN_CRM_TAGSET_P(CrmTagsetFromBitmap(st->bm));
}
