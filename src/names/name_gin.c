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
#define KEY_ALTS 40				/* codes / prefixes per token */
#define JOINED_CODE 16			/* codes in the whole-name key */
#define MAX_KEYS CRM_NAME_MAX_KEYS

/* Alternatives of one token: its codes and its prefixes. */
typedef struct TokenAlts
{
	bool		initial;		/* a one-letter token (R. Smith) */
	int			ncode;
	int			npre;
	uint32		first;			/* first key character */
	uint32		code[KEY_ALTS];	/* hashes of exact key, phonetic code, groups */
	uint32		pre[KEY_ALTS];	/* hashes of typo-tolerant prefixes */
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

#define FNV_INIT 2166136261u

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
 * add_prefixes: the prefixes of k[0..n) that meet another token's: its
 * first four characters (all of it when shorter); for a Latin token (han =
 * false) of three or more characters also those four with one character
 * after the first deleted, so that one typo there still leaves a prefix in
 * common (anita, apita: "ait"; jarred, jrared: "jar").  Chinese tokens are
 * keyed by exact pinyin (same reading = same key) and add no typo forms,
 * which keeps common surnames from matching every given name that merely
 * rhymes.
 */
static void
add_prefixes(TokenAlts *alt, const uint32 *k, int n, bool han)
{
	int			m = Min(n, 4),
				skip;
	uint32		p[4] = {0, 0, 0, 0};

	memcpy(p, k, m * sizeof(uint32));
	add_unique(alt->pre, &alt->npre, fnv(FNV_INIT, p, sizeof(p)));
	if (han || m < 3)
		return;
	for (skip = 1; skip < m; skip++)
	{
		int			i,
					o = 0;

		memset(p, 0, sizeof(p));
		for (i = 0; i < m; i++)
			if (i != skip)
				p[o++] = k[i];
		add_unique(alt->pre, &alt->npre, fnv(FNV_INIT, p, sizeof(p)));
	}
}

/*
 * token_alts: codes and prefixes of token t of name n.  A Chinese token
 * is coded by its exact pinyin only (a phonetic code would merge chen,
 * shen, chan ...); a Latin token by its exact key and, from four letters
 * on, its phonetic code, so that Zhang meets 张 and Smyth meets Smith.  Nickname groups add their
 * group and the prefixes of each formal name (bob: robert).
 */
static void
token_alts(const CrmName *n, int t, TokenAlts *alt)
{
	const CrmNameToken *tok = &n->tok[t];
	const uint32 *k = n->key + tok->keyoff;

	alt->ncode = alt->npre = 0;
	alt->first = k[0];
	alt->initial = (tok->nkey == 1);
	add_unique(alt->code, &alt->ncode, fnv(fnv(FNV_INIT, "x", 1), k, tok->nkey * sizeof(uint32)));
	add_prefixes(alt, k, tok->nkey, tok->han);
	if (!tok->han && tok->nkey >= 4)
	{
		char		code[16];
		int			cl = CrmTokenPhonetic(n, t, code);

		/*
		 * Short tokens (li, wu, yi, bob) keep their exact key only: their
		 * codes (L, W, Y, B) would match half the table.
		 */
		if (cl >= 2)
			add_unique(alt->code, &alt->ncode, fnv(fnv(FNV_INIT, "p", 1), code, cl));
	}
	if (tok->nick >= 0)
	{
		const CrmNickEntry *e = &crm_nick_entries[tok->nick];
		int			g;

		for (g = 0; g < e->ngroups; g++)
		{
			uint16		gid = crm_nick_groups[e->first + g];
			const char *formal = crm_nick_canonical[gid];
			uint32		fk[4];
			int			fl = 0;

			add_unique(alt->code, &alt->ncode, fnv(fnv(FNV_INIT, "n", 1), &gid, sizeof(gid)));
			while (fl < 4 && formal[fl])
			{
				fk[fl] = (unsigned char) formal[fl];
				fl++;
			}
			add_prefixes(alt, fk, fl, false);
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
 *
 * For an ordered pair of tokens (i, j), code c of i goes with:
 *	- stored: "2" + the prefixes of j (add_prefixes), "f" + the first
 *	  letter of j, or, when j is an initial, "i" + that letter;
 *	- looked up: "2" + the prefixes of j and "i" + its first letter, or,
 *	  when j is an initial, "f" and "i" + that letter;
 * so a full token meets a full token through a common prefix and an
 * initial meets the full tokens it starts.  Pairs are neighbouring tokens
 * and the first with the last (all pairs up to three tokens), which keeps
 * long names from matching half the table.  A name of one token stores S1
 * keys; longer ones store S keys per token.  Every name also has J keys,
 * its tokens written together, exactly and (when it has Latin tokens) by
 * sound (McDonald = Mc Donald, zhangsan = 张三).
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
	if (nt == 0)
		return 0;
	for (i = 0; i < nt; i++)
		token_alts(n, i, &alt[i]);
	{
		char		code[JOINED_CODE + 8];
		int			cl;
		bool		latin = false;

		/* The whole name written together: exactly, and (Latin) by sound. */
		PUSH(fnv(fnv(FNV_INIT, "JE", 2), n->key, n->nkey * sizeof(uint32)));
		for (i = 0; i < n->ntokens; i++)
			latin |= !n->tok[i].han;
		if (latin)
		{
			cl = CrmPhoneticCode(n->key, n->nkey, code, JOINED_CODE);
			PUSH(fnv(fnv(FNV_INIT, "J", 1), code, cl));
		}
	}
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
				/* Neighbours, and the first with the last token. */
				if (i == j || (abs(i - j) != 1 && !(Min(i, j) == 0 && Max(i, j) == nt - 1)))
					continue;
				for (a = 0; a < alt[i].ncode; a++)
				{
					uint32		c = fnv(alt[i].code[a], "P", 1);

					if (alt[j].initial)
					{
						PUSH(fnv(fnv(c, "i", 1), &alt[j].first, sizeof(uint32)));
						if (query)
							PUSH(fnv(fnv(c, "f", 1), &alt[j].first, sizeof(uint32)));
						continue;
					}
					for (b = 0; b < alt[j].npre; b++)
						PUSH(fnv(fnv(c, "2", 1), &alt[j].pre[b], sizeof(uint32)));
					if (query)
						PUSH(fnv(fnv(c, "i", 1), &alt[j].first, sizeof(uint32)));
					else
						PUSH(fnv(fnv(c, "f", 1), &alt[j].first, sizeof(uint32)));
				}
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
 * share_key: true if two sorted key arrays have a key in common.
 */
static bool
share_key(const int32 *kx, int nx, const int32 *kq, int nq)
{
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
	{
		int			nx,
					nq;
		const int32 *kx = CrmNameCacheKeys(fcinfo->flinfo, 0, false, &nx);
		const int32 *kq = CrmNameCacheKeys(fcinfo->flinfo, 1, true, &nq);

		PG_RETURN_BOOL(share_key(kx, nx, kq, nq));
	}
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
