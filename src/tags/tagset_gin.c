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

/*
 * crm_tagset_gin_extract_query: the keys of a query value and the search
 * mode: an empty query matches everything for @>, nothing for &&, and needs
 * the items without keys for <@ and =.
 */
Datum
crm_tagset_gin_extract_query(PG_FUNCTION_ARGS)
{
	CrmTagset  *ts = PG_GETARG_CRM_TAGSET_P(0);
	int32	   *nkeys = (int32 *) PG_GETARG_POINTER(1);
	StrategyNumber strategy = PG_GETARG_UINT16(2);
	int32	   *searchMode = (int32 *) PG_GETARG_POINTER(6);
	Datum	   *keys = extract_keys(ts, nkeys);

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
		default:
			elog(ERROR, "unrecognized strategy number %d for crm.tagset_gin_ops", strategy);
	}
	PG_RETURN_POINTER(keys);
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
	bool	   *recheck = (bool *) PG_GETARG_POINTER(5);
	bool		result;
	int32		i;

	switch (strategy)
	{
		case GIN_OVERLAP:
			*recheck = false;
			result = false;
			for (i = 0; i < nkeys && !result; i++)
				result = check[i];
			break;
		case GIN_CONTAINS:
			*recheck = false;
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
	GinTernaryValue result;
	int32		i;

	switch (strategy)
	{
		case GIN_OVERLAP:
			result = GIN_FALSE;
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
			if (strategy == GIN_EQUAL && result == GIN_TRUE)
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
