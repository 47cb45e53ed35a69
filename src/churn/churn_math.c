/*
 * churn_math.c
 *		Numerical building blocks of the churn models: digamma, the Gauss
 *		hypergeometric series, a stable log(1 + e^x), and a BFGS minimiser.
 *
 * The models have three or four parameters and analytic gradients, so a
 * small quasi-Newton method written here is enough.  It allocates nothing
 * outside PostgreSQL's memory contexts, so an interrupt or an error raised
 * by the objective cannot leak (an external library such as NLopt mallocs
 * internally and would be left inconsistent by a longjmp; GSL is GPL).
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "executor/executor.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/lsyscache.h"

#include "churn/churn.h"

/*
 * CrmDigamma: psi(x) = d/dx lgamma(x) for x > 0, by the recurrence
 * psi(x) = psi(x + 1) - 1/x up to x >= 6, then the asymptotic series
 * (absolute error below 1e-13).
 */
double
CrmDigamma(double x)
{
	double		result = 0.0;
	double		inv,
				inv2;

	while (x < 6.0)
	{
		result -= 1.0 / x;
		x += 1.0;
	}
	inv = 1.0 / x;
	inv2 = inv * inv;
	result += log(x) - 0.5 * inv
		- inv2 * (1.0 / 12 - inv2 * (1.0 / 120 - inv2 * (1.0 / 252
														 - inv2 * (1.0 / 240 - inv2 * (1.0 / 132)))));
	return result;
}

/*
 * CrmLog1pExp: log(1 + exp(x)) without overflow for large x.
 */
double
CrmLog1pExp(double x)
{
	if (x > 0)
		return x + log1p(exp(-x));
	return log1p(exp(x));
}

/*
 * CrmChurnFinite: v, or 22003 if it is not finite (extreme model parameters
 * can overflow a forecast; a NaN is never returned silently).
 */
double
CrmChurnFinite(double v, const char *what)
{
	if (!isfinite(v))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("%s is out of range for these model parameters", what),
				 errhint("Check the model: its parameters are extreme.")));
	return v;
}

/*
 * CrmHyp2f1: the Gauss hypergeometric function 2F1(a, b; c; z) for
 * 0 <= z < 1 by its power series.  Callers transform their arguments so
 * that the terms stay small (Euler's transformation); the series is cut
 * when a term no longer changes the sum.  It raises 22003 if the sum
 * overflows (extreme parameters) or a million terms are not enough (z
 * extremely close to 1), rather than return a wrong sum.
 */
double
CrmHyp2f1(double a, double b, double c, double z)
{
	double		term = 1.0;
	double		sum = 1.0;
	int			n;

	if (z == 0.0)
		return 1.0;
	for (n = 0; n < 1000000; n++)
	{
		term *= (a + n) * (b + n) / ((c + n) * (n + 1.0)) * z;
		sum += term;
		if (fabs(term) <= 1e-16 * fabs(sum) && n > 2)
			return sum;
		if (!isfinite(sum))
			CrmChurnFinite(sum, "expected number of purchases");
		if ((n & 0xFFFF) == 0xFFFF)
			CHECK_FOR_INTERRUPTS();
	}
	ereport(ERROR,
			(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
			 errmsg("hypergeometric series did not converge at z = \"%g\"", z),
			 errdetail("The forecast horizon is too long compared with the model's time scale."),
			 errhint("Use a shorter horizon or a coarser time unit.")));
	return 0.0;					/* keep the compiler quiet */
}

/*
 * CrmMinimize: minimise f over theta[0..n-1] (the log of each model
 * parameter, so the search is unconstrained) by BFGS with a backtracking
 * Armijo line search.  theta holds the start on entry and the result on
 * exit.  Converged means the largest gradient component fell below
 * crm_profile.churn_tolerance within crm_profile.churn_max_iterations, or
 * that the objective stopped changing in floating point (three steps in a
 * row) with the gradient within 1000 times the tolerance.
 */
void
CrmMinimize(CrmObjective f, void *arg, double *theta, int n,
			CrmOptimResult *res)
{
	double		H[CRM_OPTIM_MAXDIM][CRM_OPTIM_MAXDIM];
	double		g[CRM_OPTIM_MAXDIM],
				gnew[CRM_OPTIM_MAXDIM],
				d[CRM_OPTIM_MAXDIM],
				tnew[CRM_OPTIM_MAXDIM],
				s[CRM_OPTIM_MAXDIM],
				y[CRM_OPTIM_MAXDIM],
				Hy[CRM_OPTIM_MAXDIM];
	double		fx;
	int			iter;
	int			i,
				j;
	bool		fresh = true;
	int			stalled = 0;

	Assert(n <= CRM_OPTIM_MAXDIM);
	res->converged = false;
	fx = f(theta, g, arg);
	if (!isfinite(fx))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("log-likelihood is not finite at the starting point")));

	for (i = 0; i < n; i++)
		for (j = 0; j < n; j++)
			H[i][j] = (i == j) ? 1.0 : 0.0;

	for (iter = 0; iter < crm_churn_max_iterations; iter++)
	{
		double		gmax = 0.0,
					slope = 0.0,
					dmax = 0.0,
					step = 1.0,
					fnew = 0.0,
					sy = 0.0,
					yHy = 0.0;
		bool		accepted = false;
		int			k;

		CHECK_FOR_INTERRUPTS();
		for (i = 0; i < n; i++)
			gmax = Max(gmax, fabs(g[i]));
		if (gmax < crm_churn_tolerance)
		{
			res->converged = true;
			break;
		}

		/* search direction d = -H g, a descent direction or reset */
		for (i = 0; i < n; i++)
		{
			d[i] = 0.0;
			for (j = 0; j < n; j++)
				d[i] -= H[i][j] * g[j];
			slope += d[i] * g[i];
		}
		if (!(slope < 0.0))
		{
			for (i = 0; i < n; i++)
			{
				for (j = 0; j < n; j++)
					H[i][j] = (i == j) ? 1.0 : 0.0;
				d[i] = -g[i];
			}
			slope = 0.0;
			for (i = 0; i < n; i++)
				slope += d[i] * g[i];
			fresh = true;
		}
		/* never move a log-parameter by more than 2 in one step */
		for (i = 0; i < n; i++)
			dmax = Max(dmax, fabs(d[i]));
		if (dmax > 2.0)
			step = 2.0 / dmax;

		for (k = 0; k < 60; k++)
		{
			for (i = 0; i < n; i++)
				tnew[i] = theta[i] + step * d[i];
			fnew = f(tnew, gnew, arg);
			if (isfinite(fnew) && fnew <= fx + 1e-4 * step * slope)
			{
				accepted = true;
				break;
			}
			step *= 0.5;
		}
		if (!accepted)
		{
			if (!fresh)
			{
				/* retry once from steepest descent */
				for (i = 0; i < n; i++)
					for (j = 0; j < n; j++)
						H[i][j] = (i == j) ? 1.0 : 0.0;
				fresh = true;
				continue;
			}
			/* no progress possible: converged to working precision? */
			res->converged = (gmax < 1e3 * crm_churn_tolerance);
			break;
		}

		/* steps that no longer change f: at the limit of float precision */
		if (fx - fnew <= 1e-15 * (1.0 + fabs(fx)))
			stalled++;
		else
			stalled = 0;
		for (i = 0; i < n; i++)
		{
			s[i] = tnew[i] - theta[i];
			y[i] = gnew[i] - g[i];
			sy += s[i] * y[i];
			theta[i] = tnew[i];
			g[i] = gnew[i];
		}
		fx = fnew;
		fresh = false;
		if (stalled >= 3)
		{
			gmax = 0.0;
			for (i = 0; i < n; i++)
				gmax = Max(gmax, fabs(g[i]));
			res->converged = (gmax < 1e3 * crm_churn_tolerance);
			iter++;
			break;
		}

		/* a parameter running off to 0 or infinity: the fit diverges */
		for (i = 0; i < n; i++)
			if (fabs(theta[i]) > 40.0)
				break;
		if (i < n)
		{
			iter++;
			break;
		}

		if (sy > 1e-16)
		{
			/* scale the first inverse Hessian, then the BFGS update */
			if (iter == 0)
			{
				double		yy = 0.0;

				for (i = 0; i < n; i++)
					yy += y[i] * y[i];
				for (i = 0; i < n; i++)
					H[i][i] = sy / yy;
			}
			for (i = 0; i < n; i++)
			{
				Hy[i] = 0.0;
				for (j = 0; j < n; j++)
					Hy[i] += H[i][j] * y[j];
				yHy += y[i] * Hy[i];
			}
			for (i = 0; i < n; i++)
				for (j = 0; j < n; j++)
					H[i][j] += ((sy + yHy) * s[i] * s[j]) / (sy * sy)
						- (Hy[i] * s[j] + s[i] * Hy[j]) / sy;
		}
	}
	res->iterations = iter;
	res->value = fx;
}

/*
 * CrmResultTupleDesc: the blessed row type a function returning a
 * composite (a model) is declared with.
 */
TupleDesc
CrmResultTupleDesc(FunctionCallInfo fcinfo)
{
	TupleDesc	tupdesc;

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	return BlessTupleDesc(tupdesc);
}

/*
 * CrmModelField: attribute attno of a model row as a float8, checked to be
 * present, finite and (when positive is set) greater than zero.
 */
double
CrmModelField(HeapTupleHeader model, int attno, const char *name, bool positive)
{
	bool		isnull;
	Datum		d = GetAttributeByNum(model, attno, &isnull);
	double		v;

	if (isnull)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("model parameter \"%s\" is null", name)));
	v = DatumGetFloat8(d);
	if (positive)
		CrmCheckModelParam(v, name);
	else if (!isfinite(v))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("model parameter \"%s\" must be a finite number, not \"%g\"", name, v)));
	return v;
}

/*
 * CrmCheckModelParam: 22023 unless a model parameter is a positive finite
 * number; used by the model constructors and by every consumer of a model.
 */
void
CrmCheckModelParam(double v, const char *name)
{
	if (!isfinite(v) || v <= 0.0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("model parameter \"%s\" must be a positive finite number, not \"%g\"", name, v)));
}

/*
 * CrmModelFromParams: a model row (crm.bgnbd_model or crm.gammagamma_model)
 * with the nparams given parameters, each checked by CrmCheckModelParam, and
 * the fit statistics NULL.
 */
Datum
CrmModelFromParams(FunctionCallInfo fcinfo, int nparams, const char *const *names)
{
	TupleDesc	tupdesc = CrmResultTupleDesc(fcinfo);
	Datum	   *values = palloc0(tupdesc->natts * sizeof(Datum));
	bool	   *nulls = palloc(tupdesc->natts * sizeof(bool));
	int			i;

	Assert(nparams <= tupdesc->natts);
	for (i = 0; i < tupdesc->natts; i++)
		nulls[i] = (i >= nparams);
	for (i = 0; i < nparams; i++)
	{
		double		v = PG_GETARG_FLOAT8(i);

		CrmCheckModelParam(v, names[i]);
		values[i] = Float8GetDatum(v);
	}
	return HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls));
}

/* per-call-site cache of parsed model arguments (see CrmModelParams) */
#define MODEL_CACHE_SLOTS 2
typedef struct ModelCache
{
	Size		len[MODEL_CACHE_SLOTS];
	char	   *bytes[MODEL_CACHE_SLOTS];
	double		params[MODEL_CACHE_SLOTS][4];
} ModelCache;

/*
 * CrmModelParams: the first nparams float8 fields of the model row in
 * argument argno (0 or 1), checked by CrmModelField.  Scoring a table calls
 * a function with the same model on every row, so the parsed parameters are
 * kept in fn_extra and reused while the row's bytes are unchanged.
 */
void
CrmModelParams(FunctionCallInfo fcinfo, int argno, int nparams,
			   const char *const *names, double *out)
{
	HeapTupleHeader m = PG_GETARG_HEAPTUPLEHEADER(argno);
	Size		len = HeapTupleHeaderGetDatumLength(m);
	ModelCache *c = (ModelCache *) fcinfo->flinfo->fn_extra;
	int			i;

	Assert(argno < MODEL_CACHE_SLOTS && nparams <= 4);
	if (c == NULL)
	{
		c = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(ModelCache));
		fcinfo->flinfo->fn_extra = c;
	}
	if (c->bytes[argno] != NULL && c->len[argno] == len &&
		memcmp(c->bytes[argno], m, len) == 0)
	{
		memcpy(out, c->params[argno], nparams * sizeof(double));
		return;
	}
	for (i = 0; i < nparams; i++)
		out[i] = CrmModelField(m, i + 1, names[i], true);
	if (c->bytes[argno] != NULL)
		pfree(c->bytes[argno]);
	c->bytes[argno] = MemoryContextAlloc(fcinfo->flinfo->fn_mcxt, len);
	memcpy(c->bytes[argno], m, len);
	c->len[argno] = len;
	memcpy(c->params[argno], out, nparams * sizeof(double));
}
