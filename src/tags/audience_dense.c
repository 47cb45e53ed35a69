/*
 * audience_dense.c
 *		The dense form of a cached audience bitmap, and the count of an AND
 *		chain ('a & b & !c') over dense forms without building any bitmap.
 *
 * The Debian build of CRoaring 0.2.66 is compiled for generic x86-64 (no
 * SSE4 or AVX2 paths), so intersecting two of its array containers is a
 * scalar merge: at 10M customers 'a & b & !c' over tags carried by a few
 * percent of them (arrays of 1,000 to 4,000 values in each of the 153
 * chunks of 65536 ids) spends milliseconds in branchy merges, plus a copy
 * of the smallest operand.  The dense form stores the same set as sorted
 * chunks of 65536 ids, each either a plain bitset (1024 words) when it holds
 * at least CRM_DENSE_BITSET_MIN members or a sorted array of its low 16 bits
 * otherwise; bitsets cost at most four times the array they replace.  The
 * count then ANDs words in blocks that stay in L1 and counts them (with the
 * popcnt instruction when the CPU has it, chosen at run time), or filters
 * the few members of a sparse chunk through the others with bit tests and
 * branch-free merges.
 *
 * A dense form is one palloc'd block (no CRoaring memory), so it needs no
 * reset callback: it is freed with its context or by pfree.
 */
#include "postgres.h"

#include <roaring/roaring_array.h>

#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "port/pg_bitutils.h"
#include "utils/memutils.h"

#include "tags/tags.h"

#define CRM_DENSE_WORDS			1024	/* 65536 bits */
#define CRM_DENSE_BITSET_MIN	1024	/* members from which a chunk is a bitset */
#define CRM_DENSE_BLOCK			64	/* words ANDed at a time (fits in L1) */

/* x86-64 compilers that can build one function for the popcnt instruction */
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define CRM_DENSE_HAVE_POPCNT 1
#endif

/* One chunk of 65536 ids: those with the high 16 bits "key". */
typedef struct CrmDenseChunk
{
	uint16		key;
	bool		bits;			/* bitset (words) or sorted array (vals) */
	uint32		card;
	union
	{
		uint64	   *words;
		uint16	   *vals;
	}			d;
} CrmDenseChunk;

struct CrmDense
{
	int32		nchunks;
	uint64		card;
	Size		bytes;			/* size of the whole block */
	CrmDenseChunk chunks[FLEXIBLE_ARRAY_MEMBER];
};

/*
 * CrmDenseBytes: memory used by a dense form.
 */
Size
CrmDenseBytes(const CrmDense *dn)
{
	return dn->bytes;
}

/*
 * dense_corrupt: the serialised form CRoaring just wrote cannot be read.
 */
static void
dense_corrupt(void)
{
	elog(ERROR, "unexpected CRoaring portable serialisation");
}

/*
 * CrmDenseBuild: the dense form of bm, allocated in cxt, or NULL when it
 * would need more than limit bytes (*needed is then set to that size).
 *
 * It reads CRoaring's portable serialisation of bm (the documented Roaring
 * interchange format, written by CRoaring into a scratch buffer: a cookie,
 * the container count, each container's key and cardinality, optional
 * offsets, then each container as a run list, a bitset or an array), so
 * that a bitset container is one memcpy and no member is visited one by one
 * unless its chunk changes kind.  Every read is bounds-checked.
 */
CrmDense *
CrmDenseBuild(const roaring_bitmap_t *bm, MemoryContext cxt, Size limit,
			  Size *needed)
{
	Size		psize = roaring_bitmap_portable_size_in_bytes(bm);
	char	   *buf = MemoryContextAllocExtended(CurrentMemoryContext, Max(psize, 8),
												 MCXT_ALLOC_HUGE);
	const char *p;
	const char *end;
	const char *runflags = NULL;
	const char *hdr;
	uint32		cookie;
	int32		nchunks;
	Size		bytes;
	Size		datastart;
	char	   *data;
	CrmDense   *dn;
	int32		c;

	if (roaring_bitmap_portable_serialize(bm, buf) != psize)
		dense_corrupt();
	p = buf;
	end = buf + psize;
	if (psize < 4)
		dense_corrupt();
	memcpy(&cookie, p, 4);
	p += 4;
	if ((cookie & 0xFFFF) == SERIAL_COOKIE)
	{
		nchunks = (int32) (cookie >> 16) + 1;
		runflags = p;
		p += (nchunks + 7) / 8;
	}
	else if (cookie == SERIAL_COOKIE_NO_RUNCONTAINER)
	{
		uint32		n;

		if (end - p < 4)
			dense_corrupt();
		memcpy(&n, p, 4);
		p += 4;
		if (n > 65536)
			dense_corrupt();
		nchunks = (int32) n;
	}
	else
	{
		dense_corrupt();
		nchunks = 0;			/* keep the compiler quiet */
	}
	if (p > end || (Size) (end - p) < (Size) nchunks * 4)
		dense_corrupt();
	hdr = p;
	p += (Size) nchunks * 4;
	if (runflags == NULL || nchunks >= NO_OFFSET_THRESHOLD)
		p += (Size) nchunks * 4;	/* offsets: containers are read in order */
	if (p > end)
		dense_corrupt();

	/* the size of the block: header, chunk table, bitsets, then arrays */
	datastart = MAXALIGN(offsetof(CrmDense, chunks) + nchunks * sizeof(CrmDenseChunk));
	bytes = datastart;
	for (c = 0; c < nchunks; c++)
	{
		uint16		cm1;
		uint32		card;

		memcpy(&cm1, hdr + c * 4 + 2, 2);
		card = (uint32) cm1 + 1;
		bytes += card >= CRM_DENSE_BITSET_MIN ?
			CRM_DENSE_WORDS * sizeof(uint64) : MAXALIGN(card * sizeof(uint16));
	}
	*needed = bytes;
	if (bytes > limit)
	{
		pfree(buf);
		return NULL;
	}

	dn = MemoryContextAllocExtended(cxt, bytes, MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
	dn->nchunks = nchunks;
	dn->card = 0;
	dn->bytes = bytes;
	data = (char *) dn + datastart;
	for (c = 0; c < nchunks; c++)
	{
		CrmDenseChunk *ch = &dn->chunks[c];
		uint16		cm1;
		bool		isrun = runflags != NULL && (runflags[c / 8] >> (c % 8)) & 1;

		memcpy(&ch->key, hdr + c * 4, 2);
		memcpy(&cm1, hdr + c * 4 + 2, 2);
		ch->card = (uint32) cm1 + 1;
		ch->bits = ch->card >= CRM_DENSE_BITSET_MIN;
		if (ch->bits)
		{
			ch->d.words = (uint64 *) data;
			data += CRM_DENSE_WORDS * sizeof(uint64);
		}
		else
		{
			ch->d.vals = (uint16 *) data;
			data += MAXALIGN(ch->card * sizeof(uint16));
		}
		if (c > 0 && ch->key <= dn->chunks[c - 1].key)
			dense_corrupt();
		dn->card += ch->card;

		if (isrun)
		{
			uint16		nruns;
			uint32		filled = 0;
			int			r;

			if (end - p < 2)
				dense_corrupt();
			memcpy(&nruns, p, 2);
			p += 2;
			if ((Size) (end - p) < (Size) nruns * 4)
				dense_corrupt();
			for (r = 0; r < nruns; r++)
			{
				uint16		start;
				uint16		lm1;
				uint32		v;
				uint32		last;

				memcpy(&start, p, 2);
				memcpy(&lm1, p + 2, 2);
				p += 4;
				last = (uint32) start + lm1;
				if (last > 65535 || filled + lm1 + 1 > ch->card)
					dense_corrupt();
				for (v = start; v <= last; v++)
				{
					if (ch->bits)
						ch->d.words[v >> 6] |= UINT64CONST(1) << (v & 63);
					else
						ch->d.vals[filled] = (uint16) v;
					filled++;
				}
			}
			if (filled != ch->card)
				dense_corrupt();
		}
		else if (ch->card > 4096)
		{
			/* a bitset container: the same 1024 words */
			if ((Size) (end - p) < CRM_DENSE_WORDS * sizeof(uint64))
				dense_corrupt();
			memcpy(ch->d.words, p, CRM_DENSE_WORDS * sizeof(uint64));
			p += CRM_DENSE_WORDS * sizeof(uint64);
		}
		else
		{
			/* an array container */
			if ((Size) (end - p) < (Size) ch->card * 2)
				dense_corrupt();
			if (ch->bits)
			{
				uint32		k;

				for (k = 0; k < ch->card; k++)
				{
					uint16		v;

					memcpy(&v, p + k * 2, 2);
					ch->d.words[v >> 6] |= UINT64CONST(1) << (v & 63);
				}
			}
			else
				memcpy(ch->d.vals, p, ch->card * 2);
			p += (Size) ch->card * 2;
		}
	}
	pfree(buf);
	return dn;
}

/*
 * AND_WORDS_BODY: the body of and_words (instantiated twice below, with and
 * without the popcnt instruction): tmp = p[0] & ... & p[np-1] & ~n[0] & ...
 * & ~n[nn-1] over one chunk, returning its number of bits.  Blocks of 64
 * words stay in L1 and each operand's loop is a plain vectorisable AND.
 */
#define AND_WORDS_BODY \
{ \
	uint64		count = 0; \
	int			b; \
	int			i; \
	int			w; \
\
	for (b = 0; b < CRM_DENSE_WORDS; b += CRM_DENSE_BLOCK) \
	{ \
		uint64	   *t = tmp + b; \
\
		memcpy(t, p[0] + b, CRM_DENSE_BLOCK * sizeof(uint64)); \
		for (i = 1; i < np; i++) \
		{ \
			const uint64 *x = p[i] + b; \
\
			for (w = 0; w < CRM_DENSE_BLOCK; w++) \
				t[w] &= x[w]; \
		} \
		for (i = 0; i < nn; i++) \
		{ \
			const uint64 *x = n[i] + b; \
\
			for (w = 0; w < CRM_DENSE_BLOCK; w++) \
				t[w] &= ~x[w]; \
		} \
		for (w = 0; w < CRM_DENSE_BLOCK; w++) \
			count += __builtin_popcountll(t[w]); \
	} \
	return count; \
}

typedef uint64 (*AndWordsFn) (const uint64 **p, int np, const uint64 **n, int nn,
							  uint64 *tmp);

/*
 * and_words_generic: AND_WORDS_BODY for any CPU.
 */
static uint64
and_words_generic(const uint64 **p, int np, const uint64 **n, int nn, uint64 *tmp)
AND_WORDS_BODY

#ifdef CRM_DENSE_HAVE_POPCNT
/*
 * and_words_popcnt: AND_WORDS_BODY with the popcnt instruction (chosen at
 * run time when the CPU has it).
 */
__attribute__((target("popcnt")))
static uint64
and_words_popcnt(const uint64 **p, int np, const uint64 **n, int nn, uint64 *tmp)
AND_WORDS_BODY
#endif

/*
 * and_words: the best AND_WORDS_BODY for this CPU.
 */
static uint64
and_words(const uint64 **p, int np, const uint64 **n, int nn, uint64 *tmp)
{
	static AndWordsFn fn = NULL;

	if (fn == NULL)
	{
		fn = and_words_generic;
#ifdef CRM_DENSE_HAVE_POPCNT
		__builtin_cpu_init();
		if (__builtin_cpu_supports("popcnt"))
			fn = and_words_popcnt;
#endif
	}
	return fn(p, np, n, nn, tmp);
}

/*
 * dense_find: the chunk of dn with the given key, or NULL.  *from is a
 * cursor: keys are visited in increasing order, so the search starts there.
 */
static const CrmDenseChunk *
dense_find(const CrmDense *dn, int32 *from, uint16 key)
{
	int32		i = *from;

	while (i < dn->nchunks && dn->chunks[i].key < key)
		i++;
	*from = i;
	return i < dn->nchunks && dn->chunks[i].key == key ? &dn->chunks[i] : NULL;
}

/*
 * filter_chunk: keep, of the n sorted values v (low 16 bits), those that ch
 * holds (keep_in) or those it does not; returns how many are left, at the
 * start of v.  Branch-free: sparse chunks are filtered by bit tests or by a
 * merge whose steps never mispredict.
 */
static int
filter_chunk(uint16 *v, int n, const CrmDenseChunk *ch, bool keep_in)
{
	int			i = 0;
	int			k = 0;

	if (ch->bits)
	{
		const uint64 *words = ch->d.words;
		int			want = keep_in ? 1 : 0;

		for (i = 0; i < n; i++)
		{
			uint16		x = v[i];

			v[k] = x;
			k += (int) ((words[x >> 6] >> (x & 63)) & 1) == want;
		}
		return k;
	}
	else
	{
		const uint16 *a = ch->d.vals;
		int			na = (int) ch->card;
		int			j = 0;

		while (i < n && j < na)
		{
			uint16		x = v[i];
			uint16		y = a[j];

			v[k] = x;
			k += keep_in ? x == y : x < y;
			i += x <= y;
			j += y <= x;
		}
		/* values past the end of a are in it for none */
		if (!keep_in)
			while (i < n)
				v[k++] = v[i++];
		return k;
	}
}

/* The result of an AND chain in CRoaring's portable format, being built. */
typedef struct DenseOut
{
	StringInfoData head;		/* per container: key, cardinality - 1 */
	StringInfoData data;		/* the containers */
	int32		n;				/* containers so far */
} DenseOut;

/*
 * out_chunk: append one non-empty result chunk: an array container of the
 * vals, or (more than 4096 members) a bitset container of the words.
 */
static void
out_chunk(DenseOut *out, uint16 key, uint32 card, const uint16 *vals,
		  const uint64 *words)
{
	uint16		cm1 = (uint16) (card - 1);

	appendBinaryStringInfo(&out->head, (const char *) &key, 2);
	appendBinaryStringInfo(&out->head, (const char *) &cm1, 2);
	if (card > 4096)
		appendBinaryStringInfo(&out->data, (const char *) words,
							   CRM_DENSE_WORDS * sizeof(uint64));
	else
		appendBinaryStringInfo(&out->data, (const char *) vals, card * 2);
	out->n++;
}

/*
 * dense_and: the number of ids in every pos[i] and in no neg[j] (npos >= 1),
 * and when out is not NULL those ids, chunk by chunk.  It walks the
 * positive operand with the fewest chunks: when the sparsest positive chunk
 * is an array, its members are filtered through the others; else every
 * positive chunk is a bitset (a chunk with that many members always is), and
 * the words are ANDed (and-not for negative bitsets), counted, and the
 * members of negative arrays still set are taken off.
 */
static uint64
dense_and(CrmDense **pos, int npos, CrmDense **neg, int nneg, DenseOut *out)
{
	int32	   *pcur = palloc0(npos * sizeof(int32));
	int32	   *ncur = palloc0(Max(nneg, 1) * sizeof(int32));
	const CrmDenseChunk **pc = palloc(npos * sizeof(CrmDenseChunk *));
	const CrmDenseChunk **nc = palloc(Max(nneg, 1) * sizeof(CrmDenseChunk *));
	uint16	   *cand = palloc(4096 * sizeof(uint16));
	uint64	   *tmp = palloc(CRM_DENSE_WORDS * sizeof(uint64));
	const uint64 **pwords = palloc(npos * sizeof(uint64 *));
	const uint64 **nwords = palloc(Max(nneg, 1) * sizeof(uint64 *));
	const CrmDense *lead = pos[0];
	uint64		count = 0;
	int32		c;
	int			i;

	for (i = 1; i < npos; i++)
		if (pos[i]->nchunks < lead->nchunks)
			lead = pos[i];

	for (c = 0; c < lead->nchunks; c++)
	{
		uint16		key = lead->chunks[c].key;
		const CrmDenseChunk *drv = NULL;
		int			nn = 0;
		bool		all = true;

		CHECK_FOR_INTERRUPTS();
		for (i = 0; i < npos; i++)
		{
			pc[i] = dense_find(pos[i], &pcur[i], key);
			if (pc[i] == NULL)
			{
				all = false;
				break;
			}
			if (drv == NULL || pc[i]->card < drv->card)
				drv = pc[i];
		}
		if (!all)
			continue;
		for (i = 0; i < nneg; i++)
		{
			const CrmDenseChunk *ch = dense_find(neg[i], &ncur[i], key);

			if (ch != NULL)
				nc[nn++] = ch;
		}

		if (!drv->bits)
		{
			/* filter the members of the sparsest chunk through the others */
			int			n = (int) drv->card;

			memcpy(cand, drv->d.vals, n * sizeof(uint16));
			for (i = 0; i < npos && n > 0; i++)
				if (pc[i] != drv)
					n = filter_chunk(cand, n, pc[i], true);
			for (i = 0; i < nn && n > 0; i++)
				n = filter_chunk(cand, n, nc[i], false);
			count += n;
			if (out != NULL && n > 0)
				out_chunk(out, key, (uint32) n, cand, NULL);
		}
		else
		{
			const uint64 **pw = (const uint64 **) pwords;
			const uint64 **nw = (const uint64 **) nwords;
			int			nb = 0;
			uint64		n;

			for (i = 0; i < npos; i++)
				pw[i] = pc[i]->d.words;
			for (i = 0; i < nn; i++)
				if (nc[i]->bits)
					nw[nb++] = nc[i]->d.words;
			n = and_words(pw, npos, nw, nb, tmp);
			/* members of negative arrays still set in tmp are taken off */
			for (i = 0; i < nn; i++)
			{
				if (!nc[i]->bits)
				{
					uint32		k;

					for (k = 0; k < nc[i]->card; k++)
					{
						uint16		low = nc[i]->d.vals[k];
						uint64		bit = UINT64CONST(1) << (low & 63);

						if (tmp[low >> 6] & bit)
						{
							tmp[low >> 6] &= ~bit;
							n--;
						}
					}
				}
			}
			count += n;
			if (out != NULL && n > 0 && n <= 4096)
			{
				/* the set bits, in order, as an array container */
				uint32		k = 0;
				int			w;

				for (w = 0; w < CRM_DENSE_WORDS; w++)
				{
					uint64		x = tmp[w];

					while (x != 0)
					{
						cand[k++] = (uint16) (w * 64 + pg_rightmost_one_pos64(x));
						x &= x - 1;
					}
				}
				out_chunk(out, key, (uint32) n, cand, NULL);
			}
			else if (out != NULL && n > 0)
				out_chunk(out, key, (uint32) n, NULL, tmp);
		}
	}
	pfree(pcur);
	pfree(ncur);
	pfree(pc);
	pfree(nc);
	pfree(cand);
	pfree(tmp);
	pfree(pwords);
	pfree(nwords);
	return count;
}

/*
 * CrmDenseAndCount: the number of ids in every pos[i] and in no neg[j]
 * (npos >= 1).
 */
uint64
CrmDenseAndCount(CrmDense **pos, int npos, CrmDense **neg, int nneg)
{
	return dense_and(pos, npos, neg, nneg, NULL);
}

/*
 * CrmDenseAnd: the ids in every pos[i] and in no neg[j] (npos >= 1), as a
 * new bitmap owned by cxt.  The chunks are written in CRoaring's portable
 * format (no run containers, with offsets) and read back with the bounded
 * deserialiser.
 */
CrmRoaring *
CrmDenseAnd(CrmDense **pos, int npos, CrmDense **neg, int nneg, MemoryContext cxt)
{
	DenseOut	out;
	StringInfoData buf;
	uint32		word;
	uint32		offset;
	int32		c;
	CrmRoaring *r;

	initStringInfo(&out.head);
	initStringInfo(&out.data);
	out.n = 0;
	(void) dense_and(pos, npos, neg, nneg, &out);

	initStringInfo(&buf);
	word = SERIAL_COOKIE_NO_RUNCONTAINER;
	appendBinaryStringInfo(&buf, (const char *) &word, 4);
	word = (uint32) out.n;
	appendBinaryStringInfo(&buf, (const char *) &word, 4);
	appendBinaryStringInfo(&buf, out.head.data, out.head.len);
	offset = 8 + 8 * (uint32) out.n;
	for (c = 0; c < out.n; c++)
	{
		uint16		cm1;
		uint32		card;

		appendBinaryStringInfo(&buf, (const char *) &offset, 4);
		memcpy(&cm1, out.head.data + c * 4 + 2, 2);
		card = (uint32) cm1 + 1;
		offset += card > 4096 ? CRM_DENSE_WORDS * sizeof(uint64) : card * 2;
	}
	appendBinaryStringInfo(&buf, out.data.data, out.data.len);

	r = CrmRoaringNew(cxt);
	r->bm = roaring_bitmap_portable_deserialize_safe(buf.data, buf.len);
	if (r->bm == NULL)
		elog(ERROR, "could not read back an audience in CRoaring's portable format");
	pfree(out.head.data);
	pfree(out.data.data);
	pfree(buf.data);
	return r;
}
