/*
 * name_gist.c
 *		The GiST operator class crm.name_gist_ops: ORDER BY name <-> q
 *		(nearest names) as an index scan, exact.
 *
 * Why the index is exact but prunes nothing:  a GiST nearest-neighbour scan
 * needs, for every inner node, a lower bound on the distance of every name
 * under it that is never larger than the true distance (the executor raises
 * "index returned tuples in wrong order" otherwise).  crm.name_distance is
 * 1 - crm.name_similarity, and that score gives a token 0.95 against a
 * nickname whatever its letters (Peggy ~ Margaret), 0.9 to an initial
 * against any name it starts, and a Jaro-Winkler score that survives a
 * changed first letter; so no summary of a page of names (signature of
 * blocking keys, letters, lengths) proves that none of them is close to the
 * query, and sharing no blocking key proves nothing either (Hzang San
 * scores 0.896 against Zhang San without one).  The only valid bound for an
 * inner node is 0, so inner keys carry nothing.  What the index does instead
 * is make every leaf distance exact and cheap: a leaf stores the normalised
 * name, so the distance is computed from the index page (no heap visit, no
 * normalisation) and returned without recheck; the scan returns the same
 * rows in the same order as a sequential scan with ORDER BY.
 *
 * The operator class has no %% strategy on purpose: a signature of blocking
 * keys saturates on inner pages (a page holds thousands of keys), so %%
 * through GiST would read the whole index, and the planner, seeing a GiST
 * index that matches both the WHERE and the ORDER BY of the GIN form
 * (WHERE name %% q ORDER BY name <-> q LIMIT 10), chose it over the GIN
 * index and turned a 1 ms query into a full pass.
 *
 * Key layout (a bytea varlena): flags byte, three zero bytes, then (leaves
 * only) the normalised name in UTF-8, up to MAX_STORED_NAME bytes.  The
 * index is built sorted by normalised name (sortsupport).
 */
#include "postgres.h"

#include "access/gist.h"
#include "access/stratnum.h"
#include "fmgr.h"
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

/* Strategy number of <-> in the operator class (see names.sql). */
#define STRATEGY_DISTANCE 1

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
	CrmName		row;			/* scratch: the prepared name of a leaf */
} QueryCache;

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
 * get_query: the prepared query text t, cached in flinfo->fn_extra (a scan
 * passes the same query to every call).
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

		CrmRequireUtf8();
		if (c->raw)
			pfree(c->raw);
		c->raw = NULL;
		norm = CrmNameNormalize(s, len, &nlen);
		CrmNamePrepare(norm, nlen, &c->name);
		pfree(norm);
		c->raw = MemoryContextAlloc(flinfo->fn_mcxt, Max(len, 1));
		memcpy(c->raw, s, len);
		c->len = len;
	}
	return c;
}

/*
 * crm_name_gist_compress: GiST support 3.  A name becomes a leaf key (its
 * normalised name); inner keys are stored as they are.
 */
Datum
crm_name_gist_compress(PG_FUNCTION_ARGS)
{
	GISTENTRY  *entry = (GISTENTRY *) PG_GETARG_POINTER(0);
	GISTENTRY  *retval;
	text	   *t;
	char	   *norm;
	int			nlen;
	NameGistKey *k;

	if (!entry->leafkey)
		PG_RETURN_POINTER(entry);
	CrmRequireUtf8();
	t = DatumGetTextPP(entry->key);
	norm = CrmNameNormalize(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t), &nlen);
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
 * crm_name_gist_consistent: GiST support 1 (required).  The operator class
 * has no search strategy (see the file comment), so GiST never calls it.
 */
Datum
crm_name_gist_consistent(PG_FUNCTION_ARGS)
{
	StrategyNumber strategy = (StrategyNumber) PG_GETARG_UINT16(2);

	elog(ERROR, "unrecognized strategy number: %d", strategy);
	PG_RETURN_BOOL(false);		/* keep the compiler quiet */
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
 * crm_name_gist_union: GiST support 2: an inner key, which carries nothing
 * (no bound on the names below it is valid: see the file comment).
 */
Datum
crm_name_gist_union(PG_FUNCTION_ARGS)
{
	int		   *size = (int *) PG_GETARG_POINTER(1);
	NameGistKey *u = new_key(false, 0);

	*size = VARSIZE(u);
	PG_RETURN_POINTER(u);
}

/*
 * crm_name_gist_penalty: GiST support 5: every subtree is as good as any
 * other for a new name.
 */
Datum
crm_name_gist_penalty(PG_FUNCTION_ARGS)
{
	float	   *penalty = (float *) PG_GETARG_POINTER(2);

	*penalty = 0.0f;
	PG_RETURN_POINTER(penalty);
}

/*
 * crm_name_gist_picksplit: GiST support 6: the first half of the entries
 * (in page order: sorted by name after a sorted build) to the left, the
 * rest to the right.
 */
Datum
crm_name_gist_picksplit(PG_FUNCTION_ARGS)
{
	GistEntryVector *entryvec = (GistEntryVector *) PG_GETARG_POINTER(0);
	GIST_SPLITVEC *v = (GIST_SPLITVEC *) PG_GETARG_POINTER(1);
	OffsetNumber maxoff = entryvec->n - 1;
	OffsetNumber half = FirstOffsetNumber + (maxoff - FirstOffsetNumber + 1) / 2;
	OffsetNumber i;

	v->spl_left = palloc((maxoff + 1) * sizeof(OffsetNumber));
	v->spl_right = palloc((maxoff + 1) * sizeof(OffsetNumber));
	v->spl_nleft = v->spl_nright = 0;
	for (i = FirstOffsetNumber; i <= maxoff; i = OffsetNumberNext(i))
	{
		if (i < half)
			v->spl_left[v->spl_nleft++] = i;
		else
			v->spl_right[v->spl_nright++] = i;
	}
	v->spl_ldatum = PointerGetDatum(new_key(false, 0));
	v->spl_rdatum = PointerGetDatum(new_key(false, 0));
	PG_RETURN_POINTER(v);
}

/*
 * crm_name_gist_same: GiST support 7: equal keys (same kind and normalised
 * name).
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
