/*
 * churn.h
 *		Shared structures and helpers of the churn area: the grouped-input
 *		state of the fitting aggregates, the optimiser, special functions and
 *		the GUCs.
 */
#ifndef CRM_CHURN_H
#define CRM_CHURN_H

#include "fmgr.h"
#include "access/tupdesc.h"

/* GUCs (defined in churn_init.c) */
extern int	crm_churn_max_iterations;
extern double crm_churn_tolerance;
extern double crm_churn_correlation_limit;

/*
 * One group of identical inputs: up to three numbers (x, t_x, T for BG/NBD;
 * x, average spend, 0 for Gamma-Gamma) and how many customers share them.
 */
typedef struct CrmChurnGroup
{
	double		key[3];
	int64		count;
} CrmChurnGroup;

/* Opaque hash of groups, built in an aggregate's memory context. */
typedef struct CrmChurnGroups CrmChurnGroups;

extern CrmChurnGroups *CrmChurnGroupsCreate(MemoryContext cxt);
extern void CrmChurnGroupsSetUnit(CrmChurnGroups *g, double unit_days);
extern void CrmChurnGroupsAdd(CrmChurnGroups *g, const double *key, int64 count);
extern void CrmChurnGroupsMerge(CrmChurnGroups *dst, CrmChurnGroups *src);
extern bytea *CrmChurnGroupsSerialize(CrmChurnGroups *g);
extern CrmChurnGroups *CrmChurnGroupsDeserialize(bytea *b, MemoryContext cxt);
extern CrmChurnGroup *CrmChurnGroupsToArray(CrmChurnGroups *g, int *ngroups,
											int64 *ncustomers);

/* Minimisation of a smooth function of up to CRM_OPTIM_MAXDIM parameters. */
#define CRM_OPTIM_MAXDIM 8
typedef double (*CrmObjective) (const double *theta, double *grad, void *arg);

typedef struct CrmOptimResult
{
	double		value;			/* objective at the returned point */
	int			iterations;
	bool		converged;
} CrmOptimResult;

extern void CrmMinimize(CrmObjective f, void *arg, double *theta, int n,
						CrmOptimResult *res);

/* Special functions */
extern double CrmDigamma(double x);
extern double CrmHyp2f1(double a, double b, double c, double z);
extern double CrmLog1pExp(double x);
extern double CrmChurnFinite(double v, const char *what);

/* BG/NBD pieces used by the CLV (bgnbd.c) */
extern void CrmBgnbdCheckHistory(double x, double tx, double T);
extern void CrmBgnbdModelParams(FunctionCallInfo fcinfo, int argno, double *p);
extern double CrmBgnbdConditional(const double *p, double x, double tx,
								  double T, double t);

/* crm.purchase_summary fields (summary.c) */
extern bool CrmSummaryFields(FunctionCallInfo fcinfo, int argno, double *x,
							 double *tx, double *T, double *m, double *unit);

/* Composite values */
extern TupleDesc CrmResultTupleDesc(FunctionCallInfo fcinfo);
extern double CrmModelField(HeapTupleHeader model, int attno, const char *name,
							bool positive);
extern void CrmCheckModelParam(double v, const char *name);
extern Datum CrmModelFromParams(FunctionCallInfo fcinfo, int nparams,
								const char *const *names);
extern void CrmModelParams(FunctionCallInfo fcinfo, int argno, int nparams,
						   const char *const *names, double *out);

#endif							/* CRM_CHURN_H */
