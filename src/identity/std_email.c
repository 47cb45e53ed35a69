/*
 * std_email.c
 *		crm.identity_email: e-mail addresses to one comparable form.
 *
 * Rules, in order: full-width forms to ASCII (＠ and the ideographic full
 * stop too), a "mailto:" prefix and surrounding <> dropped, white space
 * removed, lower case (the local part is case-insensitive at every provider
 * in practice).  Then the syntax is checked (one @, local part of 1-64
 * characters without leading, trailing or doubled dots, a domain of at least
 * two labels of letters, digits and hyphens, at most 254 bytes in all).  For
 * providers known to ignore them, dots and "+tag" suffixes are removed and
 * alias domains are mapped to the main one (googlemail.com -> gmail.com,
 * me.com/mac.com -> icloud.com).
 */
#include "postgres.h"

#include "fmgr.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"

#include "common/errors.h"
#include "identity/identity.h"
#include "identity/identity_text.h"

PG_FUNCTION_INFO_V1(crm_identity_email);

/* STD_RETURN: set the standardiser result and return from the core. */
#define STD_RETURN(v, ok, n) \
	do { const char *v_ = (v); r->value = v_ ? pstrdup(v_) : NULL; r->valid = (ok); r->note = (n); return; } while (0)

/* A provider rule: domain, domain to report, drop dots?, drop +tag? */
typedef struct EmailProvider
{
	const char *domain;
	const char *canonical;
	bool		drop_dots;
	bool		drop_plus;
} EmailProvider;

static const EmailProvider providers[] = {
	{"gmail.com", "gmail.com", true, true},
	{"googlemail.com", "gmail.com", true, true},
	{"outlook.com", "outlook.com", false, true},
	{"hotmail.com", "hotmail.com", false, true},
	{"live.com", "live.com", false, true},
	{"msn.com", "msn.com", false, true},
	{"icloud.com", "icloud.com", false, true},
	{"me.com", "icloud.com", false, true},
	{"mac.com", "icloud.com", false, true},
	{"fastmail.com", "fastmail.com", false, true},
	{"protonmail.com", "protonmail.com", false, true},
	{"proton.me", "proton.me", false, true},
};

/*
 * local_char_ok: characters RFC 5322 allows unquoted in a local part (plus
 * any non-ASCII byte, for internationalised addresses).
 */
static bool
local_char_ok(unsigned char c)
{
	if (c >= 0x80 || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
		return true;
	return strchr("!#$%&'*+/=?^_`{|}~.-", c) != NULL && c != '\0';
}

/*
 * check_domain: NULL if d is a valid domain name, else why not.
 */
static const char *
check_domain(const char *d)
{
	int			labels = 0;
	const char *p = d;
	const char *last = d;

	if (*d == '\0')
		return "empty domain";
	while (*p)
	{
		const char *start = p;

		while (*p && *p != '.')
		{
			unsigned char c = (unsigned char) *p;

			if (!(c >= 0x80 || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
				return "invalid character in domain";
			p++;
		}
		if (p == start)
			return "empty label in domain";
		if (p - start > 63)
			return "domain label longer than 63 characters";
		if (*start == '-' || p[-1] == '-')
			return "domain label starts or ends with a hyphen";
		labels++;
		last = start;
		if (*p == '.')
		{
			p++;
			if (*p == '\0')
				return "empty label in domain";
		}
	}
	if (labels < 2)
		return "domain has no dot";
	/* the top-level domain is not numeric */
	for (p = last; *p; p++)
		if (!(*p >= '0' && *p <= '9'))
			return NULL;
	return "numeric top-level domain";
}

/*
 * CrmStdEmail: the core of crm.identity_email(raw text) -> crm.identity_std.
 */
void
CrmStdEmail(const char *in, int inlen, CrmStd *r)
{
	int			flen;
	char	   *f = CrmIdentityFold(in, inlen, true, &flen);
	char	   *s = palloc(flen + 1);
	int			n = 0;
	int			i;
	char	   *at;
	char	   *local;
	char	   *domain;
	const char *why;
	const char *note = NULL;
	StringInfoData out;

	/* drop white space; map U+3002 / U+FF0E (full stops) to '.' */
	for (i = 0; i < flen; i++)
	{
		unsigned char c = (unsigned char) f[i];

		if (c == ' ')
			continue;
		if (c == 0xE3 && i + 2 < flen && (unsigned char) f[i + 1] == 0x80 &&
			(unsigned char) f[i + 2] == 0x82)
		{
			s[n++] = '.';
			i += 2;
			continue;
		}
		s[n++] = (char) c;
	}
	s[n] = '\0';
	if (pg_strncasecmp(s, "mailto:", 7) == 0)
		s += 7;
	if (s[0] == '<' && n > 1 && s[strlen(s) - 1] == '>')
	{
		s[strlen(s) - 1] = '\0';
		s++;
	}
	if (s[0] == '\0')
		STD_RETURN(NULL, false, "empty");

	at = strchr(s, '@');
	if (at == NULL)
		STD_RETURN(s, false, "no @");
	if (strchr(at + 1, '@') != NULL)
		STD_RETURN(s, false, "more than one @");
	if (strlen(s) > 254)
		STD_RETURN(s, false, "longer than 254 bytes");
	*at = '\0';
	local = s;
	domain = at + 1;

	if (local[0] == '\0')
		why = "empty local part";
	else if (strlen(local) > 64)
		why = "local part longer than 64 bytes";
	else if (local[0] == '.' || local[strlen(local) - 1] == '.' || strstr(local, "..") != NULL)
		why = "misplaced dot in local part";
	else
	{
		why = NULL;
		for (i = 0; local[i]; i++)
			if (!local_char_ok((unsigned char) local[i]))
			{
				why = "invalid character in local part";
				break;
			}
		if (why == NULL)
			why = check_domain(domain);
	}
	if (why != NULL)
	{
		*at = '@';
		STD_RETURN(s, false, why);
	}

	initStringInfo(&out);
	for (i = 0; i < (int) lengthof(providers); i++)
	{
		const EmailProvider *pr = &providers[i];
		char	   *plus;
		char	   *p;

		if (strcmp(domain, pr->domain) != 0)
			continue;
		if (pr->drop_plus && (plus = strchr(local, '+')) != NULL && plus != local)
			*plus = '\0';
		for (p = local; *p; p++)
			if (!(pr->drop_dots && *p == '.'))
				appendStringInfoChar(&out, *p);
		appendStringInfo(&out, "@%s", pr->canonical);
		note = pr->drop_dots ? "provider ignores dots and +tags" : "provider ignores +tags";
		break;
	}
	if (out.len == 0)
		appendStringInfo(&out, "%s@%s", local, domain);
	STD_RETURN(out.data, true, note);
}

/*
 * crm_identity_email: the SQL entry point of CrmStdEmail.
 */
Datum
crm_identity_email(PG_FUNCTION_ARGS)
{
	text	   *raw = PG_GETARG_TEXT_PP(0);
	CrmStd		r;
	CrmRequireUtf8();

	CrmStdEmail(VARDATA_ANY(raw), VARSIZE_ANY_EXHDR(raw), &r);
	PG_RETURN_DATUM(CrmIdentityStdResult(fcinfo, r.value, r.valid, r.note));
}
