/*
 * views.h
 *		The views area: registration of an application's tables, change
 *		capture by triggers, and the customer 360 views.
 */
#ifndef CRM_VIEWS_H
#define CRM_VIEWS_H

/* crm_profile.views_capture: triggers copy changes (off: skip, resync later) */
extern bool CrmViewsCapture;

#endif							/* CRM_VIEWS_H */
