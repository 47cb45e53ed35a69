/*
 * gammagamma.c
 *		The Gamma-Gamma spend model (Fader, Hardie & Lee 2005, "RFM and CLV";
 *		Fader & Hardie 2013, note 025): the fitting aggregate
 *		crm.gammagamma_fit over (x, average spend), the conditional expected
 *		average spend, and the discounted customer lifetime value that
 *		combines it with a BG/NBD forecast.
 *
 * The fit also measures the correlation of frequency and spend over the
 * customers: the model assumes they are independent, so a strong
 * correlation is reported in the model and as a WARNING.
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "executor/executor.h"
#include "funcapi.h"
#include "utils/builtins.h"

#include "churn/churn.h"

#define P_P		0
#define P_Q		1
#define P_G		2

typedef struct GgData
{
	CrmChurnGroup *groups;
	int			ngroups;
	int64		ncustomers;
} GgData;

/*
 * gg_check: a valid (x, average spend) pair: x a whole number >= 0, the
 * spend finite, and positive when x > 0.
 */
static void
gg_check(double x, double m)
{
	if (!isfinite(x) || x < 0 || !isfinite(m) || m < 0)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("spend history (x = \"%g\", average spend = \"%g\") is out of range", x, m),
				 errdetail("Frequency and average spend must be finite and not negative.")));
	if (x != floor(x))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("frequency \"%g\" is not a whole number", x),
				 errdetail("The frequency x counts repeat purchase days.")));
	if (x > 0 && m == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("average spend is 0 for a customer with \"%g\" repeat purchases", x),
				 errdetail("The Gamma-Gamma model needs a positive average spend.")));
}

/*
 * gg_objective: minus the mean Gamma-Gamma log-likelihood at
 * theta = log(p, q, gamma), and its gradient with respect to theta.
 * Per customer: lgamma(px+q) - lgamma(px) - lgamma(q) + q ln gamma
 * + (px-1) ln m + px ln x - (px+q) ln(x m + gamma).
 */
static double
gg_objective(const double *theta, double *grad, void *arg)
{
	GgData	   *d = arg;
	double		p = exp(theta[P_P]),
				q = exp(theta[P_Q]),
				g = exp(theta[P_G]);
	double		ll = 0.0,
				dp = 0.0,
				dq = 0.0,
				dg = 0.0;
	double		cx = -1.0,
				lconst = 0.0,
				psi_pq = 0.0,
				psi_p = 0.0,
				lx = 0.0;
	double		lg = log(g),
				psi_q = CrmDigamma(q),
				lgq = lgamma(q);
	int			i;

	for (i = 0; i < d->ngroups; i++)
	{
		const CrmChurnGroup *e = &d->groups[i];
		double		x = e->key[0],
					m = e->key[1],
					w = (double) e->count;
		double		px,
					lm,
					lxmg;

		px = p * x;
		if (x != cx)
		{
			cx = x;
			lx = log(x);
			lconst = lgamma(px + q) - lgamma(px) - lgq + px * lx;
			psi_pq = CrmDigamma(px + q);
			psi_p = CrmDigamma(px);
		}
		lm = e->key[2];			/* log(m), set once by the final function */
		lxmg = log(x * m + g);
		ll += w * (lconst + q * lg + (px - 1.0) * lm - (px + q) * lxmg);
		dp += w * x * (psi_pq - psi_p + lm + lx - lxmg);
		dq += w * (psi_pq - psi_q + lg - lxmg);
		dg += w * (q / g - (px + q) / (x * m + g));
	}
	grad[P_P] = -dp * p / (double) d->ncustomers;
	grad[P_Q] = -dq * q / (double) d->ncustomers;
	grad[P_G] = -dg * g / (double) d->ncustomers;
	return -ll / (double) d->ncustomers;
}

PG_FUNCTION_INFO_V1(crm_gammagamma_fit_sfunc);

/*
 * crm_gammagamma_fit_sfunc: count one customer's (x, average spend).  Rows
 * with a NULL and customers without repeat purchases (x = 0, whose average
 * repeat spend does not exist) are skipped.
 */
Datum
crm_gammagamma_fit_sfunc(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	CrmChurnGroups *g;
	double		key[3];

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "crm_gammagamma_fit_sfunc called in non-aggregate context");
	g = PG_ARGISNULL(0) ? NULL : (CrmChurnGroups *) PG_GETARG_POINTER(0);
	if (!PG_ARGISNULL(1) && !PG_ARGISNULL(2))
	{
		key[0] = PG_GETARG_FLOAT8(1);
		key[1] = PG_GETARG_FLOAT8(2);
		key[2] = 0.0;
		gg_check(key[0], key[1]);
		if (key[0] > 0)
		{
			if (g == NULL)
				g = CrmChurnGroupsCreate(aggcxt);
			CrmChurnGroupsAdd(g, key, 1);
		}
	}
	if (g == NULL)
		PG_RETURN_NULL();
	PG_RETURN_POINTER(g);
}

PG_FUNCTION_INFO_V1(crm_gammagamma_fit_summary_sfunc);

/*
 * crm_gammagamma_fit_summary_sfunc: count one crm.purchase_summary's
 * (x, mean_spend); x = 0, customers without calibration purchases and NULL
 * rows are skipped.
 */
Datum
crm_gammagamma_fit_summary_sfunc(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	CrmChurnGroups *g;
	double		key[3],
				tx,
				T,
				unit;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "crm_gammagamma_fit_summary_sfunc called in non-aggregate context");
	g = PG_ARGISNULL(0) ? NULL : (CrmChurnGroups *) PG_GETARG_POINTER(0);
	if (!PG_ARGISNULL(1) && CrmSummaryFields(fcinfo, 1, &key[0], &tx, &T, &key[1], &unit))
	{
		key[2] = 0.0;
		gg_check(key[0], key[1]);
		if (key[0] > 0)
		{
			if (g == NULL)
				g = CrmChurnGroupsCreate(aggcxt);
			CrmChurnGroupsAdd(g, key, 1);
		}
	}
	if (g == NULL)
		PG_RETURN_NULL();
	PG_RETURN_POINTER(g);
}

PG_FUNCTION_INFO_V1(crm_gammagamma_fit_final);

/*
 * crm_gammagamma_fit_final: maximum-likelihood (p, q, gamma) as a
 * crm.gammagamma_model, with the frequency/spend correlation; WARNINGs when
 * the fit does not converge or the correlation exceeds
 * crm_profile.churn_correlation_limit.
 */
Datum
crm_gammagamma_fit_final(PG_FUNCTION_ARGS)
{
	CrmChurnGroups *g = (CrmChurnGroups *) PG_GETARG_POINTER(0);
	GgData		d;
	CrmOptimResult res;
	double		theta[3];
	double		n,
				sx = 0,
				sm = 0,
				sxx = 0,
				smm = 0,
				sxm = 0,
				vx,
				vm,
				corr = 0.0;
	bool		corr_null = false;
	TupleDesc	tupdesc;
	Datum		values[8];
	bool		nulls[8] = {0};
	int			i;

	d.groups = CrmChurnGroupsToArray(g, &d.ngroups, &d.ncustomers);
	n = (double) d.ncustomers;
	for (i = 0; i < d.ngroups; i++)
	{
		double		x = d.groups[i].key[0],
					m = d.groups[i].key[1],
					w = (double) d.groups[i].count;

		sx += w * x;
		sm += w * m;
	}
	for (i = 0; i < d.ngroups; i++)
	{
		double		x = d.groups[i].key[0] - sx / n,
					m = d.groups[i].key[1] - sm / n,
					w = (double) d.groups[i].count;

		sxx += w * x * x;
		smm += w * m * m;
		sxm += w * x * m;
	}
	vx = sxx;
	vm = smm;
	if (vx > 0 && vm > 0)
		corr = sxm / sqrt(vx * vm);
	else
		corr_null = true;

	/* the third key is unused (0): keep log(m) there for the objective */
	for (i = 0; i < d.ngroups; i++)
		d.groups[i].key[2] = log(d.groups[i].key[1]);

	theta[P_P] = 0.0;
	theta[P_Q] = log(2.0);
	theta[P_G] = log(Max(sm / n, 1e-6));
	CrmMinimize(gg_objective, &d, theta, 3, &res);
	if (!res.converged)
		ereport(WARNING,
				(errmsg("Gamma-Gamma fit did not converge after %d iterations", res.iterations),
				 errdetail("The model is returned with converged = false."),
				 errhint("Raise crm_profile.churn_max_iterations, or check that spends vary between customers.")));
	if (!corr_null && fabs(corr) > crm_churn_correlation_limit)
		ereport(WARNING,
				(errmsg("frequency and average spend are correlated (r = \"%.3f\")", corr),
				 errdetail("The Gamma-Gamma model assumes that a customer's average spend is independent of purchase frequency."),
				 errhint("Treat its spend forecasts with care; the limit is crm_profile.churn_correlation_limit.")));

	tupdesc = CrmResultTupleDesc(fcinfo);
	for (i = 0; i < 3; i++)
		values[i] = Float8GetDatum(exp(theta[i]));
	values[3] = Float8GetDatum(-res.value * n);
	values[4] = Int64GetDatum(d.ncustomers);
	values[5] = Int32GetDatum(res.iterations);
	values[6] = BoolGetDatum(res.converged);
	values[7] = Float8GetDatum(corr);
	nulls[7] = corr_null;
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

PG_FUNCTION_INFO_V1(crm_gammagamma_model);

/*
 * crm_gammagamma_model: a crm.gammagamma_model from known p, q, gamma, each
 * a positive finite number (22023 otherwise).
 */
Datum
crm_gammagamma_model(PG_FUNCTION_ARGS)
{
	static const char *const names[] = {"p", "q", "gamma"};

	PG_RETURN_DATUM(CrmModelFromParams(fcinfo, 3, names));
}

/*
 * gg_model_params: p, q, gamma of the crm.gammagamma_model in argument
 * argno (cached per call site).
 */
static void
gg_model_params(FunctionCallInfo fcinfo, int argno, double *p)
{
	static const char *const names[] = {"p", "q", "gamma"};

	CrmModelParams(fcinfo, argno, 3, names, p);
}

/*
 * gg_expected_spend: E[M | x, m] = p (gamma + x m) / (p x + q - 1); the
 * population mean p gamma / (q - 1) when x = 0.  Needs q > 1.
 */
static double
gg_expected_spend(const double *p, double x, double m)
{
	if (p[P_Q] <= 1.0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("Gamma-Gamma model with q = \"%g\" has no finite mean spend", p[P_Q]),
				 errdetail("The expected spend exists only for q > 1.")));
	if (x == 0)
		return p[P_P] * p[P_G] / (p[P_Q] - 1.0);
	return p[P_P] * (p[P_G] + x * m) / (p[P_P] * x + p[P_Q] - 1.0);
}

PG_FUNCTION_INFO_V1(crm_gammagamma_expected_spend);

/*
 * crm_gammagamma_expected_spend: conditional expected average spend of a
 * customer with x repeat purchases of average value m.
 */
Datum
crm_gammagamma_expected_spend(PG_FUNCTION_ARGS)
{
	double		p[3];
	double		x = PG_GETARG_FLOAT8(1),
				m = PG_GETARG_FLOAT8(2);

	gg_model_params(fcinfo, 0, p);
	gg_check(x, m);
	PG_RETURN_FLOAT8(CrmChurnFinite(gg_expected_spend(p, x, m), "expected spend"));
}

PG_FUNCTION_INFO_V1(crm_gammagamma_loglik);

/*
 * crm_gammagamma_loglik: log-likelihood of one customer's average spend
 * (x > 0) under a model.
 */
Datum
crm_gammagamma_loglik(PG_FUNCTION_ARGS)
{
	double		p[3],
				grad[3];
	double		x = PG_GETARG_FLOAT8(1),
				m = PG_GETARG_FLOAT8(2);
	CrmChurnGroup one;
	GgData		d;
	double		theta[3];
	int			i;

	gg_model_params(fcinfo, 0, p);
	gg_check(x, m);
	if (x == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the Gamma-Gamma likelihood needs at least one repeat purchase")));
	one.key[0] = x;
	one.key[1] = m;
	one.key[2] = log(m);
	one.count = 1;
	d.groups = &one;
	d.ngroups = 1;
	d.ncustomers = 1;
	for (i = 0; i < 3; i++)
		theta[i] = log(p[i]);
	PG_RETURN_FLOAT8(CrmChurnFinite(-gg_objective(theta, grad, &d), "log-likelihood"));
}

PG_FUNCTION_INFO_V1(crm_clv);

/*
 * crm_clv: customer lifetime value over `periods` periods of
 * `period_length` model time units: margin times the expected average
 * spend times the expected purchases of each period, discounted by
 * (1 + discount_rate)^i for period i (the DERT-style sum lifetimes uses).
 */
Datum
crm_clv(PG_FUNCTION_ARGS)
{
	double		bg[4],
				gg[3];
	double		x = PG_GETARG_FLOAT8(2),
				tx = PG_GETARG_FLOAT8(3),
				T = PG_GETARG_FLOAT8(4),
				m = PG_GETARG_FLOAT8(5);
	int32		periods = PG_GETARG_INT32(6);
	double		len = PG_GETARG_FLOAT8(7),
				rate = PG_GETARG_FLOAT8(8),
				margin = PG_GETARG_FLOAT8(9);
	double		spend,
				prev = 0.0,
				total = 0.0,
				disc = 1.0;
	int			i;

	CrmBgnbdModelParams(fcinfo, 0, bg);
	gg_model_params(fcinfo, 1, gg);
	CrmBgnbdCheckHistory(x, tx, T);
	gg_check(x, m);
	if (periods < 0 || periods > 10000)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("number of periods \"%d\" is out of range", periods),
				 errdetail("The number of periods must be between 0 and 10000.")));
	if (!isfinite(len) || len <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("period length \"%g\" is out of range", len),
				 errdetail("The period length must be a positive number of model time units.")));
	if (!isfinite(rate) || rate < 0)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("discount rate \"%g\" is out of range", rate),
				 errdetail("The discount rate per period must be finite and not negative.")));
	if (!isfinite(margin))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("margin \"%g\" is out of range", margin)));
	spend = gg_expected_spend(gg, x, m);
	for (i = 1; i <= periods; i++)
	{
		double		e = CrmBgnbdConditional(bg, x, tx, T, i * len);

		disc /= (1.0 + rate);
		total += (e - prev) * disc;
		prev = e;
	}
	PG_RETURN_FLOAT8(CrmChurnFinite(margin * spend * total, "lifetime value"));
}
