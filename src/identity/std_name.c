/*
 * std_name.c
 *		Person names for matching: crm.identity_name_split (full name to given
 *		and family parts) and crm.identity_name_key (a phonetic blocking key).
 *
 * The fuzzy comparison of names belongs to the names area (crm.name_*); this
 * file only does what identity needs to line up records: split a full name
 * ("Family, Given", "Given Family", or Chinese "张伟" / "欧阳娜娜" with a
 * compound family name) and give a coarse key for blocking.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"

#include "common/errors.h"
#include "identity/identity.h"
#include "identity/identity_text.h"

PG_FUNCTION_INFO_V1(crm_identity_name_split);
PG_FUNCTION_INFO_V1(crm_identity_name_clean);
PG_FUNCTION_INFO_V1(crm_identity_name_key);

/* Two-character Chinese family names (simplified and traditional). */
static const char *const compound_family[] = {
	"欧阳", "歐陽", "司马", "司馬", "诸葛", "諸葛", "上官", "东方", "東方",
	"皇甫", "尉迟", "尉遲", "公孙", "公孫", "慕容", "长孙", "長孫", "宇文",
	"司徒", "夏侯", "轩辕", "軒轅", "令狐", "端木", "独孤", "獨孤", "南宫",
	"南宮", "西门", "西門", "百里", "呼延", "澹台", "澹臺", "申屠", "万俟",
	"萬俟", "闻人", "聞人", "赫连", "赫連", "钟离", "鍾離", "宗政", "濮阳",
	"濮陽", "太史", "仲孙", "仲孫", "单于", "單于", "司空", "公冶", "左丘",
};

/*
 * clean_name: fold (full-width to ASCII, lower case, spaces collapsed) and
 * drop ASCII punctuation other than the hyphen and apostrophe inside names
 * (which are dropped too, so O'Brien = OBrien); a comma becomes ", " so
 * the splitter can see it.
 */
static char *
clean_name(const char *s, int len)
{
	int			flen;
	char	   *f = CrmIdentityFold(s, len, true, &flen);
	StringInfoData out;
	int			i;

	initStringInfo(&out);
	for (i = 0; i < flen; i++)
	{
		unsigned char c = (unsigned char) f[i];

		if (c >= 0x80 || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
			appendStringInfoChar(&out, (char) c);
		else if (c == ',')
			appendStringInfoChar(&out, ',');
		else if (c == '\'' || c == '-')
			continue;
		else if (c == 0xB7)
			continue;
		else if (out.len > 0 && out.data[out.len - 1] != ' ')
			appendStringInfoChar(&out, ' ');
	}
	while (out.len > 0 && (out.data[out.len - 1] == ' ' || out.data[out.len - 1] == ','))
		out.data[--out.len] = '\0';
	return out.data;
}

/*
 * is_cjk_start: whether the UTF-8 sequence at p is a CJK ideograph.
 */
static bool
is_cjk_start(const unsigned char *p)
{
	pg_wchar	c;

	if (*p < 0x80)
		return false;
	c = utf8_to_unicode(p);
	return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF);
}

/*
 * CrmIdentityNameClean: the cleaned name of in (inlen bytes), commas turned
 * to spaces; NULL when nothing is left.
 */
char *
CrmIdentityNameClean(const char *in, int inlen)
{
	char	   *c = clean_name(in, inlen);
	char	   *p;
	int			len;

	/* a comma is only kept for the splitter */
	for (p = c; *p; p++)
		if (*p == ',')
			*p = ' ';
	c = CrmIdentityFold(c, strlen(c), false, &len);
	return c[0] == '\0' ? NULL : c;
}

/*
 * crm_identity_name_clean: crm.identity_name_clean(text): the cleaned name
 * ("  O'Brien,  JOHN " -> "obrien john"); NULL when nothing is left.
 */
Datum
crm_identity_name_clean(PG_FUNCTION_ARGS)
{
	text	   *t = PG_GETARG_TEXT_PP(0);
	char	   *c = CrmIdentityNameClean(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
	CrmRequireUtf8();

	if (c == NULL)
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(cstring_to_text(c));
}

/*
 * CrmIdentityNameSplit: full name to given and family parts, both cleaned
 * (NULL when empty).  "Family, Given" is taken at its word; a Chinese
 * name without spaces has its family name first (two characters for the
 * compound names listed above); otherwise the last word is the family name.
 */
void
CrmIdentityNameSplit(const char *in, int inlen, char **given_out, char **family_out)
{
	char	   *c = clean_name(in, inlen);
	char	   *given = NULL;
	char	   *family = NULL;
	char	   *comma = strchr(c, ',');

	if (comma != NULL)
	{
		*comma = '\0';
		family = c;
		given = comma + 1;
		while (*given == ' ')
			given++;
		if (strchr(given, ',') != NULL)
			*strchr(given, ',') = ' ';
	}
	else if (c[0] != '\0' && strchr(c, ' ') == NULL && is_cjk_start((unsigned char *) c))
	{
		int			l1 = pg_utf_mblen((unsigned char *) c);
		int			i;
		int			flen = l1;

		for (i = 0; i < (int) lengthof(compound_family); i++)
			if (strncmp(c, compound_family[i], strlen(compound_family[i])) == 0 &&
				strlen(c) > strlen(compound_family[i]))
			{
				flen = strlen(compound_family[i]);
				break;
			}
		family = pnstrdup(c, flen);
		given = c + flen;
	}
	else
	{
		char	   *sp = strrchr(c, ' ');

		if (sp == NULL)
			family = c;
		else
		{
			*sp = '\0';
			given = c;
			family = sp + 1;
		}
	}

	*given_out = (given != NULL && given[0] != '\0') ? given : NULL;
	*family_out = (family != NULL && family[0] != '\0') ? family : NULL;
}

/*
 * crm_identity_name_split: the SQL entry point of CrmIdentityNameSplit.
 */
Datum
crm_identity_name_split(PG_FUNCTION_ARGS)
{
	text	   *t = PG_GETARG_TEXT_PP(0);
	char	   *given;
	char	   *family;
	TupleDesc	tupdesc;
	Datum		values[2];
	bool		nulls[2] = {false, false};
	CrmRequireUtf8();

	CrmIdentityNameSplit(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t), &given, &family);
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	tupdesc = BlessTupleDesc(tupdesc);
	if (given != NULL)
		values[0] = CStringGetTextDatum(given);
	else
		nulls[0] = true;
	if (family != NULL)
		values[1] = CStringGetTextDatum(family);
	else
		nulls[1] = true;
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

/*
 * soundex_code: American Soundex digit of an ASCII letter ('0' for vowels
 * and h w y, which separate or not as the algorithm says).
 */
static char
soundex_code(char c)
{
	static const char codes[] = "01230120022455012623010202";

	return (c >= 'a' && c <= 'z') ? codes[c - 'a'] : '0';
}

/*
 * crm_identity_name_key: crm.identity_name_key(text): a coarse phonetic key
 * of a cleaned name word for blocking: American Soundex of a Latin word
 * ("smith", "smyth" -> "s530"), the first ideograph of a Chinese name.
 * NULL for an empty name.
 */
Datum
crm_identity_name_key(PG_FUNCTION_ARGS)
{
	text	   *t = PG_GETARG_TEXT_PP(0);
	char	   *c = clean_name(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
	char		key[5];
	int			k = 0;
	char		last;
	char	   *p;
	CrmRequireUtf8();

	while (*c == ' ' || *c == ',')
		c++;
	if (*c == '\0')
		PG_RETURN_NULL();
	if ((unsigned char) *c >= 0x80)
		PG_RETURN_TEXT_P(cstring_to_text_with_len(c, pg_utf_mblen((unsigned char *) c)));
	if (!(*c >= 'a' && *c <= 'z'))
		PG_RETURN_TEXT_P(cstring_to_text_with_len(c, 1));
	key[k++] = *c;
	last = soundex_code(*c);
	for (p = c + 1; *p && *p != ' ' && *p != ',' && k < 4; p++)
	{
		char		code = soundex_code(*p);

		if (code != '0' && code != last)
			key[k++] = code;
		if (*p != 'h' && *p != 'w')
			last = code;
	}
	while (k < 4)
		key[k++] = '0';
	key[4] = '\0';
	PG_RETURN_TEXT_P(cstring_to_text(key));
}
