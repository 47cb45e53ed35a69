/*
 * rfm_numeric.c
 *		Exact scaled-integer view of numeric values.
 *
 * Summing amounts with numeric_add costs a palloc and a variable-length
 * addition per row.  Money amounts are short decimals (numeric(12,2)), so
 * the aggregates read the numeric's on-disk digits directly into an int64
 * scaled by 10^dscale and add those in a 128-bit accumulator: exact, and
 * about ten times cheaper.  A value that does not fit (NaN, infinity, more
 * than 18 decimals, beyond int64 once scaled) is reported as such and the
 * caller falls back to numeric arithmetic, so results stay exact.
 *
 * The on-disk numeric format (src/backend/utils/adt/numeric.c) is stable:
 * pg_upgrade keeps numeric columns byte for byte, so it cannot change.
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/numeric.h"

#include "rfm/rfm.h"

/* On-disk numeric header bits (numeric.c). */
#define RFM_NUMERIC_SIGN_MASK	0xC000
#define RFM_NUMERIC_NEG			0x4000
#define RFM_NUMERIC_SHORT		0x8000
#define RFM_NUMERIC_SPECIAL		0xC000
#define RFM_SHORT_SIGN_MASK		0x2000
#define RFM_SHORT_DSCALE_MASK	0x1F80
#define RFM_SHORT_DSCALE_SHIFT	7
#define RFM_SHORT_WEIGHT_SIGN	0x0040
#define RFM_SHORT_WEIGHT_MASK	0x003F
#define RFM_DSCALE_MASK			0x3FFF
#define RFM_NBASE				10000

const int64 CrmRfmPow10[CRM_RFM_MAX_SCALE + 1] = {
	INT64CONST(1), INT64CONST(10), INT64CONST(100), INT64CONST(1000),
	INT64CONST(10000), INT64CONST(100000), INT64CONST(1000000),
	INT64CONST(10000000), INT64CONST(100000000), INT64CONST(1000000000),
	INT64CONST(10000000000), INT64CONST(100000000000),
	INT64CONST(1000000000000), INT64CONST(10000000000000),
	INT64CONST(100000000000000), INT64CONST(1000000000000000),
	INT64CONST(10000000000000000), INT64CONST(100000000000000000),
	INT64CONST(1000000000000000000)
};

/*
 * CrmRfmNumericToScaled: read a numeric datum as value * 10^scale in an
 * int64, scale being the numeric's display scale.  Works on short-header
 * (unaligned) datums without copying them.  Returns false, leaving the
 * outputs unset, when the value is special, toasted, or does not fit.
 */
bool
CrmRfmNumericToScaled(Datum num, int64 *value, int *scale)
{
	struct varlena *v = (struct varlena *) DatumGetPointer(num);
	const char *data;
	Size		len;
	uint16		header;
	int			dscale;
	int			weight;
	bool		negative;
	const char *digits;
	int			ndigits;
	int64		acc = 0;
	int			exp10;
	int			i;

	if (VARATT_IS_EXTERNAL(v) || VARATT_IS_COMPRESSED(v))
		return false;
	data = VARDATA_ANY(v);
	len = VARSIZE_ANY_EXHDR(v);
	if (len < sizeof(uint16))
		return false;
	memcpy(&header, data, sizeof(uint16));

	if ((header & RFM_NUMERIC_SIGN_MASK) == RFM_NUMERIC_SPECIAL)
		return false;
	if ((header & RFM_NUMERIC_SIGN_MASK) == RFM_NUMERIC_SHORT)
	{
		negative = (header & RFM_SHORT_SIGN_MASK) != 0;
		dscale = (header & RFM_SHORT_DSCALE_MASK) >> RFM_SHORT_DSCALE_SHIFT;
		weight = (header & RFM_SHORT_WEIGHT_MASK);
		if (header & RFM_SHORT_WEIGHT_SIGN)
			weight |= ~RFM_SHORT_WEIGHT_MASK;
		digits = data + sizeof(uint16);
		ndigits = (len - sizeof(uint16)) / sizeof(int16);
	}
	else
	{
		int16		w;

		if (len < 2 * sizeof(uint16))
			return false;
		negative = (header & RFM_NUMERIC_SIGN_MASK) == RFM_NUMERIC_NEG;
		dscale = header & RFM_DSCALE_MASK;
		memcpy(&w, data + sizeof(uint16), sizeof(int16));
		weight = w;
		digits = data + 2 * sizeof(uint16);
		ndigits = (len - 2 * sizeof(uint16)) / sizeof(int16);
	}
	if (dscale > CRM_RFM_MAX_SCALE)
		return false;
	if (ndigits == 0)
	{
		*value = 0;
		*scale = dscale;
		return true;
	}
	if (ndigits > 5)
		return false;			/* at least 17 significant digits */

	for (i = 0; i < ndigits; i++)
	{
		int16		d;

		memcpy(&d, digits + i * sizeof(int16), sizeof(int16));
		if (d < 0 || d >= RFM_NBASE)
			return false;
		if (acc > (PG_INT64_MAX - d) / RFM_NBASE)
			return false;
		acc = acc * RFM_NBASE + d;
	}

	/* acc holds the digits; its last digit has weight (weight - ndigits + 1). */
	exp10 = 4 * (weight - ndigits + 1) + dscale;
	if (exp10 > 0)
	{
		if (exp10 > CRM_RFM_MAX_SCALE ||
			acc > PG_INT64_MAX / CrmRfmPow10[exp10])
			return false;
		acc *= CrmRfmPow10[exp10];
	}
	else if (exp10 < 0)
	{
		if (-exp10 > CRM_RFM_MAX_SCALE || acc % CrmRfmPow10[-exp10] != 0)
			return false;
		acc /= CrmRfmPow10[-exp10];
	}
	*value = negative ? -acc : acc;
	*scale = dscale;
	return true;
}

/*
 * CrmRfmRescale: multiply a scaled value so it is expressed at to_scale
 * (>= from_scale).  Returns false on 128-bit overflow.
 */
bool
CrmRfmRescale(int128 *value, int from_scale, int to_scale)
{
	int128		r;

	Assert(to_scale >= from_scale);
	if (to_scale == from_scale || *value == 0)
		return true;
	if (to_scale - from_scale > CRM_RFM_MAX_SCALE)
		return false;
	if (__builtin_mul_overflow(*value, (int128) CrmRfmPow10[to_scale - from_scale], &r))
		return false;
	*value = r;
	return true;
}

/*
 * CrmRfmScaledToNumeric: the numeric value / 10^scale with display scale
 * "scale", exactly as numeric arithmetic would have produced it.
 */
Numeric
CrmRfmScaledToNumeric(int128 value, int scale)
{
	char		buf[64];
	char	   *p = buf + sizeof(buf) - 1;
	bool		negative = value < 0;
	uint128		u;
	int			ndig = 0;

	if (value >= PG_INT64_MIN && value <= PG_INT64_MAX)
		return int64_div_fast_to_numeric((int64) value, scale);

	/* Rare: format the 128-bit value as a decimal string. */
	u = negative ? -(uint128) value : (uint128) value;
	*p = '\0';
	while (u > 0 || ndig <= scale)
	{
		if (ndig == scale && scale > 0)
			*--p = '.';
		*--p = '0' + (int) (u % 10);
		u /= 10;
		ndig++;
	}
	if (negative)
		*--p = '-';
	return DatumGetNumeric(DirectFunctionCall3(numeric_in, CStringGetDatum(p),
											   ObjectIdGetDatum(InvalidOid),
											   Int32GetDatum(-1)));
}
