/*
 * cluster.c
 *		Connected components of the match graph: crm.identity_components.
 *
 * Union-find with path halving and union by size over the record ids of the
 * edges, in a hash table; each node is reported with the smallest id of its
 * component, which the SQL side then maps to a stable golden id.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/hsearch.h"

#include "identity/identity.h"

PG_FUNCTION_INFO_V1(crm_identity_components);

typedef struct UfEntry
{
	int64		id;				/* hash key */
	int32		idx;			/* index into the parent arrays */
} UfEntry;

/*
 * uf_find: root of node i, halving the path on the way.
 */
static int32
uf_find(int32 *parent, int32 i)
{
	while (parent[i] != i)
	{
		parent[i] = parent[parent[i]];
		i = parent[i];
	}
	return i;
}

/*
 * node_index: the index of id, added if new.
 */
static int32
node_index(HTAB *h, int64 id, int64 **ids, int32 *n, int32 *cap)
{
	bool		found;
	UfEntry    *e = hash_search(h, &id, HASH_ENTER, &found);

	if (!found)
	{
		if (*n >= *cap)
		{
			*cap *= 2;
			*ids = repalloc_huge(*ids, sizeof(int64) * (Size) *cap);
		}
		e->idx = (*n)++;
		(*ids)[e->idx] = id;
	}
	return e->idx;
}

/*
 * crm_identity_components: crm.identity_components(a int8[], b int8[]) ->
 * setof (node int8, component int8): every node of the edges (a[i], b[i]),
 * with the smallest node id of its connected component.
 */
Datum
crm_identity_components(PG_FUNCTION_ARGS)
{
	ArrayType  *aa = PG_GETARG_ARRAYTYPE_P(0);
	ArrayType  *ba = PG_GETARG_ARRAYTYPE_P(1);
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	int			nedges;
	int64	   *ea,
			   *eb;
	HASHCTL		ctl;
	HTAB	   *h;
	int64	   *ids;
	int32	   *parent;
	int32	   *size;
	int64	   *minid;
	int32		n = 0;
	int32		cap = 1024;
	int32	   *ia,
			   *ib;
	int			i;

	if (ARR_NDIM(aa) > 1 || ARR_ELEMTYPE(aa) != INT8OID ||
		ARR_NDIM(ba) > 1 || ARR_ELEMTYPE(ba) != INT8OID)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("edges must be two one-dimensional bigint arrays")));
	if (ARR_HASNULL(aa) || ARR_HASNULL(ba))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("edge arrays must not contain NULLs")));
	nedges = ArrayGetNItems(ARR_NDIM(aa), ARR_DIMS(aa));
	if (nedges != ArrayGetNItems(ARR_NDIM(ba), ARR_DIMS(ba)))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("edge arrays differ in length (%d and %d)",
						nedges, ArrayGetNItems(ARR_NDIM(ba), ARR_DIMS(ba)))));
	ea = (int64 *) ARR_DATA_PTR(aa);
	eb = (int64 *) ARR_DATA_PTR(ba);

	InitMaterializedSRF(fcinfo, 0);

	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(int64);
	ctl.entrysize = sizeof(UfEntry);
	ctl.hcxt = CurrentMemoryContext;
	h = hash_create("crm identity components", Max(nedges, 64), &ctl,
					HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	ids = palloc(sizeof(int64) * cap);
	ia = palloc(sizeof(int32) * Max(nedges, 1));
	ib = palloc(sizeof(int32) * Max(nedges, 1));
	for (i = 0; i < nedges; i++)
	{
		if ((i & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
		ia[i] = node_index(h, ea[i], &ids, &n, &cap);
		ib[i] = node_index(h, eb[i], &ids, &n, &cap);
	}
	parent = palloc(sizeof(int32) * Max(n, 1));
	size = palloc(sizeof(int32) * Max(n, 1));
	minid = palloc(sizeof(int64) * Max(n, 1));
	for (i = 0; i < n; i++)
	{
		parent[i] = i;
		size[i] = 1;
		minid[i] = ids[i];
	}
	for (i = 0; i < nedges; i++)
	{
		int32		ra = uf_find(parent, ia[i]);
		int32		rb = uf_find(parent, ib[i]);

		if (ra == rb)
			continue;
		if (size[ra] < size[rb])
		{
			int32		t = ra;

			ra = rb;
			rb = t;
		}
		parent[rb] = ra;
		size[ra] += size[rb];
		minid[ra] = Min(minid[ra], minid[rb]);
	}
	for (i = 0; i < n; i++)
	{
		Datum		values[2];
		bool		nulls[2] = {false, false};

		values[0] = Int64GetDatum(ids[i]);
		values[1] = Int64GetDatum(minid[uf_find(parent, i)]);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}
