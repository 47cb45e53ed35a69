/*
 * names.h
 *		Fuzzy person-name matching: the C API of the names area.
 *
 * Other areas (identity) call these directly to avoid the fmgr overhead of
 * the SQL functions.  The API is stable: names and signatures do not change.
 *
 * Strings are UTF-8 (the extension requires a UTF8 database); "normalised"
 * means the output of CrmNameNormalize.  Code point arrays are uint32.
 */
#ifndef CRM_NAMES_H
#define CRM_NAMES_H

#include "fmgr.h"

/*
 * Limits.  The distance functions refuse longer input with 54000 (their cost
 * is quadratic); name_similarity reads at most CRM_NAME_MAX_TOKENS tokens of
 * at most CRM_NAME_MAX_TOKEN_CHARS characters each (the rest is ignored).
 */
#define CRM_DISTANCE_MAX_CHARS 10000
#define CRM_NAME_MAX_TOKENS 16
#define CRM_NAME_MAX_TOKEN_CHARS 64
#define CRM_NAME_MAX_KEY_CHARS (CRM_NAME_MAX_TOKENS * CRM_NAME_MAX_TOKEN_CHARS * 2)
#define CRM_NAME_MAX_KEYS 4096		/* blocking keys of one name */

/* One token of a prepared name. */
typedef struct CrmNameToken
{
	int16		off;			/* first character in CrmName.chars */
	int16		nchars;			/* number of characters */
	int16		keyoff;			/* first key character in CrmName.key */
	int16		nkey;			/* key: pinyin (Han) or the characters */
	bool		han;			/* a Han (Chinese) token */
	int16		nick;			/* index in the nickname table or -1 */
} CrmNameToken;

/* A normalised name split into tokens, ready for repeated comparisons. */
typedef struct CrmName
{
	int			ntokens;
	int			nchars;
	int			nkey;
	CrmNameToken tok[CRM_NAME_MAX_TOKENS];
	uint32		chars[CRM_NAME_MAX_TOKENS * CRM_NAME_MAX_TOKEN_CHARS];
	uint32		key[CRM_NAME_MAX_KEY_CHARS];
} CrmName;

/* normalize.c: NFKC case fold, accents, width, punctuation, titles, simplified */
extern char *CrmNameNormalize(const char *s, int len, int *outlen);

/* distance.c: on code points; max_d < 0 = no limit; > max_d returns max_d + 1 */
extern double CrmJaroWinklerCp(const uint32 *a, int na, const uint32 *b, int nb);
extern int	CrmLevenshteinCp(const uint32 *a, int na, const uint32 *b, int nb, int max_d);
extern int	CrmDamerauLevenshteinCp(const uint32 *a, int na, const uint32 *b, int nb, int max_d);

/* pinyin.c: per-character tables */
extern uint32 CrmHanToSimplified(uint32 cp);
extern bool CrmIsHan(uint32 cp);
extern const char *CrmHanPinyin(uint32 cp);
extern char *CrmNamePinyin(const char *s, int len);
extern int	CrmHanSurname(const uint32 *t, int n, char *reading, int cap);

/*
 * similarity.c: prepared names and the name score in [0, 1].
 * CrmNameSimilarityPrepared is crm.name_similarity; CrmNameSimilarityNormalized
 * compares one name field with another (identity): the same token score
 * without the missing-part rule for one-token full names.
 */
extern void CrmNamePrepare(const char *norm, int len, CrmName *out);
extern double CrmNameSimilarityPrepared(const CrmName *a, const CrmName *b);
extern double CrmNameSimilarityNormalized(const char *a, int alen, const char *b, int blen);
extern bool CrmNicknamesCompatible(const char *a, const char *b);
extern const CrmName *CrmNameCacheGet(FmgrInfo *flinfo, int slot, text *t);
extern const int32 *CrmNameCacheKeys(FmgrInfo *flinfo, int slot, bool query, int *nkeys);

/* names_init.c: settings */
extern double CrmNameSimilarityThreshold;

/* phonetic.c: blocking key of a normalised name (sorted token codes) */
extern char *CrmNamePhonetic(const char *norm, int len);
extern int	CrmTokenPhonetic(const CrmName *n, int t, char *out);
extern int	CrmPhoneticCode(const uint32 *k, int n, char *out, int max);

/* name_gin.c: blocking keys shared by the %% operator and the GIN opclass */
extern int	CrmNameKeys(const CrmName *n, bool query, int32 *keys, int maxkeys);

#endif							/* CRM_NAMES_H */
