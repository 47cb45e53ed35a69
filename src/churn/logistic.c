/*
 * logistic.c
 *		Logistic regression for labelled churn: the training aggregate
 *		crm.logistic_fit(label, features float8[], lambda) with
 *		standardisation and an L2 penalty, crm.logistic_predict, and the
 *		crm.auc aggregate to evaluate a score.
 *
 * Training is Newton's method (iteratively reweighted least squares) on the
 * standardised features, minimising the mean log-loss plus
 * lambda/2 * |beta|^2 (the intercept is not penalised); the (p+1)-square
 * system is solved by Cholesky.  The state keeps the rows, so it is also the
 * parallel partial state.
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "executor/executor.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "nodes/execnodes.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "churn/churn.h"

#define LOGISTIC_MAX_FEATURES 1000

typedef struct LogisticState
{
	int32		p;				/* features per row */
	double		lambda;
	int64		n;				/* rows */
	int64		cap;
	double	   *rows;			/* n x (1 + p): label, then features */
} LogisticState;

/*
 * logistic_new: an empty training state for p features.
 */
static LogisticState *
logistic_new(MemoryContext cxt, int32 p, double lambda, int64 cap)
{
	LogisticState *s = MemoryContextAlloc(cxt, sizeof(LogisticState));

	s->p = p;
	s->lambda = lambda;
	s->n = 0;
	s->cap = Max(cap, 16);
	s->rows = MemoryContextAllocHuge(cxt, mul_size(s->cap, (p + 1) * sizeof(double)));
	return s;
}

/*
 * logistic_push: append one row (label, features), growing the buffer.
 */
static void
logistic_push(LogisticState *s, double label, const double *x)
{
	if (s->n == s->cap)
	{
		s->cap *= 2;
		s->rows = repalloc_huge(s->rows, mul_size(s->cap, (s->p + 1) * sizeof(double)));
	}
	s->rows[s->n * (s->p + 1)] = label;
	memcpy(&s->rows[s->n * (s->p + 1) + 1], x, s->p * sizeof(double));
	s->n++;
}

/*
 * float8_array: the elements of a one-dimensional float8[] without NULLs,
 * all finite; *n gets the length.
 */
static double *
float8_array(ArrayType *a, int *n, const char *what)
{
	int			i;
	double	   *v;

	if (ARR_NDIM(a) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("%s must be a one-dimensional array", what)));
	if (array_contains_nulls(a))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not contain NULL elements", what)));
	*n = ArrayGetNItems(ARR_NDIM(a), ARR_DIMS(a));
	v = (double *) ARR_DATA_PTR(a);
	for (i = 0; i < *n; i++)
		if (!isfinite(v[i]))
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("%s element %d is not finite", what, i + 1)));
	return v;
}

PG_FUNCTION_INFO_V1(crm_logistic_fit_sfunc);

/*
 * crm_logistic_fit_sfunc: add one labelled row.  Not strict: a row with a
 * NULL label or NULL features is skipped.  Every row must have the same
 * number of features and the same lambda.
 */
Datum
crm_logistic_fit_sfunc(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	LogisticState *s;
	double	   *x;
	int			p;
	double		lambda;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "crm_logistic_fit_sfunc called in non-aggregate context");
	s = PG_ARGISNULL(0) ? NULL : (LogisticState *) PG_GETARG_POINTER(0);
	if (PG_ARGISNULL(1) || PG_ARGISNULL(2))
	{
		if (s == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(s);
	}
	if (PG_ARGISNULL(3))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("lambda must not be null"),
				 errhint("Use 0 for no regularisation.")));
	lambda = PG_GETARG_FLOAT8(3);
	if (!isfinite(lambda) || lambda < 0)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("lambda \"%g\" is out of range", lambda),
				 errdetail("The L2 penalty must be finite and not negative.")));
	x = float8_array(PG_GETARG_ARRAYTYPE_P(2), &p, "features");
	if (p > LOGISTIC_MAX_FEATURES)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("too many features: %d", p),
				 errdetail("At most %d features are supported.", LOGISTIC_MAX_FEATURES)));
	if (s == NULL)
		s = logistic_new(aggcxt, p, lambda, 16);
	else if (p != s->p)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("row has %d features, earlier rows have %d", p, s->p)));
	else if (lambda != s->lambda)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("lambda must be the same for every row")));
	logistic_push(s, PG_GETARG_BOOL(1) ? 1.0 : 0.0, x);
	PG_RETURN_POINTER(s);
}

PG_FUNCTION_INFO_V1(crm_logistic_fit_combine);

/*
 * crm_logistic_fit_combine: concatenate two partial states (either may be
 * NULL); the second is never changed.
 */
Datum
crm_logistic_fit_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	LogisticState *s1,
			   *s2;
	int64		i;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "crm_logistic_fit_combine called in non-aggregate context");
	s1 = PG_ARGISNULL(0) ? NULL : (LogisticState *) PG_GETARG_POINTER(0);
	s2 = PG_ARGISNULL(1) ? NULL : (LogisticState *) PG_GETARG_POINTER(1);
	if (s2 == NULL)
	{
		if (s1 == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(s1);
	}
	if (s1 == NULL)
		s1 = logistic_new(aggcxt, s2->p, s2->lambda, s2->n);
	else if (s1->p != s2->p || s1->lambda != s2->lambda)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("rows disagree on the number of features or lambda")));
	for (i = 0; i < s2->n; i++)
		logistic_push(s1, s2->rows[i * (s2->p + 1)], &s2->rows[i * (s2->p + 1) + 1]);
	PG_RETURN_POINTER(s1);
}

PG_FUNCTION_INFO_V1(crm_logistic_fit_serial);

/*
 * crm_logistic_fit_serial: p, lambda, n, then the rows.
 */
Datum
crm_logistic_fit_serial(PG_FUNCTION_ARGS)
{
	LogisticState *s = (LogisticState *) PG_GETARG_POINTER(0);
	Size		data = mul_size(s->n, (s->p + 1) * sizeof(double));
	Size		len = add_size(VARHDRSZ + sizeof(int32) + sizeof(double) + sizeof(int64), data);
	bytea	   *b;
	char	   *ptr;

	if (len > MaxAllocSize)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("logistic regression state is too large to pass between parallel workers"),
				 errhint("Set max_parallel_workers_per_gather = 0 for this query.")));
	b = palloc(len);
	ptr = VARDATA(b);
	SET_VARSIZE(b, len);
	memcpy(ptr, &s->p, sizeof(int32));
	ptr += sizeof(int32);
	memcpy(ptr, &s->lambda, sizeof(double));
	ptr += sizeof(double);
	memcpy(ptr, &s->n, sizeof(int64));
	ptr += sizeof(int64);
	memcpy(ptr, s->rows, data);
	PG_RETURN_BYTEA_P(b);
}

PG_FUNCTION_INFO_V1(crm_logistic_fit_deserial);

/*
 * crm_logistic_fit_deserial: a state from its bytea form, length checked.
 */
Datum
crm_logistic_fit_deserial(PG_FUNCTION_ARGS)
{
	bytea	   *b = PG_GETARG_BYTEA_PP(0);
	MemoryContext aggcxt;
	Size		len = VARSIZE_ANY_EXHDR(b);
	const char *ptr = VARDATA_ANY(b);
	int32		p;
	double		lambda;
	int64		n;
	LogisticState *s;
	Size		hdr = sizeof(int32) + sizeof(double) + sizeof(int64);

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "crm_logistic_fit_deserial called in non-aggregate context");
	if (len < hdr)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid logistic regression state")));
	memcpy(&p, ptr, sizeof(int32));
	memcpy(&lambda, ptr + sizeof(int32), sizeof(double));
	memcpy(&n, ptr + sizeof(int32) + sizeof(double), sizeof(int64));
	if (p < 0 || p > LOGISTIC_MAX_FEATURES || n < 0 ||
		len != hdr + (Size) n * (p + 1) * sizeof(double))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid logistic regression state")));
	s = logistic_new(aggcxt, p, lambda, n);
	memcpy(s->rows, ptr + hdr, (Size) n * (p + 1) * sizeof(double));
	s->n = n;
	PG_RETURN_POINTER(s);
}

/*
 * cholesky_solve: solve A x = b for a symmetric positive definite k x k
 * matrix A (overwritten by its factor); false if A is not positive definite.
 */
static bool
cholesky_solve(double *A, double *b, int k)
{
	int			i,
				j,
				l;

	for (j = 0; j < k; j++)
	{
		double		d = A[j * k + j];

		for (l = 0; l < j; l++)
			d -= A[j * k + l] * A[j * k + l];
		if (!(d > 0))
			return false;
		d = sqrt(d);
		A[j * k + j] = d;
		for (i = j + 1; i < k; i++)
		{
			double		v = A[i * k + j];

			for (l = 0; l < j; l++)
				v -= A[i * k + l] * A[j * k + l];
			A[i * k + j] = v / d;
		}
	}
	for (i = 0; i < k; i++)
	{
		for (l = 0; l < i; l++)
			b[i] -= A[i * k + l] * b[l];
		b[i] /= A[i * k + i];
	}
	for (i = k - 1; i >= 0; i--)
	{
		for (l = i + 1; l < k; l++)
			b[i] -= A[l * k + i] * b[l];
		b[i] /= A[i * k + i];
	}
	return true;
}

/*
 * logistic_objective: mean log-loss plus lambda/2 |beta|^2 (intercept
 * excluded) at beta, over standardised rows; with grad and hess (k = p+1)
 * not NULL, also their values.
 */
static double
logistic_objective(LogisticState *s, const double *mean, const double *scale,
				   const double *beta, double *grad, double *hess, double *z)
{
	int			p = s->p,
				k = p + 1;
	int64		i;
	int			j,
				l;
	double		loss = 0.0;

	if (grad)
	{
		memset(grad, 0, k * sizeof(double));
		memset(hess, 0, k * k * sizeof(double));
	}
	for (i = 0; i < s->n; i++)
	{
		const double *row = &s->rows[i * k];
		double		y = row[0],
					eta = beta[0],
					mu,
					w;

		z[0] = 1.0;
		for (j = 0; j < p; j++)
		{
			z[j + 1] = (row[j + 1] - mean[j]) / scale[j];
			eta += beta[j + 1] * z[j + 1];
		}
		/* log(1 + e^eta) - y eta, stably */
		loss += CrmLog1pExp(eta) - y * eta;
		if (grad)
		{
			mu = 1.0 / (1.0 + exp(-eta));
			w = mu * (1.0 - mu);
			for (j = 0; j < k; j++)
			{
				grad[j] += (mu - y) * z[j];
				for (l = 0; l <= j; l++)
					hess[j * k + l] += w * z[j] * z[l];
			}
		}
		if ((i & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
	}
	loss /= (double) s->n;
	for (j = 1; j < k; j++)
		loss += 0.5 * s->lambda * beta[j] * beta[j];
	if (grad)
	{
		for (j = 0; j < k; j++)
		{
			grad[j] /= (double) s->n;
			for (l = 0; l <= j; l++)
			{
				hess[j * k + l] /= (double) s->n;
				hess[l * k + j] = hess[j * k + l];
			}
		}
		for (j = 1; j < k; j++)
		{
			grad[j] += s->lambda * beta[j];
			hess[j * k + j] += s->lambda;
		}
	}
	return loss;
}

/*
 * float8_array_datum: a float8[] datum from n doubles.
 */
static Datum
float8_array_datum(const double *v, int n)
{
	Datum	   *d = palloc(Max(n, 1) * sizeof(Datum));
	int			i;

	for (i = 0; i < n; i++)
		d[i] = Float8GetDatum(v[i]);
	return PointerGetDatum(construct_array(d, n, FLOAT8OID, sizeof(float8),
										   FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
}

/*
 * stable_mean: the mean of feature j when the plain sum overflows: the sum
 * of x / n, each term and the result bounded by the largest |x|.
 */
static double
stable_mean(LogisticState *s, int j)
{
	double		m = 0.0;
	int64		i;

	for (i = 0; i < s->n; i++)
		m += s->rows[i * (s->p + 1) + j + 1] / (double) s->n;
	return m;
}

/*
 * stable_scale: the standard deviation of feature j when the sum of squares
 * overflows: the deviations are divided by the largest one first, so the
 * result is finite whenever every deviation is.  Infinity if a deviation
 * itself overflows (the caller raises 22003).
 */
static double
stable_scale(LogisticState *s, int j, double mean)
{
	double		big = 0.0,
				sum = 0.0;
	int64		i;

	for (i = 0; i < s->n; i++)
		big = Max(big, fabs(s->rows[i * (s->p + 1) + j + 1] - mean));
	if (!isfinite(big) || big == 0.0)
		return big;
	for (i = 0; i < s->n; i++)
	{
		double		d = (s->rows[i * (s->p + 1) + j + 1] - mean) / big;

		sum += d * d;
	}
	return big * sqrt(sum / (double) s->n);
}

PG_FUNCTION_INFO_V1(crm_logistic_fit_final);

/*
 * crm_logistic_fit_final: standardise, run Newton's method and return a
 * crm.logistic_model.  Both labels are needed (22023); a fit that does not
 * converge, or whose coefficients diverge (separable data with lambda = 0),
 * is returned with converged = false and a WARNING.
 */
Datum
crm_logistic_fit_final(PG_FUNCTION_ARGS)
{
	LogisticState *s = (LogisticState *) PG_GETARG_POINTER(0);
	int			p = s->p,
				k = p + 1;
	double	   *mean = palloc0(Max(p, 1) * sizeof(double));
	double	   *scale = palloc0(Max(p, 1) * sizeof(double));
	double	   *beta = palloc0(k * sizeof(double));
	double	   *trial = palloc(k * sizeof(double));
	double	   *grad = palloc(k * sizeof(double));
	double	   *hess = palloc(k * k * sizeof(double));
	double	   *z = palloc(k * sizeof(double));
	double		positives = 0.0,
				f;
	int64		i;
	int			j,
				iter;
	bool		converged = false;
	TupleDesc	tupdesc;
	Datum		values[9];
	bool		nulls[9] = {0};

	for (i = 0; i < s->n; i++)
	{
		positives += s->rows[i * k];
		for (j = 0; j < p; j++)
			mean[j] += s->rows[i * k + j + 1];
	}
	if (positives == 0 || positives == (double) s->n)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("logistic regression needs both true and false labels"),
				 errdetail("All %lld rows have the label %s.", (long long) s->n,
						   positives == 0 ? "false" : "true")));
	for (j = 0; j < p; j++)
	{
		mean[j] /= (double) s->n;
		if (!isfinite(mean[j]))
			mean[j] = stable_mean(s, j);
	}
	for (i = 0; i < s->n; i++)
		for (j = 0; j < p; j++)
		{
			double		d = s->rows[i * k + j + 1] - mean[j];

			scale[j] += d * d;
		}
	for (j = 0; j < p; j++)
	{
		scale[j] = isfinite(scale[j]) ? sqrt(scale[j] / (double) s->n)
			: stable_scale(s, j, mean[j]);
		if (!isfinite(scale[j]))
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("feature %d cannot be standardised", j + 1),
					 errdetail("Its deviations from the mean \"%g\" exceed the range of float8.", mean[j]),
					 errhint("Rescale the feature, for example to thousands or to its logarithm.")));
		if (!(scale[j] > 0))
			scale[j] = 1.0;		/* a constant feature: centred to 0 */
	}

	/* start at the intercept of the base rate */
	beta[0] = log(positives / ((double) s->n - positives));
	f = logistic_objective(s, mean, scale, beta, NULL, NULL, z);
	for (iter = 0; iter < crm_churn_max_iterations; iter++)
	{
		double		gmax = 0.0,
					step = 1.0,
					fnew = f;
		int			h;

		logistic_objective(s, mean, scale, beta, grad, hess, z);
		for (j = 0; j < k; j++)
			gmax = Max(gmax, fabs(grad[j]));
		if (gmax < crm_churn_tolerance)
		{
			converged = true;
			break;
		}
		/* a constant feature without penalty has a zero row: keep it solvable */
		for (j = 0; j < k; j++)
			hess[j * k + j] += 1e-12;
		if (!cholesky_solve(hess, grad, k))
			break;
		for (h = 0; h < 40; h++)
		{
			for (j = 0; j < k; j++)
				trial[j] = beta[j] - step * grad[j];
			fnew = logistic_objective(s, mean, scale, trial, NULL, NULL, z);
			if (fnew <= f)
				break;
			step *= 0.5;
		}
		if (h == 40)
		{
			converged = (gmax < 1e3 * crm_churn_tolerance);
			break;
		}
		memcpy(beta, trial, k * sizeof(double));
		if (f - fnew <= 1e-15 * (1.0 + fabs(f)) && gmax < 1e3 * crm_churn_tolerance)
		{
			f = fnew;
			converged = true;
			iter++;
			break;
		}
		f = fnew;
	}
	/*
	 * Separable classes: the loss tends to 0 as the coefficients grow without
	 * bound, so a small gradient is no proof of an optimum.  A standardised
	 * coefficient above 25 (odds x e^25 per standard deviation) is taken as
	 * divergence.
	 */
	for (j = 1; j < k; j++)
		if (fabs(beta[j]) > 25.0)
			converged = false;
	if (!converged)
		ereport(WARNING,
				(errmsg("logistic regression did not converge after %d iterations", iter),
				 errdetail("The model is returned with converged = false."),
				 errhint("The classes may be separable: use a positive lambda.")));

	tupdesc = CrmResultTupleDesc(fcinfo);
	values[0] = Float8GetDatum(beta[0]);
	values[1] = float8_array_datum(beta + 1, p);
	values[2] = float8_array_datum(mean, p);
	values[3] = float8_array_datum(scale, p);
	values[4] = Float8GetDatum(s->lambda);
	/* the log-likelihood of the data, without the penalty */
	f = logistic_objective(s, mean, scale, beta, NULL, NULL, z);
	for (j = 1; j < k; j++)
		f -= 0.5 * s->lambda * beta[j] * beta[j];
	values[5] = Float8GetDatum(-(double) s->n * f);
	values[6] = Int64GetDatum(s->n);
	values[7] = Int32GetDatum(iter);
	values[8] = BoolGetDatum(converged);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

/*
 * model_array: float8[] attribute attno of a crm.logistic_model.
 */
static double *
model_array(HeapTupleHeader m, int attno, const char *name, int *n)
{
	bool		isnull;
	Datum		d = GetAttributeByNum(m, attno, &isnull);

	if (isnull)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("model field \"%s\" is null", name)));
	return float8_array(DatumGetArrayTypeP(d), n, name);
}

PG_FUNCTION_INFO_V1(crm_logistic_predict);

/*
 * crm_logistic_predict: the probability of label true for one feature
 * vector under a crm.logistic_model.
 */
Datum
crm_logistic_predict(PG_FUNCTION_ARGS)
{
	HeapTupleHeader m = PG_GETARG_HEAPTUPLEHEADER(0);
	int			p,
				pm,
				ps,
				pc,
				j;
	double	   *x = float8_array(PG_GETARG_ARRAYTYPE_P(1), &p, "features");
	double	   *coef = model_array(m, 2, "coefficients", &pc);
	double	   *mean = model_array(m, 3, "means", &pm);
	double	   *scale = model_array(m, 4, "scales", &ps);
	double		eta;
	bool		isnull;
	Datum		d;

	if (pc != pm || pc != ps)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("logistic model has inconsistent coefficients, means and scales")));
	if (p != pc)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("features have %d elements, the model has %d", p, pc)));
	d = GetAttributeByNum(m, 1, &isnull);
	if (isnull)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("model field \"intercept\" is null")));
	eta = DatumGetFloat8(d);
	for (j = 0; j < p; j++)
	{
		if (!(scale[j] > 0))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("logistic model scale %d is not positive", j + 1)));
		eta += coef[j] * (x[j] - mean[j]) / scale[j];
	}
	if (!isfinite(eta))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("logistic model gives a non-finite score")));
	PG_RETURN_FLOAT8(1.0 / (1.0 + exp(-eta)));
}

/* ------------------------------------------------------------------ AUC */

typedef struct AucPair
{
	double		score;
	double		label;
} AucPair;

typedef struct AucState
{
	int64		n;
	int64		cap;
	AucPair    *pairs;
} AucState;

/*
 * auc_new: an empty AUC state.
 */
static AucState *
auc_new(MemoryContext cxt, int64 cap)
{
	AucState   *s = MemoryContextAlloc(cxt, sizeof(AucState));

	s->n = 0;
	s->cap = Max(cap, 64);
	s->pairs = MemoryContextAllocHuge(cxt, mul_size(s->cap, sizeof(AucPair)));
	return s;
}

/*
 * auc_push: append one (score, label).
 */
static void
auc_push(AucState *s, double score, double label)
{
	if (s->n == s->cap)
	{
		s->cap *= 2;
		s->pairs = repalloc_huge(s->pairs, mul_size(s->cap, sizeof(AucPair)));
	}
	s->pairs[s->n].score = score;
	s->pairs[s->n].label = label;
	s->n++;
}

PG_FUNCTION_INFO_V1(crm_auc_sfunc);

/*
 * crm_auc_sfunc: add one (score, label).  Not strict: rows with a NULL are
 * skipped; a NaN score is an error.
 */
Datum
crm_auc_sfunc(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	AucState   *s;
	double		score;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "crm_auc_sfunc called in non-aggregate context");
	s = PG_ARGISNULL(0) ? NULL : (AucState *) PG_GETARG_POINTER(0);
	if (PG_ARGISNULL(1) || PG_ARGISNULL(2))
	{
		if (s == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(s);
	}
	score = PG_GETARG_FLOAT8(1);
	if (isnan(score))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("score is NaN")));
	if (s == NULL)
		s = auc_new(aggcxt, 64);
	auc_push(s, score, PG_GETARG_BOOL(2) ? 1.0 : 0.0);
	PG_RETURN_POINTER(s);
}

PG_FUNCTION_INFO_V1(crm_auc_combine);

/*
 * crm_auc_combine: concatenate two partial states; the second unchanged.
 */
Datum
crm_auc_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	AucState   *s1,
			   *s2;
	int64		i;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "crm_auc_combine called in non-aggregate context");
	s1 = PG_ARGISNULL(0) ? NULL : (AucState *) PG_GETARG_POINTER(0);
	s2 = PG_ARGISNULL(1) ? NULL : (AucState *) PG_GETARG_POINTER(1);
	if (s2 == NULL)
	{
		if (s1 == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(s1);
	}
	if (s1 == NULL)
		s1 = auc_new(aggcxt, s2->n);
	for (i = 0; i < s2->n; i++)
		auc_push(s1, s2->pairs[i].score, s2->pairs[i].label);
	PG_RETURN_POINTER(s1);
}

PG_FUNCTION_INFO_V1(crm_auc_serial);

/*
 * crm_auc_serial: the pairs as bytea.
 */
Datum
crm_auc_serial(PG_FUNCTION_ARGS)
{
	AucState   *s = (AucState *) PG_GETARG_POINTER(0);
	Size		len = add_size(VARHDRSZ, mul_size(s->n, sizeof(AucPair)));
	bytea	   *b;

	if (len > MaxAllocSize)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("AUC state is too large to pass between parallel workers"),
				 errhint("Set max_parallel_workers_per_gather = 0 for this query.")));
	b = palloc(len);
	SET_VARSIZE(b, len);
	memcpy(VARDATA(b), s->pairs, s->n * sizeof(AucPair));
	PG_RETURN_BYTEA_P(b);
}

PG_FUNCTION_INFO_V1(crm_auc_deserial);

/*
 * crm_auc_deserial: the pairs from bytea, length checked.
 */
Datum
crm_auc_deserial(PG_FUNCTION_ARGS)
{
	bytea	   *b = PG_GETARG_BYTEA_PP(0);
	MemoryContext aggcxt;
	Size		len = VARSIZE_ANY_EXHDR(b);
	AucState   *s;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "crm_auc_deserial called in non-aggregate context");
	if (len % sizeof(AucPair) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid AUC state")));
	s = auc_new(aggcxt, len / sizeof(AucPair));
	memcpy(s->pairs, VARDATA_ANY(b), len);
	s->n = len / sizeof(AucPair);
	PG_RETURN_POINTER(s);
}

/*
 * pair_cmp: order pairs by score.
 */
static int
pair_cmp(const void *a, const void *b)
{
	double		x = ((const AucPair *) a)->score;
	double		y = ((const AucPair *) b)->score;

	return (x > y) - (x < y);
}

PG_FUNCTION_INFO_V1(crm_auc_final);

/*
 * crm_auc_final: the area under the ROC curve, by the Mann-Whitney rank
 * sum with tied scores given their average rank (a tie counts 1/2).  Needs
 * both labels (22023).  Sorts a copy: the state is left unchanged.
 */
Datum
crm_auc_final(PG_FUNCTION_ARGS)
{
	AucState   *s = (AucState *) PG_GETARG_POINTER(0);
	AucPair    *p = palloc_extended(mul_size(Max(s->n, 1), sizeof(AucPair)), MCXT_ALLOC_HUGE);
	double		npos = 0,
				ranksum = 0;
	int64		i,
				j;

	memcpy(p, s->pairs, s->n * sizeof(AucPair));
	qsort(p, s->n, sizeof(AucPair), pair_cmp);
	for (i = 0; i < s->n; i = j)
	{
		double		pos = 0,
					avgrank;

		for (j = i; j < s->n && p[j].score == p[i].score; j++)
			pos += p[j].label;
		avgrank = (i + 1 + j) / 2.0;	/* ranks i+1 .. j */
		ranksum += pos * avgrank;
		npos += pos;
	}
	if (npos == 0 || npos == (double) s->n)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("AUC needs both true and false labels"),
				 errdetail("All %lld rows have the label %s.", (long long) s->n,
						   npos == 0 ? "false" : "true")));
	PG_RETURN_FLOAT8((ranksum - npos * (npos + 1) / 2.0) / (npos * ((double) s->n - npos)));
}
