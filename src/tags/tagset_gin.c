/*
 * tagset_gin.c
 *		GIN operator class crm.tagset_gin_ops: one index key per member, so
 *		that && (overlaps), @> (contains), <@ (is contained by) and = on a
 *		tagset column use the index.
 *
 * Keys are the members stored as int4 (the uint32 bit pattern; GIN only
 * needs a consistent order, which btint4cmp gives).  Strategies follow the
 * built-in array_ops: 1 &&, 2 @>, 3 <@, 4 =.  && and @> are answered exactly
 * from the keys; <@ and = need a recheck of the heap value.
 *
 * A query value is never materialised beyond crm_profile.tagset_gin_max_query_keys
 * members (a constant such as '{0-4294967295}' would otherwise need 12 bytes
 * per member just to be planned, since the planner's cost estimate calls
 * extractQuery too).  Above the limit, && and <@ search the whole index
 * (GIN_SEARCH_MODE_ALL without keys, every item rechecked), which the planner
 * costs as a full index scan; @> and = look up only the first members, which
 * every match must hold, and recheck.  The first key's extra_data marks such a
 * truncated @> query for consistent.
 */
#include "postgres.h"

#include "access/gin.h"
#include "access/stratnum.h"
#include "utils/memutils.h"

#include "tags/tags.h"

PG_FUNCTION_INFO_V1(crm_tagset_gin_extract_value);
PG_FUNCTION_INFO_V1(crm_tagset_gin_extract_query);
PG_FUNCTION_INFO_V1(crm_tagset_gin_consistent);
PG_FUNCTION_INFO_V1(crm_tagset_gin_triconsistent);

#define GIN_OVERLAP		1
#define GIN_CONTAINS	2
#define GIN_CONTAINED	3
#define GIN_EQUAL		4

/*
 * extract_keys: the members of a tagset as int4 key datums.
 */
static Datum *
extract_keys(CrmTagset *ts, int32 *nkeys)
{
	uint64		card = CrmTagsetCard(ts);
	CrmRoaring *r;
	uint32	   *vals;
	Datum	   *keys;
	uint64		i;

	*nkeys = 0;
	if (card == 0)
		return NULL;
	if (card > MaxAllocSize / sizeof(Datum))
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("crm.tagset with %llu members is too large to index",
						(unsigned long long) card)));
	r = CrmTagsetOpen(ts, CurrentMemoryContext);
	vals = palloc(card * sizeof(uint32));
	roaring_bitmap_to_uint32_array(r->bm, vals);
	CrmRoaringFree(r);
	keys = palloc(card * sizeof(Datum));
	for (i = 0; i < card; i++)
		keys[i] = Int32GetDatum((int32) vals[i]);
	pfree(vals);
	*nkeys = (int32) card;
	return keys;
}

/*
 * crm_tagset_gin_extract_value: the keys of an indexed value.
 */
Datum
crm_tagset_gin_extract_value(PG_FUNCTION_ARGS)
{
	CrmTagset  *ts = PG_GETARG_CRM_TAGSET_P(0);
	int32	   *nkeys = (int32 *) PG_GETARG_POINTER(1);

	PG_RETURN_POINTER(extract_keys(ts, nkeys));
}

/* extra_data of the first key of a truncated @> or = query */
static char truncated_marker;

/*
 * first_keys: the first n members of a tagset as int4 key datums.
 */
static Datum *
first_keys(CrmTagset *ts, int32 n)
{
	CrmRoaring *r = CrmTagsetOpen(ts, CurrentMemoryContext);
	roaring_uint32_iterator_t it;
	uint32	   *vals = palloc(n * sizeof(uint32));
	Datum	   *keys = palloc(n * sizeof(Datum));
	uint32		got;
	int32		i;

	roaring_init_iterator(r->bm, &it);
	got = roaring_read_uint32_iterator(&it, vals, (uint32) n);
	CrmRoaringFree(r);
	if (got != (uint32) n)
		elog(ERROR, "crm.tagset has fewer members than its header says");
	for (i = 0; i < n; i++)
		keys[i] = Int32GetDatum((int32) vals[i]);
	pfree(vals);
	return keys;
}

/*
 * crm_tagset_gin_extract_query: the keys of a query value and the search
 * mode: an empty query matches everything for @>, nothing for &&, and needs
 * the items without keys for <@ and =.  A query with more members than
 * crm_profile.tagset_gin_max_query_keys is not materialised (see the top of
 * the file).
 */
Datum
crm_tagset_gin_extract_query(PG_FUNCTION_ARGS)
{
	CrmTagset  *ts = PG_GETARG_CRM_TAGSET_P(0);
	int32	   *nkeys = (int32 *) PG_GETARG_POINTER(1);
	StrategyNumber strategy = PG_GETARG_UINT16(2);
	Pointer   **extra_data = (Pointer **) PG_GETARG_POINTER(4);
	int32	   *searchMode = (int32 *) PG_GETARG_POINTER(6);
	Datum	   *keys = NULL;

	if (strategy < GIN_OVERLAP || strategy > GIN_EQUAL)
		elog(ERROR, "unrecognized strategy number %d for crm.tagset_gin_ops", strategy);
	*nkeys = 0;
	if (CrmTagsetCard(ts) > (uint64) crm_tagset_gin_max_query_keys)
	{
		if (strategy == GIN_OVERLAP || strategy == GIN_CONTAINED)
		{
			*searchMode = GIN_SEARCH_MODE_ALL;
			PG_RETURN_POINTER(NULL);
		}
		*nkeys = crm_tagset_gin_max_query_keys;
		keys = first_keys(ts, *nkeys);
		*extra_data = palloc0(*nkeys * sizeof(Pointer));
		(*extra_data)[0] = &truncated_marker;
		*searchMode = GIN_SEARCH_MODE_DEFAULT;
		PG_RETURN_POINTER(keys);
	}

	keys = extract_keys(ts, nkeys);
	switch (strategy)
	{
		case GIN_OVERLAP:
			*searchMode = GIN_SEARCH_MODE_DEFAULT;
			break;
		case GIN_CONTAINS:
			*searchMode = *nkeys > 0 ? GIN_SEARCH_MODE_DEFAULT : GIN_SEARCH_MODE_ALL;
			break;
		case GIN_CONTAINED:
			*searchMode = GIN_SEARCH_MODE_INCLUDE_EMPTY;
			break;
		case GIN_EQUAL:
			*searchMode = *nkeys > 0 ? GIN_SEARCH_MODE_DEFAULT : GIN_SEARCH_MODE_INCLUDE_EMPTY;
			break;
	}
	PG_RETURN_POINTER(keys);
}

/*
 * is_truncated: whether the query keys are only the first members of a
 * larger @> or = query.
 */
static bool
is_truncated(Pointer *extra_data, int32 nkeys)
{
	return nkeys > 0 && extra_data != NULL && extra_data[0] == &truncated_marker;
}

/*
 * crm_tagset_gin_consistent: whether an item with the checked keys can match.
 */
Datum
crm_tagset_gin_consistent(PG_FUNCTION_ARGS)
{
	bool	   *check = (bool *) PG_GETARG_POINTER(0);
	StrategyNumber strategy = PG_GETARG_UINT16(1);
	int32		nkeys = PG_GETARG_INT32(3);
	Pointer    *extra_data = (Pointer *) PG_GETARG_POINTER(4);
	bool	   *recheck = (bool *) PG_GETARG_POINTER(5);
	bool		result;
	int32		i;

	switch (strategy)
	{
		case GIN_OVERLAP:
			/* no keys: a query too large to look up, scanning everything */
			*recheck = (nkeys == 0);
			result = (nkeys == 0);
			for (i = 0; i < nkeys && !result; i++)
				result = check[i];
			break;
		case GIN_CONTAINS:
			*recheck = is_truncated(extra_data, nkeys);
			result = true;
			for (i = 0; i < nkeys && result; i++)
				result = check[i];
			break;
		case GIN_CONTAINED:
			*recheck = true;
			result = true;
			break;
		case GIN_EQUAL:
			*recheck = true;
			result = true;
			for (i = 0; i < nkeys && result; i++)
				result = check[i];
			break;
		default:
			elog(ERROR, "unrecognized strategy number %d for crm.tagset_gin_ops", strategy);
			result = false;		/* keep the compiler quiet */
	}
	PG_RETURN_BOOL(result);
}

/*
 * crm_tagset_gin_triconsistent: the ternary form of consistent, so GIN can
 * skip items early.
 */
Datum
crm_tagset_gin_triconsistent(PG_FUNCTION_ARGS)
{
	GinTernaryValue *check = (GinTernaryValue *) PG_GETARG_POINTER(0);
	StrategyNumber strategy = PG_GETARG_UINT16(1);
	int32		nkeys = PG_GETARG_INT32(3);
	Pointer    *extra_data = (Pointer *) PG_GETARG_POINTER(4);
	GinTernaryValue result;
	int32		i;

	switch (strategy)
	{
		case GIN_OVERLAP:
			/* no keys: a query too large to look up, scanning everything */
			result = nkeys == 0 ? GIN_MAYBE : GIN_FALSE;
			for (i = 0; i < nkeys; i++)
			{
				if (check[i] == GIN_TRUE)
				{
					result = GIN_TRUE;
					break;
				}
				if (check[i] == GIN_MAYBE)
					result = GIN_MAYBE;
			}
			break;
		case GIN_CONTAINS:
		case GIN_EQUAL:
			result = GIN_TRUE;
			for (i = 0; i < nkeys; i++)
			{
				if (check[i] == GIN_FALSE)
				{
					result = GIN_FALSE;
					break;
				}
				if (check[i] == GIN_MAYBE)
					result = GIN_MAYBE;
			}
			if (result == GIN_TRUE &&
				(strategy == GIN_EQUAL || is_truncated(extra_data, nkeys)))
				result = GIN_MAYBE;
			break;
		case GIN_CONTAINED:
			result = GIN_MAYBE;
			break;
		default:
			elog(ERROR, "unrecognized strategy number %d for crm.tagset_gin_ops", strategy);
			result = GIN_FALSE; /* keep the compiler quiet */
	}
	PG_RETURN_GIN_TERNARY_VALUE(result);
}
