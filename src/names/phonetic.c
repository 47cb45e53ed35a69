/*
 * phonetic.c
 *		crm.name_phonetic: a sound-alike key of a name, for blocking.
 *
 * Each token gets a Metaphone-style code (consonant skeleton: ph = f,
 * c before e/i/y = s, sh/sch/ch = x, th = 0, silent letters dropped, vowels kept
 * only as a leading A, doubled codes merged, at most 6 codes); Chinese tokens
 * are coded from their pinyin, so 张三 and Zhang San get the same key.  The
 * codes of a name are sorted and de-duplicated, so the key ignores token
 * order: smith john = john smith.  This is our own simplified rule set (not
 * Double Metaphone): small, predictable, and the same code for the common
 * spelling variants of English and pinyin names.
 */
#include "postgres.h"

#include "fmgr.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"

#include "common/crm_utf8.h"
#include "common/errors.h"
#include "names/names.h"

PG_FUNCTION_INFO_V1(crm_name_phonetic);

#define MAX_CODE 6

/*
 * is_vowel: a, e, i, o, u (y is handled as a consonant).
 */
static inline bool
is_vowel(uint32 c)
{
	return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u';
}

/*
 * CrmPhoneticCode: the code of one key k[0..n) into out (room for max + 1
 * bytes, max <= 32), at most max codes; returns its length.  A non-ASCII
 * letter (another script) is kept, UTF-8, when it starts the key.
 */
int
CrmPhoneticCode(const uint32 *k, int n, char *out, int max)
{
	int			o = 0,
				i;

#define AT(x) ((x) >= 0 && (x) < n ? k[(x)] : 0)
#define EMIT(ch) do { if (o < max && (o == 0 || out[o - 1] != (ch))) out[o++] = (ch); } while (0)
	for (i = 0; i < n && o < max; i++)
	{
		uint32		c = k[i],
					nx = AT(i + 1),
					pv = AT(i - 1);

		if (c == pv && c != 'c')
			continue;
		if (c >= 0x80)
		{
			if (i == 0)
			{
				char		u[5];
				int			ul = CrmUtf8Encode(c, u);

				if (ul <= max)
				{
					memcpy(out, u, ul);
					o = ul;
				}
			}
			continue;
		}
		if (c >= '0' && c <= '9')
		{
			EMIT((char) c);
			continue;
		}
		switch (c)
		{
			case 'a':
			case 'e':
			case 'i':
			case 'o':
			case 'u':
				if (i == 0)
					EMIT('A');
				break;
			case 'b':
				if (!(i == n - 1 && pv == 'm'))
					EMIT('B');
				break;
			case 'c':
				if (nx == 'h')
				{
					EMIT('X');
					i++;
				}
				else if (nx == 'i' || nx == 'e' || nx == 'y')
					EMIT('S');
				else
					EMIT('K');
				break;
			case 'd':
				if (nx == 'g' && (AT(i + 2) == 'i' || AT(i + 2) == 'e' || AT(i + 2) == 'y'))
				{
					EMIT('J');
					i++;
				}
				else
					EMIT('T');
				break;
			case 'g':
				if (nx == 'h')
				{
					if (i == 0)
						EMIT('K');
					i++;
				}
				else if (nx == 'n' && i + 2 == n)
					;
				else if (nx == 'i' || nx == 'e' || nx == 'y')
					EMIT('J');
				else
					EMIT('K');
				break;
			case 'h':
				if ((i == 0 || strchr("csptgz", (int) pv) == NULL) && is_vowel(nx))
					EMIT('H');
				break;
			case 'k':
				if (!(i == 0 && nx == 'n') && pv != 'c')
					EMIT('K');
				break;
			case 'p':
				if (nx == 'h')
				{
					EMIT('F');
					i++;
				}
				else
					EMIT('P');
				break;
			case 'q':
				EMIT('K');
				break;
			case 's':
				if (nx == 'h')
				{
					EMIT('X');
					i++;
				}
				else if (nx == 'c' && AT(i + 2) == 'h')
				{
					EMIT('X');
					i += 2;
				}
				else if (nx == 'i' && (AT(i + 2) == 'o' || AT(i + 2) == 'a'))
					EMIT('X');
				else
					EMIT('S');
				break;
			case 't':
				if (nx == 'h')
				{
					EMIT('0');
					i++;
				}
				else if (nx == 'i' && (AT(i + 2) == 'o' || AT(i + 2) == 'a'))
					EMIT('X');
				else if (nx == 'c' && AT(i + 2) == 'h')
					;
				else
					EMIT('T');
				break;
			case 'v':
			case 'f':
				EMIT('F');
				break;
			case 'w':
				if (i == 0 && nx == 'r')
					;
				else if (i == 0 && nx == 'h')
				{
					EMIT('W');
					i++;
				}
				else if (is_vowel(nx))
					EMIT('W');
				break;
			case 'x':
				if (i == 0)
					EMIT('S');
				else
				{
					EMIT('K');
					EMIT('S');
				}
				break;
			case 'y':
				if (is_vowel(nx))
					EMIT('Y');
				break;
			case 'z':
				if (nx == 'h')
				{
					EMIT('J');
					i++;
				}
				else
					EMIT('S');
				break;
			case 'j':
				EMIT('J');
				break;
			case 'l':
				EMIT('L');
				break;
			case 'm':
				EMIT('M');
				break;
			case 'n':
				EMIT('N');
				break;
			case 'r':
				EMIT('R');
				break;
			default:
				break;
		}
	}
#undef AT
#undef EMIT
	out[o] = '\0';
	return o;
}

/*
 * CrmTokenPhonetic: phonetic code of token t of name n into out (room for
 * 8 bytes); returns its length.
 */
int
CrmTokenPhonetic(const CrmName *n, int t, char *out)
{
	return CrmPhoneticCode(n->key + n->tok[t].keyoff, n->tok[t].nkey, out, MAX_CODE);
}

/*
 * cmp_code: qsort comparator of C strings.
 */
static int
cmp_code(const void *a, const void *b)
{
	return strcmp((const char *) a, (const char *) b);
}

/*
 * CrmNamePhonetic: sorted, de-duplicated token codes of a normalised name,
 * separated by spaces ('' for an empty name).
 */
char *
CrmNamePhonetic(const char *norm, int len)
{
	CrmName    *n = palloc(sizeof(CrmName));
	char		codes[CRM_NAME_MAX_TOKENS][MAX_CODE + 2];
	int			nc = 0,
				i;
	StringInfoData buf;

	CrmNamePrepare(norm, len, n);
	for (i = 0; i < n->ntokens; i++)
		if (CrmTokenPhonetic(n, i, codes[nc]) > 0)
			nc++;
	qsort(codes, nc, sizeof(codes[0]), cmp_code);
	initStringInfo(&buf);
	for (i = 0; i < nc; i++)
	{
		if (i > 0 && strcmp(codes[i], codes[i - 1]) == 0)
			continue;
		if (buf.len > 0)
			appendStringInfoChar(&buf, ' ');
		appendStringInfoString(&buf, codes[i]);
	}
	pfree(n);
	return buf.data;
}

/*
 * crm_name_phonetic: SQL crm.name_phonetic(text) -> text.
 */
Datum
crm_name_phonetic(PG_FUNCTION_ARGS)
{
	text	   *t = PG_GETARG_TEXT_PP(0);
	char	   *norm;
	int			nlen;

	CrmRequireUtf8();
	norm = CrmNameNormalize(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t), &nlen);
	PG_RETURN_TEXT_P(cstring_to_text(CrmNamePhonetic(norm, nlen)));
}
