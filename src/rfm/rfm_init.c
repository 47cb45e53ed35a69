/*
 * rfm_init.c
 *		Start-up of the rfm area, once per backend from _PG_init.
 */
#include "postgres.h"

#include "common/areas.h"
#include "rfm/rfm.h"

/*
 * CrmRfmInit: the area's start-up, once per backend from _PG_init.  The area
 * has no settings; the capture trigger's cache of resolved log tables follows
 * CrmRelcacheGeneration (common/relcache_gen.h).
 */
void
CrmRfmInit(void)
{
}
