/*
 * similarity.c
 *		crm.name_similarity: how likely two spellings name the same person,
 *		in [0, 1].
 *
 * Both names are normalised (normalize.c) and split into tokens; a Chinese
 * token is split into surname (compound surnames included) and given name and
 * compared through its pinyin, so 张三 = 張三 = Zhang San = San Zhang.  Token
 * pairs score 1 when equal, 0.95 for nicknames of one another (Bob ~ Robert,
 * from the compiled nickname table), 0.9 for an initial against a name it
 * starts (R ~ Robert) or two Chinese characters of the same reading, else the
 * Jaro-Winkler similarity of their keys (0.8 times it between two different
 * Chinese characters).  Tokens are aligned greedily, best pair first, so the
 * order does not matter (Garcia, Jose = Jose Garcia), and the name score is
 * the mean of the pair scores weighted by token length, unmatched tokens
 * counting 0.  When neither name is Chinese, the names written without
 * spaces are also compared by edit distance (1 - distance / length, used when
 * at most a quarter of the length differs), and the higher score is taken,
 * so McDonald = Mc Donald; a Chinese name against a Latin one of three or
 * more tokens also tries the Latin given name split into syllables and put
 * first (Xiao Ming Zhang = 张小明).
 *
 * A missing part is not a mismatch.  A full name has two parts (given name
 * and family name); a name of one token lacks one.  The token score above
 * counts only what is there, so two names of one token that share nothing
 * score 0, exactly like two full names that disagree on both parts, although
 * the second pair carries twice the evidence against.  crm.name_similarity
 * therefore fills a fixed share (MISSING_PART_CREDIT) of the part of the
 * score left open by each missing part: score + (1 - score) * 0.2 * missing
 * / 4, missing being the number of absent parts of the four (0 to 2).  It
 * orders pairs with little agreement (a lone "Leslie" against "Stirling"
 * ranks above "Jane Doe" against "John Smith") and moves a pair by at most
 * 0.1, below what a real agreement on a token adds.  The rule is about full
 * names: CrmNameSimilarityNormalized, with which identity compares one field
 * (a given name, a family name) at a time, leaves it out, since a field
 * holds one part by definition (identity weighs missing fields itself).
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include "common/crm_utf8.h"
#include "common/errors.h"
#include "names/names.h"
#include "names/names_tables.h"

PG_FUNCTION_INFO_V1(crm_name_similarity);

/*
 * nick_lookup: index of the ASCII name in the nickname table, or -1.  The
 * search is narrowed to the names with the same first letter (ranges found
 * once per backend).
 */
static int
nick_lookup(const char *s)
{
	static int	range_lo[27],
				range_hi[27];
	static bool ranges_done = false;
	int			lo,
				hi,
				f;

	if (!ranges_done)
	{
		int			i;

		for (f = 0; f < 27; f++)
		{
			range_lo[f] = 0;
			range_hi[f] = -1;
		}
		for (i = crm_nick_nentries - 1; i >= 0; i--)
		{
			unsigned char c = (unsigned char) crm_nick_entries[i].name[0];

			f = (c >= 'a' && c <= 'z') ? c - 'a' : 26;
			if (range_hi[f] < 0)
				range_hi[f] = i;
			range_lo[f] = i;
		}
		ranges_done = true;
	}
	f = (s[0] >= 'a' && s[0] <= 'z') ? s[0] - 'a' : 26;
	lo = range_lo[f];
	hi = range_hi[f];
	while (lo <= hi)
	{
		int			mid = (lo + hi) / 2;
		int			c = strcmp(crm_nick_entries[mid].name, s);

		if (c == 0)
			return mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -1;
}

/*
 * nick_group_of: true if entry x belongs to canonical group g.
 */
static bool
nick_group_of(int x, uint16 g)
{
	const CrmNickEntry *e = &crm_nick_entries[x];
	int			i;

	for (i = 0; i < e->ngroups; i++)
		if (crm_nick_groups[e->first + i] == g)
			return true;
	return false;
}

/*
 * nick_direct: true if one of two nickname-table entries is the formal name
 * of the other (robert - bob).  Two nicknames of one formal name are not
 * enough: the list pairs green and berry through greenberry.
 */
static bool
nick_direct(int x, int y)
{
	int16		gx = crm_nick_entries[x].own;
	int16		gy = crm_nick_entries[y].own;

	return (gx >= 0 && nick_group_of(y, (uint16) gx)) ||
		(gy >= 0 && nick_group_of(x, (uint16) gy));
}

/*
 * nick_compatible: true if two nickname-table entries share a canonical
 * group (the same entry included).
 */
static bool
nick_compatible(int x, int y)
{
	const CrmNickEntry *a = &crm_nick_entries[x];
	int			i;

	if (x == y)
		return true;
	for (i = 0; i < a->ngroups; i++)
		if (nick_group_of(y, crm_nick_groups[a->first + i]))
			return true;
	return false;
}

/*
 * CrmNicknamesCompatible: true if two lower-case given names may be the same
 * name according to the nickname table (or are equal).
 */
bool
CrmNicknamesCompatible(const char *a, const char *b)
{
	int			x,
				y;

	if (strcmp(a, b) == 0)
		return true;
	x = nick_lookup(a);
	y = nick_lookup(b);
	return x >= 0 && y >= 0 && nick_compatible(x, y);
}

/*
 * add_token: append a token with the given characters and key to n; false
 * when the name is full.
 */
static bool
add_token(CrmName *n, const uint32 *chars, int nchars, const uint32 *key,
		  int nkey, bool han)
{
	CrmNameToken *t;

	if (n->ntokens >= CRM_NAME_MAX_TOKENS || nchars == 0)
		return false;
	nchars = Min(nchars, CRM_NAME_MAX_TOKEN_CHARS);
	nkey = Min(nkey, han ? 2 * CRM_NAME_MAX_TOKEN_CHARS : CRM_NAME_MAX_TOKEN_CHARS);
	if (n->nchars + nchars > (int) lengthof(n->chars) || n->nkey + nkey > (int) lengthof(n->key))
		return false;
	t = &n->tok[n->ntokens++];
	t->off = n->nchars;
	t->nchars = nchars;
	t->keyoff = n->nkey;
	t->nkey = nkey;
	t->han = han;
	t->nick = -1;
	memcpy(n->chars + n->nchars, chars, nchars * sizeof(uint32));
	n->nchars += nchars;
	memcpy(n->key + n->nkey, key, nkey * sizeof(uint32));
	n->nkey += nkey;
	if (!han && nkey <= 24)
	{
		char		buf[32];
		int			i;

		for (i = 0; i < nkey; i++)
		{
			if (key[i] >= 0x80)
				return true;
			buf[i] = (char) key[i];
		}
		buf[nkey] = '\0';
		t->nick = nick_lookup(buf);
	}
	return true;
}

/*
 * ascii_key: append the letters of s (skipping spaces) to key; returns the
 * new length, bounded by cap.
 */
static int
ascii_key(const char *s, uint32 *key, int nkey, int cap)
{
	for (; *s && nkey < cap; s++)
		if (*s != ' ')
			key[nkey++] = (unsigned char) *s;
	return nkey;
}

/*
 * CrmNamePrepare: split a normalised name (len bytes of UTF-8) into tokens
 * with their comparison keys.  Chinese runs become a surname token and a
 * given-name token keyed by toneless pinyin.
 */
void
CrmNamePrepare(const char *norm, int len, CrmName *out)
{
	uint32		stack[512];
	uint32	   *cp = (len <= (int) lengthof(stack)) ? stack : palloc(len * sizeof(uint32));
	int			n = CrmUtf8Decode(norm, len, cp);
	int			i = 0;

	out->ntokens = 0;
	out->nchars = 0;
	out->nkey = 0;
	while (i < n && out->ntokens < CRM_NAME_MAX_TOKENS)
	{
		int			j = i;

		if (cp[i] == ' ')
		{
			i++;
			continue;
		}
		while (j < n && cp[j] != ' ')
			j++;
		if (CrmIsHan(cp[i]))
		{
			uint32		key[2 * CRM_NAME_MAX_TOKEN_CHARS];
			char		rd[64];
			int			k,
						nk;

			k = CrmHanSurname(cp + i, j - i, rd, sizeof(rd));
			nk = ascii_key(rd, key, 0, lengthof(key));
			add_token(out, cp + i, k, key, nk, true);
			if (i + k < j)
			{
				int			m;

				nk = 0;
				for (m = i + k; m < j; m++)
				{
					const char *py = CrmHanPinyin(cp[m]);

					if (py)
						nk = ascii_key(py, key, nk, lengthof(key));
					else if (nk < (int) lengthof(key))
						key[nk++] = cp[m];
				}
				add_token(out, cp + i + k, j - i - k, key, nk, true);
			}
		}
		else
			add_token(out, cp + i, j - i, cp + i, j - i, false);
		i = j;
	}
	if (cp != stack)
		pfree(cp);
}

/*
 * keys_equal: true if two code point arrays are equal.
 */
static inline bool
keys_equal(const uint32 *a, int na, const uint32 *b, int nb)
{
	return na == nb && memcmp(a, b, na * sizeof(uint32)) == 0;
}

/*
 * jw_scaled: Jaro-Winkler rescaled so that unrelated tokens (which score
 * about 0.4-0.6) count nothing: max(0, (jw - floor) / (1 - floor)).  The
 * floor 0.6 was chosen on Febrl dataset 1 (test/bench/names/quality.sql):
 * ROC AUC 0.983 without the rescaling, 0.993 with it.
 */
#define JW_FLOOR 0.6

static inline double
jw_scaled(double jw)
{
	return jw <= JW_FLOOR ? 0.0 : (jw - JW_FLOOR) / (1.0 - JW_FLOOR);
}

/*
 * token_score: similarity in [0, 1] of token x of A and token y of B.
 */
static double
token_score(const CrmName *A, const CrmNameToken *x, const CrmName *B,
			const CrmNameToken *y)
{
	const uint32 *xk = A->key + x->keyoff;
	const uint32 *yk = B->key + y->keyoff;

	if (x->han && y->han)
	{
		if (keys_equal(A->chars + x->off, x->nchars, B->chars + y->off, y->nchars))
			return 1.0;
		if (keys_equal(xk, x->nkey, yk, y->nkey))
			return 0.9;
		return 0.8 * CrmJaroWinklerCp(xk, x->nkey, yk, y->nkey);
	}
	if (keys_equal(xk, x->nkey, yk, y->nkey))
		return 1.0;
	if (x->nkey == 1 || y->nkey == 1)
		return (xk[0] == yk[0]) ? 0.9 : 0.0;
	if (x->nick >= 0 && y->nick >= 0 && nick_direct(x->nick, y->nick))
		return 0.95;
	return jw_scaled(CrmJaroWinklerCp(xk, x->nkey, yk, y->nkey));
}

/*
 * han_western_order: score of a Chinese name H (surname token, given-name
 * token) against a name L in Latin letters whose given name may be split
 * into syllables and put first (Xiao Ming Zhang = 张小明): each token of L
 * is tried as the surname, the others, joined in order, as the given name.
 * 0 unless H is exactly surname + given name and L has 3 to 6 tokens.
 */
static double
han_western_order(const CrmName *H, const CrmName *L)
{
	const CrmNameToken *hs,
			   *hg;
	double		best = 0.0;
	int			i,
				j;

	if (H->ntokens != 2 || !H->tok[0].han || !H->tok[1].han ||
		L->ntokens < 3 || L->ntokens > 6)
		return 0.0;
	hs = &H->tok[0];
	hg = &H->tok[1];
	for (i = 0; i < L->ntokens; i++)
	{
		uint32		rest[CRM_NAME_MAX_TOKEN_CHARS * 2];
		int			nrest = 0,
					total;
		double		ss,
					sg;

		ss = token_score(H, hs, L, &L->tok[i]);
		if (ss <= 0.0)
			continue;
		for (j = 0; j < L->ntokens; j++)
		{
			const CrmNameToken *t = &L->tok[j];

			if (j == i || nrest + t->nkey > (int) lengthof(rest))
				continue;
			memcpy(rest + nrest, L->key + t->keyoff, t->nkey * sizeof(uint32));
			nrest += t->nkey;
		}
		if (keys_equal(H->key + hg->keyoff, hg->nkey, rest, nrest))
			sg = 1.0;
		else
			sg = jw_scaled(CrmJaroWinklerCp(H->key + hg->keyoff, hg->nkey, rest, nrest));
		total = hs->nkey + hg->nkey + L->nkey;
		if (total > 0)
			best = Max(best, (ss * (hs->nkey + L->tok[i].nkey) + sg * (hg->nkey + nrest)) / total);
	}
	return best;
}

/*
 * token_evidence: the score of two prepared names from their tokens alone
 * (see the file comment), without the missing-part rule.  An empty name is
 * similar to nothing: 0.
 */
static double
token_evidence(const CrmName *A, const CrmName *B)
{
	double		s[CRM_NAME_MAX_TOKENS][CRM_NAME_MAX_TOKENS];
	bool		usedA[CRM_NAME_MAX_TOKENS] = {0};
	bool		usedB[CRM_NAME_MAX_TOKENS] = {0};
	double		total = 0.0,
				got = 0.0,
				score;
	int			i,
				j,
				pairs;
	bool		hanA = false,
				hanB = false;

	if (A->ntokens == 0 || B->ntokens == 0)
		return 0.0;
	for (i = 0; i < A->ntokens; i++)
	{
		total += A->tok[i].nkey;
		hanA |= A->tok[i].han;
		for (j = 0; j < B->ntokens; j++)
			s[i][j] = token_score(A, &A->tok[i], B, &B->tok[j]);
	}
	for (j = 0; j < B->ntokens; j++)
	{
		total += B->tok[j].nkey;
		hanB |= B->tok[j].han;
	}
	pairs = Min(A->ntokens, B->ntokens);
	while (pairs-- > 0)
	{
		int			bi = -1,
					bj = -1;
		double		best = -1.0;

		for (i = 0; i < A->ntokens; i++)
		{
			if (usedA[i])
				continue;
			for (j = 0; j < B->ntokens; j++)
				if (!usedB[j] && s[i][j] > best)
				{
					best = s[i][j];
					bi = i;
					bj = j;
				}
		}
		usedA[bi] = usedB[bj] = true;
		got += best * (A->tok[bi].nkey + B->tok[bj].nkey);
	}
	score = total > 0 ? got / total : 0.0;
	if (!(hanA && hanB) && score < 1.0)
	{
		int			longest = Max(A->nkey, B->nkey);
		int			d = CrmLevenshteinCp(A->key, A->nkey, B->key, B->nkey,
										 longest / 4);
		double		whole = (d > longest / 4) ? 0.0 : 1.0 - (double) d / longest;

		if (whole > score)
			score = whole;
	}
	if (hanA != hanB && score < 1.0)
	{
		double		alt = han_western_order(hanA ? A : B, hanA ? B : A);

		if (alt > score)
			score = alt;
	}
	if (score > 1.0)
		score = 1.0;
	return score;
}

/*
 * Share of the open score filled per missing name part, and the parts of a
 * full name (given and family name).  See the file comment.
 */
#define MISSING_PART_CREDIT 0.2
#define NAME_PARTS 2

/*
 * CrmNameSimilarityPrepared: the name score of two prepared names, as
 * crm.name_similarity returns it: the token evidence, then the missing-part
 * rule (see the file comment).  An empty name is similar to nothing: 0.
 */
double
CrmNameSimilarityPrepared(const CrmName *A, const CrmName *B)
{
	double		score = token_evidence(A, B);
	int			missing;

	if (A->ntokens == 0 || B->ntokens == 0)
		return 0.0;
	missing = Max(0, NAME_PARTS - A->ntokens) + Max(0, NAME_PARTS - B->ntokens);
	if (missing > 0)
		score += (1.0 - score) * MISSING_PART_CREDIT * missing / (2.0 * NAME_PARTS);
	return score;
}

/*
 * CrmNameSimilarityNormalized: score of two normalised name fields given as
 * UTF-8 bytes (identity compares one field at a time): the token evidence
 * of crm.name_similarity without the missing-part rule, which is about full
 * names (see the file comment).
 */
double
CrmNameSimilarityNormalized(const char *a, int alen, const char *b, int blen)
{
	CrmName    *na = palloc(sizeof(CrmName));
	CrmName    *nb = palloc(sizeof(CrmName));
	double		r;

	CrmNamePrepare(a, alen, na);
	CrmNamePrepare(b, blen, nb);
	r = token_evidence(na, nb);
	pfree(na);
	pfree(nb);
	return r;
}

/* Per-call-site cache of the last two prepared arguments (fn_extra). */
typedef struct NameCache
{
	int			len[2];
	int			cap[2];
	char	   *raw[2];
	bool		valid[2];
	int			keymode[2];		/* -1 none, 0 stored keys, 1 query keys */
	int			nkeys[2];
	int32	   *keys[2];
	CrmName		name[2];
} NameCache;

/*
 * CrmNameCacheGet: the prepared (normalised, tokenised) form of text t,
 * cached in flinfo->fn_extra slot 0 or 1, so a constant argument (the query
 * name in a scan) is prepared once per statement.
 */
const CrmName *
CrmNameCacheGet(FmgrInfo *flinfo, int slot, text *t)
{
	NameCache  *c = (NameCache *) flinfo->fn_extra;
	const char *s = VARDATA_ANY(t);
	int			len = VARSIZE_ANY_EXHDR(t);
	char	   *norm;
	int			nlen;

	if (c == NULL)
	{
		c = MemoryContextAllocZero(flinfo->fn_mcxt, sizeof(NameCache));
		c->keymode[0] = c->keymode[1] = -1;
		flinfo->fn_extra = c;
	}
	if (c->valid[slot] && c->len[slot] == len && memcmp(c->raw[slot], s, len) == 0)
		return &c->name[slot];
	c->valid[slot] = false;
	c->keymode[slot] = -1;
	norm = CrmNameNormalize(s, len, &nlen);
	CrmNamePrepare(norm, nlen, &c->name[slot]);
	pfree(norm);
	if (len <= 4096)
	{
		if (c->cap[slot] < len)
		{
			if (c->raw[slot])
				pfree(c->raw[slot]);
			c->raw[slot] = MemoryContextAlloc(flinfo->fn_mcxt, Max(len, 64));
			c->cap[slot] = Max(len, 64);
		}
		memcpy(c->raw[slot], s, len);
		c->len[slot] = len;
		c->valid[slot] = true;
	}
	return &c->name[slot];
}

/*
 * CrmNameCacheKeys: the blocking keys (CrmNameKeys) of the name last
 * returned by CrmNameCacheGet for this slot, cached with it; *nkeys
 * receives their number.
 */
const int32 *
CrmNameCacheKeys(FmgrInfo *flinfo, int slot, bool query, int *nkeys)
{
	NameCache  *c = (NameCache *) flinfo->fn_extra;

	Assert(c != NULL);
	if (c->keys[slot] == NULL)
		c->keys[slot] = MemoryContextAlloc(flinfo->fn_mcxt, CRM_NAME_MAX_KEYS * sizeof(int32));
	if (c->keymode[slot] != (query ? 1 : 0))
	{
		c->nkeys[slot] = CrmNameKeys(&c->name[slot], query, c->keys[slot], CRM_NAME_MAX_KEYS);
		c->keymode[slot] = query ? 1 : 0;
	}
	*nkeys = c->nkeys[slot];
	return c->keys[slot];
}

/*
 * crm_name_similarity: SQL crm.name_similarity(text, text) -> float8.
 */
Datum
crm_name_similarity(PG_FUNCTION_ARGS)
{
	text	   *a = PG_GETARG_TEXT_PP(0);
	text	   *b = PG_GETARG_TEXT_PP(1);

	CrmRequireUtf8();
	PG_RETURN_FLOAT8(CrmNameSimilarityPrepared(CrmNameCacheGet(fcinfo->flinfo, 0, a),
											   CrmNameCacheGet(fcinfo->flinfo, 1, b)));
}
