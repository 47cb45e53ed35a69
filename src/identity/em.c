/*
 * em.c
 *		Fellegi-Sunter model: EM fit of m, u and the match proportion over the
 *		comparison vectors of candidate pairs, without labels; match weight,
 *		probability and per-field contributions of a pair.
 *
 * A model is lambda (the share of candidate pairs that are matches) and two
 * float8[IDENTITY_NPARAMS] arrays, m and u, indexed field * 8 + level:
 * m = P(level | match), u = P(level | non-match).  EM runs over the distinct
 * gammas with their counts (a few thousand rows even for millions of
 * pairs), so it is cheap; the per-pair work is in crm.identity_compare.
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"

#include "identity/identity.h"

PG_FUNCTION_INFO_V1(crm_identity_em);
PG_FUNCTION_INFO_V1(crm_identity_default_model);
PG_FUNCTION_INFO_V1(crm_identity_score);
PG_FUNCTION_INFO_V1(crm_identity_weight);
PG_FUNCTION_INFO_V1(crm_identity_contributions);
PG_FUNCTION_INFO_V1(crm_identity_gamma_identical);

#define PROB_FLOOR 1e-6

/* Prior m and u per field and level (index 0 = "different"). */
static const double default_m[IDENTITY_NFIELDS][4] = {
	{0.05, 0.05, 0.10, 0.80},	/* given name */
	{0.05, 0.05, 0.10, 0.80},	/* family name */
	{0.01, 0.14, 0.85},			/* birth date */
	{0.10, 0.10, 0.80},			/* phone */
	{0.15, 0.05, 0.80},			/* email */
	{0.05, 0.10, 0.85},			/* national id */
	{0.10, 0.05, 0.15, 0.70},	/* address */
	{0.10, 0.10, 0.80},			/* city */
	{0.10, 0.10, 0.80},			/* postcode */
};
static const double default_u[IDENTITY_NFIELDS][4] = {
	{0.90, 0.06, 0.02, 0.02},
	{0.95, 0.03, 0.01, 0.01},
	{0.97, 0.025, 0.005},
	{0.999, 0.0009, 0.0001},
	{0.9899, 0.01, 0.0001},
	{0.999, 0.0009, 0.0001},
	{0.97, 0.02, 0.005, 0.005},
	{0.90, 0.05, 0.05},
	{0.90, 0.08, 0.02},
};

#define DEFAULT_LAMBDA 0.01

/*
 * get_params: the float8[IDENTITY_NPARAMS] array arr as a C array (no copy).
 */
static const double *
get_params(ArrayType *arr, const char *what)
{
	const double *p;
	int			f;

	if (ARR_NDIM(arr) != 1 || ARR_ELEMTYPE(arr) != FLOAT8OID || ARR_HASNULL(arr) ||
		ARR_DIMS(arr)[0] != IDENTITY_NPARAMS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be a float8 array of %d elements without NULLs", what, IDENTITY_NPARAMS),
				 errdetail("Element field * 8 + level holds the probability of that level.")));
	p = (const double *) ARR_DATA_PTR(arr);
	for (f = 0; f < IDENTITY_NFIELDS; f++)
	{
		double		sum = 0.0;
		int			l;

		for (l = 0; l < IDENTITY_NLEVELS; l++)
		{
			double		v = p[f * IDENTITY_NLEVELS + l];

			if (!(v >= 0.0 && v <= 1.0))
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("%s element %d is not a probability: %g", what,
								f * IDENTITY_NLEVELS + l + 1, v),
						 errdetail("Every element lies between 0 and 1 (NaN and infinity are not probabilities).")));
			if (l < CrmIdentityFieldLevels[f])
				sum += v;
		}
		if (sum <= 0.0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s probabilities of field \"%s\" are all zero", what,
							CrmIdentityFieldNames[f]),
					 errdetail("The levels of a field are a probability distribution: they add up to 1.")));
	}
	return p;
}

/*
 * params_array: a float8[] of IDENTITY_NPARAMS from p.
 */
static ArrayType *
params_array(const double *p)
{
	Datum		d[IDENTITY_NPARAMS];
	int			i;

	for (i = 0; i < IDENTITY_NPARAMS; i++)
		d[i] = Float8GetDatum(p[i]);
	return construct_array(d, IDENTITY_NPARAMS, FLOAT8OID, sizeof(float8), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE);
}

/*
 * fill_defaults: the prior m and u, flattened.
 */
static void
fill_defaults(double *m, double *u)
{
	int			f,
				l;

	for (f = 0; f < IDENTITY_NFIELDS; f++)
		for (l = 0; l < IDENTITY_NLEVELS; l++)
		{
			bool		real = l < CrmIdentityFieldLevels[f];

			m[f * IDENTITY_NLEVELS + l] = real ? default_m[f][l] : 0.0;
			u[f * IDENTITY_NLEVELS + l] = real ? default_u[f][l] : 0.0;
		}
}

/*
 * check_gamma: reject a gamma with a level its field does not have.
 */
static void
check_gamma(int32 g)
{
	int			f;

	if ((uint32) g >> (IDENTITY_NFIELDS * IDENTITY_LEVEL_BITS) != 0)
		goto bad;
	for (f = 0; f < IDENTITY_NFIELDS; f++)
	{
		int			l = IDENTITY_LEVEL(g, f);

		if (l != IDENTITY_MISSING && l >= CrmIdentityFieldLevels[f])
			goto bad;
	}
	return;
bad:
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid comparison vector %d", g),
			 errhint("Comparison vectors come from crm.identity_compare().")));
}

/*
 * log_ratio: log2(m / u) of one field level, with both floored so that a
 * level never seen on one side cannot give an infinite weight.
 */
static inline double
log_ratio(const double *m, const double *u, int idx)
{
	return log2(Max(m[idx], PROB_FLOOR) / Max(u[idx], PROB_FLOOR));
}

/*
 * gamma_weight: the match weight (log2 Bayes factor) of gamma: the sum of
 * the field contributions, missing fields contributing 0.
 */
static double
gamma_weight(int32 g, const double *m, const double *u)
{
	double		w = 0.0;
	int			f;

	for (f = 0; f < IDENTITY_NFIELDS; f++)
	{
		int			l = IDENTITY_LEVEL(g, f);

		if (l != IDENTITY_MISSING)
			w += log_ratio(m, u, f * IDENTITY_NLEVELS + l);
	}
	return w;
}

/*
 * check_lambda: the match proportion lies strictly between 0 and 1.
 */
static void
check_lambda(double lambda)
{
	if (!(lambda > 0.0 && lambda < 1.0))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("match proportion %g is out of range", lambda),
				 errdetail("The match proportion lambda lies strictly between 0 and 1.")));
}

/*
 * crm_identity_em: crm.identity_em(gammas int4[], counts float8[],
 * u_init float8[], max_iter int4, fix_u boolean) -> crm.identity_model_fit.
 *
 * Starts from the prior m, lambda = 0.01 and u_init (u from random pairs,
 * or the prior when NULL elements... see SQL), then alternates the E step
 * (posterior match probability of each gamma) and M step (weighted level
 * frequencies) until no parameter moves by more than 1e-7 or max_iter.
 * With fix_u, u stays at u_init (random-pair estimate) and only m and
 * lambda are fitted.
 */
Datum
crm_identity_em(PG_FUNCTION_ARGS)
{
	ArrayType  *ga = PG_GETARG_ARRAYTYPE_P(0);
	ArrayType  *ca = PG_GETARG_ARRAYTYPE_P(1);
	const double *uinit = get_params(PG_GETARG_ARRAYTYPE_P(2), "u_init");
	int32		max_iter = PG_GETARG_INT32(3);
	bool		fix_u = PG_GETARG_BOOL(4);
	int			n;
	int32	   *g;
	double	   *c;
	double	   *post;
	double		m[IDENTITY_NPARAMS],
				u[IDENTITY_NPARAMS],
				mn[IDENTITY_NPARAMS],
				un[IDENTITY_NPARAMS];
	double		lambda = DEFAULT_LAMBDA;
	int			iter;
	bool		converged = false;
	TupleDesc	tupdesc;
	Datum		values[5];
	bool		nulls[5] = {false, false, false, false, false};
	int			i;

	if (ARR_NDIM(ga) > 1 || ARR_ELEMTYPE(ga) != INT4OID || ARR_HASNULL(ga) ||
		ARR_NDIM(ca) > 1 || ARR_ELEMTYPE(ca) != FLOAT8OID || ARR_HASNULL(ca))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("gammas and counts must be one-dimensional arrays without NULLs")));
	n = ArrayGetNItems(ARR_NDIM(ga), ARR_DIMS(ga));
	if (n != ArrayGetNItems(ARR_NDIM(ca), ARR_DIMS(ca)))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("gammas and counts differ in length (%d and %d)",
						n, ArrayGetNItems(ARR_NDIM(ca), ARR_DIMS(ca)))));
	if (max_iter < 1 || max_iter > 10000)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("max_iter %d is out of range", max_iter),
				 errdetail("max_iter lies between 1 and 10000.")));
	g = (int32 *) ARR_DATA_PTR(ga);
	c = (double *) ARR_DATA_PTR(ca);
	for (i = 0; i < n; i++)
	{
		check_gamma(g[i]);
		if (!(c[i] >= 0.0) || isinf(c[i]))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("count %g of comparison vector %d is not a finite non-negative number", c[i], g[i])));
	}

	fill_defaults(m, u);
	memcpy(u, uinit, sizeof(u));
	post = palloc(sizeof(double) * Max(n, 1));

	for (iter = 1; iter <= max_iter && n > 0; iter++)
	{
		double		msum[IDENTITY_NFIELDS],
					usum[IDENTITY_NFIELDS];
		double		tot = 0.0,
					totm = 0.0;
		double		delta = 0.0;
		int			f;

		CHECK_FOR_INTERRUPTS();
		/* E step */
		for (i = 0; i < n; i++)
		{
			double		w = gamma_weight(g[i], m, u) + log2(lambda / (1.0 - lambda));

			post[i] = (w > 60) ? 1.0 : (w < -60) ? 0.0 : 1.0 / (1.0 + pow(2.0, -w));
		}
		/* M step */
		memset(mn, 0, sizeof(mn));
		memset(un, 0, sizeof(un));
		memset(msum, 0, sizeof(msum));
		memset(usum, 0, sizeof(usum));
		for (i = 0; i < n; i++)
		{
			tot += c[i];
			totm += c[i] * post[i];
			for (f = 0; f < IDENTITY_NFIELDS; f++)
			{
				int			l = IDENTITY_LEVEL(g[i], f);

				if (l == IDENTITY_MISSING)
					continue;
				mn[f * IDENTITY_NLEVELS + l] += c[i] * post[i];
				un[f * IDENTITY_NLEVELS + l] += c[i] * (1.0 - post[i]);
				msum[f] += c[i] * post[i];
				usum[f] += c[i] * (1.0 - post[i]);
			}
		}
		for (f = 0; f < IDENTITY_NFIELDS; f++)
		{
			int			l;

			for (l = 0; l < CrmIdentityFieldLevels[f]; l++)
			{
				int			k = f * IDENTITY_NLEVELS + l;
				double		nm = msum[f] > 0 ? mn[k] / msum[f] : m[k];
				double		nu = usum[f] > 0 ? un[k] / usum[f] : u[k];

				delta = Max(delta, fabs(nm - m[k]));
				m[k] = nm;
				if (!fix_u)
				{
					delta = Max(delta, fabs(nu - u[k]));
					u[k] = nu;
				}
			}
		}
		if (tot > 0)
		{
			double		nl = Min(Max(totm / tot, 1e-9), 1.0 - 1e-9);

			delta = Max(delta, fabs(nl - lambda));
			lambda = nl;
		}
		if (delta < 1e-7)
		{
			converged = true;
			break;
		}
	}
	if (iter > max_iter)
		iter = max_iter;

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	tupdesc = BlessTupleDesc(tupdesc);
	values[0] = Float8GetDatum(lambda);
	values[1] = PointerGetDatum(params_array(m));
	values[2] = PointerGetDatum(params_array(u));
	values[3] = Int32GetDatum(n > 0 ? iter : 0);
	values[4] = BoolGetDatum(converged);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

/*
 * crm_identity_default_model: crm.identity_default_model(): the prior model
 * used before any training (lambda 0.01, the m and u above).
 */
Datum
crm_identity_default_model(PG_FUNCTION_ARGS)
{
	double		m[IDENTITY_NPARAMS],
				u[IDENTITY_NPARAMS];
	TupleDesc	tupdesc;
	Datum		values[5];
	bool		nulls[5] = {false, false, false, false, false};

	fill_defaults(m, u);
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	tupdesc = BlessTupleDesc(tupdesc);
	values[0] = Float8GetDatum(DEFAULT_LAMBDA);
	values[1] = PointerGetDatum(params_array(m));
	values[2] = PointerGetDatum(params_array(u));
	values[3] = Int32GetDatum(0);
	values[4] = BoolGetDatum(false);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

/*
 * crm_identity_weight: crm.identity_weight(gamma, lambda, m, u): the match
 * weight of a pair, log2 of its posterior odds (prior log-odds plus the
 * field contributions).
 */
Datum
crm_identity_weight(PG_FUNCTION_ARGS)
{
	int32		g = PG_GETARG_INT32(0);
	double		lambda = PG_GETARG_FLOAT8(1);
	const double *m = get_params(PG_GETARG_ARRAYTYPE_P(2), "m");
	const double *u = get_params(PG_GETARG_ARRAYTYPE_P(3), "u");

	check_gamma(g);
	check_lambda(lambda);
	PG_RETURN_FLOAT8(gamma_weight(g, m, u) + log2(lambda / (1.0 - lambda)));
}

/*
 * crm_identity_score: crm.identity_score(gamma, lambda, m, u): the match
 * probability of a pair, 1 / (1 + 2^-weight).
 */
Datum
crm_identity_score(PG_FUNCTION_ARGS)
{
	int32		g = PG_GETARG_INT32(0);
	double		lambda = PG_GETARG_FLOAT8(1);
	const double *m = get_params(PG_GETARG_ARRAYTYPE_P(2), "m");
	const double *u = get_params(PG_GETARG_ARRAYTYPE_P(3), "u");
	double		w;

	check_gamma(g);
	check_lambda(lambda);
	w = gamma_weight(g, m, u) + log2(lambda / (1.0 - lambda));
	PG_RETURN_FLOAT8(1.0 / (1.0 + pow(2.0, -w)));
}

/*
 * crm_identity_contributions: crm.identity_contributions(gamma, m, u) ->
 * setof (field, level, level_name, m, u, weight): why a pair scored as it
 * did, one row per field; a missing field has weight 0 and NULL m and u.
 */
Datum
crm_identity_contributions(PG_FUNCTION_ARGS)
{
	int32		g = PG_GETARG_INT32(0);
	const double *m = get_params(PG_GETARG_ARRAYTYPE_P(1), "m");
	const double *u = get_params(PG_GETARG_ARRAYTYPE_P(2), "u");
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	int			f;

	check_gamma(g);
	InitMaterializedSRF(fcinfo, 0);
	for (f = 0; f < IDENTITY_NFIELDS; f++)
	{
		int			l = IDENTITY_LEVEL(g, f);
		int			k = f * IDENTITY_NLEVELS + l;
		Datum		values[6];
		bool		nulls[6] = {false, false, false, false, false, false};

		values[0] = CStringGetTextDatum(CrmIdentityFieldNames[f]);
		if (l == IDENTITY_MISSING)
		{
			nulls[1] = true;
			values[2] = CStringGetTextDatum("missing");
			nulls[3] = nulls[4] = true;
			values[5] = Float8GetDatum(0.0);
		}
		else
		{
			values[1] = Int32GetDatum(l);
			values[2] = CStringGetTextDatum(CrmIdentityLevelNames[f][l]);
			values[3] = Float8GetDatum(m[k]);
			values[4] = Float8GetDatum(u[k]);
			values[5] = Float8GetDatum(log_ratio(m, u, k));
		}
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

PG_FUNCTION_INFO_V1(crm_identity_u_estimate);

/*
 * crm_identity_u_estimate: crm.identity_u_estimate(gammas int4[]) -> float8[]:
 * u from the comparison vectors of random record pairs (nearly all
 * non-matches): each level's share among the pairs where the field is
 * present, with add-one smoothing; a field never present keeps its prior.
 */
Datum
crm_identity_u_estimate(PG_FUNCTION_ARGS)
{
	ArrayType  *ga = PG_GETARG_ARRAYTYPE_P(0);
	double		m[IDENTITY_NPARAMS],
				u[IDENTITY_NPARAMS];
	double		cnt[IDENTITY_NPARAMS];
	double		tot[IDENTITY_NFIELDS];
	int32	   *g;
	int			n;
	int			i,
				f;

	if (ARR_NDIM(ga) > 1 || ARR_ELEMTYPE(ga) != INT4OID || ARR_HASNULL(ga))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("gammas must be a one-dimensional int4 array without NULLs")));
	n = ArrayGetNItems(ARR_NDIM(ga), ARR_DIMS(ga));
	g = (int32 *) ARR_DATA_PTR(ga);
	fill_defaults(m, u);
	memset(cnt, 0, sizeof(cnt));
	memset(tot, 0, sizeof(tot));
	for (i = 0; i < n; i++)
	{
		check_gamma(g[i]);
		for (f = 0; f < IDENTITY_NFIELDS; f++)
		{
			int			l = IDENTITY_LEVEL(g[i], f);

			if (l == IDENTITY_MISSING)
				continue;
			cnt[f * IDENTITY_NLEVELS + l] += 1.0;
			tot[f] += 1.0;
		}
	}
	for (f = 0; f < IDENTITY_NFIELDS; f++)
	{
		int			l;
		int			nl = CrmIdentityFieldLevels[f];

		if (tot[f] == 0)
			continue;
		for (l = 0; l < nl; l++)
			u[f * IDENTITY_NLEVELS + l] = (cnt[f * IDENTITY_NLEVELS + l] + 1.0) / (tot[f] + nl);
	}
	PG_RETURN_ARRAYTYPE_P(params_array(u));
}

/*
 * crm_identity_gamma_identical: crm.identity_gamma_identical(gamma) ->
 * boolean: whether gamma is that of two records that agree exactly on every
 * field both have, at least two fields and at least one of them a strong
 * identifier (birth date, phone, e-mail, national id).  Such pairs are
 * linked whatever the model says: no trained model may split identical
 * records, while a name alone (or name and city) never suffices.
 */
Datum
crm_identity_gamma_identical(PG_FUNCTION_ARGS)
{
	int32		g = PG_GETARG_INT32(0);
	int			present = 0;
	bool		strong = false;
	int			f;

	check_gamma(g);
	for (f = 0; f < IDENTITY_NFIELDS; f++)
	{
		int			l = IDENTITY_LEVEL(g, f);

		if (l == IDENTITY_MISSING)
			continue;
		if (l != CrmIdentityFieldLevels[f] - 1)
			PG_RETURN_BOOL(false);
		present++;
		if (f >= 2 && f <= 5)
			strong = true;
	}
	PG_RETURN_BOOL(present >= 2 && strong);
}
