/*
 * tags.h
 *		The crm.tagset type (a CRoaring bitmap of unsigned 32-bit integers) and
 *		the helpers its files share.
 *
 * On-disk layout of a tagset (a varlena):
 *
 *		int32	vl_len_		varlena header
 *		uint8	version		CRM_TAGSET_VERSION
 *		uint8	flags		none defined yet: always 0
 *		uint16	reserved	always 0
 *		uint64	card		number of members (read with memcpy: the datum is
 *							only int-aligned)
 *		...		payload		CRoaring portable serialisation, run-optimised
 *
 * The cardinality in the header makes crm.tagset_cardinality() O(1) and lets
 * it read only a slice of a toasted value.  The binary send/recv form is the
 * same fields in network order followed by the same portable payload.
 *
 * CRoaring 0.2.66 allocates with malloc and has no allocator hooks, so every
 * roaring_bitmap_t lives in a CrmRoaring slot registered as a reset callback
 * of a memory context before the bitmap is created: an ERROR thrown at any
 * point frees it when the context goes away.
 */
#ifndef CRM_TAGS_H
#define CRM_TAGS_H

#include <roaring/roaring.h>

#include "fmgr.h"

#define CRM_TAGSET_VERSION	1
#define CRM_TAGSET_HDRSZ	16	/* varlena header + version..card */

typedef struct CrmTagset
{
	int32		vl_len_;		/* varlena header (do not touch directly) */
	uint8		version;
	uint8		flags;
	uint16		reserved;
	char		card[8];		/* uint64, unaligned: use CrmTagsetCard() */
	char		payload[FLEXIBLE_ARRAY_MEMBER];
} CrmTagset;

#define DatumGetCrmTagsetP(d)		((CrmTagset *) PG_DETOAST_DATUM(d))
#define PG_GETARG_CRM_TAGSET_P(n)	DatumGetCrmTagsetP(PG_GETARG_DATUM(n))
#define PG_RETURN_CRM_TAGSET_P(p)	PG_RETURN_POINTER(p)

/* A bitmap owned by a memory context (see tagset_mem.c). */
typedef struct CrmRoaring
{
	roaring_bitmap_t *bm;		/* NULL once freed */
	MemoryContextCallback cb;
} CrmRoaring;

/* tagset_mem.c */
extern CrmRoaring *CrmRoaringNew(MemoryContext cxt);
extern CrmRoaring *CrmRoaringCreate(MemoryContext cxt);
extern void CrmRoaringFree(CrmRoaring *r);
extern uint64 CrmTagsetCard(const CrmTagset *ts);
extern CrmRoaring *CrmTagsetOpen(const CrmTagset *ts, MemoryContext cxt);
extern void CrmTagsetDecode(const CrmTagset *ts, CrmRoaring *r);
extern CrmTagset *CrmTagsetFromBitmap(roaring_bitmap_t *bm);
extern CrmTagset *CrmTagsetFromRoaring(CrmRoaring *r);
extern CrmTagset *CrmTagsetEmpty(void);
extern void CrmRoaringCheck(roaring_bitmap_t *bm);
extern uint32 CrmTagsetElement(int64 v, const char *what);

/* tags_init.c */
extern int	crm_tagset_gin_max_query_keys;
extern int	crm_audience_cache_size;

/* audience.c */
extern int32 CrmTagLookup(const char *name, bool missing_ok);

/* audience_dense.c: a set as chunks of bitsets and arrays, for AND counts */
typedef struct CrmDense CrmDense;
extern CrmDense *CrmDenseBuild(const roaring_bitmap_t *bm, MemoryContext cxt,
							   Size limit, Size *needed);
extern Size CrmDenseBytes(const CrmDense *dn);
extern uint64 CrmDenseAndCount(CrmDense **pos, int npos, CrmDense **neg, int nneg);
extern CrmRoaring *CrmDenseAnd(CrmDense **pos, int npos, CrmDense **neg, int nneg,
							   MemoryContext cxt);

#endif							/* CRM_TAGS_H */
