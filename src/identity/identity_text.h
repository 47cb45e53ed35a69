/*
 * identity_text.h
 *		Text helpers private to the identity area's standardisers.
 */
#ifndef CRM_IDENTITY_TEXT_H
#define CRM_IDENTITY_TEXT_H

#include "mb/pg_wchar.h"

extern char *CrmIdentityFold(const char *s, int len, bool lower, int *outlen);

#endif							/* CRM_IDENTITY_TEXT_H */
