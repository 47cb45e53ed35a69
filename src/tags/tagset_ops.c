/*
 * tagset_ops.c
 *		Operators and scalar functions of crm.tagset: set algebra (| & - #),
 *		predicates (@> <@ && = and the B-tree ordering), and member functions
 *		(cardinality, contains, add, remove, min, max, rank).
 *
 * Every bitmap is opened into a slot owned by the current memory context
 * (see tagset_mem.c) and freed as soon as the result is serialised.
 */
#include "postgres.h"

#include "fmgr.h"

#include "tags/tags.h"

PG_FUNCTION_INFO_V1(crm_tagset_or);
PG_FUNCTION_INFO_V1(crm_tagset_and);
PG_FUNCTION_INFO_V1(crm_tagset_andnot);
PG_FUNCTION_INFO_V1(crm_tagset_xor);
PG_FUNCTION_INFO_V1(crm_tagset_contains_set);
PG_FUNCTION_INFO_V1(crm_tagset_contained);
PG_FUNCTION_INFO_V1(crm_tagset_overlaps);
PG_FUNCTION_INFO_V1(crm_tagset_eq);
PG_FUNCTION_INFO_V1(crm_tagset_ne);
PG_FUNCTION_INFO_V1(crm_tagset_lt);
PG_FUNCTION_INFO_V1(crm_tagset_le);
PG_FUNCTION_INFO_V1(crm_tagset_gt);
PG_FUNCTION_INFO_V1(crm_tagset_ge);
PG_FUNCTION_INFO_V1(crm_tagset_cmp);
PG_FUNCTION_INFO_V1(crm_tagset_cardinality);
PG_FUNCTION_INFO_V1(crm_tagset_contains);
PG_FUNCTION_INFO_V1(crm_tagset_add);
PG_FUNCTION_INFO_V1(crm_tagset_remove);
PG_FUNCTION_INFO_V1(crm_tagset_min);
PG_FUNCTION_INFO_V1(crm_tagset_max);
PG_FUNCTION_INFO_V1(crm_tagset_rank);

#define CMP_BATCH 1024

/* The set operations, applied in place to the first operand. */
typedef enum SetOp
{
	SETOP_OR,
	SETOP_AND,
	SETOP_ANDNOT,
	SETOP_XOR
} SetOp;

/*
 * set_op: a OP b as a new tagset.
 */
static Datum
set_op(FunctionCallInfo fcinfo, SetOp op)
{
	CrmTagset  *a = PG_GETARG_CRM_TAGSET_P(0);
	CrmTagset  *b = PG_GETARG_CRM_TAGSET_P(1);
	CrmRoaring *ra = CrmTagsetOpen(a, CurrentMemoryContext);
	CrmRoaring *rb = CrmTagsetOpen(b, CurrentMemoryContext);

	switch (op)
	{
		case SETOP_OR:
			roaring_bitmap_or_inplace(ra->bm, rb->bm);
			break;
		case SETOP_AND:
			roaring_bitmap_and_inplace(ra->bm, rb->bm);
			break;
		case SETOP_ANDNOT:
			roaring_bitmap_andnot_inplace(ra->bm, rb->bm);
			break;
		case SETOP_XOR:
			roaring_bitmap_xor_inplace(ra->bm, rb->bm);
			break;
	}
	CrmRoaringFree(rb);
	PG_RETURN_CRM_TAGSET_P(CrmTagsetFromRoaring(ra));
}

/*
 * crm_tagset_or: a | b, the union.
 */
Datum
crm_tagset_or(PG_FUNCTION_ARGS)
{
	return set_op(fcinfo, SETOP_OR);
}

/*
 * crm_tagset_and: a & b, the intersection.
 */
Datum
crm_tagset_and(PG_FUNCTION_ARGS)
{
	return set_op(fcinfo, SETOP_AND);
}

/*
 * crm_tagset_andnot: a - b, the members of a not in b.
 */
Datum
crm_tagset_andnot(PG_FUNCTION_ARGS)
{
	return set_op(fcinfo, SETOP_ANDNOT);
}

/*
 * crm_tagset_xor: a # b, the members in exactly one of a and b.
 */
Datum
crm_tagset_xor(PG_FUNCTION_ARGS)
{
	return set_op(fcinfo, SETOP_XOR);
}

/*
 * is_subset: whether every member of sub is in super.  The cardinalities in
 * the headers settle the easy cases without decoding.
 */
static bool
is_subset(CrmTagset *sub, CrmTagset *super)
{
	CrmRoaring *rs,
			   *rp;
	bool		result;

	if (CrmTagsetCard(sub) == 0)
		return true;
	if (CrmTagsetCard(sub) > CrmTagsetCard(super))
		return false;
	rs = CrmTagsetOpen(sub, CurrentMemoryContext);
	rp = CrmTagsetOpen(super, CurrentMemoryContext);
	result = roaring_bitmap_is_subset(rs->bm, rp->bm);
	CrmRoaringFree(rs);
	CrmRoaringFree(rp);
	return result;
}

/*
 * crm_tagset_contains_set: a @> b.
 */
Datum
crm_tagset_contains_set(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(is_subset(PG_GETARG_CRM_TAGSET_P(1), PG_GETARG_CRM_TAGSET_P(0)));
}

/*
 * crm_tagset_contained: a <@ b.
 */
Datum
crm_tagset_contained(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(is_subset(PG_GETARG_CRM_TAGSET_P(0), PG_GETARG_CRM_TAGSET_P(1)));
}

/*
 * crm_tagset_overlaps: a && b, whether they share a member.
 */
Datum
crm_tagset_overlaps(PG_FUNCTION_ARGS)
{
	CrmTagset  *a = PG_GETARG_CRM_TAGSET_P(0);
	CrmTagset  *b = PG_GETARG_CRM_TAGSET_P(1);
	CrmRoaring *ra,
			   *rb;
	bool		result;

	if (CrmTagsetCard(a) == 0 || CrmTagsetCard(b) == 0)
		PG_RETURN_BOOL(false);
	ra = CrmTagsetOpen(a, CurrentMemoryContext);
	rb = CrmTagsetOpen(b, CurrentMemoryContext);
	result = roaring_bitmap_intersect(ra->bm, rb->bm);
	CrmRoaringFree(ra);
	CrmRoaringFree(rb);
	PG_RETURN_BOOL(result);
}

/*
 * tagset_cmp: the B-tree order: lexicographic on the increasing member
 * sequences ({} < {1} < {1,2} < {2}), so that equal sets compare equal
 * whatever containers CRoaring chose.  Identical bytes settle it at once.
 */
static int
tagset_cmp(CrmTagset *a, CrmTagset *b)
{
	CrmRoaring *ra,
			   *rb;
	roaring_uint32_iterator_t ia,
				ib;
	uint32	   *ba,
			   *bb;
	int			result = 0;

	if (VARSIZE(a) == VARSIZE(b) && memcmp(a, b, VARSIZE(a)) == 0)
		return 0;
	ra = CrmTagsetOpen(a, CurrentMemoryContext);
	rb = CrmTagsetOpen(b, CurrentMemoryContext);
	ba = palloc(CMP_BATCH * sizeof(uint32));
	bb = palloc(CMP_BATCH * sizeof(uint32));
	roaring_init_iterator(ra->bm, &ia);
	roaring_init_iterator(rb->bm, &ib);
	for (;;)
	{
		uint32		na = roaring_read_uint32_iterator(&ia, ba, CMP_BATCH);
		uint32		nb = roaring_read_uint32_iterator(&ib, bb, CMP_BATCH);
		uint32		n = Min(na, nb);
		uint32		i;

		for (i = 0; i < n && result == 0; i++)
		{
			if (ba[i] != bb[i])
				result = ba[i] < bb[i] ? -1 : 1;
		}
		if (result != 0)
			break;
		if (na != nb)
		{
			result = na < nb ? -1 : 1;
			break;
		}
		if (na == 0)
			break;
	}
	CrmRoaringFree(ra);
	CrmRoaringFree(rb);
	pfree(ba);
	pfree(bb);
	return result;
}

/*
 * tagset_equal: set equality, without decoding when the headers differ.
 */
static bool
tagset_equal(CrmTagset *a, CrmTagset *b)
{
	CrmRoaring *ra,
			   *rb;
	bool		result;

	if (CrmTagsetCard(a) != CrmTagsetCard(b))
		return false;
	if (VARSIZE(a) == VARSIZE(b) && memcmp(a, b, VARSIZE(a)) == 0)
		return true;
	ra = CrmTagsetOpen(a, CurrentMemoryContext);
	rb = CrmTagsetOpen(b, CurrentMemoryContext);
	result = roaring_bitmap_equals(ra->bm, rb->bm);
	CrmRoaringFree(ra);
	CrmRoaringFree(rb);
	return result;
}

/*
 * crm_tagset_eq: a = b.
 */
Datum
crm_tagset_eq(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(tagset_equal(PG_GETARG_CRM_TAGSET_P(0), PG_GETARG_CRM_TAGSET_P(1)));
}

/*
 * crm_tagset_ne: a <> b.
 */
Datum
crm_tagset_ne(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(!tagset_equal(PG_GETARG_CRM_TAGSET_P(0), PG_GETARG_CRM_TAGSET_P(1)));
}

/*
 * crm_tagset_lt: a < b in the B-tree order.
 */
Datum
crm_tagset_lt(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(tagset_cmp(PG_GETARG_CRM_TAGSET_P(0), PG_GETARG_CRM_TAGSET_P(1)) < 0);
}

/*
 * crm_tagset_le: a <= b in the B-tree order.
 */
Datum
crm_tagset_le(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(tagset_cmp(PG_GETARG_CRM_TAGSET_P(0), PG_GETARG_CRM_TAGSET_P(1)) <= 0);
}

/*
 * crm_tagset_gt: a > b in the B-tree order.
 */
Datum
crm_tagset_gt(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(tagset_cmp(PG_GETARG_CRM_TAGSET_P(0), PG_GETARG_CRM_TAGSET_P(1)) > 0);
}

/*
 * crm_tagset_ge: a >= b in the B-tree order.
 */
Datum
crm_tagset_ge(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(tagset_cmp(PG_GETARG_CRM_TAGSET_P(0), PG_GETARG_CRM_TAGSET_P(1)) >= 0);
}

/*
 * crm_tagset_cmp: B-tree support function 1.
 */
Datum
crm_tagset_cmp(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(tagset_cmp(PG_GETARG_CRM_TAGSET_P(0), PG_GETARG_CRM_TAGSET_P(1)));
}

/*
 * crm_tagset_cardinality: the number of members, read from the header: only
 * the first bytes of a large out-of-line value are fetched.
 */
Datum
crm_tagset_cardinality(PG_FUNCTION_ARGS)
{
	CrmTagset  *head = (CrmTagset *) PG_DETOAST_DATUM_SLICE(PG_GETARG_DATUM(0), 0,
														  CRM_TAGSET_HDRSZ);

	if (VARSIZE(head) < CRM_TAGSET_HDRSZ || head->version != CRM_TAGSET_VERSION)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("corrupted crm.tagset value"),
				 errdetail("The header of the stored value is not a version %d tagset header.",
						   CRM_TAGSET_VERSION)));
	PG_RETURN_INT64((int64) CrmTagsetCard(head));
}

/*
 * crm_tagset_contains: whether x is a member (false for any x outside
 * 0 .. 4294967295, which no tagset can hold).
 */
Datum
crm_tagset_contains(PG_FUNCTION_ARGS)
{
	CrmTagset  *ts = PG_GETARG_CRM_TAGSET_P(0);
	int64		x = PG_GETARG_INT64(1);
	CrmRoaring *r;
	bool		result;

	if (x < 0 || x > (int64) PG_UINT32_MAX || CrmTagsetCard(ts) == 0)
		PG_RETURN_BOOL(false);
	r = CrmTagsetOpen(ts, CurrentMemoryContext);
	result = roaring_bitmap_contains(r->bm, (uint32) x);
	CrmRoaringFree(r);
	PG_RETURN_BOOL(result);
}

/*
 * crm_tagset_add: the set with x added.
 */
Datum
crm_tagset_add(PG_FUNCTION_ARGS)
{
	CrmTagset  *ts = PG_GETARG_CRM_TAGSET_P(0);
	uint32		x = CrmTagsetElement(PG_GETARG_INT64(1), "member");
	CrmRoaring *r = CrmTagsetOpen(ts, CurrentMemoryContext);

	roaring_bitmap_add(r->bm, x);
	PG_RETURN_CRM_TAGSET_P(CrmTagsetFromRoaring(r));
}

/*
 * crm_tagset_remove: the set without x.
 */
Datum
crm_tagset_remove(PG_FUNCTION_ARGS)
{
	CrmTagset  *ts = PG_GETARG_CRM_TAGSET_P(0);
	uint32		x = CrmTagsetElement(PG_GETARG_INT64(1), "member");
	CrmRoaring *r = CrmTagsetOpen(ts, CurrentMemoryContext);

	roaring_bitmap_remove(r->bm, x);
	PG_RETURN_CRM_TAGSET_P(CrmTagsetFromRoaring(r));
}

/*
 * crm_tagset_min: the smallest member, NULL for the empty set.
 */
Datum
crm_tagset_min(PG_FUNCTION_ARGS)
{
	CrmTagset  *ts = PG_GETARG_CRM_TAGSET_P(0);
	CrmRoaring *r;
	uint32		v;

	if (CrmTagsetCard(ts) == 0)
		PG_RETURN_NULL();
	r = CrmTagsetOpen(ts, CurrentMemoryContext);
	v = roaring_bitmap_minimum(r->bm);
	CrmRoaringFree(r);
	PG_RETURN_INT64((int64) v);
}

/*
 * crm_tagset_max: the largest member, NULL for the empty set.
 */
Datum
crm_tagset_max(PG_FUNCTION_ARGS)
{
	CrmTagset  *ts = PG_GETARG_CRM_TAGSET_P(0);
	CrmRoaring *r;
	uint32		v;

	if (CrmTagsetCard(ts) == 0)
		PG_RETURN_NULL();
	r = CrmTagsetOpen(ts, CurrentMemoryContext);
	v = roaring_bitmap_maximum(r->bm);
	CrmRoaringFree(r);
	PG_RETURN_INT64((int64) v);
}

/*
 * crm_tagset_rank: the number of members less than or equal to x (0 for a
 * negative x, the cardinality for an x above 4294967295).
 */
Datum
crm_tagset_rank(PG_FUNCTION_ARGS)
{
	CrmTagset  *ts = PG_GETARG_CRM_TAGSET_P(0);
	int64		x = PG_GETARG_INT64(1);
	CrmRoaring *r;
	uint64		result;

	if (x < 0)
		PG_RETURN_INT64(0);
	if (x > (int64) PG_UINT32_MAX)
		PG_RETURN_INT64((int64) CrmTagsetCard(ts));
	r = CrmTagsetOpen(ts, CurrentMemoryContext);
	result = roaring_bitmap_rank(r->bm, (uint32) x);
	CrmRoaringFree(r);
	PG_RETURN_INT64((int64) result);
}
