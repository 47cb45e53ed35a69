/*
 * churn_init.c
 *		Start-up of the churn area: its GUCs (crm_profile.*), registered once per
 *		backend from _PG_init.
 */
#include "postgres.h"

#include "utils/guc.h"

#include "common/areas.h"
#include "churn/churn.h"

int			crm_churn_max_iterations = 500;
double		crm_churn_tolerance = 1e-8;
double		crm_churn_correlation_limit = 0.3;

/*
 * CrmChurnInit: define the area's settings.  Called once from _PG_init.
 */
void
CrmChurnInit(void)
{
	DefineCustomIntVariable("crm_profile.churn_max_iterations",
							"Maximum optimiser iterations of the churn model fits.",
							"A fit that needs more returns converged = false with a WARNING.",
							&crm_churn_max_iterations,
							500, 1, 100000,
							PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomRealVariable("crm_profile.churn_tolerance",
							 "Convergence tolerance of the churn model fits.",
							 "The fit stops when every component of the gradient of the mean log-likelihood (with respect to the log-parameters) is below this.",
							 &crm_churn_tolerance,
							 1e-8, 1e-15, 1e-2,
							 PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomRealVariable("crm_profile.churn_correlation_limit",
							 "Frequency/spend correlation above which crm.gammagamma_fit warns.",
							 "The Gamma-Gamma model assumes that average spend does not depend on purchase frequency.",
							 &crm_churn_correlation_limit,
							 0.3, 0.0, 1.0,
							 PGC_USERSET, 0, NULL, NULL, NULL);
}
