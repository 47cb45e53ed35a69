/*
 * name_gin.c
 *		Index-backed name search: the %% (similar name) and <-> (name
 *		distance) operators and the GIN operator class crm.name_gin_ops.
 *
 * A GIN key is a 32-bit hash of a blocking key of the normalised name:
 *	- S:code and S1:code: the phonetic code of a token (or a nickname group
 *	  of it), S1 for names of one token;
 *	- P:code,initial: for every ordered pair of tokens, the code of one and
 *	  the initial of the other (also the initials of a nickname's formal
 *	  names), so "Zhang San" looks up names containing a zhang-sounding token
 *	  and a token starting with s, or an s-sounding one and one starting with
 *	  z, which survives a typo in either token, initials (R. Smith), nicknames
 *	  (Bob Smith ~ Robert Smith), token order and Chinese script (张三).
 * A name of one token shares S1 keys with names of one token and S keys
 * with longer ones; a longer name looks up only pair keys and S1 keys.  The
 * operator a %% b is exactly "a and b share a key, and name_similarity(a, b)
 * >= crm_profile.name_similarity_threshold", so an index scan (keys, then a
 * recheck) returns the same rows as a sequential scan.  Sharing a key is the
 * blocking rule: names that differ in every token by more than the rules
 * above are not similar for %%, whatever their score.
 */
#include "postgres.h"

#include "access/gin.h"
#include "access/stratnum.h"
#include "fmgr.h"
#include "utils/builtins.h"

#include "common/errors.h"
#include "names/names.h"
#include "names/names_tables.h"

PG_FUNCTION_INFO_V1(crm_name_similar);
PG_FUNCTION_INFO_V1(crm_name_distance);
PG_FUNCTION_INFO_V1(crm_name_gin_extract_value);
PG_FUNCTION_INFO_V1(crm_name_gin_extract_query);
PG_FUNCTION_INFO_V1(crm_name_gin_consistent);
PG_FUNCTION_INFO_V1(crm_name_gin_triconsistent);

#define KEY_TOKENS 6			/* tokens that make keys */
#define KEY_ALTS 4				/* codes / initials per token */
#define MAX_KEYS 1024

/* Alternatives of one token: its codes and its initials. */
typedef struct TokenAlts
{
	int			ncode;
	int			ninit;
	uint32		code[KEY_ALTS];	/* hash of the phonetic code or group */
	uint32		init[KEY_ALTS];	/* initial letters (code points) */
} TokenAlts;

/*
 * fnv: FNV-1a hash of len bytes, continuing from h.
 */
static uint32
fnv(uint32 h, const void *data, int len)
{
	const unsigned char *p = data;
	int			i;

	for (i = 0; i < len; i++)
	{
		h ^= p[i];
		h *= 16777619u;
	}
	return h;
}

/*
 * add_unique: append v to a[*n] (capacity KEY_ALTS) unless present.
 */
static void
add_unique(uint32 *a, int *n, uint32 v)
{
	int			i;

	for (i = 0; i < *n; i++)
		if (a[i] == v)
			return;
	if (*n < KEY_ALTS)
		a[(*n)++] = v;
}

/*
 * token_alts: codes and initials of token t of name n.
 */
static void
token_alts(const CrmName *n, int t, TokenAlts *alt)
{
	const CrmNameToken *tok = &n->tok[t];
	char		code[16];
	int			cl = CrmTokenPhonetic(n, t, code);

	alt->ncode = alt->ninit = 0;
	add_unique(alt->code, &alt->ncode, fnv(2166136261u, code, cl));
	add_unique(alt->init, &alt->ninit, n->key[tok->keyoff]);
	if (tok->nick >= 0)
	{
		const CrmNickEntry *e = &crm_nick_entries[tok->nick];
		int			g;

		for (g = 0; g < e->ngroups; g++)
		{
			uint16		gid = crm_nick_groups[e->first + g];

			add_unique(alt->code, &alt->ncode, fnv(fnv(2166136261u, "n", 1), &gid, sizeof(gid)));
			add_unique(alt->init, &alt->ninit, (unsigned char) crm_nick_canonical[gid][0]);
		}
	}
}

/*
 * cmp_int32: qsort comparator.
 */
static int
cmp_int32(const void *a, const void *b)
{
	int32		x = *(const int32 *) a;
	int32		y = *(const int32 *) b;

	return (x > y) - (x < y);
}

/*
 * CrmNameKeys: the blocking keys of a prepared name, as stored (query =
 * false) or as looked up (query = true); sorted, unique; returns how many.
 */
int
CrmNameKeys(const CrmName *n, bool query, int32 *keys, int maxkeys)
{
	TokenAlts	alt[KEY_TOKENS];
	int			nt = Min(n->ntokens, KEY_TOKENS);
	int			nk = 0,
				i,
				j,
				a,
				b,
				out;

#define PUSH(h) do { if (nk < maxkeys) keys[nk++] = (int32) (h); } while (0)
	for (i = 0; i < nt; i++)
		token_alts(n, i, &alt[i]);
	if (nt == 1)
	{
		for (a = 0; a < alt[0].ncode; a++)
		{
			PUSH(fnv(alt[0].code[a], "S1", 2));
			if (query)
				PUSH(fnv(alt[0].code[a], "S", 1));
		}
	}
	else
	{
		for (i = 0; i < nt; i++)
			for (a = 0; a < alt[i].ncode; a++)
				PUSH(fnv(alt[i].code[a], query ? "S1" : "S", query ? 2 : 1));
		for (i = 0; i < nt; i++)
			for (j = 0; j < nt; j++)
			{
				if (i == j)
					continue;
				for (a = 0; a < alt[i].ncode; a++)
					for (b = 0; b < alt[j].ninit; b++)
						PUSH(fnv(fnv(alt[i].code[a], "P", 1), &alt[j].init[b], sizeof(uint32)));
			}
	}
#undef PUSH
	if (nk <= 1)
		return nk;
	qsort(keys, nk, sizeof(int32), cmp_int32);
	for (i = 1, out = 1; i < nk; i++)
		if (keys[i] != keys[out - 1])
			keys[out++] = keys[i];
	return out;
}

/*
 * share_key: true if the stored keys of x and the query keys of q meet.
 */
static bool
share_key(const CrmName *x, const CrmName *q)
{
	int32		kx[MAX_KEYS],
				kq[MAX_KEYS];
	int			nx = CrmNameKeys(x, false, kx, MAX_KEYS);
	int			nq = CrmNameKeys(q, true, kq, MAX_KEYS);
	int			i = 0,
				j = 0;

	while (i < nx && j < nq)
	{
		if (kx[i] == kq[j])
			return true;
		if (kx[i] < kq[j])
			i++;
		else
			j++;
	}
	return false;
}

/*
 * crm_name_similar: SQL crm.name_similar(text, text) -> bool, the %%
 * operator (see the file comment).
 */
Datum
crm_name_similar(PG_FUNCTION_ARGS)
{
	text	   *ta = PG_GETARG_TEXT_PP(0);
	text	   *tb = PG_GETARG_TEXT_PP(1);
	const CrmName *a,
			   *b;

	CrmRequireUtf8();
	a = CrmNameCacheGet(fcinfo->flinfo, 0, ta);
	b = CrmNameCacheGet(fcinfo->flinfo, 1, tb);
	if (CrmNameSimilarityPrepared(a, b) < CrmNameSimilarityThreshold)
		PG_RETURN_BOOL(false);
	PG_RETURN_BOOL(share_key(a, b));
}

/*
 * crm_name_distance: SQL crm.name_distance(text, text) -> float8, the <->
 * operator: 1 - name_similarity.
 */
Datum
crm_name_distance(PG_FUNCTION_ARGS)
{
	text	   *ta = PG_GETARG_TEXT_PP(0);
	text	   *tb = PG_GETARG_TEXT_PP(1);

	CrmRequireUtf8();
	PG_RETURN_FLOAT8(1.0 - CrmNameSimilarityPrepared(CrmNameCacheGet(fcinfo->flinfo, 0, ta),
													 CrmNameCacheGet(fcinfo->flinfo, 1, tb)));
}

/*
 * extract: palloc'd GIN keys of a text datum.
 */
static Datum *
extract(text *t, bool query, int32 *nkeys)
{
	CrmName    *n = palloc(sizeof(CrmName));
	int32	   *k = palloc(MAX_KEYS * sizeof(int32));
	Datum	   *d;
	char	   *norm;
	int			nlen,
				i;

	CrmRequireUtf8();
	norm = CrmNameNormalize(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t), &nlen);
	CrmNamePrepare(norm, nlen, n);
	*nkeys = CrmNameKeys(n, query, k, MAX_KEYS);
	d = palloc((*nkeys + 1) * sizeof(Datum));
	for (i = 0; i < *nkeys; i++)
		d[i] = Int32GetDatum(k[i]);
	pfree(n);
	pfree(k);
	pfree(norm);
	return d;
}

/*
 * crm_name_gin_extract_value: GIN support 2, the keys stored for a name.
 */
Datum
crm_name_gin_extract_value(PG_FUNCTION_ARGS)
{
	text	   *t = PG_GETARG_TEXT_PP(0);
	int32	   *nkeys = (int32 *) PG_GETARG_POINTER(1);

	PG_RETURN_POINTER(extract(t, false, nkeys));
}

/*
 * crm_name_gin_extract_query: GIN support 3, the keys looked up for a query
 * name; a query without keys matches nothing.
 */
Datum
crm_name_gin_extract_query(PG_FUNCTION_ARGS)
{
	text	   *t = PG_GETARG_TEXT_PP(0);
	int32	   *nkeys = (int32 *) PG_GETARG_POINTER(1);
	int32	   *searchMode = (int32 *) PG_GETARG_POINTER(6);

	*searchMode = GIN_SEARCH_MODE_DEFAULT;
	PG_RETURN_POINTER(extract(t, true, nkeys));
}

/*
 * crm_name_gin_consistent: GIN support 4: a row is a candidate when it has
 * any query key; the similarity is always rechecked.
 */
Datum
crm_name_gin_consistent(PG_FUNCTION_ARGS)
{
	bool	   *check = (bool *) PG_GETARG_POINTER(0);
	int32		nkeys = PG_GETARG_INT32(3);
	bool	   *recheck = (bool *) PG_GETARG_POINTER(5);
	int			i;

	*recheck = true;
	for (i = 0; i < nkeys; i++)
		if (check[i])
			PG_RETURN_BOOL(true);
	PG_RETURN_BOOL(false);
}

/*
 * crm_name_gin_triconsistent: GIN support 6, ternary form of the above.
 */
Datum
crm_name_gin_triconsistent(PG_FUNCTION_ARGS)
{
	GinTernaryValue *check = (GinTernaryValue *) PG_GETARG_POINTER(0);
	int32		nkeys = PG_GETARG_INT32(3);
	GinTernaryValue res = GIN_FALSE;
	int			i;

	for (i = 0; i < nkeys; i++)
		if (check[i] != GIN_FALSE)
			res = GIN_MAYBE;
	PG_RETURN_GIN_TERNARY_VALUE(res);
}
