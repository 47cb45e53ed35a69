/*
 * tagset_ops.c
 *		Operators and scalar functions of crm.tagset: set algebra (| & - #),
 *		predicates (@> <@ && = and the B-tree ordering), and member functions
 *		(cardinality, contains, add, remove, min, max, rank).
 *
 * Every bitmap is opened into a slot owned by the current memory context
 * (see tagset_mem.c) and freed as soon as the result is serialised, except
 * the decoded form of an operand that stays the same for the whole query (a
 * constant, a parameter): the two-operand functions keep it in fn_extra, in
 * a slot owned by fn_mcxt, so that `tags && '{...}'` decodes its constant
 * once per query instead of once per row.
 */
#include "postgres.h"

#include "fmgr.h"
#include "nodes/primnodes.h"
#include "utils/memutils.h"

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

/* The decoded form of one query-stable operand, kept across calls. */
typedef struct OperandCache
{
	CrmRoaring *slot;			/* decoded bitmap (bm NULL if none), in fn_mcxt */
	bool		is_const;		/* the argument is a Const */
	Datum		datum;			/* the raw argument the slot was decoded from */
	CrmTagset  *copy;			/* its bytes, when not a Const (fn_mcxt) */
} OperandCache;

/* fn_extra of the two-operand functions. */
typedef struct OperandsCache
{
	OperandCache arg[2];
} OperandsCache;

/*
 * arg_is_const: whether argument argno of the call is a Const node, whose
 * datum pointer then identifies its value for the life of the FmgrInfo.
 */
static bool
arg_is_const(FmgrInfo *flinfo, int argno)
{
	Node	   *expr = flinfo->fn_expr;
	List	   *args;

	if (expr == NULL)
		return false;
	if (IsA(expr, FuncExpr))
		args = ((FuncExpr *) expr)->args;
	else if (IsA(expr, OpExpr))
		args = ((OpExpr *) expr)->args;
	else
		return false;
	if (argno >= list_length(args))
		return false;
	return IsA(list_nth(args, argno), Const);
}

/*
 * operand_bitmap: the decoded bitmap of argument argno (0 or 1), whose
 * detoasted value is ts.  A query-stable argument is decoded once and cached
 * in fn_extra (the caller must not modify or free it; *own is NULL); any
 * other is decoded into a slot of the current context returned in *own, for
 * the caller to free.
 *
 * A Const is recognised by its datum pointer; a parameter (which in a
 * PL/pgSQL simple expression can change between calls of one FmgrInfo) by
 * its bytes.
 */
static const roaring_bitmap_t *
operand_bitmap(FunctionCallInfo fcinfo, int argno, CrmTagset *ts, CrmRoaring **own)
{
	FmgrInfo   *flinfo = fcinfo->flinfo;
	Datum		raw = PG_GETARG_DATUM(argno);
	OperandsCache *cache;
	OperandCache *oc;

	*own = NULL;
	if (flinfo == NULL || flinfo->fn_expr == NULL ||
		!get_fn_expr_arg_stable(flinfo, argno))
	{
		*own = CrmTagsetOpen(ts, CurrentMemoryContext);
		return (*own)->bm;
	}
	cache = (OperandsCache *) flinfo->fn_extra;
	if (cache == NULL)
	{
		cache = MemoryContextAllocZero(flinfo->fn_mcxt, sizeof(OperandsCache));
		flinfo->fn_extra = cache;
	}
	oc = &cache->arg[argno];
	if (oc->slot == NULL)
	{
		oc->slot = CrmRoaringNew(flinfo->fn_mcxt);
		oc->is_const = arg_is_const(flinfo, argno);
	}
	else if (oc->slot->bm != NULL)
	{
		if (oc->is_const ? oc->datum == raw :
			(VARSIZE(ts) == VARSIZE(oc->copy) &&
			 memcmp(ts, oc->copy, VARSIZE(ts)) == 0))
			return oc->slot->bm;
		CrmRoaringFree(oc->slot);
	}
	if (oc->copy != NULL)
	{
		pfree(oc->copy);
		oc->copy = NULL;
	}
	if (!oc->is_const)
	{
		oc->copy = MemoryContextAlloc(flinfo->fn_mcxt, VARSIZE(ts));
		memcpy(oc->copy, ts, VARSIZE(ts));
	}
	oc->datum = raw;
	CrmTagsetDecode(ts, oc->slot);
	return oc->slot->bm;
}

/*
 * operand_done: free an operand decoded by operand_bitmap, unless cached.
 */
static void
operand_done(CrmRoaring *own)
{
	if (own != NULL)
		CrmRoaringFree(own);
}

/* The set operations. */
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
	CrmRoaring *owna,
			   *ownb;
	const roaring_bitmap_t *ba = operand_bitmap(fcinfo, 0, a, &owna);
	const roaring_bitmap_t *bb = operand_bitmap(fcinfo, 1, b, &ownb);
	CrmRoaring *r = CrmRoaringNew(CurrentMemoryContext);

	switch (op)
	{
		case SETOP_OR:
			r->bm = roaring_bitmap_or(ba, bb);
			break;
		case SETOP_AND:
			r->bm = roaring_bitmap_and(ba, bb);
			break;
		case SETOP_ANDNOT:
			r->bm = roaring_bitmap_andnot(ba, bb);
			break;
		case SETOP_XOR:
			r->bm = roaring_bitmap_xor(ba, bb);
			break;
	}
	CrmRoaringCheck(r->bm);
	operand_done(owna);
	operand_done(ownb);
	PG_RETURN_CRM_TAGSET_P(CrmTagsetFromRoaring(r));
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
 * is_subset: whether every member of argument sub is in argument super.  The
 * cardinalities in the headers settle the easy cases without decoding.
 */
static bool
is_subset(FunctionCallInfo fcinfo, int sub, int super)
{
	CrmTagset  *ts = PG_GETARG_CRM_TAGSET_P(sub);
	CrmTagset  *tp = PG_GETARG_CRM_TAGSET_P(super);
	CrmRoaring *owns,
			   *ownp;
	const roaring_bitmap_t *bs,
			   *bp;
	bool		result;

	if (CrmTagsetCard(ts) == 0)
		return true;
	if (CrmTagsetCard(ts) > CrmTagsetCard(tp))
		return false;
	bs = operand_bitmap(fcinfo, sub, ts, &owns);
	bp = operand_bitmap(fcinfo, super, tp, &ownp);
	result = roaring_bitmap_is_subset(bs, bp);
	operand_done(owns);
	operand_done(ownp);
	return result;
}

/*
 * crm_tagset_contains_set: a @> b.
 */
Datum
crm_tagset_contains_set(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(is_subset(fcinfo, 1, 0));
}

/*
 * crm_tagset_contained: a <@ b.
 */
Datum
crm_tagset_contained(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(is_subset(fcinfo, 0, 1));
}

/*
 * crm_tagset_overlaps: a && b, whether they share a member.
 */
Datum
crm_tagset_overlaps(PG_FUNCTION_ARGS)
{
	CrmTagset  *a = PG_GETARG_CRM_TAGSET_P(0);
	CrmTagset  *b = PG_GETARG_CRM_TAGSET_P(1);
	CrmRoaring *owna,
			   *ownb;
	const roaring_bitmap_t *ba,
			   *bb;
	bool		result;

	if (CrmTagsetCard(a) == 0 || CrmTagsetCard(b) == 0)
		PG_RETURN_BOOL(false);
	ba = operand_bitmap(fcinfo, 0, a, &owna);
	bb = operand_bitmap(fcinfo, 1, b, &ownb);
	result = roaring_bitmap_intersect(ba, bb);
	operand_done(owna);
	operand_done(ownb);
	PG_RETURN_BOOL(result);
}

/*
 * tagset_cmp: the B-tree order of arguments 0 and 1: lexicographic on the
 * increasing member sequences ({} < {1} < {1,2} < {2}), so that equal sets
 * compare equal whatever containers CRoaring chose.  Identical bytes settle
 * it at once.
 */
static int
tagset_cmp(FunctionCallInfo fcinfo)
{
	CrmTagset  *a = PG_GETARG_CRM_TAGSET_P(0);
	CrmTagset  *b = PG_GETARG_CRM_TAGSET_P(1);
	CrmRoaring *owna,
			   *ownb;
	const roaring_bitmap_t *bma,
			   *bmb;
	roaring_uint32_iterator_t ia,
				ib;
	uint32	   *ba,
			   *bb;
	int			result = 0;

	if (VARSIZE(a) == VARSIZE(b) && memcmp(a, b, VARSIZE(a)) == 0)
		return 0;
	bma = operand_bitmap(fcinfo, 0, a, &owna);
	bmb = operand_bitmap(fcinfo, 1, b, &ownb);
	ba = palloc(CMP_BATCH * sizeof(uint32));
	bb = palloc(CMP_BATCH * sizeof(uint32));
	roaring_init_iterator(bma, &ia);
	roaring_init_iterator(bmb, &ib);
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
	operand_done(owna);
	operand_done(ownb);
	pfree(ba);
	pfree(bb);
	return result;
}

/*
 * tagset_equal: set equality of arguments 0 and 1, without decoding when the
 * headers differ.
 */
static bool
tagset_equal(FunctionCallInfo fcinfo)
{
	CrmTagset  *a = PG_GETARG_CRM_TAGSET_P(0);
	CrmTagset  *b = PG_GETARG_CRM_TAGSET_P(1);
	CrmRoaring *owna,
			   *ownb;
	const roaring_bitmap_t *ba,
			   *bb;
	bool		result;

	if (CrmTagsetCard(a) != CrmTagsetCard(b))
		return false;
	if (VARSIZE(a) == VARSIZE(b) && memcmp(a, b, VARSIZE(a)) == 0)
		return true;
	ba = operand_bitmap(fcinfo, 0, a, &owna);
	bb = operand_bitmap(fcinfo, 1, b, &ownb);
	result = roaring_bitmap_equals(ba, bb);
	operand_done(owna);
	operand_done(ownb);
	return result;
}

/*
 * crm_tagset_eq: a = b.
 */
Datum
crm_tagset_eq(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(tagset_equal(fcinfo));
}

/*
 * crm_tagset_ne: a <> b.
 */
Datum
crm_tagset_ne(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(!tagset_equal(fcinfo));
}

/*
 * crm_tagset_lt: a < b in the B-tree order.
 */
Datum
crm_tagset_lt(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(tagset_cmp(fcinfo) < 0);
}

/*
 * crm_tagset_le: a <= b in the B-tree order.
 */
Datum
crm_tagset_le(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(tagset_cmp(fcinfo) <= 0);
}

/*
 * crm_tagset_gt: a > b in the B-tree order.
 */
Datum
crm_tagset_gt(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(tagset_cmp(fcinfo) > 0);
}

/*
 * crm_tagset_ge: a >= b in the B-tree order.
 */
Datum
crm_tagset_ge(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(tagset_cmp(fcinfo) >= 0);
}

/*
 * crm_tagset_cmp: B-tree support function 1.
 */
Datum
crm_tagset_cmp(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(tagset_cmp(fcinfo));
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
