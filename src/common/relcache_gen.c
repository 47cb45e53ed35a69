/*
 * relcache_gen.c
 *		The backend-wide count of relcache invalidations (relcache_gen.h).
 */
#include "postgres.h"

#include "utils/inval.h"

#include "common/relcache_gen.h"

/* Starts at 1 so that a zeroed cache entry (generation 0) is never valid. */
uint64		CrmRelcacheGeneration = 1;

/*
 * relcache_gen_callback: some relation (or, with InvalidOid, every one)
 * changed: every cached resolution is stale.
 */
static void
relcache_gen_callback(Datum arg, Oid relid)
{
	CrmRelcacheGeneration++;
}

/*
 * CrmRelcacheGenInit: register the callback.  Called once from _PG_init.
 */
void
CrmRelcacheGenInit(void)
{
	CacheRegisterRelcacheCallback(relcache_gen_callback, (Datum) 0);
}
