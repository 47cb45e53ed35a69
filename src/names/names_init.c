/*
 * names_init.c
 *		Start-up of the names area: its GUCs (crm_profile.*), registered once per
 *		backend from _PG_init.
 */
#include "postgres.h"

#include "utils/guc.h"

#include "common/areas.h"
#include "names/names.h"

/* crm_profile.name_similarity_threshold: the %% operator's cut-off. */
double		CrmNameSimilarityThreshold = 0.8;

/*
 * CrmNamesInit: define the area's settings.  Called once from _PG_init.
 */
void
CrmNamesInit(void)
{
	DefineCustomRealVariable("crm_profile.name_similarity_threshold",
							 "Minimum crm.name_similarity for the %% (similar name) operator.",
							 "Names that share a blocking key and score at least this are similar.",
							 &CrmNameSimilarityThreshold,
							 0.8, 0.0, 1.0,
							 PGC_USERSET, 0,
							 NULL, NULL, NULL);
}
