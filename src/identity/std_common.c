/*
 * std_common.c
 *		What every identity standardiser shares: the (value, valid, note)
 *		result row, and the text clean-up that runs before any rule (full-width
 *		forms to ASCII, white space collapsed, ASCII lower case).
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "funcapi.h"
#include "utils/builtins.h"

#include <unicode/uchar.h>
#include <unicode/ustring.h>

#include "identity/identity.h"
#include "identity/identity_text.h"

/*
 * CrmIdentityStdResult: build the crm.identity_std row (value text, valid
 * boolean, note text) of a standardiser; value and note may be NULL.
 */
Datum
CrmIdentityStdResult(FunctionCallInfo fcinfo, const char *value, bool valid,
					 const char *note)
{
	TupleDesc	tupdesc;
	Datum		values[3];
	bool		nulls[3] = {false, false, false};

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	tupdesc = BlessTupleDesc(tupdesc);
	if (value != NULL)
		values[0] = CStringGetTextDatum(value);
	else
		nulls[0] = true;
	values[1] = BoolGetDatum(valid);
	if (note != NULL)
		values[2] = CStringGetTextDatum(note);
	else
		nulls[2] = true;
	return HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls));
}

/*
 * unicode_fold: s (UTF-8, *len bytes, palloc'd) with full Unicode case
 * folding (ICU u_strFoldCase, default mappings: 'Ä' -> 'ä', 'И' -> 'и',
 * 'ß' -> "ss"), so that upper- and lower-case spellings standardise alike.
 * Text ICU cannot convert (invalid UTF-8) is returned unchanged.
 */
static char *
unicode_fold(char *s, int *len)
{
	UErrorCode	err = U_ZERO_ERROR;
	int32_t		ulen;
	int32_t		flen;
	int32_t		olen;
	UChar	   *u;
	UChar	   *f;
	char	   *out;

	u_strFromUTF8(NULL, 0, &ulen, s, *len, &err);
	if (err != U_BUFFER_OVERFLOW_ERROR && U_FAILURE(err))
		return s;
	err = U_ZERO_ERROR;
	u = palloc(sizeof(UChar) * (ulen + 1));
	u_strFromUTF8(u, ulen + 1, NULL, s, *len, &err);
	if (U_FAILURE(err))
		return s;
	/* full folding at most triples the length (U+0390 -> 3 code units) */
	f = palloc(sizeof(UChar) * (3 * ulen + 1));
	flen = u_strFoldCase(f, 3 * ulen + 1, u, ulen, U_FOLD_CASE_DEFAULT, &err);
	if (U_FAILURE(err))
		return s;
	out = palloc(3 * flen + 1);
	u_strToUTF8(out, 3 * flen + 1, &olen, f, flen, &err);
	if (U_FAILURE(err))
		return s;
	out[olen] = '\0';
	pfree(u);
	pfree(f);
	pfree(s);
	*len = olen;
	return out;
}

/*
 * CrmIdentityFold: a palloc'd copy of UTF-8 text s (len bytes) with full-width
 * ASCII forms (U+FF01..U+FF5E) and the ideographic space mapped to ASCII,
 * letters case folded (full Unicode folding) when lower is set, runs of white space collapsed
 * to one space and leading/trailing white space removed.  Other characters
 * are kept as they are.  *outlen receives the length.
 */
char *
CrmIdentityFold(const char *s, int len, bool lower, int *outlen)
{
	char	   *out = palloc(len + 1);
	int			o = 0;
	int			i = 0;
	bool		space = false;
	bool		nonascii = false;

	while (i < len)
	{
		unsigned char c = (unsigned char) s[i];
		int			ch = -1;
		int			n = 1;

		if (c == 0xEF && i + 2 < len)
		{
			/* U+FF01..U+FF5E: EF BC 81..EF BD 9E */
			unsigned char c1 = (unsigned char) s[i + 1];
			unsigned char c2 = (unsigned char) s[i + 2];
			int			cp = ((c & 0x0F) << 12) | ((c1 & 0x3F) << 6) | (c2 & 0x3F);

			if (cp >= 0xFF01 && cp <= 0xFF5E)
			{
				ch = cp - 0xFF01 + 0x21;
				n = 3;
			}
		}
		else if (c == 0xE3 && i + 2 < len &&
				 (unsigned char) s[i + 1] == 0x80 && (unsigned char) s[i + 2] == 0x80)
		{
			/* U+3000 ideographic space */
			ch = ' ';
			n = 3;
		}
		else if (c < 0x80)
			ch = c;

		if (ch >= 0)
		{
			if (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\f' || ch == '\v')
			{
				space = (o > 0);
				i += n;
				continue;
			}
			if (space)
			{
				out[o++] = ' ';
				space = false;
			}
			if (lower && ch >= 'A' && ch <= 'Z')
				ch += 'a' - 'A';
			out[o++] = (char) ch;
			i += n;
		}
		else
		{
			/* other UTF-8 sequence: copy it whole (case folded below) */
			int			l = pg_utf_mblen((const unsigned char *) s + i);

			if (l < 1 || i + l > len)
				l = 1;
			if (space)
			{
				out[o++] = ' ';
				space = false;
			}
			nonascii = true;
			memcpy(out + o, s + i, l);
			o += l;
			i += l;
		}
	}
	out[o] = '\0';
	*outlen = o;
	if (lower && nonascii)
		return unicode_fold(out, outlen);
	return out;
}
