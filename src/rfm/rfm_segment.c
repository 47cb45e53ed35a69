/*
 * rfm_segment.c
 *		The two segment schemes and their labels.
 *
 *	- crm.rfm_segment: the 11-segment quantile scheme (Champions ... Lost),
 *	  a fixed grid over the recency score R and FM = round((F + M) / 2), on
 *	  the 5-point scale (other scales are mapped to it first);
 *	- crm.rfm_class: the 8-class scheme of Chinese CRM practice, each of R, F
 *	  and M better or not than its population mean.
 * Labels in English (the enum labels) and Chinese (compiled in here, so the
 * install script stays ASCII and works in any database encoding).
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/namespace.h"
#include "catalog/pg_enum.h"
#include "catalog/pg_type.h"
#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

#include "common/errors.h"
#include "rfm/rfm.h"

#define RFM_NSEGMENTS 11
#define RFM_NCLASSES 8

/* Segment indexes, in enum order. */
enum
{
	SEG_CHAMPIONS, SEG_LOYAL, SEG_POTENTIAL, SEG_NEW, SEG_PROMISING,
	SEG_ATTENTION, SEG_ABOUT_TO_SLEEP, SEG_AT_RISK, SEG_CANT_LOSE,
	SEG_HIBERNATING, SEG_LOST
};

static const char *const segment_en[RFM_NSEGMENTS] = {
	"Champions", "Loyal", "Potential Loyalist", "New", "Promising",
	"Need Attention", "About To Sleep", "At Risk", "Can't Lose Them",
	"Hibernating", "Lost"
};

static const char *const segment_zh[RFM_NSEGMENTS] = {
	"冠军客户", "忠诚客户", "潜在忠诚客户", "新客户", "有潜力客户",
	"需要关注客户", "即将沉睡客户", "有流失风险客户", "不能失去的客户",
	"休眠客户", "已流失客户"
};

static const char *const class_en[RFM_NCLASSES] = {
	"Important Value", "Important Development", "Important Retention",
	"Important Win-back", "General Value", "General Development",
	"General Retention", "General Win-back"
};

static const char *const class_zh[RFM_NCLASSES] = {
	"重要价值客户", "重要发展客户", "重要保持客户", "重要挽留客户",
	"一般价值客户", "一般发展客户", "一般保持客户", "一般挽留客户"
};

/* The segment grid: rows R = 5 .. 1, columns FM = 1 .. 5. */
static const int8 segment_grid[5][5] = {
	/* R=5 */ {SEG_NEW, SEG_POTENTIAL, SEG_POTENTIAL, SEG_CHAMPIONS, SEG_CHAMPIONS},
	/* R=4 */ {SEG_PROMISING, SEG_POTENTIAL, SEG_POTENTIAL, SEG_LOYAL, SEG_LOYAL},
	/* R=3 */ {SEG_ABOUT_TO_SLEEP, SEG_ABOUT_TO_SLEEP, SEG_ATTENTION, SEG_LOYAL, SEG_LOYAL},
	/* R=2 */ {SEG_HIBERNATING, SEG_HIBERNATING, SEG_AT_RISK, SEG_AT_RISK, SEG_CANT_LOSE},
	/* R=1 */ {SEG_LOST, SEG_HIBERNATING, SEG_AT_RISK, SEG_AT_RISK, SEG_CANT_LOSE}
};

/* Enum value OIDs of one scheme, cached per call site. */
typedef struct RfmEnumCache
{
	int			scheme;
	Oid			values[RFM_NSEGMENTS];
} RfmEnumCache;

/*
 * rfm_to5: a score on a 1..n scale mapped to 1..5 by the middle of its
 * quantile band: floor(((2s - 1) * 5) / (2n)) + 1.  Identity when n = 5.
 */
static int
rfm_to5(int s, int n)
{
	return ((2 * s - 1) * 5) / (2 * n) + 1;
}

/*
 * CrmRfmSegmentIndex: the 11-segment index of a score on a 1..n scale.
 */
int
CrmRfmSegmentIndex(int16 score, int n)
{
	int			r,
				f,
				m,
				fm;

	CrmRfmScoreUnpack(score, &r, &f, &m);
	if (r > n || f > n || m > n)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("RFM score exceeds the scale of %d", n),
				 errhint("Pass the number of buckets the score was computed with.")));
	r = rfm_to5(r, n);
	fm = (rfm_to5(f, n) + rfm_to5(m, n) + 1) / 2;
	return segment_grid[5 - r][fm - 1];
}

/*
 * CrmRfmClassIndex: the 8-class index.
 */
int
CrmRfmClassIndex(bool r_recent, bool f_high, bool m_high)
{
	return (m_high ? 0 : 4) + (r_recent ? (f_high ? 0 : 1) : (f_high ? 2 : 3));
}

/*
 * CrmRfmEnumValue: the enum datum of segment or class number "index",
 * looking the enum OIDs up once per call site (cache kept in *slot, in the
 * call site's memory context).
 */
Datum
CrmRfmEnumValue(FunctionCallInfo fcinfo, void **slot, int scheme, int index)
{
	RfmEnumCache *c = (RfmEnumCache *) *slot;

	if (c == NULL || c->scheme != scheme)
	{
		const char *typname = scheme == CRM_RFM_SCHEME_SEGMENT ? "rfm_segment" : "rfm_class";
		const char *const *labels = scheme == CRM_RFM_SCHEME_SEGMENT ? segment_en : class_en;
		int			n = scheme == CRM_RFM_SCHEME_SEGMENT ? RFM_NSEGMENTS : RFM_NCLASSES;
		Oid			nsp = get_namespace_oid("crm", false);
		Oid			typoid;
		int			i;

		typoid = GetSysCacheOid2(TYPENAMENSP, Anum_pg_type_oid,
								 CStringGetDatum(typname), ObjectIdGetDatum(nsp));
		if (!OidIsValid(typoid))
			elog(ERROR, "type crm.%s does not exist", typname);
		if (c == NULL)
			c = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(RfmEnumCache));
		for (i = 0; i < n; i++)
		{
			c->values[i] = GetSysCacheOid2(ENUMTYPOIDNAME, Anum_pg_enum_oid,
										   ObjectIdGetDatum(typoid),
										   CStringGetDatum(labels[i]));
			if (!OidIsValid(c->values[i]))
				elog(ERROR, "label \"%s\" of crm.%s does not exist", labels[i], typname);
		}
		c->scheme = scheme;
		*slot = c;
	}
	return ObjectIdGetDatum(c->values[index]);
}

/*
 * rfm_check_n: raise 22023 unless 3 <= n <= 10.
 */
static void
rfm_check_n(int32 n)
{
	if (n < CRM_RFM_MIN_N || n > CRM_RFM_MAX_N)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("number of RFM buckets \"%d\" is out of range", n),
				 errdetail("Scores use from 3 to 10 buckets.")));
}

PG_FUNCTION_INFO_V1(crm_rfm_segment);

/*
 * crm_rfm_segment(score, n): the 11-segment scheme of a score on 1..n.
 */
Datum
crm_rfm_segment(PG_FUNCTION_ARGS)
{
	int16		score = DatumGetInt16(PG_GETARG_DATUM(0));
	int32		n = PG_GETARG_INT32(1);

	rfm_check_n(n);
	return CrmRfmEnumValue(fcinfo, &fcinfo->flinfo->fn_extra, CRM_RFM_SCHEME_SEGMENT, CrmRfmSegmentIndex(score, n));
}

PG_FUNCTION_INFO_V1(crm_rfm_class_of);

/*
 * crm_rfm_class_of(r_recent, f_high, m_high): the 8-class scheme from the
 * three comparisons with the population means.
 */
Datum
crm_rfm_class_of(PG_FUNCTION_ARGS)
{
	return CrmRfmEnumValue(fcinfo, &fcinfo->flinfo->fn_extra, CRM_RFM_SCHEME_CLASS,
						   CrmRfmClassIndex(PG_GETARG_BOOL(0), PG_GETARG_BOOL(1),
											PG_GETARG_BOOL(2)));
}

PG_FUNCTION_INFO_V1(crm_rfm_label);

/*
 * crm_rfm_label(segment or class, lang): the label in English ("en") or
 * Chinese ("zh", UTF8 databases only).
 */
Datum
crm_rfm_label(PG_FUNCTION_ARGS)
{
	Oid			value = PG_GETARG_OID(0);
	char	   *lang = text_to_cstring(PG_GETARG_TEXT_PP(1));
	HeapTuple	tup;
	char	   *label;
	int			i;

	if (strcmp(lang, "en") != 0 && strcmp(lang, "zh") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown label language \"%s\"", lang),
				 errhint("Use \"en\" or \"zh\".")));
	tup = SearchSysCache1(ENUMOID, ObjectIdGetDatum(value));
	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for enum %u", value);
	label = pstrdup(NameStr(((Form_pg_enum) GETSTRUCT(tup))->enumlabel));
	ReleaseSysCache(tup);
	if (strcmp(lang, "en") == 0)
		PG_RETURN_TEXT_P(cstring_to_text(label));
	CrmRequireUtf8();
	for (i = 0; i < RFM_NSEGMENTS; i++)
		if (strcmp(label, segment_en[i]) == 0)
			PG_RETURN_TEXT_P(cstring_to_text(segment_zh[i]));
	for (i = 0; i < RFM_NCLASSES; i++)
		if (strcmp(label, class_en[i]) == 0)
			PG_RETURN_TEXT_P(cstring_to_text(class_zh[i]));
	elog(ERROR, "unknown RFM label \"%s\"", label);
	PG_RETURN_NULL();
}
