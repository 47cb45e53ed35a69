/*
 * name_gist.c
 *		The GiST operator class crm.name_gist_ops: ORDER BY name <-> q
 *		(nearest names) and WHERE name %% q through one index.
 *
 * Why the index is exact but prunes nothing for <->:  a GiST nearest-
 * neighbour scan needs, for every inner node, a lower bound on the distance
 * of every name under it that is never larger than the true distance (the
 * executor raises "index returned tuples in wrong order" otherwise).
 * crm.name_distance is 1 - crm.name_similarity, and that score gives a
 * token 0.95 against a nickname whatever its letters (Peggy ~ Margaret),
 * 0.9 to an initial against any name it starts, and a Jaro-Winkler score
 * that survives a changed first letter; so no summary of a page of names
 * (bit signature of blocking keys, letters, lengths) proves that none of
 * them is close to the query, and sharing no blocking key proves nothing
 * either (Hzang San scores 0.896 against Zhang San without one).  The only
 * valid bound for an inner node is 0.  What the index does instead is make
 * every leaf distance exact and cheap: a leaf stores the normalised name,
 * so the distance is computed from the index page (no heap visit, no
 * normalisation) and returned without recheck; the scan returns the same
 * rows in the same order as a sequential scan with ORDER BY.
 *
 * The leaf also stores a bit signature of the name's blocking keys (the
 * keys of crm.name_gin_ops, CrmNameKeys), and inner nodes the OR of their
 * children's; %% (which requires a shared key) skips every subtree with
 * none of the query's key bits, and rechecks the rest.
 *
 * Key layout (a bytea varlena): flags byte, three zero bytes, SIG_BYTES of
 * signature, then (leaves only) the normalised name in UTF-8 (up to
 * MAX_STORED_NAME bytes).  The index is
 * built sorted by normalised name (sortsupport), so pages hold names with
 * a common start.
 */
#include "postgres.h"

#include "access/gist.h"
#include "access/stratnum.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "port/pg_bitutils.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/sortsupport.h"

#include "common/errors.h"
#include "names/names.h"

PG_FUNCTION_INFO_V1(crm_name_gist_compress);
PG_FUNCTION_INFO_V1(crm_name_gist_decompress);
PG_FUNCTION_INFO_V1(crm_name_gist_consistent);
PG_FUNCTION_INFO_V1(crm_name_gist_distance);
PG_FUNCTION_INFO_V1(crm_name_gist_union);
PG_FUNCTION_INFO_V1(crm_name_gist_penalty);
PG_FUNCTION_INFO_V1(crm_name_gist_picksplit);
PG_FUNCTION_INFO_V1(crm_name_gist_same);
PG_FUNCTION_INFO_V1(crm_name_gist_sortsupport);

/* Strategy numbers of the operator class (see names.sql). */
#define STRATEGY_SIMILAR 1		/* %% */
#define STRATEGY_DISTANCE 2		/* <-> */

#define SIG_BYTES 64
#define SIG_BITS (SIG_BYTES * 8)
#define SIG_WORDS (SIG_BYTES / sizeof(uint64))

#define KEY_LEAF 0x01
#define KEY_NO_NAME 0x02		/* leaf of a name too long to store */

/*
 * Longest normalised name stored in a leaf.  A longer one (far beyond any
 * person name) is stored without it: its leaf distance is then 0 with a
 * recheck, so the executor computes it from the table row; an index row
 * never grows past the page limit.
 */
#define MAX_STORED_NAME 512

/* The index key: see the file comment. */
typedef struct NameGistKey
{
	int32		vl_len_;		/* varlena header */
	uint8		flags;
	uint8		reserved[3];
	uint64		sig[SIG_WORDS];
	char		norm[FLEXIBLE_ARRAY_MEMBER];	/* leaves: normalised name */
} NameGistKey;

#define KEY_HDRSZ offsetof(NameGistKey, norm)
#define KEY_IS_LEAF(k) (((k)->flags & KEY_LEAF) != 0)
#define KEY_NORM_LEN(k) ((int) (VARSIZE(k) - KEY_HDRSZ))
#define DatumGetNameGistKey(d) ((NameGistKey *) PG_DETOAST_DATUM(d))

/* The prepared query of a scan, cached in the support function's fn_extra. */
typedef struct QueryCache
{
	int			len;
	char	   *raw;			/* query text as given (NULL: nothing cached) */
	CrmName		name;			/* prepared query name */
	int			nkeys;			/* blocking keys looked up (CrmNameKeys) */
	uint64		sig[SIG_WORDS]; /* their bits */
	CrmName		row;			/* scratch: the prepared name of a leaf */
} QueryCache;

/*
 * sig_set_keys: set the bits of nkeys blocking keys in sig.
 */
static void
sig_set_keys(uint64 *sig, const int32 *keys, int nkeys)
{
	int			i;

	for (i = 0; i < nkeys; i++)
	{
		uint32		b = ((uint32) keys[i]) % SIG_BITS;

		sig[b / 64] |= UINT64CONST(1) << (b % 64);
	}
}

/*
 * sig_intersects: true if the two signatures have a bit in common.
 */
static bool
sig_intersects(const uint64 *a, const uint64 *b)
{
	int			i;

	for (i = 0; i < (int) SIG_WORDS; i++)
		if (a[i] & b[i])
			return true;
	return false;
}

/*
 * sig_count_new: number of bits of b that a lacks (the growth of a if b
 * were added to it).
 */
static int
sig_count_new(const uint64 *a, const uint64 *b)
{
	int			i,
				n = 0;

	for (i = 0; i < (int) SIG_WORDS; i++)
		n += pg_popcount64(b[i] & ~a[i]);
	return n;
}

/*
 * sig_hamming: number of bits in which two signatures differ.
 */
static int
sig_hamming(const uint64 *a, const uint64 *b)
{
	int			i,
				n = 0;

	for (i = 0; i < (int) SIG_WORDS; i++)
		n += pg_popcount64(a[i] ^ b[i]);
	return n;
}

/*
 * new_key: a palloc'd zeroed key with room for norm_len name bytes.
 */
static NameGistKey *
new_key(bool leaf, int norm_len)
{
	NameGistKey *k = palloc0(KEY_HDRSZ + norm_len);

	SET_VARSIZE(k, KEY_HDRSZ + norm_len);
	k->flags = leaf ? KEY_LEAF : 0;
	return k;
}

/*
 * get_query: the prepared query text t with its key signature, cached in
 * flinfo->fn_extra (a scan passes the same query to every call).
 */
static QueryCache *
get_query(FmgrInfo *flinfo, text *t)
{
	QueryCache *c = (QueryCache *) flinfo->fn_extra;
	const char *s = VARDATA_ANY(t);
	int			len = VARSIZE_ANY_EXHDR(t);

	if (c == NULL)
	{
		c = MemoryContextAllocZero(flinfo->fn_mcxt, sizeof(QueryCache));
		flinfo->fn_extra = c;
	}
	if (c->raw == NULL || c->len != len || memcmp(c->raw, s, len) != 0)
	{
		char	   *norm;
		int			nlen;
		int32	   *keys = palloc(CRM_NAME_MAX_KEYS * sizeof(int32));

		CrmRequireUtf8();
		if (c->raw)
			pfree(c->raw);
		c->raw = NULL;
		norm = CrmNameNormalize(s, len, &nlen);
		CrmNamePrepare(norm, nlen, &c->name);
		c->nkeys = CrmNameKeys(&c->name, true, keys, CRM_NAME_MAX_KEYS);
		memset(c->sig, 0, sizeof(c->sig));
		sig_set_keys(c->sig, keys, c->nkeys);
		pfree(keys);
		pfree(norm);
		c->raw = MemoryContextAlloc(flinfo->fn_mcxt, Max(len, 1));
		memcpy(c->raw, s, len);
		c->len = len;
	}
	return c;
}

/*
 * crm_name_gist_compress: GiST support 3.  A name becomes a leaf key (its
 * key signature and normalised name); inner keys are stored as they are.
 */
Datum
crm_name_gist_compress(PG_FUNCTION_ARGS)
{
	GISTENTRY  *entry = (GISTENTRY *) PG_GETARG_POINTER(0);
	GISTENTRY  *retval;
	text	   *t;
	char	   *norm;
	int			nlen,
				nkeys;
	CrmName    *n;
	int32	   *keys;
	NameGistKey *k;

	if (!entry->leafkey)
		PG_RETURN_POINTER(entry);
	CrmRequireUtf8();
	t = DatumGetTextPP(entry->key);
	norm = CrmNameNormalize(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t), &nlen);
	n = palloc(sizeof(CrmName));
	keys = palloc(CRM_NAME_MAX_KEYS * sizeof(int32));
	CrmNamePrepare(norm, nlen, n);
	nkeys = CrmNameKeys(n, false, keys, CRM_NAME_MAX_KEYS);
	if (nlen <= MAX_STORED_NAME)
	{
		k = new_key(true, nlen);
		memcpy(k->norm, norm, nlen);
	}
	else
	{
		k = new_key(true, 0);
		k->flags |= KEY_NO_NAME;
	}
	sig_set_keys(k->sig, keys, nkeys);
	pfree(keys);
	pfree(n);
	pfree(norm);

	retval = palloc(sizeof(GISTENTRY));
	gistentryinit(*retval, PointerGetDatum(k), entry->rel, entry->page,
				  entry->offset, false);
	PG_RETURN_POINTER(retval);
}

/*
 * crm_name_gist_decompress: GiST support 4: detoast the key if needed.
 */
Datum
crm_name_gist_decompress(PG_FUNCTION_ARGS)
{
	GISTENTRY  *entry = (GISTENTRY *) PG_GETARG_POINTER(0);
	NameGistKey *k = DatumGetNameGistKey(entry->key);

	if (PointerGetDatum(k) != entry->key)
	{
		GISTENTRY  *retval = palloc(sizeof(GISTENTRY));

		gistentryinit(*retval, PointerGetDatum(k), entry->rel, entry->page,
					  entry->offset, false);
		PG_RETURN_POINTER(retval);
	}
	PG_RETURN_POINTER(entry);
}

/*
 * crm_name_gist_consistent: GiST support 1, for %%: a subtree or row can
 * match only if it has one of the query's blocking-key bits (%% requires a
 * shared key); the operator itself is always rechecked.
 */
Datum
crm_name_gist_consistent(PG_FUNCTION_ARGS)
{
	GISTENTRY  *entry = (GISTENTRY *) PG_GETARG_POINTER(0);
	text	   *query = PG_GETARG_TEXT_PP(1);
	StrategyNumber strategy = (StrategyNumber) PG_GETARG_UINT16(2);
	bool	   *recheck = (bool *) PG_GETARG_POINTER(4);
	NameGistKey *k = DatumGetNameGistKey(entry->key);
	QueryCache *q;

	if (strategy != STRATEGY_SIMILAR)
		elog(ERROR, "unrecognized strategy number: %d", strategy);
	*recheck = true;
	q = get_query(fcinfo->flinfo, query);
	if (q->nkeys == 0)
		PG_RETURN_BOOL(false);
	PG_RETURN_BOOL(sig_intersects(k->sig, q->sig));
}

/*
 * crm_name_gist_distance: GiST support 8, for <->: the exact distance of a
 * leaf (from its stored normalised name, computed exactly as
 * crm.name_distance(row, query) computes it), 0 for an inner node (the only
 * valid lower bound: see the file comment) and for a name too long to be
 * stored (rechecked on the row).
 */
Datum
crm_name_gist_distance(PG_FUNCTION_ARGS)
{
	GISTENTRY  *entry = (GISTENTRY *) PG_GETARG_POINTER(0);
	text	   *query = PG_GETARG_TEXT_PP(1);
	StrategyNumber strategy = (StrategyNumber) PG_GETARG_UINT16(2);
	bool	   *recheck = (bool *) PG_GETARG_POINTER(4);
	NameGistKey *k = DatumGetNameGistKey(entry->key);
	QueryCache *q;

	if (strategy != STRATEGY_DISTANCE)
		elog(ERROR, "unrecognized strategy number: %d", strategy);
	*recheck = false;
	if (!KEY_IS_LEAF(k))
		PG_RETURN_FLOAT8(0.0);
	if (k->flags & KEY_NO_NAME)
	{
		*recheck = true;
		PG_RETURN_FLOAT8(0.0);
	}
	q = get_query(fcinfo->flinfo, query);
	CrmNamePrepare(k->norm, KEY_NORM_LEN(k), &q->row);
	PG_RETURN_FLOAT8(1.0 - CrmNameSimilarityPrepared(&q->row, &q->name));
}

/*
 * crm_name_gist_union: GiST support 2: an inner key whose signature is the
 * OR of the entries'.
 */
Datum
crm_name_gist_union(PG_FUNCTION_ARGS)
{
	GistEntryVector *v = (GistEntryVector *) PG_GETARG_POINTER(0);
	int		   *size = (int *) PG_GETARG_POINTER(1);
	NameGistKey *u = new_key(false, 0);
	int			i,
				w;

	for (i = 0; i < v->n; i++)
	{
		NameGistKey *k = DatumGetNameGistKey(v->vector[i].key);

		for (w = 0; w < (int) SIG_WORDS; w++)
			u->sig[w] |= k->sig[w];
	}
	*size = VARSIZE(u);
	PG_RETURN_POINTER(u);
}

/*
 * crm_name_gist_penalty: GiST support 5: how many signature bits the
 * subtree gains by taking the new entry.
 */
Datum
crm_name_gist_penalty(PG_FUNCTION_ARGS)
{
	GISTENTRY  *origentry = (GISTENTRY *) PG_GETARG_POINTER(0);
	GISTENTRY  *newentry = (GISTENTRY *) PG_GETARG_POINTER(1);
	float	   *penalty = (float *) PG_GETARG_POINTER(2);
	NameGistKey *o = DatumGetNameGistKey(origentry->key);
	NameGistKey *n = DatumGetNameGistKey(newentry->key);

	*penalty = (float) sig_count_new(o->sig, n->sig);
	PG_RETURN_POINTER(penalty);
}

/* An entry of a page being split, with its preference for the left half. */
typedef struct SplitItem
{
	OffsetNumber off;
	int			cost;			/* distance to the left seed minus to the right */
} SplitItem;

/*
 * split_item_cmp: qsort comparator, strongest preference for the left first.
 */
static int
split_item_cmp(const void *a, const void *b)
{
	int			x = ((const SplitItem *) a)->cost;
	int			y = ((const SplitItem *) b)->cost;

	return (x > y) - (x < y);
}

/*
 * crm_name_gist_picksplit: GiST support 6.  The two entries farthest apart
 * (Hamming distance of signatures) seed the halves; the entries are sorted
 * by how much nearer they are to the left seed than to the right one, and
 * the first half goes left.  The halves are always balanced (a greedy
 * assignment to the growing unions sends nearly everything to the side
 * that saturates first, and GiST then splits again and again).
 */
Datum
crm_name_gist_picksplit(PG_FUNCTION_ARGS)
{
	GistEntryVector *entryvec = (GistEntryVector *) PG_GETARG_POINTER(0);
	GIST_SPLITVEC *v = (GIST_SPLITVEC *) PG_GETARG_POINTER(1);
	OffsetNumber maxoff = entryvec->n - 1;
	int			n = maxoff - FirstOffsetNumber + 1;
	NameGistKey *l = new_key(false, 0);
	NameGistKey *r = new_key(false, 0);
	NameGistKey **keys = palloc((maxoff + 1) * sizeof(NameGistKey *));
	SplitItem  *items = palloc(n * sizeof(SplitItem));
	OffsetNumber i,
				j,
				seed_1 = FirstOffsetNumber,
				seed_2 = FirstOffsetNumber + 1;
	int			worst = -1,
				w,
				m;

	for (i = FirstOffsetNumber; i <= maxoff; i = OffsetNumberNext(i))
		keys[i] = DatumGetNameGistKey(entryvec->vector[i].key);
	for (i = FirstOffsetNumber; i < maxoff; i = OffsetNumberNext(i))
	{
		CHECK_FOR_INTERRUPTS();
		for (j = OffsetNumberNext(i); j <= maxoff; j = OffsetNumberNext(j))
		{
			int			d = sig_hamming(keys[i]->sig, keys[j]->sig);

			if (d > worst)
			{
				worst = d;
				seed_1 = i;
				seed_2 = j;
			}
		}
	}
	for (i = FirstOffsetNumber, m = 0; i <= maxoff; i = OffsetNumberNext(i), m++)
	{
		items[m].off = i;
		items[m].cost = sig_hamming(keys[i]->sig, keys[seed_1]->sig) -
			sig_hamming(keys[i]->sig, keys[seed_2]->sig);
	}
	qsort(items, n, sizeof(SplitItem), split_item_cmp);

	v->spl_left = palloc((maxoff + 1) * sizeof(OffsetNumber));
	v->spl_right = palloc((maxoff + 1) * sizeof(OffsetNumber));
	v->spl_nleft = v->spl_nright = 0;
	for (m = 0; m < n; m++)
	{
		NameGistKey *k = keys[items[m].off];
		NameGistKey *side = (m < n / 2) ? l : r;

		for (w = 0; w < (int) SIG_WORDS; w++)
			side->sig[w] |= k->sig[w];
		if (side == l)
			v->spl_left[v->spl_nleft++] = items[m].off;
		else
			v->spl_right[v->spl_nright++] = items[m].off;
	}
	v->spl_ldatum = PointerGetDatum(l);
	v->spl_rdatum = PointerGetDatum(r);
	PG_RETURN_POINTER(v);
}

/*
 * crm_name_gist_same: GiST support 7: equal keys (same kind, signature and
 * normalised name).
 */
Datum
crm_name_gist_same(PG_FUNCTION_ARGS)
{
	NameGistKey *a = DatumGetNameGistKey(PG_GETARG_DATUM(0));
	NameGistKey *b = DatumGetNameGistKey(PG_GETARG_DATUM(1));
	bool	   *result = (bool *) PG_GETARG_POINTER(2);

	*result = VARSIZE(a) == VARSIZE(b) &&
		memcmp((char *) a + VARHDRSZ, (char *) b + VARHDRSZ, VARSIZE(a) - VARHDRSZ) == 0;
	PG_RETURN_POINTER(result);
}

/*
 * name_gist_cmp: sort comparator of leaf keys for the sorted index build:
 * by normalised name (bytes), so a page holds names with a common start.
 */
static int
name_gist_cmp(Datum x, Datum y, SortSupport ssup)
{
	NameGistKey *a = DatumGetNameGistKey(x);
	NameGistKey *b = DatumGetNameGistKey(y);
	int			la = KEY_NORM_LEN(a),
				lb = KEY_NORM_LEN(b);
	int			c = memcmp(a->norm, b->norm, Min(la, lb));

	if (c != 0)
		return c;
	return (la > lb) - (la < lb);
}

/*
 * crm_name_gist_sortsupport: GiST support 11: build the index by sorting
 * (much faster than inserting one name at a time).
 */
Datum
crm_name_gist_sortsupport(PG_FUNCTION_ARGS)
{
	SortSupport ssup = (SortSupport) PG_GETARG_POINTER(0);

	ssup->comparator = name_gist_cmp;
	PG_RETURN_VOID();
}
