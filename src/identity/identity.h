/*
 * identity.h
 *		Identity resolution: field standardisers, the Fellegi-Sunter comparison
 *		vector, EM fitting and scoring, and connected components.
 *
 * A comparison vector ("gamma") packs one comparison level per field into an
 * int4, IDENTITY_LEVEL_BITS bits a field; the all-ones value of a field means
 * "missing on either side" and contributes nothing to the match weight.
 */
#ifndef CRM_IDENTITY_H
#define CRM_IDENTITY_H

#include "fmgr.h"
#include "utils/array.h"

/* The compared fields, in the order of their bits in a gamma. */
typedef enum IdentityField
{
	IDF_GIVEN = 0,
	IDF_FAMILY,
	IDF_BIRTH,
	IDF_PHONE,
	IDF_EMAIL,
	IDF_NATIONAL_ID,
	IDF_ADDRESS,
	IDF_CITY,
	IDF_POSTCODE,
	IDENTITY_NFIELDS
} IdentityField;

#define IDENTITY_LEVEL_BITS		3
#define IDENTITY_NLEVELS		(1 << IDENTITY_LEVEL_BITS)	/* slots a field */
#define IDENTITY_MISSING		(IDENTITY_NLEVELS - 1)
#define IDENTITY_NPARAMS		(IDENTITY_NFIELDS * IDENTITY_NLEVELS)

/* Level of field f in gamma g. */
#define IDENTITY_LEVEL(g, f) \
	((int) (((uint32) (g) >> ((f) * IDENTITY_LEVEL_BITS)) & (IDENTITY_NLEVELS - 1)))

/* Field names (SQL-visible) and number of real levels of each field. */
extern const char *const CrmIdentityFieldNames[IDENTITY_NFIELDS];
extern const int CrmIdentityFieldLevels[IDENTITY_NFIELDS];
extern const char *const *const CrmIdentityLevelNames[IDENTITY_NFIELDS];

/* GUCs (identity_init.c). */
extern char *crm_identity_default_region;
extern double crm_identity_threshold;
extern int	crm_identity_max_block;
extern bool crm_identity_match_on_insert;

/* Phone shim (phone_shim.cpp), plain C interface; never throws. */
#define CRM_PHONE_OK			0
#define CRM_PHONE_UNPARSEABLE	1
#define CRM_PHONE_ERROR			2

extern int	CrmPhoneParse(const char *input, const char *region,
						  char *e164, int e164_len,
						  int *valid, int *possible, char *kind, int kind_len,
						  char *cc_region, int cc_region_len);

/* Result of a standardiser core: standard form (or NULL), validity, note. */
typedef struct CrmStd
{
	char	   *value;
	bool		valid;
	const char *note;
} CrmStd;

/* Standardiser cores, shared by the SQL functions and crm.identity_features. */
extern void CrmStdPhone(const char *in, int inlen, const char *region, CrmStd *r);
extern void CrmStdEmail(const char *in, int inlen, CrmStd *r);
extern void CrmStdAddress(const char *in, int inlen, CrmStd *r);
extern void CrmStdBirthDate(const char *in, int inlen, CrmStd *r);
extern void CrmStdCnId(const char *in, int inlen, CrmStd *r);
extern char *CrmIdentityNameClean(const char *in, int inlen);
extern void CrmIdentityNameSplit(const char *in, int inlen, char **given, char **family);

extern Datum CrmIdentityStdResult(FunctionCallInfo fcinfo, const char *value,
								  bool valid, const char *note);

/* One feature (field value) of a record: pointer and length, NULL = missing. */
typedef struct CrmFeature
{
	const char *s;
	int			len;
} CrmFeature;

extern void CrmIdentityGetFeatures(ArrayType *arr, CrmFeature *f);
extern uint32 CrmIdentityCompareFeatures(const CrmFeature *a, const CrmFeature *b);

/* Comparator seam: similarity of two normalised names in [0, 1]. */
extern double CrmIdentityNameSimilarity(const char *a, int alen,
										const char *b, int blen);
extern double CrmIdentityJaroWinkler(const char *a, int alen,
									 const char *b, int blen);
extern int	CrmIdentityLevenshteinBounded(const char *a, int alen,
										  const char *b, int blen, int max_d);

#endif							/* CRM_IDENTITY_H */
