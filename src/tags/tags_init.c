/*
 * tags_init.c
 *		Start-up of the tags area: its GUCs (crm_profile.*), registered once per
 *		backend from _PG_init.
 */
#include "postgres.h"

#include <limits.h>

#include "utils/guc.h"

#include "common/areas.h"
#include "tags/tags.h"

/* crm_profile.tagset_gin_max_query_keys (see tagset_gin.c) */
int			crm_tagset_gin_max_query_keys = 65536;

/* crm_profile.audience_cache_size, in kB (see audience.c) */
int			crm_audience_cache_size = 65536;

/*
 * CrmTagsInit: define the area's settings.  Called once from _PG_init.
 */
void
CrmTagsInit(void)
{
	DefineCustomIntVariable("crm_profile.tagset_gin_max_query_keys",
							"Most members of a crm.tagset query value that a GIN index search looks up.",
							"A larger && or <@ query scans the whole index and rechecks (so the planner "
							"prefers another plan); a larger @> or = query looks up only its first members "
							"and rechecks.",
							&crm_tagset_gin_max_query_keys,
							65536, 1, PG_INT32_MAX,
							PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("crm_profile.audience_cache_size",
							"Memory each backend may keep decoded audience bitmaps in.",
							"Tag bitmaps of crm.tag_members decoded by crm.audience are kept for "
							"the backend and reused while their row is unchanged; 0 disables this.",
							&crm_audience_cache_size,
							65536, 0, MAX_KILOBYTES,
							PGC_USERSET, GUC_UNIT_KB, NULL, NULL, NULL);
}
