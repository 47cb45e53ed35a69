/*
 * views_init.c
 *		Start-up of the views area: its GUCs (crm_profile.*), registered once per
 *		backend from _PG_init.
 */
#include "postgres.h"

#include "utils/guc.h"

#include "common/areas.h"
#include "views/views.h"

bool		CrmViewsCapture = true;
static char *CrmViewsAsOf = NULL;
static int	CrmViewsActiveDays = 90;

/*
 * CrmViewsInit: define the area's settings.  Called once from _PG_init.
 */
void
CrmViewsInit(void)
{
	DefineCustomBoolVariable("crm_profile.views_capture",
							 "Whether the triggers on registered tables copy changes into crm_profile.",
							 "Turn off for a bulk load, then run crm.resync() on the table.",
							 &CrmViewsCapture,
							 true,
							 PGC_SUSET,
							 0,
							 NULL, NULL, NULL);
	DefineCustomStringVariable("crm_profile.views_as_of",
							   "The date recency, activity and scores are computed at (empty: today).",
							   "Set it to analyse historical data as of a past date.",
							   &CrmViewsAsOf,
							   "",
							   PGC_USERSET,
							   0,
							   NULL, NULL, NULL);
	DefineCustomIntVariable("crm_profile.views_active_days",
							"A customer is active when the last purchase is at most this many days before the as-of date.",
							NULL,
							&CrmViewsActiveDays,
							90, 1, 36500,
							PGC_USERSET,
							0,
							NULL, NULL, NULL);
}
