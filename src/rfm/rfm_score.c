/*
 * rfm_score.c
 *		The crm.rfm_score type: three scores R, F, M from 1 to 10 packed in
 *		two bytes, passed by value.  Text form "5-4-3", binary form a version
 *		byte and three score bytes, lexicographic order (R, then F, then M),
 *		B-tree and hash support, accessors and the weighted total.
 */
#include "postgres.h"

#include <ctype.h>
#include <math.h>

#include "common/hashfn.h"
#include "fmgr.h"
#include "libpq/pqformat.h"
#include "utils/builtins.h"

#include "common/compat.h"
#include "rfm/rfm.h"

#define RFM_SCORE_VERSION 1

#define RFM_PACK(r, f, m)	((int16) (((r) << 8) | ((f) << 4) | (m)))
#define RFM_R(s)	(((s) >> 8) & 0xF)
#define RFM_F(s)	(((s) >> 4) & 0xF)
#define RFM_M(s)	((s) & 0xF)

#define PG_GETARG_RFM_SCORE(n)	DatumGetInt16(PG_GETARG_DATUM(n))
#define PG_RETURN_RFM_SCORE(x)	return Int16GetDatum(x)

/*
 * CrmRfmScorePack: the packed score of three components, each already
 * checked to be within 1..10.
 */
int16
CrmRfmScorePack(int r, int f, int m)
{
	Assert(r >= 1 && r <= CRM_RFM_MAX_N && f >= 1 && f <= CRM_RFM_MAX_N &&
		   m >= 1 && m <= CRM_RFM_MAX_N);
	return RFM_PACK(r, f, m);
}

/*
 * CrmRfmScoreUnpack: the three components of a packed score.
 */
void
CrmRfmScoreUnpack(int16 s, int *r, int *f, int *m)
{
	*r = RFM_R(s);
	*f = RFM_F(s);
	*m = RFM_M(s);
}

PG_FUNCTION_INFO_V1(crm_rfm_score_in);

/*
 * crm_rfm_score_in: parse "R-F-M", each a number from 1 to 10, with optional
 * white space around the whole.
 */
Datum
crm_rfm_score_in(PG_FUNCTION_ARGS)
{
	const char *str = PG_GETARG_CSTRING(0);
	const char *p = str;
	int			part[3];
	int			i;

	while (isspace((unsigned char) *p))
		p++;
	for (i = 0; i < 3; i++)
	{
		int			v = 0;
		int			nd = 0;
		const char *start = p;

		if (i > 0)
		{
			if (*p != '-')
				CRM_INPUT_ERROR(fcinfo,
								(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
								 errmsg("invalid input syntax for type crm.rfm_score: \"%s\"", str),
								 errdetail("Expected \"-\" at position %d.", (int) (p - str) + 1),
								 errhint("Write three scores from 1 to 10, such as \"5-4-3\".")));
			p++;
			start = p;
		}
		while (isdigit((unsigned char) *p) && nd < 3)
		{
			v = v * 10 + (*p - '0');
			p++;
			nd++;
		}
		if (nd == 0 || isdigit((unsigned char) *p))
			CRM_INPUT_ERROR(fcinfo,
							(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
							 errmsg("invalid input syntax for type crm.rfm_score: \"%s\"", str),
							 errdetail("Expected a score from 1 to 10 at position %d.",
									   (int) (start - str) + 1),
							 errhint("Write three scores from 1 to 10, such as \"5-4-3\".")));
		if (v < 1 || v > CRM_RFM_MAX_N)
			CRM_INPUT_ERROR(fcinfo,
							(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
							 errmsg("RFM score \"%d\" is out of range", v),
							 errdetail("Each of R, F and M is a score from 1 to 10 (position %d).",
									   (int) (start - str) + 1)));
		part[i] = v;
	}
	while (isspace((unsigned char) *p))
		p++;
	if (*p != '\0')
		CRM_INPUT_ERROR(fcinfo,
						(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
						 errmsg("invalid input syntax for type crm.rfm_score: \"%s\"", str),
						 errdetail("Unexpected character at position %d.", (int) (p - str) + 1),
						 errhint("Write three scores from 1 to 10, such as \"5-4-3\".")));
	PG_RETURN_RFM_SCORE(RFM_PACK(part[0], part[1], part[2]));
}

PG_FUNCTION_INFO_V1(crm_rfm_score_out);

/*
 * crm_rfm_score_out: "R-F-M".
 */
Datum
crm_rfm_score_out(PG_FUNCTION_ARGS)
{
	int16		s = PG_GETARG_RFM_SCORE(0);

	PG_RETURN_CSTRING(psprintf("%d-%d-%d", RFM_R(s), RFM_F(s), RFM_M(s)));
}

PG_FUNCTION_INFO_V1(crm_rfm_score_send);

/*
 * crm_rfm_score_send: version byte, then R, F and M as one byte each.
 */
Datum
crm_rfm_score_send(PG_FUNCTION_ARGS)
{
	int16		s = PG_GETARG_RFM_SCORE(0);
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendbyte(&buf, RFM_SCORE_VERSION);
	pq_sendbyte(&buf, RFM_R(s));
	pq_sendbyte(&buf, RFM_F(s));
	pq_sendbyte(&buf, RFM_M(s));
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

PG_FUNCTION_INFO_V1(crm_rfm_score_recv);

/*
 * crm_rfm_score_recv: the binary form, checked: known version, exactly four
 * bytes, each score within 1..10.
 */
Datum
crm_rfm_score_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int			version;
	int			part[3];
	int			i;

	if (buf->len - buf->cursor != 4)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid binary crm.rfm_score"),
				 errdetail("The value has %d bytes; 4 were expected.", buf->len - buf->cursor)));
	version = pq_getmsgbyte(buf);
	if (version != RFM_SCORE_VERSION)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid binary crm.rfm_score"),
				 errdetail("Unknown format version %d.", version)));
	for (i = 0; i < 3; i++)
	{
		part[i] = pq_getmsgbyte(buf);
		if (part[i] < 1 || part[i] > CRM_RFM_MAX_N)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
					 errmsg("invalid binary crm.rfm_score"),
					 errdetail("Score %d is outside 1..10.", part[i])));
	}
	PG_RETURN_RFM_SCORE(RFM_PACK(part[0], part[1], part[2]));
}

/*
 * rfm_check_component: raise 22003 unless 1 <= v <= 10.
 */
static void
rfm_check_component(int32 v, const char *which)
{
	if (v < 1 || v > CRM_RFM_MAX_N)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("%s score \"%d\" is out of range", which, v),
				 errdetail("Each of R, F and M is a score from 1 to 10.")));
}

PG_FUNCTION_INFO_V1(crm_rfm_score_make);

/*
 * crm_rfm_score_make(r, f, m): the score of three components.
 */
Datum
crm_rfm_score_make(PG_FUNCTION_ARGS)
{
	int32		r = PG_GETARG_INT32(0);
	int32		f = PG_GETARG_INT32(1);
	int32		m = PG_GETARG_INT32(2);

	rfm_check_component(r, "R");
	rfm_check_component(f, "F");
	rfm_check_component(m, "M");
	PG_RETURN_RFM_SCORE(RFM_PACK(r, f, m));
}

PG_FUNCTION_INFO_V1(crm_rfm_score_r);
PG_FUNCTION_INFO_V1(crm_rfm_score_f);
PG_FUNCTION_INFO_V1(crm_rfm_score_m);

/* crm_rfm_score_r: the recency score. */
Datum
crm_rfm_score_r(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(RFM_R(PG_GETARG_RFM_SCORE(0)));
}

/* crm_rfm_score_f: the frequency score. */
Datum
crm_rfm_score_f(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(RFM_F(PG_GETARG_RFM_SCORE(0)));
}

/* crm_rfm_score_m: the monetary score. */
Datum
crm_rfm_score_m(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(RFM_M(PG_GETARG_RFM_SCORE(0)));
}

PG_FUNCTION_INFO_V1(crm_rfm_total);

/*
 * crm_rfm_total(score, w_r, w_f, w_m): weighted total w_r*R + w_f*F + w_m*M.
 * Weights must be finite and not negative.
 */
Datum
crm_rfm_total(PG_FUNCTION_ARGS)
{
	int16		s = PG_GETARG_RFM_SCORE(0);
	float8		w[3];
	int			i;

	for (i = 0; i < 3; i++)
	{
		w[i] = PG_GETARG_FLOAT8(i + 1);
		if (isnan(w[i]) || isinf(w[i]) || w[i] < 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("RFM weight \"%g\" is invalid", w[i]),
					 errdetail("Weights are finite numbers not below zero.")));
	}
	PG_RETURN_FLOAT8(w[0] * RFM_R(s) + w[1] * RFM_F(s) + w[2] * RFM_M(s));
}

PG_FUNCTION_INFO_V1(crm_rfm_score_cmp);
PG_FUNCTION_INFO_V1(crm_rfm_score_eq);
PG_FUNCTION_INFO_V1(crm_rfm_score_ne);
PG_FUNCTION_INFO_V1(crm_rfm_score_lt);
PG_FUNCTION_INFO_V1(crm_rfm_score_le);
PG_FUNCTION_INFO_V1(crm_rfm_score_gt);
PG_FUNCTION_INFO_V1(crm_rfm_score_ge);
PG_FUNCTION_INFO_V1(crm_rfm_score_hash);

/* crm_rfm_score_cmp: B-tree support, R first, then F, then M. */
Datum
crm_rfm_score_cmp(PG_FUNCTION_ARGS)
{
	int16		a = PG_GETARG_RFM_SCORE(0);
	int16		b = PG_GETARG_RFM_SCORE(1);

	PG_RETURN_INT32((a > b) - (a < b));
}

/* crm_rfm_score_eq: a = b. */
Datum
crm_rfm_score_eq(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(PG_GETARG_RFM_SCORE(0) == PG_GETARG_RFM_SCORE(1));
}

/* crm_rfm_score_ne: a <> b. */
Datum
crm_rfm_score_ne(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(PG_GETARG_RFM_SCORE(0) != PG_GETARG_RFM_SCORE(1));
}

/* crm_rfm_score_lt: a < b. */
Datum
crm_rfm_score_lt(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(PG_GETARG_RFM_SCORE(0) < PG_GETARG_RFM_SCORE(1));
}

/* crm_rfm_score_le: a <= b. */
Datum
crm_rfm_score_le(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(PG_GETARG_RFM_SCORE(0) <= PG_GETARG_RFM_SCORE(1));
}

/* crm_rfm_score_gt: a > b. */
Datum
crm_rfm_score_gt(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(PG_GETARG_RFM_SCORE(0) > PG_GETARG_RFM_SCORE(1));
}

/* crm_rfm_score_ge: a >= b. */
Datum
crm_rfm_score_ge(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(PG_GETARG_RFM_SCORE(0) >= PG_GETARG_RFM_SCORE(1));
}

/* crm_rfm_score_hash: hash support for GROUP BY and DISTINCT. */
Datum
crm_rfm_score_hash(PG_FUNCTION_ARGS)
{
	return hash_uint32((uint32) (uint16) PG_GETARG_RFM_SCORE(0));
}
