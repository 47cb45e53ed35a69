/*
 * std_address.c
 *		crm.identity_address: postal address lines to comparable tokens.
 *
 * Latin script: lower case, punctuation to spaces, "#12" and "No. 12" to
 * "12", and common abbreviations expanded (St -> street, Rd -> road, Ave ->
 * avenue ...).  Chinese: traditional forms of the address-unit characters
 * mapped to simplified (號 -> 号, 區 -> 区 ...), and a token boundary after
 * each unit (省 市 区 县 镇 乡 村 路 街 道 巷 弄 号 栋 幢 座 楼 层 室) and before
 * each run of digits, so "上海市浦东新区世纪大道100号" becomes
 * "上海市 浦东新区 世纪大道 100号".  An address is valid when it has a word
 * and a house number (digits, or a 号 token).
 */
#include "postgres.h"

#include "fmgr.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"

#include "common/errors.h"
#include "identity/identity.h"
#include "identity/identity_text.h"

PG_FUNCTION_INFO_V1(crm_identity_address);

/* STD_RETURN: set the standardiser result and return from the core. */
#define STD_RETURN(v, ok, n) \
	do { const char *v_ = (v); r->value = v_ ? pstrdup(v_) : NULL; r->valid = (ok); r->note = (n); return; } while (0)

typedef struct AddrAbbrev
{
	const char *abbrev;
	const char *full;
} AddrAbbrev;

/* Sorted by abbrev for bsearch. */
static const AddrAbbrev abbrevs[] = {
	{"apt", "apartment"},
	{"av", "avenue"},
	{"ave", "avenue"},
	{"bldg", "building"},
	{"blvd", "boulevard"},
	{"cct", "circuit"},
	{"cir", "circle"},
	{"cl", "close"},
	{"cres", "crescent"},
	{"crt", "court"},
	{"ct", "court"},
	{"dr", "drive"},
	{"esp", "esplanade"},
	{"fl", "floor"},
	{"gr", "grove"},
	{"hwy", "highway"},
	{"ln", "lane"},
	{"mt", "mount"},
	{"pde", "parade"},
	{"pkwy", "parkway"},
	{"pl", "place"},
	{"rd", "road"},
	{"sq", "square"},
	{"st", "street"},
	{"ste", "suite"},
	{"str", "street"},
	{"tce", "terrace"},
};

/* Traditional -> simplified for characters common in addresses. */
static const pg_wchar trad_simp[][2] = {
	{0x865F, 0x53F7},			/* 號 号 */
	{0x5340, 0x533A},			/* 區 区 */
	{0x7E23, 0x53BF},			/* 縣 县 */
	{0x93AE, 0x9547},			/* 鎮 镇 */
	{0x9109, 0x4E61},			/* 鄉 乡 */
	{0x6A13, 0x697C},			/* 樓 楼 */
	{0x5C64, 0x5C42},			/* 層 层 */
	{0x68DF, 0x680B},			/* 棟 栋 */
	{0x9580, 0x95E8},			/* 門 门 */
	{0x5EE3, 0x5E7F},			/* 廣 广 */
	{0x6771, 0x4E1C},			/* 東 东 */
	{0x9053, 0x9053},			/* 道 */
	{0x7701, 0x7701},			/* 省 */
	{0x8857, 0x8857},			/* 街 */
	{0x55AE, 0x5355},			/* 單 单 */
	{0x5143, 0x5143},			/* 元 */
	{0x5BE6, 0x5B9E},			/* 實 实 */
	{0x8CEA, 0x8D28},			/* 質 质 */
	{0x5712, 0x56ED},			/* 園 园 */
	{0x7063, 0x6E7E},			/* 灣 湾 */
	{0x9F8D, 0x9F99},			/* 龍 龙 */
	{0x83EF, 0x534E},			/* 華 华 */
	{0x8208, 0x5174},			/* 興 兴 */
	{0x98A8, 0x98CE},			/* 風 风 */
	{0x967D, 0x9633},			/* 陽 阳 */
	{0x9577, 0x957F},			/* 長 长 */
	{0x6A4B, 0x6865},			/* 橋 桥 */
};

/* Characters after which a Chinese address token ends. */
static const pg_wchar unit_chars[] = {
	0x7701, 0x5E02, 0x533A, 0x53BF, 0x9547, 0x4E61, 0x6751,	/* 省 市 区 县 镇 乡 村 */
	0x8DEF, 0x8857, 0x9053, 0x5DF7, 0x5F04, 0x53F7,	/* 路 街 道 巷 弄 号 */
	0x680B, 0x5E62, 0x5EA7, 0x697C, 0x5C42, 0x5BA4	/* 栋 幢 座 楼 层 室 */
};

/*
 * abbrev_cmp: bsearch comparator over abbrevs.
 */
static int
abbrev_cmp(const void *key, const void *elem)
{
	return strcmp((const char *) key, ((const AddrAbbrev *) elem)->abbrev);
}

/*
 * is_unit: whether code point c ends a Chinese address token.
 */
static bool
is_unit(pg_wchar c)
{
	int			i;

	for (i = 0; i < (int) lengthof(unit_chars); i++)
		if (unit_chars[i] == c)
			return true;
	return false;
}

/*
 * simplify: the simplified form of an address character.
 */
static pg_wchar
simplify(pg_wchar c)
{
	int			i;

	for (i = 0; i < (int) lengthof(trad_simp); i++)
		if (trad_simp[i][0] == c)
			return trad_simp[i][1];
	return c;
}

/*
 * is_cjk: CJK unified ideographs (and extension A).
 */
static bool
is_cjk(pg_wchar c)
{
	return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF);
}

/*
 * append_wchar: append code point c to buf as UTF-8.
 */
static void
append_wchar(StringInfo buf, pg_wchar c)
{
	unsigned char tmp[8];

	unicode_to_utf8(c, tmp);
	appendBinaryStringInfo(buf, (char *) tmp, pg_utf_mblen(tmp));
}

/*
 * CrmStdAddress: the core of crm.identity_address(raw text) -> crm.identity_std.
 */
void
CrmStdAddress(const char *in, int inlen, CrmStd *r)
{
	int			flen;
	char	   *f = CrmIdentityFold(in, inlen, true, &flen);
	StringInfoData mid;
	StringInfoData out;
	int			i = 0;
	int			prevclass = 0;	/* 0 space/start, 1 digit, 2 other */
	bool		has_word = false;
	bool		has_number = false;
	char	   *tok;
	char	   *save;
	bool		pending_no = false;

	/* pass 1: code points to a spaced string */
	initStringInfo(&mid);
	while (i < flen)
	{
		const unsigned char *p = (const unsigned char *) f + i;
		int			l = pg_utf_mblen(p);
		pg_wchar	c;

		if (l < 1 || i + l > flen)
			l = 1;
		c = (l == 1) ? *p : utf8_to_unicode(p);
		i += l;
		if (c == 0xFF0C || c == 0x3001 || c == 0x3002 || c == 0xFF1B || c == 0xFF1A)
			c = ' ';			/* ， 、 。 ； ： */
		if (c < 0x80 && !((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
						  c == '-' || c == '/' || c == '\''))
			c = ' ';
		if (c == ' ')
		{
			appendStringInfoChar(&mid, ' ');
			prevclass = 0;
			continue;
		}
		c = simplify(c);
		if (c >= '0' && c <= '9')
		{
			if (prevclass == 2)
				appendStringInfoChar(&mid, ' ');
			appendStringInfoChar(&mid, (char) c);
			prevclass = 1;
			has_number = true;
			continue;
		}
		if (c >= 0x80)
			append_wchar(&mid, c);
		else
			appendStringInfoChar(&mid, (char) c);
		if (c >= 'a' && c <= 'z')
			has_word = true;
		if (is_cjk(c))
			has_word = true;
		if (c == 0x53F7)
			has_number = true;	/* 号 */
		if (is_unit(c))
		{
			appendStringInfoChar(&mid, ' ');
			prevclass = 0;
		}
		else
			prevclass = 2;
	}

	/* pass 2: tokens, abbreviations expanded */
	initStringInfo(&out);
	for (tok = strtok_r(mid.data, " ", &save); tok != NULL; tok = strtok_r(NULL, " ", &save))
	{
		const AddrAbbrev *a;

		/* "no 12" / "no. 12": drop "no" before a number */
		if (strcmp(tok, "no") == 0 || strcmp(tok, "nr") == 0)
		{
			pending_no = true;
			continue;
		}
		if (pending_no)
		{
			if (!(tok[0] >= '0' && tok[0] <= '9'))
				appendStringInfo(&out, "%sno", out.len ? " " : "");
			pending_no = false;
		}
		a = bsearch(tok, abbrevs, lengthof(abbrevs), sizeof(AddrAbbrev), abbrev_cmp);
		appendStringInfo(&out, "%s%s", out.len ? " " : "", a ? a->full : tok);
	}
	if (pending_no)
		appendStringInfo(&out, "%sno", out.len ? " " : "");

	if (out.len == 0)
		STD_RETURN(NULL, false, "empty");
	if (!has_word)
		STD_RETURN(out.data, false, "no street name");
	if (!has_number)
		STD_RETURN(out.data, false, "no house number");
	STD_RETURN(out.data, true, NULL);
}

/*
 * crm_identity_address: the SQL entry point of CrmStdAddress.
 */
Datum
crm_identity_address(PG_FUNCTION_ARGS)
{
	text	   *raw = PG_GETARG_TEXT_PP(0);
	CrmStd		r;
	CrmRequireUtf8();

	CrmStdAddress(VARDATA_ANY(raw), VARSIZE_ANY_EXHDR(raw), &r);
	PG_RETURN_DATUM(CrmIdentityStdResult(fcinfo, r.value, r.valid, r.note));
}
