/*
 * crm_utf8.c
 *		UTF-8 <-> code point helpers (see crm_utf8.h).
 *
 * Hand-written rather than pg_utf2wchar_with_len because that one stops at a
 * NUL and returns pg_wchar; these are the inner loops of every name
 * comparison, so they take the ASCII fast path byte by byte.
 */
#include "postgres.h"

#include "common/crm_utf8.h"

/*
 * CrmUtf8Decode: decode len bytes of UTF-8 at s into out, which must have
 * room for len code points; returns the number of code points.  A truncated
 * or malformed sequence yields U+FFFD for its lead byte.
 */
int
CrmUtf8Decode(const char *s, int len, uint32 *out)
{
	const unsigned char *p = (const unsigned char *) s;
	const unsigned char *end = p + len;
	int			n = 0;

	while (p < end)
	{
		unsigned char c = *p;
		uint32		cp;
		int			need;

		if (c < 0x80)
		{
			out[n++] = c;
			p++;
			continue;
		}
		if ((c & 0xE0) == 0xC0)
		{
			cp = c & 0x1F;
			need = 1;
		}
		else if ((c & 0xF0) == 0xE0)
		{
			cp = c & 0x0F;
			need = 2;
		}
		else if ((c & 0xF8) == 0xF0)
		{
			cp = c & 0x07;
			need = 3;
		}
		else
		{
			out[n++] = 0xFFFD;
			p++;
			continue;
		}
		if (end - p < need + 1)
		{
			out[n++] = 0xFFFD;
			p++;
			continue;
		}
		{
			int			i;
			bool		bad = false;

			for (i = 1; i <= need; i++)
			{
				if ((p[i] & 0xC0) != 0x80)
				{
					bad = true;
					break;
				}
				cp = (cp << 6) | (p[i] & 0x3F);
			}
			if (bad)
			{
				out[n++] = 0xFFFD;
				p++;
				continue;
			}
		}
		out[n++] = cp;
		p += need + 1;
	}
	return n;
}

/*
 * CrmUtf8Encode: write code point cp as UTF-8 at out; returns the number of
 * bytes (1-4).  Values above U+10FFFF are written as U+FFFD.
 */
int
CrmUtf8Encode(uint32 cp, char *out)
{
	unsigned char *o = (unsigned char *) out;

	if (cp < 0x80)
	{
		o[0] = (unsigned char) cp;
		return 1;
	}
	if (cp < 0x800)
	{
		o[0] = 0xC0 | (cp >> 6);
		o[1] = 0x80 | (cp & 0x3F);
		return 2;
	}
	if (cp > 0x10FFFF)
		cp = 0xFFFD;
	if (cp < 0x10000)
	{
		o[0] = 0xE0 | (cp >> 12);
		o[1] = 0x80 | ((cp >> 6) & 0x3F);
		o[2] = 0x80 | (cp & 0x3F);
		return 3;
	}
	o[0] = 0xF0 | (cp >> 18);
	o[1] = 0x80 | ((cp >> 12) & 0x3F);
	o[2] = 0x80 | ((cp >> 6) & 0x3F);
	o[3] = 0x80 | (cp & 0x3F);
	return 4;
}

/*
 * CrmUtf8Length: number of code points in len bytes (continuation bytes are
 * not counted).
 */
int
CrmUtf8Length(const char *s, int len)
{
	int			i,
				n = 0;

	for (i = 0; i < len; i++)
		if (((unsigned char) s[i] & 0xC0) != 0x80)
			n++;
	return n;
}
