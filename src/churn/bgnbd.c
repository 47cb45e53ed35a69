/*
 * bgnbd.c
 *		The BG/NBD model of Fader, Hardie & Lee (2005), "Counting Your
 *		Customers the Easy Way": the fitting aggregate crm.bgnbd_fit over
 *		(x, t_x, T) and the scoring functions (P(alive), expected purchases,
 *		conditional expectation, P(X(t) = n), single-customer log-likelihood).
 *
 * The log-likelihood is evaluated in the numerically stable form of Hardie's
 * note 027 (a log-sum-exp of the two terms), so that histories such as
 * x = 200 neither overflow nor cancel.  Terms that depend on x alone are
 * computed once per distinct x; the optimiser works on log-parameters with
 * the analytic gradient.
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "executor/executor.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"

#include "churn/churn.h"

/*
 * |log| of a fitted parameter (alpha divided by the mean age T) beyond which
 * the fit is taken to have run off to the edge of the parameter space:
 * ln(1e6).
 */
#define BGNBD_EDGE 13.815510557964274

/* parameters in the order of crm.bgnbd_model: r, alpha, a, b */
#define P_R		0
#define P_ALPHA 1
#define P_A		2
#define P_B		3

/* terms of the log-likelihood and its gradient that depend on x only */
typedef struct BgnbdXTerms
{
	double		x;
	double		lconst;			/* lgamma and lbeta terms, r ln alpha */
	double		psi_r;			/* psi(r + x) - psi(r) */
	double		psi_ab;			/* psi(a + b) - psi(a + b + x) */
	double		psi_b;			/* psi(b + x) - psi(b) */
	double		ln_ab;			/* ln a - ln(b + x - 1) (x > 0) */
	double		ln_alpha;		/* ln alpha (not x-specific: kept here so
								 * that the gradient needs no log a group) */
} BgnbdXTerms;

/*
 * The fit's data: the groups, and the distinct times (t_x and T values) so
 * that log(alpha + t) is computed once per distinct time and step, not once
 * per group.
 */
typedef struct BgnbdData
{
	CrmChurnGroup *groups;
	int			ngroups;
	int64		ncustomers;
	int32	   *itx;			/* per group: index of t_x in times */
	int32	   *iT;				/* per group: index of T in times */
	double	   *times;			/* distinct times, ascending */
	int			ntimes;
	double	   *ltime;			/* scratch: log(alpha + time) */
	double	   *itime;			/* scratch: 1 / (alpha + time) */
} BgnbdData;

/*
 * bgnbd_x_terms: fill the x-only terms at parameters p; the digamma
 * differences only when a gradient is wanted.
 */
static void
bgnbd_x_terms(const double *p, double x, bool want_grad, BgnbdXTerms *xt)
{
	double		r = p[P_R],
				a = p[P_A],
				b = p[P_B];

	xt->x = x;
	xt->ln_alpha = log(p[P_ALPHA]);
	xt->lconst = lgamma(r + x) - lgamma(r) + r * xt->ln_alpha
		+ lgamma(b + x) - lgamma(a + b + x) - lgamma(b) + lgamma(a + b);
	xt->ln_ab = (x > 0) ? log(a) - log(b + x - 1.0) : 0.0;
	xt->psi_r = xt->psi_ab = xt->psi_b = 0.0;
	if (want_grad && x > 0)
	{
		xt->psi_r = CrmDigamma(r + x) - CrmDigamma(r);
		xt->psi_ab = CrmDigamma(a + b) - CrmDigamma(a + b + x);
		xt->psi_b = CrmDigamma(b + x) - CrmDigamma(b);
	}
}

/*
 * bgnbd_customer: the log-likelihood of one history (x in xt), given
 * lT = log(alpha + T), iT = 1 / (alpha + T) and the same for t_x; adds w
 * times its gradient (with respect to r, alpha, a, b) to grad if not NULL.
 * C is the log-ratio of the two likelihood terms (Hardie's note 027): one
 * exp and one log1p give both log(1 + e^C) and the weight e^C / (1 + e^C).
 */
static inline double
bgnbd_customer(const double *p, const BgnbdXTerms *xt, double lT, double iT,
			   double ltx, double itx, double *grad, double w)
{
	double		r = p[P_R],
				alpha = p[P_ALPHA],
				x = xt->x;
	double		ll = xt->lconst - (r + x) * lT;

	if (grad)
	{
		grad[P_R] += w * (xt->psi_r + xt->ln_alpha - lT);
		grad[P_ALPHA] += w * (r / alpha - (r + x) * iT);
		grad[P_A] += w * xt->psi_ab;
		grad[P_B] += w * (xt->psi_b + xt->psi_ab);
	}
	if (x > 0)
	{
		double		d = lT - ltx;
		double		C = xt->ln_ab + (r + x) * d;
		double		e,
					s;

		/* log(1 + e) for e in (0, 1]: log1p's extra precision is not needed */
		if (C > 0)
		{
			e = exp(-C);
			ll += C + log(1.0 + e);
			s = 1.0 / (1.0 + e);
		}
		else
		{
			e = exp(C);
			ll += log(1.0 + e);
			s = e / (1.0 + e);
		}
		if (grad)
		{
			grad[P_R] += w * s * d;
			grad[P_ALPHA] += w * s * (r + x) * (iT - itx);
			grad[P_A] += w * s / p[P_A];
			grad[P_B] -= w * s / (p[P_B] + x - 1.0);
		}
	}
	return ll;
}

/*
 * bgnbd_objective: minus the mean log-likelihood of all groups at
 * theta = log(r, alpha, a, b), and its gradient with respect to theta.
 */
static double
bgnbd_objective(const double *theta, double *grad, void *arg)
{
	BgnbdData  *d = arg;
	double		p[4],
				gp[4] = {0, 0, 0, 0};
	double		ll = 0.0;
	BgnbdXTerms xt;
	int			i;

	for (i = 0; i < 4; i++)
		p[i] = exp(theta[i]);
	for (i = 0; i < d->ntimes; i++)
	{
		d->ltime[i] = log(p[P_ALPHA] + d->times[i]);
		d->itime[i] = 1.0 / (p[P_ALPHA] + d->times[i]);
	}
	xt.x = -1.0;
	for (i = 0; i < d->ngroups; i++)
	{
		const CrmChurnGroup *g = &d->groups[i];
		double		w = (double) g->count;
		int32		a = d->iT[i],
					b = d->itx[i];

		if (g->key[0] != xt.x)
			bgnbd_x_terms(p, g->key[0], true, &xt);
		ll += w * bgnbd_customer(p, &xt, d->ltime[a], d->itime[a],
								 d->ltime[b], d->itime[b], gp, w);
	}
	for (i = 0; i < 4; i++)
		grad[i] = -gp[i] * p[i] / (double) d->ncustomers;
	return -ll / (double) d->ncustomers;
}

/* sort_doubles(): an inlined quicksort of doubles */
#define ST_SORT sort_doubles
#define ST_ELEMENT_TYPE double
#define ST_COMPARE(a, b) ((*(a) > *(b)) - (*(a) < *(b)))
#define ST_SCOPE static
#define ST_CHECK_FOR_INTERRUPTS
#define ST_DECLARE
#define ST_DEFINE
#include "lib/sort_template.h"

/*
 * time_index: position of v in the ascending distinct array times[n].
 */
static int32
time_index(const double *times, int n, double v)
{
	int			lo = 0,
				hi = n - 1;

	while (lo < hi)
	{
		int			mid = (lo + hi) / 2;

		if (times[mid] < v)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * bgnbd_prepare_times: the distinct t_x and T values of the groups and each
 * group's indexes into them.
 */
static void
bgnbd_prepare_times(BgnbdData *d)
{
	int			i,
				n = 0;
	double	   *all = palloc_extended(mul_size(2 * (Size) Max(d->ngroups, 1), sizeof(double)),
									  MCXT_ALLOC_HUGE);

	for (i = 0; i < d->ngroups; i++)
	{
		all[2 * i] = d->groups[i].key[1];
		all[2 * i + 1] = d->groups[i].key[2];
	}
	sort_doubles(all, 2 * (Size) d->ngroups);
	for (i = 0; i < 2 * d->ngroups; i++)
		if (n == 0 || all[i] != all[n - 1])
			all[n++] = all[i];
	d->times = all;
	d->ntimes = n;
	d->ltime = palloc_extended(mul_size(Max(n, 1), sizeof(double)), MCXT_ALLOC_HUGE);
	d->itime = palloc_extended(mul_size(Max(n, 1), sizeof(double)), MCXT_ALLOC_HUGE);
	d->itx = palloc_extended(mul_size(Max(d->ngroups, 1), sizeof(int32)), MCXT_ALLOC_HUGE);
	d->iT = palloc_extended(mul_size(Max(d->ngroups, 1), sizeof(int32)), MCXT_ALLOC_HUGE);
	for (i = 0; i < d->ngroups; i++)
	{
		d->itx[i] = time_index(all, n, d->groups[i].key[1]);
		d->iT[i] = time_index(all, n, d->groups[i].key[2]);
	}
}

/*
 * CrmBgnbdCheckHistory: reject a history that is not a valid (x, t_x, T):
 * negative or non-finite values (22003); a non-integer x, t_x > T, or
 * t_x > 0 without repeat purchases (22023).
 */
void
CrmBgnbdCheckHistory(double x, double tx, double T)
{
	if (!isfinite(x) || !isfinite(tx) || !isfinite(T) || x < 0 || tx < 0 || T < 0)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("customer history (x = \"%g\", t_x = \"%g\", T = \"%g\") is out of range", x, tx, T),
				 errdetail("Frequency, recency and age must be finite and not negative.")));
	if (x != floor(x))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("frequency \"%g\" is not a whole number", x),
				 errdetail("The frequency x counts repeat purchase days.")));
	if (tx > T)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("recency \"%g\" is greater than age \"%g\"", tx, T),
				 errdetail("The last repeat purchase t_x cannot be later than the end of the observation period T.")));
	if (x == 0 && tx > 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("recency \"%g\" is positive but frequency is 0", tx),
				 errdetail("A customer without repeat purchases has recency 0.")));
}

/*
 * CrmBgnbdModelParams: r, alpha, a, b of the crm.bgnbd_model in argument
 * argno (cached per call site).
 */
void
CrmBgnbdModelParams(FunctionCallInfo fcinfo, int argno, double *p)
{
	static const char *const names[] = {"r", "alpha", "a", "b"};

	CrmModelParams(fcinfo, argno, 4, names, p);
}

PG_FUNCTION_INFO_V1(crm_bgnbd_model);

/*
 * crm_bgnbd_model: a crm.bgnbd_model from known r, alpha, a, b, each a
 * positive finite number (22023 otherwise, rather than a model that every
 * scoring function would reject later).
 */
Datum
crm_bgnbd_model(PG_FUNCTION_ARGS)
{
	static const char *const names[] = {"r", "alpha", "a", "b"};

	PG_RETURN_DATUM(CrmModelFromParams(fcinfo, 4, names));
}

PG_FUNCTION_INFO_V1(crm_bgnbd_fit_sfunc);

/*
 * crm_bgnbd_fit_sfunc: count one customer's (x, t_x, T) into the groups.
 * Not strict: a row with a NULL is skipped, like other aggregates do.
 */
Datum
crm_bgnbd_fit_sfunc(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	CrmChurnGroups *g;
	double		key[3];

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "crm_bgnbd_fit_sfunc called in non-aggregate context");
	g = PG_ARGISNULL(0) ? NULL : (CrmChurnGroups *) PG_GETARG_POINTER(0);
	if (PG_ARGISNULL(1) || PG_ARGISNULL(2) || PG_ARGISNULL(3))
	{
		if (g == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(g);
	}
	key[0] = PG_GETARG_FLOAT8(1);
	key[1] = PG_GETARG_FLOAT8(2);
	key[2] = PG_GETARG_FLOAT8(3);
	CrmBgnbdCheckHistory(key[0], key[1], key[2]);
	if (g == NULL)
		g = CrmChurnGroupsCreate(aggcxt);
	CrmChurnGroupsAdd(g, key, 1);
	PG_RETURN_POINTER(g);
}

PG_FUNCTION_INFO_V1(crm_bgnbd_fit_summary_sfunc);

/*
 * crm_bgnbd_fit_summary_sfunc: count one crm.purchase_summary; customers
 * without calibration purchases (NULL fields) and NULL rows are skipped.
 * Every summary must have the same time unit (t_x and T are in it).
 */
Datum
crm_bgnbd_fit_summary_sfunc(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	CrmChurnGroups *g;
	double		key[3],
				m,
				unit;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "crm_bgnbd_fit_summary_sfunc called in non-aggregate context");
	g = PG_ARGISNULL(0) ? NULL : (CrmChurnGroups *) PG_GETARG_POINTER(0);
	if (!PG_ARGISNULL(1) && CrmSummaryFields(fcinfo, 1, &key[0], &key[1], &key[2], &m, &unit))
	{
		CrmBgnbdCheckHistory(key[0], key[1], key[2]);
		if (g == NULL)
			g = CrmChurnGroupsCreate(aggcxt);
		CrmChurnGroupsSetUnit(g, unit);
		CrmChurnGroupsAdd(g, key, 1);
	}
	if (g == NULL)
		PG_RETURN_NULL();
	PG_RETURN_POINTER(g);
}

PG_FUNCTION_INFO_V1(crm_bgnbd_fit_final);

/*
 * crm_bgnbd_fit_final: maximum-likelihood fit of the groups, returned as a
 * crm.bgnbd_model.  Without any repeat purchase, or when every customer
 * has the same history, the model is not identified: 22023.  A fit that
 * does not converge, or whose maximum lies on the edge of the parameter
 * space, is returned with converged = false and a WARNING.  Read-only on
 * the state.
 */
Datum
crm_bgnbd_fit_final(PG_FUNCTION_ARGS)
{
	CrmChurnGroups *g = (CrmChurnGroups *) PG_GETARG_POINTER(0);
	BgnbdData	d;
	CrmOptimResult res;
	double		theta[4];
	double		sumx = 0.0,
				sumT = 0.0;
	TupleDesc	tupdesc;
	Datum		values[8];
	bool		nulls[8] = {0};
	int			i;

	d.groups = CrmChurnGroupsToArray(g, &d.ngroups, &d.ncustomers);
	for (i = 0; i < d.ngroups; i++)
	{
		sumx += d.groups[i].key[0] * d.groups[i].count;
		sumT += d.groups[i].key[2] * d.groups[i].count;
	}
	if (sumx == 0.0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot fit a BG/NBD model without repeat purchases"),
				 errdetail("All %lld customers have frequency 0.", (long long) d.ncustomers)));
	if (d.ncustomers == 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot fit a BG/NBD model to one customer"),
				 errdetail("The model describes how customers differ; it is not identified by one history."),
				 errhint("Fit on more customers, with and without repeat purchases.")));
	if (d.ngroups == 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot fit a BG/NBD model to identical histories"),
				 errdetail("All %lld customers have x = \"%g\", t_x = \"%g\", T = \"%g\"; the model is not identified without variation between customers.",
						   (long long) d.ncustomers, d.groups[0].key[0], d.groups[0].key[1], d.groups[0].key[2]),
				 errhint("Fit on more customers, with and without repeat purchases.")));

	bgnbd_prepare_times(&d);

	/* start: r = 1, alpha from the mean purchase rate, a = b = 1 */
	theta[P_R] = 0.0;
	theta[P_ALPHA] = log(Max(sumT / sumx, 1e-6));
	theta[P_A] = 0.0;
	theta[P_B] = 0.0;
	CrmMinimize(bgnbd_objective, &d, theta, 4, &res);
	if (!isfinite(res.value))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("BG/NBD log-likelihood is not finite at the fitted parameters")));

	/*
	 * A maximum on the edge of the parameter space (a parameter, alpha
	 * relative to the mean age, beyond 1e6 or below 1e-6) is no estimate:
	 * the likelihood keeps rising as the parameters run off, which happens
	 * with a handful of customers or too little variation between them.
	 * The optimiser may still report a small gradient there.
	 */
	for (i = 0; i < 4; i++)
	{
		double		v = theta[i] - (i == P_ALPHA ? log(sumT / (double) d.ncustomers) : 0.0);

		if (fabs(v) > BGNBD_EDGE)
			break;
	}
	if (i < 4)
	{
		static const char *const names[] = {"r", "alpha", "a", "b"};

		res.converged = false;
		ereport(WARNING,
				(errmsg("BG/NBD fit ran to the edge of the parameter space"),
				 errdetail("Parameter \"%s\" reached \"%g\" and the likelihood still rises towards the edge (%lld customers, %d distinct histories: too few, too alike, or not described by the model), so the parameters are not estimates. The model is returned with converged = false.",
						   names[i], exp(theta[i]), (long long) d.ncustomers, d.ngroups),
				 errhint("Fit on more customers, with and without repeat purchases.")));
	}
	else if (!res.converged)
		ereport(WARNING,
				(errmsg("BG/NBD fit did not converge after %d iterations", res.iterations),
				 errdetail("The model is returned with converged = false."),
				 errhint("Raise crm_profile.churn_max_iterations, or check the data: the model needs customers with and without repeat purchases.")));

	tupdesc = CrmResultTupleDesc(fcinfo);
	for (i = 0; i < 4; i++)
		values[i] = Float8GetDatum(exp(theta[i]));
	values[4] = Float8GetDatum(-res.value * (double) d.ncustomers);
	values[5] = Int64GetDatum(d.ncustomers);
	values[6] = Int32GetDatum(res.iterations);
	values[7] = BoolGetDatum(res.converged);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

PG_FUNCTION_INFO_V1(crm_bgnbd_loglik);

/*
 * crm_bgnbd_loglik: log-likelihood of one history under a model.
 */
Datum
crm_bgnbd_loglik(PG_FUNCTION_ARGS)
{
	double		p[4];
	double		x = PG_GETARG_FLOAT8(1),
				tx = PG_GETARG_FLOAT8(2),
				T = PG_GETARG_FLOAT8(3);
	BgnbdXTerms xt;

	CrmBgnbdModelParams(fcinfo, 0, p);
	CrmBgnbdCheckHistory(x, tx, T);
	bgnbd_x_terms(p, x, false, &xt);
	PG_RETURN_FLOAT8(CrmChurnFinite(bgnbd_customer(p, &xt, log(p[P_ALPHA] + T), 1.0 / (p[P_ALPHA] + T),
												   log(p[P_ALPHA] + tx), 1.0 / (p[P_ALPHA] + tx), NULL, 0.0),
									 "log-likelihood"));
}

/*
 * bgnbd_p_alive: P(alive | x, t_x, T) = 1 / (1 + e^C), 1 when x = 0.
 */
static double
bgnbd_p_alive(const double *p, double x, double tx, double T)
{
	double		r = p[P_R],
				alpha = p[P_ALPHA];
	double		C;

	if (x == 0)
		return 1.0;
	C = log(p[P_A]) - log(p[P_B] + x - 1.0)
		+ (r + x) * (log(alpha + T) - log(alpha + tx));
	return 1.0 / (1.0 + exp(C));
}

PG_FUNCTION_INFO_V1(crm_bgnbd_p_alive);

/*
 * crm_bgnbd_p_alive: probability that a customer with history (x, t_x, T)
 * is still active at T.
 */
Datum
crm_bgnbd_p_alive(PG_FUNCTION_ARGS)
{
	double		p[4];
	double		x = PG_GETARG_FLOAT8(1),
				tx = PG_GETARG_FLOAT8(2),
				T = PG_GETARG_FLOAT8(3);

	CrmBgnbdModelParams(fcinfo, 0, p);
	CrmBgnbdCheckHistory(x, tx, T);
	PG_RETURN_FLOAT8(CrmChurnFinite(bgnbd_p_alive(p, x, tx, T), "P(alive)"));
}

/*
 * CrmBgnbdConditional: E[Y(t) | x, t_x, T], FHL (2005) eq. (10), with Euler's
 * transformation of the 2F1 so that its terms stay bounded for large x:
 * (a+b+x-1)/(a-1) * [1 - (1-z)^(a-1) 2F1(a+b-1-r, a-1; a+b+x-1; z)] * P(alive),
 * z = t / (alpha + T + t).  At a = 1 exactly the formula is 0/0; a is then
 * moved by 1e-9, well below any fitted precision.
 */
double
CrmBgnbdConditional(const double *p, double x, double tx, double T, double t)
{
	double		r = p[P_R],
				alpha = p[P_ALPHA],
				a = p[P_A],
				b = p[P_B];
	double		z,
				c;

	if (t == 0.0)
		return 0.0;
	if (fabs(a - 1.0) < 1e-9)
		a = (a < 1.0) ? 1.0 - 1e-9 : 1.0 + 1e-9;
	c = a + b + x - 1.0;
	if (c <= 0.0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot forecast with a + b = \"%g\" for a customer without repeat purchases", a + b),
				 errdetail("The expectation needs a + b + x > 1.")));
	z = t / (alpha + T + t);
	return CrmChurnFinite(c / (a - 1.0)
						  * (1.0 - exp((a - 1.0) * log1p(-z)) * CrmHyp2f1(a + b - 1.0 - r, a - 1.0, c, z))
						  * bgnbd_p_alive(p, x, tx, T),
						  "expected number of purchases");
}

/*
 * check_horizon: a forecast horizon must be finite and not negative.
 */
static void
check_horizon(double t)
{
	if (!isfinite(t) || t < 0)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("horizon \"%g\" is out of range", t),
				 errdetail("The forecast horizon must be finite and not negative.")));
}

PG_FUNCTION_INFO_V1(crm_bgnbd_conditional_purchases);

/*
 * crm_bgnbd_conditional_purchases: expected purchases in the next t time
 * units of a customer with history (x, t_x, T).
 */
Datum
crm_bgnbd_conditional_purchases(PG_FUNCTION_ARGS)
{
	double		p[4];
	double		x = PG_GETARG_FLOAT8(1),
				tx = PG_GETARG_FLOAT8(2),
				T = PG_GETARG_FLOAT8(3),
				t = PG_GETARG_FLOAT8(4);

	CrmBgnbdModelParams(fcinfo, 0, p);
	CrmBgnbdCheckHistory(x, tx, T);
	check_horizon(t);
	PG_RETURN_FLOAT8(CrmBgnbdConditional(p, x, tx, T, t));
}

PG_FUNCTION_INFO_V1(crm_bgnbd_expected_purchases);

/*
 * crm_bgnbd_expected_purchases: E[X(t)], expected purchases of a new
 * customer in the first t time units (FHL 2005 eq. (9)).
 */
Datum
crm_bgnbd_expected_purchases(PG_FUNCTION_ARGS)
{
	double		p[4];
	double		t = PG_GETARG_FLOAT8(1);

	CrmBgnbdModelParams(fcinfo, 0, p);
	check_horizon(t);
	PG_RETURN_FLOAT8(CrmBgnbdConditional(p, 0.0, 0.0, 0.0, t));
}

PG_FUNCTION_INFO_V1(crm_bgnbd_probability);

/*
 * crm_bgnbd_probability: P(X(t) = n) for a new customer (FHL 2005 eq. (8)).
 * The NBD tail P(N >= n) is summed directly when it is small, so that the
 * probability of many purchases keeps its relative precision.
 */
Datum
crm_bgnbd_probability(PG_FUNCTION_ARGS)
{
	double		p[4];
	int32		n = PG_GETARG_INT32(1);
	double		t = PG_GETARG_FLOAT8(2);
	double		r,
				alpha,
				a,
				b,
				lq,
				lp,
				lbab,
				result;

	CrmBgnbdModelParams(fcinfo, 0, p);
	check_horizon(t);
	if (n < 0)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("number of purchases \"%d\" is negative", n)));
	r = p[P_R];
	alpha = p[P_ALPHA];
	a = p[P_A];
	b = p[P_B];
	if (t == 0.0)
		PG_RETURN_FLOAT8(n == 0 ? 1.0 : 0.0);
	lq = log(alpha / (alpha + t));	/* log of NBD "failure" probability */
	lp = log(t / (alpha + t));
	lbab = lgamma(a) + lgamma(b) - lgamma(a + b);
	result = exp(lgamma(a) + lgamma(b + n) - lgamma(a + b + n) - lbab
				 + lgamma(r + n) - lgamma(r) - lgamma(n + 1.0) + r * lq + (n > 0 ? n * lp : 0.0));
	if (n > 0)
	{
		double		head = 0.0,
					tail = 0.0,
					lterm;
		int			j;

		for (j = 0; j < n; j++)
			head += exp(lgamma(r + j) - lgamma(r) - lgamma(j + 1.0) + r * lq + (j > 0 ? j * lp : 0.0));
		if (head < 0.9)
			tail = 1.0 - head;
		else
		{
			for (j = n;; j++)
			{
				lterm = lgamma(r + j) - lgamma(r) - lgamma(j + 1.0) + r * lq + j * lp;
				tail += exp(lterm);
				if (exp(lterm) < 1e-17 * tail || j > n + 10000000)
					break;
				if ((j & 0xFFFF) == 0)
					CHECK_FOR_INTERRUPTS();
			}
		}
		result += exp(lgamma(a + 1.0) + lgamma(b + n - 1.0) - lgamma(a + b + n) - lbab) * tail;
	}
	PG_RETURN_FLOAT8(CrmChurnFinite(result, "probability"));
}
