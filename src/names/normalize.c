/*
 * normalize.c
 *		crm.name_normalize: one canonical spelling of a person's name.
 *
 * Steps: Unicode NFKC with case folding (ICU nfkc_cf: full-width to half-
 * width, compatibility forms, case), accents removed (NFD, drop the
 * nonspacing marks on letters of scripts where they are accents: Latin,
 * Greek, Cyrillic, Hebrew, Arabic ...; Indic and Thai vowel signs stay; NFC
 * again so Hangul and the like recompose), a few letters without a
 * decomposition mapped by hand (ø, ł, æ ...), apostrophes dropped (O'Brien =
 * obrien), any other punctuation or space becomes one space, Chinese
 * traditional characters become simplified (generated table), runs of Han
 * characters are joined (张 三 = 张三) and separated from other scripts, and
 * titles and honorifics are removed (Mr, Dr, 先生, 女士 ...) unless nothing
 * else is left.  ASCII input takes a fast path without ICU.
 */
#include "postgres.h"

#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/uscript.h>
#include <unicode/ustring.h>
#include <unicode/utf16.h>

#include "fmgr.h"
#include "utils/builtins.h"

#include "common/crm_utf8.h"
#include "common/errors.h"
#include "names/names.h"

PG_FUNCTION_INFO_V1(crm_name_normalize);

/* Character classes of the tokenizer. */
#define CC_SEP		0
#define CC_LETTER	1
#define CC_HAN		2
#define CC_DROP		3

/* Latin titles and honorifics (after folding and accent removal). */
static const char *const latin_titles[] = {
	"dame", "doctor", "dr", "fr", "frau", "herr", "hon", "lady", "lord",
	"madam", "madame", "miss", "mister", "mlle", "mme", "mr", "mrs", "ms",
	"mx", "prof", "professor", "rev", "senor", "senora", "senorita", "sir",
	"sra", "srta", NULL
};

/* Chinese titles written after the name (simplified), as code points. */
static const uint32 han_titles[][2] = {
	{0x5148, 0x751F},			/* 先生 */
	{0x5973, 0x58EB},			/* 女士 */
	{0x5C0F, 0x59D0},			/* 小姐 */
	{0x592A, 0x592A},			/* 太太 */
	{0x592B, 0x4EBA},			/* 夫人 */
	{0x8001, 0x5E08},			/* 老师 */
	{0x535A, 0x58EB},			/* 博士 */
	{0x6559, 0x6388},			/* 教授 */
	{0x533B, 0x751F},			/* 医生 */
	{0x540C, 0x5B66},			/* 同学 */
	{0x7ECF, 0x7406},			/* 经理 */
	{0x963F, 0x59E8},			/* 阿姨 */
};

/*
 * char_class: the tokenizer class of a folded, accent-free code point.
 */
static int
char_class(uint32 c)
{
	if (c < 0x80)
	{
		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z'))
			return CC_LETTER;
		if (c == '\'' || c == '`')
			return CC_DROP;
		return CC_SEP;
	}
	if (c == 0x2019 || c == 0x2018 || c == 0x02BC || c == 0x00B4)
		return CC_DROP;
	if (CrmIsHan(c))
		return CC_HAN;
	if (u_isalnum((UChar32) c))
		return CC_LETTER;
	switch (u_charType((UChar32) c))
	{
			/* marks left by normalisation are part of their letter */
		case U_COMBINING_SPACING_MARK:
		case U_NON_SPACING_MARK:
		case U_ENCLOSING_MARK:
			return CC_LETTER;
		default:
			break;
	}
	return CC_SEP;
}

/*
 * latin_fold: letters that NFD does not decompose, mapped to ASCII; returns
 * the replacement or NULL.
 */
static const char *
latin_fold(uint32 c)
{
	switch (c)
	{
		case 0x00F8:			/* ø */
			return "o";
		case 0x0142:			/* ł */
			return "l";
		case 0x0111:			/* đ */
		case 0x00F0:			/* ð */
			return "d";
		case 0x00E6:			/* æ */
			return "ae";
		case 0x0153:			/* œ */
			return "oe";
		case 0x00FE:			/* þ */
			return "th";
		case 0x0131:			/* ı */
			return "i";
		case 0x0127:			/* ħ */
			return "h";
		case 0x0167:			/* ŧ */
			return "t";
		case 0x0138:			/* ĸ */
			return "k";
		default:
			return NULL;
	}
}

/*
 * marks_are_accents: whether the nonspacing marks following the base
 * character c are accents or optional pointing, removed by normalisation
 * (Latin, including Vietnamese, Greek, Cyrillic, Armenian, Hebrew, Arabic;
 * and stray marks on Chinese or Hangul characters, spaces, digits or
 * punctuation).  In the other scripts
 * (Devanagari and the other Indic scripts, Thai, Lao, Khmer, Myanmar, the
 * kana voicing marks once decomposed …) a nonspacing mark is a vowel sign, a
 * virama or part of the letter, and is kept.
 */
static bool
marks_are_accents(UChar32 c)
{
	UErrorCode	err = U_ZERO_ERROR;
	UScriptCode sc = uscript_getScript(c, &err);

	if (U_FAILURE(err))
		return true;
	switch (sc)
	{
		case USCRIPT_COMMON:
		case USCRIPT_INHERITED:
		case USCRIPT_UNKNOWN:
		case USCRIPT_LATIN:
		case USCRIPT_GREEK:
		case USCRIPT_CYRILLIC:
		case USCRIPT_ARMENIAN:
		case USCRIPT_HEBREW:
		case USCRIPT_ARABIC:
		case USCRIPT_HAN:		/* a mark on a Chinese character is noise */
		case USCRIPT_HANGUL:
			return true;
		default:
			return false;
	}
}

/*
 * icu_normalize: run one ICU normalizer over src (UTF-16) into a palloc'd
 * buffer; returns its length.
 */
static int32
icu_normalize(const UNormalizer2 *n2, const UChar *src, int32 srclen, UChar **dst)
{
	UErrorCode	err = U_ZERO_ERROR;
	int32		cap = srclen * 2 + 16;
	int32		len;

	*dst = palloc(cap * sizeof(UChar));
	len = unorm2_normalize(n2, src, srclen, *dst, cap, &err);
	if (err == U_BUFFER_OVERFLOW_ERROR)
	{
		pfree(*dst);
		cap = len + 1;
		*dst = palloc(cap * sizeof(UChar));
		err = U_ZERO_ERROR;
		len = unorm2_normalize(n2, src, srclen, *dst, cap, &err);
	}
	if (U_FAILURE(err))
		elog(ERROR, "ICU normalization failed: %s", u_errorName(err));
	return len;
}

/*
 * fold_to_codepoints: the folded, accent-free code points of s (non-ASCII
 * path); *n receives their number.
 */
static uint32 *
fold_to_codepoints(const char *s, int len, int *n)
{
	static const UNormalizer2 *nfkc_cf = NULL;
	static const UNormalizer2 *nfd = NULL;
	static const UNormalizer2 *nfc = NULL;
	UErrorCode	err = U_ZERO_ERROR;
	UChar	   *u16,
			   *folded,
			   *decomposed,
			   *stripped,
			   *composed;
	int32		u16len,
				flen,
				dlen,
				slen = 0,
				clen,
				i;
	uint32	   *out;
	int			k = 0;
	bool		strip_marks = true;	/* a mark with no base is dropped */

	if (nfkc_cf == NULL)
	{
		nfkc_cf = unorm2_getNFKCCasefoldInstance(&err);
		if (U_SUCCESS(err))
			nfd = unorm2_getNFDInstance(&err);
		if (U_SUCCESS(err))
			nfc = unorm2_getNFCInstance(&err);
		if (U_FAILURE(err))
		{
			nfkc_cf = NULL;
			elog(ERROR, "could not load ICU normalizers: %s", u_errorName(err));
		}
	}

	u16 = palloc((len + 1) * sizeof(UChar));
	u_strFromUTF8Lenient(u16, len + 1, &u16len, s, len, &err);
	if (U_FAILURE(err))
		elog(ERROR, "ICU UTF-8 conversion failed: %s", u_errorName(err));
	flen = icu_normalize(nfkc_cf, u16, u16len, &folded);
	dlen = icu_normalize(nfd, folded, flen, &decomposed);
	stripped = palloc((dlen + 1) * sizeof(UChar));
	for (i = 0; i < dlen;)
	{
		UChar32		c;
		int32		start = i;
		int8		type;

		U16_NEXT(decomposed, i, dlen, c);
		type = u_charType(c);
		if (type == U_NON_SPACING_MARK || type == U_ENCLOSING_MARK)
		{
			if (strip_marks)
				continue;
		}
		else if (type != U_COMBINING_SPACING_MARK)
			strip_marks = marks_are_accents(c);
		while (start < i)
			stripped[slen++] = decomposed[start++];
	}
	clen = icu_normalize(nfc, stripped, slen, &composed);

	out = palloc((clen * 2 + 1) * sizeof(uint32));
	for (i = 0; i < clen;)
	{
		UChar32		c;
		const char *rep;

		U16_NEXT(composed, i, clen, c);
		rep = latin_fold((uint32) c);
		if (rep)
		{
			while (*rep)
				out[k++] = (uint32) *rep++;
		}
		else
			out[k++] = (uint32) c;
	}
	pfree(u16);
	pfree(folded);
	pfree(decomposed);
	pfree(stripped);
	pfree(composed);
	*n = k;
	return out;
}

/*
 * han_title_suffix: length of a title at the end of the Han run t[0..n), or
 * 0 (never the whole run).
 */
static int
han_title_suffix(const uint32 *t, int n)
{
	int			i;

	if (n <= 2)
		return 0;
	for (i = 0; i < (int) lengthof(han_titles); i++)
		if (t[n - 2] == han_titles[i][0] && t[n - 1] == han_titles[i][1])
			return 2;
	return 0;
}

/*
 * is_latin_title: true if the token is one of latin_titles.
 */
static bool
is_latin_title(const uint32 *t, int n)
{
	char		buf[16];
	int			i;

	if (n < 2 || n > 9)
		return false;
	for (i = 0; i < n; i++)
	{
		if (t[i] >= 0x80)
			return false;
		buf[i] = (char) t[i];
	}
	buf[n] = '\0';
	for (i = 0; latin_titles[i]; i++)
		if (latin_titles[i][0] == buf[0] && strcmp(buf, latin_titles[i]) == 0)
			return true;
	return false;
}

/*
 * fast_codepoints: the code points of s, lower-cased, when every one is
 * ASCII, a CJK unified ideograph (URO or extension A) or a middle dot or
 * ideographic space (which ICU's folding leaves alone or the tokenizer
 * treats as a separator anyway); NULL otherwise.  Spares ICU for Chinese
 * names, the common non-ASCII case.
 */
static uint32 *
fast_codepoints(const char *s, int len, int *n)
{
	uint32	   *cp = palloc((len + 1) * sizeof(uint32));
	int			k = CrmUtf8Decode(s, len, cp),
				i;

	for (i = 0; i < k; i++)
	{
		uint32		c = cp[i];

		if (c < 0x80)
		{
			if (c >= 'A' && c <= 'Z')
				cp[i] = c + ('a' - 'A');
		}
		else if (!((c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) ||
				   c == 0x00B7 || c == 0x30FB || c == 0x3000))
		{
			pfree(cp);
			return NULL;
		}
	}
	*n = k;
	return cp;
}

/*
 * CrmNameNormalize: the canonical spelling of the name in s (len bytes of
 * UTF-8), palloc'd and NUL-terminated; *outlen receives its length.
 */
char *
CrmNameNormalize(const char *s, int len, int *outlen)
{
	uint32	   *cp;
	int			n,
				i;
	int			ntok = 0;
	int		   *tstart,
			   *tlen;
	bool	   *than,
			   *tdrop;
	int			prevclass = CC_SEP;
	int			kept = 0;
	char	   *out,
			   *o;

	if (!CrmUtf8IsAscii(s, len) && (cp = fast_codepoints(s, len, &n)) != NULL)
		;
	else if (CrmUtf8IsAscii(s, len))
	{
		cp = palloc((len + 1) * sizeof(uint32));
		for (i = 0; i < len; i++)
		{
			unsigned char c = (unsigned char) s[i];

			cp[i] = (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
		}
		n = len;
	}
	else
		cp = fold_to_codepoints(s, len, &n);

	/* Tokens: maximal runs of one class; Han runs absorb separators. */
	tstart = palloc((n + 1) * sizeof(int));
	tlen = palloc((n + 1) * sizeof(int));
	than = palloc((n + 1) * sizeof(bool));
	tdrop = palloc0((n + 1) * sizeof(bool));
	{
		uint32	   *w = palloc((n + 1) * sizeof(uint32));
		int			wn = 0;
		bool		pending_sep = false;

		for (i = 0; i < n; i++)
		{
			int			cc = char_class(cp[i]);

			if (cc == CC_DROP)
				continue;
			if (cc == CC_SEP)
			{
				pending_sep = true;
				continue;
			}
			if (cc == CC_HAN)
				cp[i] = CrmHanToSimplified(cp[i]);
			if (ntok == 0 || cc != prevclass || (pending_sep && cc != CC_HAN))
			{
				tstart[ntok] = wn;
				tlen[ntok] = 0;
				than[ntok] = (cc == CC_HAN);
				ntok++;
			}
			w[wn++] = cp[i];
			tlen[ntok - 1]++;
			prevclass = cc;
			pending_sep = false;
		}
		pfree(cp);
		cp = w;
		n = wn;
	}

	/* Titles: drop them unless nothing else would be left. */
	for (i = 0; i < ntok; i++)
	{
		if (than[i])
		{
			int			sl = han_title_suffix(cp + tstart[i], tlen[i]);

			tlen[i] -= sl;
			kept++;
		}
		else if (is_latin_title(cp + tstart[i], tlen[i]))
			tdrop[i] = true;
		else
			kept++;
	}
	if (kept == 0)
		memset(tdrop, 0, (n + 1) * sizeof(bool));

	out = o = palloc(n * 4 + ntok + 1);
	for (i = 0; i < ntok; i++)
	{
		int			j;

		if (tdrop[i])
			continue;
		if (o != out)
			*o++ = ' ';
		for (j = 0; j < tlen[i]; j++)
			o += CrmUtf8Encode(cp[tstart[i] + j], o);
	}
	*o = '\0';
	*outlen = o - out;
	pfree(cp);
	pfree(tstart);
	pfree(tlen);
	pfree(than);
	pfree(tdrop);
	return out;
}

/*
 * crm_name_normalize: SQL crm.name_normalize(text) -> text.
 */
Datum
crm_name_normalize(PG_FUNCTION_ARGS)
{
	text	   *t = PG_GETARG_TEXT_PP(0);
	char	   *r;
	int			rlen;

	CrmRequireUtf8();
	r = CrmNameNormalize(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t), &rlen);
	PG_RETURN_TEXT_P(cstring_to_text_with_len(r, rlen));
}
