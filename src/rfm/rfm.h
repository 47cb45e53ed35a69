/*
 * rfm.h
 *		Shared declarations of the rfm area: exact scaled-integer arithmetic on
 *		numeric values, used by the per-customer aggregate and the scoring.
 */
#ifndef CRM_RFM_H
#define CRM_RFM_H

#include "fmgr.h"
#include "utils/numeric.h"

#ifndef HAVE_INT128
#error "the rfm area needs a compiler with a 128-bit integer type"
#endif

/* Scores run from 1 to CRM_RFM_MAX_N; a scale has 3..10 buckets. */
#define CRM_RFM_MIN_N	3
#define CRM_RFM_MAX_N	10

/* Largest decimal scale the fast path keeps in a scaled integer. */
#define CRM_RFM_MAX_SCALE 18

extern const int64 CrmRfmPow10[CRM_RFM_MAX_SCALE + 1];

extern bool CrmRfmNumericToScaled(Datum num, int64 *value, int *scale);
extern Numeric CrmRfmScaledToNumeric(int128 value, int scale);
extern bool CrmRfmRescale(int128 *value, int from_scale, int to_scale);

/* Session time zone cache for order days (rfm_agg.c). */
typedef struct RfmTzCache
{
	struct pg_tz *tz;			/* zone the entry is for */
	bool		fixed;			/* zone has a single UTC offset */
	long		gmtoff;			/* that offset, seconds east of UTC */
} RfmTzCache;

extern int32 CrmRfmDayOfTimestampTz(RfmTzCache *c, int64 ts);
extern int	CrmRfmCmpInt32(const void *a, const void *b);
extern int32 CrmRfmSortUniqueInt32(int32 *a, int32 n);

extern int16 CrmRfmScorePack(int r, int f, int m);
extern void CrmRfmScoreUnpack(int16 s, int *r, int *f, int *m);

/* Segment schemes (rfm_segment.c). */
extern Datum CrmRfmEnumValue(FunctionCallInfo fcinfo, void **slot, int scheme, int index);
extern int	CrmRfmSegmentIndex(int16 score, int n);
extern int	CrmRfmClassIndex(bool r_recent, bool f_high, bool m_high);

/* Population collected by crm.rfm_thresholds_agg and crm.rfm() (rfm_thresholds.c). */
typedef struct RfmPopState
{
	int32		n;				/* buckets (0 until the first row) */
	bool		slow;			/* monetary kept as numerics */
	int64		count;			/* customers */
	int64		cap;			/* allocated entries */
	int32	   *r;				/* recency days */
	int32	   *f;				/* frequency */
	int64	   *mval;			/* monetary * 10^mscale (fast) */
	int16	   *mscale;
	Datum	   *mnum;			/* monetary numerics (slow) */
} RfmPopState;

/* Score bounds of a scale (element k = bound of score k + 2) and means. */
typedef struct RfmBounds
{
	int			n;
	bool		r_ok[CRM_RFM_MAX_N];
	int32		r_max[CRM_RFM_MAX_N];
	bool		f_ok[CRM_RFM_MAX_N];
	int32		f_min[CRM_RFM_MAX_N];
	bool		m_ok[CRM_RFM_MAX_N];
	bool		m_fast[CRM_RFM_MAX_N];
	int64		m_val[CRM_RFM_MAX_N];
	int			m_scale[CRM_RFM_MAX_N];
	Datum		m_num[CRM_RFM_MAX_N];
	bool		has_means;
	Datum		mean[3];		/* numeric recency, frequency, monetary means */
	double		mean_d[3];
	int64		population;
} RfmBounds;

extern RfmPopState *CrmRfmPopNew(MemoryContext cxt);
extern void CrmRfmPopSetN(RfmPopState *p, int32 n);
extern void CrmRfmCheckMonetary(Datum m);
extern void CrmRfmPopAdd(MemoryContext cxt, RfmPopState *p, int32 r, int32 f, Datum m);
extern void CrmRfmBoundsCompute(RfmPopState *p, RfmBounds *b);
extern int16 CrmRfmScoreOf(const RfmBounds *b, int32 rec, int32 freq, Datum mon);
extern int	CrmRfmClassIndexOf(const RfmBounds *b, int32 rec, int32 freq, Datum mon);

#define CRM_RFM_SCHEME_SEGMENT	0
#define CRM_RFM_SCHEME_CLASS	1

#endif							/* CRM_RFM_H */
