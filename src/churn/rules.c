/*
 * rules.c
 *		crm.churn_warnings: the early-warning rules applied to one customer's
 *		crm.purchase_summary, giving the reasons (one per rule that fired)
 *		and a risk band.
 *
 * The rules come from the configuration table crm.churn_rules (or, while it
 * is empty, crm.churn_default_rules()).  They are read once per call site
 * (one query execution) through SPI and kept in fn_extra, so scoring a
 * million customers reads the table once; the rules themselves are a few
 * comparisons each.
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/typcache.h"

#include "churn/churn.h"

typedef enum RuleKind
{
	RULE_SPEND_DROP,
	RULE_ACTIVITY_DROP,
	RULE_OVERDUE,
	RULE_LOW_P_ALIVE
} RuleKind;

typedef struct ChurnRule
{
	char	   *name;
	RuleKind	kind;
	double		threshold;
	int			severity;		/* 0 high, 1 medium, 2 low */
} ChurnRule;

typedef struct RuleCache
{
	int			n;
	ChurnRule  *rules;
} RuleCache;

/* attribute numbers (0-based) in crm.purchase_summary */
#define S_X				2
#define S_MEAN_SPEND	5
#define S_TOTAL_SPEND	6
#define S_TX			3
#define S_T				4
#define S_RECENT_DAYS	7
#define S_RECENT_SPEND	8
#define S_EARLIER_DAYS	9
#define S_EARLIER_SPEND 10
#define S_EARLIER_SPAN	11
#define S_WINDOW		12
#define S_HOLDOUT_X		13
#define S_HOLDOUT_SPEND 14
#define S_UNIT_DAYS		15
#define S_NATTS			16

/*
 * check_summary: 22003 for a summary no crm.purchase_summary can produce:
 * a negative count, a negative or non-finite time, a non-finite spend
 * (spends may be negative: refunds), or a time unit that is not positive.
 * NULL fields (a customer without calibration purchases) are allowed.
 */
static void
check_summary(const Datum *v, const bool *isnull)
{
	static const int counts[] = {S_X, S_RECENT_DAYS, S_EARLIER_DAYS, S_HOLDOUT_X};
	static const char *const count_names[] = {"x", "recent_days", "earlier_days", "holdout_x"};
	static const int times[] = {S_TX, S_T, S_EARLIER_SPAN, S_WINDOW, S_UNIT_DAYS};
	static const char *const time_names[] = {"t_x", "T", "earlier_span", "recent_window", "time_unit_days"};
	static const int spends[] = {S_MEAN_SPEND, S_TOTAL_SPEND, S_RECENT_SPEND, S_EARLIER_SPEND, S_HOLDOUT_SPEND};
	static const char *const spend_names[] = {"mean_spend", "total_spend", "recent_spend", "earlier_spend", "holdout_spend"};
	int			i;

	for (i = 0; i < lengthof(counts); i++)
		if (!isnull[counts[i]] && DatumGetInt32(v[counts[i]]) < 0)
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("purchase summary field \"%s\" is out of range: \"%d\"",
							count_names[i], DatumGetInt32(v[counts[i]])),
					 errdetail("Purchase day counts cannot be negative.")));
	for (i = 0; i < lengthof(times); i++)
	{
		double		t;

		if (isnull[times[i]])
			continue;
		t = DatumGetFloat8(v[times[i]]);
		if (!isfinite(t) || t < 0 || (times[i] == S_UNIT_DAYS && t == 0))
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("purchase summary field \"%s\" is out of range: \"%g\"", time_names[i], t),
					 errdetail("Times must be finite and not negative, and the time unit positive.")));
	}
	for (i = 0; i < lengthof(spends); i++)
	{
		double		m;

		if (isnull[spends[i]])
			continue;
		m = DatumGetFloat8(v[spends[i]]);
		if (!isfinite(m))
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("purchase summary field \"%s\" is out of range: \"%g\"", spend_names[i], m),
					 errdetail("Spends must be finite.")));
	}
}

/*
 * load_rules: the enabled rules, most severe first, into fn_mcxt.
 */
static RuleCache *
load_rules(FunctionCallInfo fcinfo)
{
	MemoryContext mcxt = fcinfo->flinfo->fn_mcxt;
	RuleCache  *c = MemoryContextAllocZero(mcxt, sizeof(RuleCache));
	uint64		i;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute("SELECT rule, kind, threshold, "
					"CASE severity WHEN 'high' THEN 0 WHEN 'medium' THEN 1 ELSE 2 END "
					"FROM crm.churn_rules WHERE enabled "
					"UNION ALL "
					"SELECT rule, kind, threshold, "
					"CASE severity WHEN 'high' THEN 0 WHEN 'medium' THEN 1 ELSE 2 END "
					"FROM crm.churn_default_rules() "
					"WHERE NOT EXISTS (SELECT 1 FROM crm.churn_rules) "
					"ORDER BY 4, 1", true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read crm.churn_rules");
	c->n = (int) SPI_processed;
	c->rules = MemoryContextAllocZero(mcxt, Max(c->n, 1) * sizeof(ChurnRule));
	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		char	   *kind = SPI_getvalue(tup, desc, 2);
		bool		isnull;

		c->rules[i].name = MemoryContextStrdup(mcxt, SPI_getvalue(tup, desc, 1));
		if (strcmp(kind, "spend_drop") == 0)
			c->rules[i].kind = RULE_SPEND_DROP;
		else if (strcmp(kind, "activity_drop") == 0)
			c->rules[i].kind = RULE_ACTIVITY_DROP;
		else if (strcmp(kind, "overdue") == 0)
			c->rules[i].kind = RULE_OVERDUE;
		else
			c->rules[i].kind = RULE_LOW_P_ALIVE;
		c->rules[i].threshold = DatumGetFloat8(SPI_getbinval(tup, desc, 3, &isnull));
		c->rules[i].severity = DatumGetInt32(SPI_getbinval(tup, desc, 4, &isnull));
	}
	SPI_finish();
	return c;
}

PG_FUNCTION_INFO_V1(crm_churn_warnings);

/*
 * crm_churn_warnings: apply the rules to one summary.  Not strict: a NULL
 * p_alive only skips the low_p_alive rules; a NULL summary gives NULL.
 * Rules whose inputs are missing (a customer without calibration purchases,
 * no usual gap yet, no history before the recent window) do not fire.
 */
Datum
crm_churn_warnings(PG_FUNCTION_ARGS)
{
	RuleCache  *c;
	HeapTupleHeader th;
	HeapTupleData tmp;
	TupleDesc	sdesc,
				rdesc;
	Datum		v[S_NATTS];
	bool		isnull[S_NATTS];
	Datum	   *reasons;
	int			nreasons = 0,
				nsev[3] = {0, 0, 0},
				i;
	bool		have_p = !PG_ARGISNULL(1);
	double		p_alive = have_p ? PG_GETARG_FLOAT8(1) : 0.0;
	const char *band;
	Datum		out[2];
	bool		outnull[2] = {false, false};

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	if (have_p && !(p_alive >= 0.0 && p_alive <= 1.0))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("probability of being active \"%g\" is out of range", p_alive),
				 errdetail("P(alive) must be between 0 and 1.")));
	c = (RuleCache *) fcinfo->flinfo->fn_extra;
	if (c == NULL)
	{
		c = load_rules(fcinfo);
		fcinfo->flinfo->fn_extra = c;
	}

	th = PG_GETARG_HEAPTUPLEHEADER(0);
	sdesc = lookup_rowtype_tupdesc(HeapTupleHeaderGetTypeId(th), HeapTupleHeaderGetTypMod(th));
	if (sdesc->natts != S_NATTS)
		elog(ERROR, "unexpected crm.purchase_summary row type");
	tmp.t_len = HeapTupleHeaderGetDatumLength(th);
	ItemPointerSetInvalid(&tmp.t_self);
	tmp.t_tableOid = InvalidOid;
	tmp.t_data = th;
	heap_deform_tuple(&tmp, sdesc, v, isnull);
	ReleaseTupleDesc(sdesc);
	check_summary(v, isnull);

	reasons = palloc(Max(c->n, 1) * sizeof(Datum));
	for (i = 0; i < c->n; i++)
	{
		ChurnRule  *r = &c->rules[i];
		char	   *reason = NULL;

		switch (r->kind)
		{
			case RULE_SPEND_DROP:
			case RULE_ACTIVITY_DROP:
				{
					double		span,
								window,
								earlier;
					int32		edays;

					if (isnull[S_EARLIER_SPAN] || isnull[S_WINDOW] || isnull[S_EARLIER_DAYS])
						break;
					span = DatumGetFloat8(v[S_EARLIER_SPAN]);
					window = DatumGetFloat8(v[S_WINDOW]);
					edays = DatumGetInt32(v[S_EARLIER_DAYS]);
					if (!(span >= window && span > 0) || edays < 2)
						break;
					if (r->kind == RULE_SPEND_DROP)
					{
						double		recent = DatumGetFloat8(v[S_RECENT_SPEND]);

						earlier = DatumGetFloat8(v[S_EARLIER_SPEND]) * window / span;
						if (earlier > 0 && recent < r->threshold * earlier)
							reason = psprintf("%s: spent %.2f in the recent window, below %.0f%% of the earlier average %.2f",
											  r->name, recent, r->threshold * 100, earlier);
					}
					else
					{
						int32		recent = DatumGetInt32(v[S_RECENT_DAYS]);

						earlier = edays * window / span;
						if (recent < r->threshold * earlier)
							reason = psprintf("%s: %d purchase days in the recent window, below %.0f%% of the earlier average %.2f",
											  r->name, recent, r->threshold * 100, earlier);
					}
					break;
				}
			case RULE_OVERDUE:
				{
					int32		x;
					double		tx,
								T,
								unit;

					if (isnull[S_X] || isnull[S_TX] || isnull[S_T])
						break;
					x = DatumGetInt32(v[S_X]);
					tx = DatumGetFloat8(v[S_TX]);
					T = DatumGetFloat8(v[S_T]);
					unit = DatumGetFloat8(v[S_UNIT_DAYS]);
					if (x > 0 && tx > 0 && T - tx > r->threshold * tx / x)
						reason = psprintf("%s: no purchase for %.0f days, %.1f times the usual gap of %.0f days",
										  r->name, (T - tx) * unit, (T - tx) * x / tx, tx / x * unit);
					break;
				}
			case RULE_LOW_P_ALIVE:
				if (have_p && p_alive < r->threshold)
					reason = psprintf("%s: probability of being active %.3f, below %g",
									  r->name, p_alive, r->threshold);
				break;
		}
		if (reason)
		{
			reasons[nreasons++] = CStringGetTextDatum(reason);
			nsev[r->severity]++;
		}
	}
	if (nsev[0] > 0 || nsev[1] >= 2)
		band = "high";
	else if (nsev[1] > 0 || nsev[2] >= 2)
		band = "medium";
	else
		band = "low";

	rdesc = CrmResultTupleDesc(fcinfo);
	out[0] = PointerGetDatum(construct_array(reasons, nreasons, TEXTOID, -1, false, TYPALIGN_INT));
	out[1] = CStringGetTextDatum(band);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(rdesc, out, outnull)));
}
