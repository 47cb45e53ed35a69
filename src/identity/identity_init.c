/*
 * identity_init.c
 *		Start-up of the identity area: its GUCs (crm_profile.*), registered once per
 *		backend from _PG_init.
 */
#include "postgres.h"

#include "common/areas.h"

/*
 * CrmIdentityInit: define the area's settings.  Called once from _PG_init.
 */
void
CrmIdentityInit(void)
{
}
