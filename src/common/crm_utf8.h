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

#ifndef WORDS_BIGENDIAN
/*
 * CrmUtf8TailWord: bytes i to len - 1 of s (1 to 7 of them) in the low bytes
 * of a word, the rest zero, read with at most two loads that stay inside
 * s[0 .. len - 1] (little-endian machines only): the last eight bytes
 * shifted when the string has eight, else two overlapping loads of four or
 * two.  No loop, so no branch mispredicted on the length.
 */
static pg_attribute_always_inline uint64
CrmUtf8TailWord(const char *s, int len, int i)
{
	int			n = len - i;

	if (len >= 8)
	{
		uint64		w;

		memcpy(&w, s + len - 8, 8);
		return w >> (8 * (8 - n));
	}
	/* len < 8, so i = 0 and n = len */
	if (n >= 4)
	{
		uint32		x,
					y;

		memcpy(&x, s, 4);
		memcpy(&y, s + n - 4, 4);
		return (uint64) x | (((uint64) y >> (8 * (8 - n))) << 32);
	}
	if (n >= 2)
	{
		uint16		x,
					y;

		memcpy(&x, s, 2);
		memcpy(&y, s + n - 2, 2);
		return (uint64) x | (((uint64) y >> (8 * (4 - n))) << 16);
	}
	return (unsigned char) s[0];
}
#endif

/*
 * CrmUtf8Scan: the number of code points in the len bytes at s (bytes that
 * are not continuation bytes, as CrmUtf8Length counts them) and in *ascii
 * whether every byte is ASCII.  Inline: the distance functions run it on
 * both arguments of every call to choose their path and to test the length
 * difference before any decoding.  Eight bytes at a time, the last 1 to 7
 * by CrmUtf8TailWord on little-endian machines; ASCII text, the common
 * case, is only tested; other text is counted in a second pass.
 */
static pg_attribute_always_inline int
CrmUtf8Scan(const char *s, int len, bool *ascii)
{
	const uint64 hibits = UINT64CONST(0x8080808080808080);
	const uint64 ones = UINT64CONST(0x0101010101010101);
	uint64		high = 0,
				cont = 0,
				w,
				h;
	int			i = 0,
				whole = len & ~7;

	for (; i < whole; i += 8)
	{
		memcpy(&w, s + i, 8);
		high |= w;
	}
#ifndef WORDS_BIGENDIAN
	if (i < len)
		high |= CrmUtf8TailWord(s, len, i);
#else
	for (; i < len; i++)
		high |= (unsigned char) s[i];
#endif
	*ascii = (high & hibits) == 0;
	if (*ascii)
		return len;
	for (i = 0; i < whole; i += 8)
	{
		memcpy(&w, s + i, 8);
		/* continuation bytes (bit 7 set, bit 6 clear), summed bytewise */
		h = w & hibits & ~(w << 1);
		cont += ((h >> 7) * ones) >> 56;
	}
#ifndef WORDS_BIGENDIAN
	if (i < len)
	{
		w = CrmUtf8TailWord(s, len, i);
		h = w & hibits & ~(w << 1);
		cont += ((h >> 7) * ones) >> 56;
	}
#else
	for (; i < len; i++)
		cont += ((unsigned char) s[i] & 0xC0) == 0x80;
#endif
	return len - (int) cont;
}

#endif							/* CRM_UTF8_H */
