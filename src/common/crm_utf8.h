/*
 * crm_utf8.h
 *		UTF-8 <-> code point helpers shared by the areas that work on
 *		characters rather than bytes (names, identity).
 *
 * Text in a UTF8 database is valid UTF-8 (the server checks it on input), so
 * the decoder trusts its input: it never reads past the given length and maps
 * a malformed byte to U+FFFD rather than failing.
 */
#ifndef CRM_UTF8_H
#define CRM_UTF8_H

/* CrmUtf8Decode: decode len bytes into out (room for len code points). */
extern int	CrmUtf8Decode(const char *s, int len, uint32 *out);

/* CrmUtf8Encode: append code point cp to out (room for 4 bytes); bytes written. */
extern int	CrmUtf8Encode(uint32 cp, char *out);

/*
 * CrmUtf8IsAscii: true if the len bytes at s are all ASCII; eight bytes at a
 * time, inline because it runs once per argument of every comparison.
 */
static inline bool
CrmUtf8IsAscii(const char *s, int len)
{
	int			i = 0;

	for (; i + 8 <= len; i += 8)
	{
		uint64		w;

		memcpy(&w, s + i, 8);
		if (w & UINT64CONST(0x8080808080808080))
			return false;
	}
	for (; i < len; i++)
		if ((unsigned char) s[i] >= 0x80)
			return false;
	return true;
}

/* CrmUtf8Length: number of code points in len bytes of UTF-8. */
extern int	CrmUtf8Length(const char *s, int len);

#endif							/* CRM_UTF8_H */
