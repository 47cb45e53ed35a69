/*
 * views_init.c
 *		Start-up of the views area: its GUCs (crm_profile.*), registered once per
 *		backend from _PG_init.
 */
#include "postgres.h"

#include "common/areas.h"

/*
 * CrmViewsInit: define the area's settings.  Called once from _PG_init.
 */
void
CrmViewsInit(void)
{
}
