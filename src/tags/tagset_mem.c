/*
 * tagset_mem.c
 *		Ownership of CRoaring bitmaps by PostgreSQL memory contexts, and the
 *		conversions between a bitmap and the crm.tagset datum.
 *
 * CRoaring 0.2.66 mallocs and offers no allocator hooks.  A bitmap that is
 * alive when an ERROR unwinds the stack would leak for the life of the
 * backend, so every bitmap is created inside a CrmRoaring slot that was first
 * registered as a reset callback of a memory context: the callback frees the
 * bitmap when the context is reset or deleted, which transaction abort always
 * does.  The slot is allocated before the bitmap, so no ereport (not even out
 * of memory from palloc) can ever see an unowned bitmap.  Callers that are
 * done early call CrmRoaringFree to release the memory at once.
 */
#include "postgres.h"

#include "utils/memutils.h"

#include "tags/tags.h"

/*
 * CrmRoaringRelease: the reset callback: free the bitmap if still there.
 */
static void
CrmRoaringRelease(void *arg)
{
	CrmRoaring *r = (CrmRoaring *) arg;

	if (r->bm != NULL)
	{
		roaring_bitmap_free(r->bm);
		r->bm = NULL;
	}
}

/*
 * CrmRoaringNew: an empty slot (bm = NULL) owned by cxt.  Store a bitmap in
 * it right after creating one, before anything else can raise an error.
 */
CrmRoaring *
CrmRoaringNew(MemoryContext cxt)
{
	CrmRoaring *r = MemoryContextAllocZero(cxt, sizeof(CrmRoaring));

	r->cb.func = CrmRoaringRelease;
	r->cb.arg = r;
	MemoryContextRegisterResetCallback(cxt, &r->cb);
	return r;
}

/*
 * CrmRoaringCheck: raise out-of-memory if CRoaring failed to allocate.
 */
void
CrmRoaringCheck(roaring_bitmap_t *bm)
{
	if (bm == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory"),
				 errdetail("CRoaring could not allocate a bitmap.")));
}

/*
 * CrmRoaringCreate: a slot owned by cxt holding a new empty bitmap.
 */
CrmRoaring *
CrmRoaringCreate(MemoryContext cxt)
{
	CrmRoaring *r = CrmRoaringNew(cxt);

	r->bm = roaring_bitmap_create();
	CrmRoaringCheck(r->bm);
	return r;
}

/*
 * CrmRoaringFree: free the bitmap now (the callback then has nothing to do).
 */
void
CrmRoaringFree(CrmRoaring *r)
{
	CrmRoaringRelease(r);
}

/*
 * CrmTagsetCard: the cardinality stored in the header.
 */
uint64
CrmTagsetCard(const CrmTagset *ts)
{
	uint64		card;

	memcpy(&card, ts->card, sizeof(card));
	return card;
}

/*
 * CrmTagsetOpen: deserialise a stored tagset into a bitmap owned by cxt.
 *
 * Stored datums were validated when they entered the database, but a
 * corrupted page must not crash the server: the bounded deserialiser reads
 * no further than the datum, and a header that does not match is reported as
 * corruption.
 */
CrmRoaring *
CrmTagsetOpen(const CrmTagset *ts, MemoryContext cxt)
{
	CrmRoaring *r = CrmRoaringNew(cxt);

	CrmTagsetDecode(ts, r);
	return r;
}

/*
 * CrmTagsetDecode: deserialise a stored tagset into the empty slot r (which
 * keeps bm = NULL if this raises), with the checks of CrmTagsetOpen.  Lets a
 * long-lived slot be refilled without registering a new callback each time.
 */
void
CrmTagsetDecode(const CrmTagset *ts, CrmRoaring *r)
{
	Size		len = VARSIZE(ts);

	if (len < CRM_TAGSET_HDRSZ || ts->version != CRM_TAGSET_VERSION ||
		ts->flags != 0 || ts->reserved != 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("corrupted crm.tagset value"),
				 errdetail("The header of the stored value is not a version %d tagset header.",
						   CRM_TAGSET_VERSION)));
	Assert(r->bm == NULL);
	r->bm = roaring_bitmap_portable_deserialize_safe(ts->payload,
													 len - CRM_TAGSET_HDRSZ);
	if (r->bm == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("corrupted crm.tagset value"),
				 errdetail("The stored CRoaring payload could not be read.")));
}

/*
 * CrmTagsetFromBitmap: the canonical datum of a bitmap, palloc'd in the
 * current context.  Run-optimises bm in place first (the set is unchanged:
 * only the container kinds may change), so that stored values are as small
 * as CRoaring can make them.
 */
CrmTagset *
CrmTagsetFromBitmap(roaring_bitmap_t *bm)
{
	size_t		psize;
	Size		total;
	CrmTagset  *result;
	uint64		card;

	roaring_bitmap_run_optimize(bm);
	psize = roaring_bitmap_portable_size_in_bytes(bm);
	total = add_size(CRM_TAGSET_HDRSZ, psize);
	if (total > MaxAllocSize)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("crm.tagset value is too large"),
				 errdetail("The serialised set needs %zu bytes; the limit is %zu.",
						   (size_t) total, (size_t) MaxAllocSize)));
	result = palloc(total);
	SET_VARSIZE(result, total);
	result->version = CRM_TAGSET_VERSION;
	result->flags = 0;
	result->reserved = 0;
	card = roaring_bitmap_get_cardinality(bm);
	memcpy(result->card, &card, sizeof(card));
	if (roaring_bitmap_portable_serialize(bm, result->payload) != psize)
		elog(ERROR, "CRoaring wrote an unexpected number of bytes");
	return result;
}

/*
 * CrmTagsetFromRoaring: the datum of an owned bitmap; the bitmap is freed.
 */
CrmTagset *
CrmTagsetFromRoaring(CrmRoaring *r)
{
	CrmTagset  *result = CrmTagsetFromBitmap(r->bm);

	CrmRoaringFree(r);
	return result;
}

/*
 * CrmTagsetEmpty: the empty set.
 */
CrmTagset *
CrmTagsetEmpty(void)
{
	return CrmTagsetFromRoaring(CrmRoaringCreate(CurrentMemoryContext));
}

/*
 * CrmTagsetElement: check that a bigint argument is a valid member (0 ..
 * 4294967295) and return it; "what" names the argument in the error.
 */
uint32
CrmTagsetElement(int64 v, const char *what)
{
	if (v < 0 || v > (int64) PG_UINT32_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("%s %lld is out of range for crm.tagset", what, (long long) v),
				 errdetail("Members of a tagset are integers from 0 to 4294967295.")));
	return (uint32) v;
}
