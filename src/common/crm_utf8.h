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

/*
 * CrmUtf8Scan: the number of code points in the len bytes at s (bytes that
 * are not continuation bytes, as CrmUtf8Length counts them) and in *ascii
 * whether every byte is ASCII.  Inline: the distance functions run it on
 * both arguments of every call to choose their path and to test the length
 * difference before any decoding.  Eight bytes at a time; on little-endian
 * machines a string of 8 bytes or more ends with one load of its last eight
 * bytes instead of a loop over a varying number of bytes (a mispredicted
 * branch a string).  ASCII text, the common case, is only tested; other text
 * is counted in a second pass.
 */
static inline int
CrmUtf8Scan(const char *s, int len, bool *ascii)
{
	const uint64 hibits = UINT64CONST(0x8080808080808080);
	const uint64 ones = UINT64CONST(0x0101010101010101);
	uint64		high = 0,
				cont = 0,
				w;
	int			i = 0;

	for (; i + 8 <= len; i += 8)
	{
		memcpy(&w, s + i, 8);
		high |= w;
	}
#ifndef WORDS_BIGENDIAN
	if (i < len && len >= 8)
	{
		memcpy(&w, s + len - 8, 8);
		high |= w;
		i = len;
	}
#endif
	for (; i < len; i++)
		high |= (unsigned char) s[i];
	*ascii = (high & hibits) == 0;
	if (*ascii)
		return len;
	for (i = 0; i + 8 <= len; i += 8)
	{
		uint64		h;

		memcpy(&w, s + i, 8);
		/* continuation bytes (bit 7 set, bit 6 clear), summed bytewise */
		h = w & hibits & ~(w << 1);
		cont += ((h >> 7) * ones) >> 56;
	}
	for (; i < len; i++)
		cont += ((unsigned char) s[i] & 0xC0) == 0x80;
	return len - (int) cont;
}

#endif							/* CRM_UTF8_H */
