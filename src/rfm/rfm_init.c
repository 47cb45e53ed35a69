/*
 * rfm_init.c
 *		Start-up of the rfm area, once per backend from _PG_init.
 */
#include "postgres.h"

#include "utils/inval.h"

#include "common/areas.h"
#include "rfm/rfm.h"

/*
 * CrmRfmInit: the area's start-up, once per backend from _PG_init: the
 * capture trigger's cache of resolved log tables listens to relcache
 * invalidations.  The area has no settings.
 */
void
CrmRfmInit(void)
{
	CacheRegisterRelcacheCallback(CrmRfmRelcacheCallback, (Datum) 0);
}
