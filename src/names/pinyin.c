/*
 * pinyin.c
 *		Chinese characters: traditional to simplified, toneless pinyin with
 *		surname readings, and crm.name_pinyin.
 *
 * Look-ups go through tables generated from ICU at development time
 * (han_tables.c, name_tables.c): ICU's Han-Latin transliterator costs 15-20
 * microseconds a call, a table look-up a few nanoseconds, and a compiled-in
 * table keeps the functions IMMUTABLE.  ICU reads surnames with their common
 * readings (单 dan, 曾 ceng); the first character of a Chinese name uses the
 * surname reading instead (单 shan, 曾 zeng), and compound surnames (欧阳,
 * 尉迟 yuchi) are recognised from the shipped surname list.
 */
#include "postgres.h"

#include <unicode/uchar.h>

#include "fmgr.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"

#include "common/crm_utf8.h"
#include "common/errors.h"
#include "names/names.h"
#include "names/names_tables.h"

PG_FUNCTION_INFO_V1(crm_name_pinyin);

/*
 * CrmIsHan: true for a CJK unified or compatibility ideograph (and 〇).
 */
bool
CrmIsHan(uint32 cp)
{
	return (cp >= 0x4E00 && cp <= 0x9FFF) ||
		(cp >= 0x3400 && cp <= 0x4DBF) ||
		(cp >= 0xF900 && cp <= 0xFAFF) ||
		(cp >= 0x20000 && cp <= 0x3134F) ||
		cp == 0x3007;
}

/*
 * CrmHanToSimplified: the simplified form of a traditional character, or the
 * character itself.
 */
uint32
CrmHanToSimplified(uint32 cp)
{
	static uint8 has_map[(CRM_PINYIN_LAST - CRM_PINYIN_FIRST + 1) / 8 + 1];
	static bool map_done = false;
	int			lo = 0,
				hi = crm_hant_hans_count - 1;

	if (cp < crm_hant_hans[0].from)
		return cp;
	/* Most characters of a name have no mapping: a bitmap says which do. */
	if (!map_done)
	{
		int			i;

		for (i = 0; i < crm_hant_hans_count; i++)
		{
			uint32		c = crm_hant_hans[i].from;

			if (c >= CRM_PINYIN_FIRST && c <= CRM_PINYIN_LAST)
				has_map[(c - CRM_PINYIN_FIRST) / 8] |= 1 << ((c - CRM_PINYIN_FIRST) % 8);
		}
		map_done = true;
	}
	if (cp >= CRM_PINYIN_FIRST && cp <= CRM_PINYIN_LAST &&
		!(has_map[(cp - CRM_PINYIN_FIRST) / 8] & (1 << ((cp - CRM_PINYIN_FIRST) % 8))))
		return cp;
	while (lo <= hi)
	{
		int			mid = (lo + hi) / 2;

		if (crm_hant_hans[mid].from == cp)
			return crm_hant_hans[mid].to;
		if (crm_hant_hans[mid].from < cp)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return cp;
}

/*
 * CrmHanPinyin: the toneless pinyin of a character (ordinary reading), or
 * NULL when the table has none (not Han, or a rare extension character).
 */
const char *
CrmHanPinyin(uint32 cp)
{
	uint16		i;

	if (cp == 0x3007)
		return "ling";
	if (cp < CRM_PINYIN_FIRST || cp > CRM_PINYIN_LAST)
		return NULL;
	i = crm_pinyin_index[cp - CRM_PINYIN_FIRST];
	return i ? crm_pinyin_syllables[i] : NULL;
}

/*
 * find_surname: the surname table entry for (c1, c2), or NULL.
 */
static const CrmSurname *
find_surname(uint32 c1, uint32 c2)
{
	int			lo = 0,
				hi = crm_nsurnames - 1;

	while (lo <= hi)
	{
		int			mid = (lo + hi) / 2;
		const CrmSurname *e = &crm_surnames[mid];

		if (e->c1 == c1 && e->c2 == c2)
			return e;
		if (e->c1 < c1 || (e->c1 == c1 && e->c2 < c2))
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return NULL;
}

/*
 * append_reading: append s to buf (capacity cap) after a space when buf is
 * not empty; silently stops at the capacity.
 */
static void
append_reading(char *buf, int cap, const char *s)
{
	int			l = strlen(buf);

	if (l > 0 && l + 1 < cap)
		buf[l++] = ' ';
	strlcpy(buf + l, s, cap - l);
}

/*
 * CrmHanSurname: the surname at the start of the Han run t[0..n): returns the
 * number of characters it takes (1, or 2 for a compound surname when the run
 * has at least 3 characters, 0 when n is 0) and writes its reading into
 * reading (space-separated syllables; the character itself, UTF-8, when it
 * has no reading).  Characters may be traditional.
 */
int
CrmHanSurname(const uint32 *t, int n, char *reading, int cap)
{
	uint32		c1,
				c2;
	const CrmSurname *e;
	const char *py;

	reading[0] = '\0';
	if (n <= 0)
		return 0;
	c1 = CrmHanToSimplified(t[0]);
	if (n >= 3)
	{
		c2 = CrmHanToSimplified(t[1]);
		e = find_surname(c1, c2);
		if (e)
		{
			if (e->reading)
				append_reading(reading, cap, e->reading);
			else
			{
				const CrmSurname *s1 = find_surname(c1, 0);
				const char *p2 = CrmHanPinyin(c2);

				append_reading(reading, cap, s1 && s1->reading ? s1->reading : (CrmHanPinyin(c1) ? CrmHanPinyin(c1) : "?"));
				append_reading(reading, cap, p2 ? p2 : "?");
			}
			return 2;
		}
	}
	e = find_surname(c1, 0);
	if (e && e->reading)
		append_reading(reading, cap, e->reading);
	else if ((py = CrmHanPinyin(c1)) != NULL)
		append_reading(reading, cap, py);
	else
	{
		char		u[5];

		u[CrmUtf8Encode(t[0], u)] = '\0';
		append_reading(reading, cap, u);
	}
	return 1;
}

/*
 * is_mark: whether c is a combining mark (nonspacing, spacing or enclosing).
 */
static bool
is_mark(uint32 c)
{
	int8		t = u_charType((UChar32) c);

	return t == U_NON_SPACING_MARK || t == U_COMBINING_SPACING_MARK ||
		t == U_ENCLOSING_MARK;
}

/*
 * CrmNamePinyin: s with every Chinese character replaced by its toneless
 * pinyin, syllables separated by spaces; the first character(s) of each run
 * of Chinese characters read as a surname; other text kept as it is.
 */
char *
CrmNamePinyin(const char *s, int len)
{
	uint32	   *cp = palloc((len + 1) * sizeof(uint32));
	int			n = CrmUtf8Decode(s, len, cp);
	StringInfoData buf;
	int			i = 0;
	bool		need_space = false;
	bool		has_base = false;

	initStringInfo(&buf);
	while (i < n)
	{
		if (CrmIsHan(cp[i]))
		{
			int			j = i,
						k;
			char		rd[64];

			while (j < n && CrmIsHan(cp[j]))
				j++;
			if (buf.len > 0 && buf.data[buf.len - 1] != ' ')
				appendStringInfoChar(&buf, ' ');
			k = i + CrmHanSurname(cp + i, j - i, rd, sizeof(rd));
			appendStringInfoString(&buf, rd);
			for (; k < j; k++)
			{
				const char *py = CrmHanPinyin(cp[k]);

				appendStringInfoChar(&buf, ' ');
				if (py)
					appendStringInfoString(&buf, py);
				else
				{
					char		u[5];

					u[CrmUtf8Encode(cp[k], u)] = '\0';
					appendStringInfoString(&buf, u);
				}
			}
			i = j;
			need_space = true;
		}
		else if (cp[i] >= 0x0300 && !has_base && is_mark(cp[i]))
		{
			/*
			 * A combining mark with nothing to combine with (at the start,
			 * after a space or punctuation, after a Chinese character's
			 * pinyin): dropped, as crm.name_normalize drops it.
			 */
			i++;
		}
		else
		{
			char		u[5];
			int			ul;

			if (need_space && cp[i] != ' ')
				appendStringInfoChar(&buf, ' ');
			need_space = false;
			ul = CrmUtf8Encode(cp[i], u);
			appendBinaryStringInfo(&buf, u, ul);
			has_base = u_isalnum((UChar32) cp[i]) || is_mark(cp[i]);
			i++;
			continue;
		}
		has_base = false;
	}
	pfree(cp);
	return buf.data;
}

/*
 * crm_name_pinyin: SQL crm.name_pinyin(text) -> text.
 */
Datum
crm_name_pinyin(PG_FUNCTION_ARGS)
{
	text	   *t = PG_GETARG_TEXT_PP(0);

	CrmRequireUtf8();
	PG_RETURN_TEXT_P(cstring_to_text(CrmNamePinyin(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t))));
}
