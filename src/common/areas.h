/*
 * areas.h
 *		One start-up hook per capability area, called from _PG_init.
 *
 * Each area defines its GUCs (prefix crm_profile.) and any other once-per-
 * backend set-up in its own Crm<Area>Init; the function lives in the area's
 * <area>_init.c so that areas never edit a shared file to add a setting.
 */
#ifndef CRM_AREAS_H
#define CRM_AREAS_H

extern void CrmNamesInit(void);
extern void CrmIdentityInit(void);
extern void CrmRfmInit(void);
extern void CrmTagsInit(void);
extern void CrmChurnInit(void);
extern void CrmViewsInit(void);

#endif							/* CRM_AREAS_H */
