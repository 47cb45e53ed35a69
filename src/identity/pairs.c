/*
 * pairs.c
 *		crm.identity_candidate_pairs: blocking and comparison of the whole
 *		identity store in one pass.
 *
 * Reads every record's features and blocking keys once (a cursor over
 * crm.identity_record), sorts the (key, record) entries so that each block
 * is a run, lists the pairs of every block of at most max_block records,
 * removes the pairs found by several rules (sort + unique: the union of the
 * rules' candidates) and returns each pair with its comparison vector.  The
 * same work in SQL (unnest, self-join, DISTINCT, two joins back for the
 * features) took about twice as long on 100,000 records.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include "common/errors.h"
#include "identity/identity.h"

PG_FUNCTION_INFO_V1(crm_identity_candidate_pairs);

/* A blocking key of a record. */
typedef struct KeyEntry
{
	int64		key;
	int32		idx;			/* record index */
} KeyEntry;

/*
 * key_cmp: qsort order of KeyEntry: by key, then record.
 */
static int
key_cmp(const void *a, const void *b)
{
	const KeyEntry *x = a;
	const KeyEntry *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return (x->idx > y->idx) - (x->idx < y->idx);
}

/*
 * pair_cmp: qsort order of packed pairs.
 */
static int
pair_cmp(const void *a, const void *b)
{
	uint64		x = *(const uint64 *) a;
	uint64		y = *(const uint64 *) b;

	return (x > y) - (x < y);
}

/*
 * crm_identity_candidate_pairs: crm.identity_candidate_pairs(max_block int4)
 * -> setof (record_a int8, record_b int8, gamma int4), record_a < record_b
 * in reading order.
 */
Datum
crm_identity_candidate_pairs(PG_FUNCTION_ARGS)
{
	int32		maxb = PG_GETARG_INT32(0);
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	MemoryContext work;
	MemoryContext old;
	Portal		portal;
	int64	   *ids;
	CrmFeature *feats;
	KeyEntry   *keys;
	uint64	   *pairs;
	Size		nrec = 0,
				caprec = 1024,
				nkeys = 0,
				capkeys = 8192,
				npairs = 0,
				cappairs = 8192,
				i,
				s;
	CrmRequireUtf8();

	if (maxb < 2)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("max_block must be at least 2, not %d", maxb)));
	InitMaterializedSRF(fcinfo, 0);
	work = AllocSetContextCreate(CurrentMemoryContext, "crm identity pairs", ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(work);
	ids = palloc(sizeof(int64) * caprec);
	feats = palloc(sizeof(CrmFeature) * IDENTITY_NFIELDS * caprec);
	keys = palloc(sizeof(KeyEntry) * capkeys);
	pairs = palloc(sizeof(uint64) * cappairs);
	MemoryContextSwitchTo(old);

	/* 1. read the store */
	SPI_connect();
	portal = SPI_cursor_open_with_args(NULL,
									   "SELECT record_id, features, block_keys FROM crm.identity_record",
									   0, NULL, NULL, NULL, true, 0);
	for (;;)
	{
		uint64		r;

		SPI_cursor_fetch(portal, true, 10000);
		if (SPI_processed == 0)
			break;
		CHECK_FOR_INTERRUPTS();
		for (r = 0; r < SPI_processed; r++)
		{
			HeapTuple	tup = SPI_tuptable->vals[r];
			TupleDesc	desc = SPI_tuptable->tupdesc;
			bool		isnull;
			Datum		d;
			ArrayType  *fa;
			ArrayType  *ka;
			int			nk;
			int64	   *kd;
			int			k;

			old = MemoryContextSwitchTo(work);
			if (nrec >= caprec)
			{
				caprec *= 2;
				ids = repalloc_huge(ids, sizeof(int64) * caprec);
				feats = repalloc_huge(feats, sizeof(CrmFeature) * IDENTITY_NFIELDS * caprec);
			}
			ids[nrec] = DatumGetInt64(SPI_getbinval(tup, desc, 1, &isnull));
			d = SPI_getbinval(tup, desc, 2, &isnull);
			fa = DatumGetArrayTypePCopy(d);
			CrmIdentityGetFeatures(fa, &feats[nrec * IDENTITY_NFIELDS]);
			d = SPI_getbinval(tup, desc, 3, &isnull);
			ka = DatumGetArrayTypeP(d);
			if (ARR_NDIM(ka) > 1 || ARR_ELEMTYPE(ka) != INT8OID || ARR_HASNULL(ka))
				elog(ERROR, "crm.identity_record.block_keys must be a one-dimensional int8 array without NULLs");
			nk = ArrayGetNItems(ARR_NDIM(ka), ARR_DIMS(ka));
			kd = (int64 *) ARR_DATA_PTR(ka);
			for (k = 0; k < nk; k++)
			{
				if (nkeys >= capkeys)
				{
					capkeys *= 2;
					keys = repalloc_huge(keys, sizeof(KeyEntry) * capkeys);
				}
				keys[nkeys].key = kd[k];
				keys[nkeys].idx = (int32) nrec;
				nkeys++;
			}
			MemoryContextSwitchTo(old);
			nrec++;
			if (nrec >= PG_INT32_MAX)
				ereport(ERROR,
						(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
						 errmsg("too many identity records to link in one run")));
		}
		SPI_freetuptable(SPI_tuptable);
	}
	SPI_cursor_close(portal);
	SPI_finish();

	/* 2. blocks: runs of one key; their pairs, packed low index first */
	qsort(keys, nkeys, sizeof(KeyEntry), key_cmp);
	for (s = 0; s < nkeys;)
	{
		Size		e = s + 1;

		while (e < nkeys && keys[e].key == keys[s].key)
			e++;
		if (e - s >= 2 && e - s <= (Size) maxb)
		{
			Size		a,
						b;

			CHECK_FOR_INTERRUPTS();
			for (a = s; a < e; a++)
				for (b = a + 1; b < e; b++)
				{
					if (keys[a].idx == keys[b].idx)
						continue;
					if (npairs >= cappairs)
					{
						cappairs *= 2;
						pairs = repalloc_huge(pairs, sizeof(uint64) * cappairs);
					}
					pairs[npairs++] = ((uint64) keys[a].idx << 32) | (uint32) keys[b].idx;
				}
		}
		s = e;
	}

	/* 3. the union of the rules' pairs, compared */
	qsort(pairs, npairs, sizeof(uint64), pair_cmp);
	for (i = 0; i < npairs; i++)
	{
		Datum		values[3];
		bool		nulls[3] = {false, false, false};
		int32		a,
					b;

		if (i > 0 && pairs[i] == pairs[i - 1])
			continue;
		if ((i & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
		a = (int32) (pairs[i] >> 32);
		b = (int32) (pairs[i] & 0xFFFFFFFF);
		values[0] = Int64GetDatum(ids[a]);
		values[1] = Int64GetDatum(ids[b]);
		values[2] = Int32GetDatum((int32) CrmIdentityCompareFeatures(&feats[a * IDENTITY_NFIELDS],
																	 &feats[b * IDENTITY_NFIELDS]));
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	MemoryContextDelete(work);
	return (Datum) 0;
}
