/*
 * relcache_gen.h
 *		A backend-wide count of relcache invalidations, for caches of trigger
 *		resolutions that must be dropped whenever some relation changes.
 *
 * A cache entry records CrmRelcacheGeneration when it is filled and is
 * valid while the counter has not moved.  One callback, registered once by
 * CrmRelcacheGenInit from _PG_init, serves every area.
 */
#ifndef CRM_RELCACHE_GEN_H
#define CRM_RELCACHE_GEN_H

extern uint64 CrmRelcacheGeneration;

extern void CrmRelcacheGenInit(void);

#endif							/* CRM_RELCACHE_GEN_H */
