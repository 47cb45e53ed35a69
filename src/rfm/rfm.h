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

extern int16 CrmRfmScorePack(int r, int f, int m);
extern void CrmRfmScoreUnpack(int16 s, int *r, int *f, int *m);

/* Segment schemes (rfm_segment.c). */
extern Datum CrmRfmEnumValue(FunctionCallInfo fcinfo, void **slot, int scheme, int index);
extern int	CrmRfmSegmentIndex(int16 score, int n);
extern int	CrmRfmClassIndex(bool r_recent, bool f_high, bool m_high);

#define CRM_RFM_SCHEME_SEGMENT	0
#define CRM_RFM_SCHEME_CLASS	1

#endif							/* CRM_RFM_H */
