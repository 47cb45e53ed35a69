/*
 * tagset_io.c
 *		Text and binary input/output of crm.tagset.
 *
 * Text form: '{1,2,5}', members in increasing order on output.  Input also
 * accepts any order, duplicates, white space and closed ranges written
 * lo-hi ('{1-3,10}' is {1,2,3,10}).  Errors give the character position.
 *
 * Binary form (send/recv): uint8 version, uint8 flags, uint16 reserved,
 * int64 cardinality (network order), then the CRoaring portable
 * serialisation.  recv treats the bytes as untrusted: header fields are
 * checked, the payload size must match exactly, it is read with the bounded
 * deserialiser, every member is re-read in order and a fresh bitmap built
 * from them must equal the decoded one (catching unsorted, duplicate or
 * overflowing containers that would corrupt memory later), the cardinality
 * must match, and the value stored is re-serialised canonically.
 */
#include "postgres.h"

#include "libpq/pqformat.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/builtins.h"

#include "common/compat.h"
#include "tags/tags.h"

#define CRM_BATCH 4096

PG_FUNCTION_INFO_V1(crm_tagset_in);
PG_FUNCTION_INFO_V1(crm_tagset_out);
PG_FUNCTION_INFO_V1(crm_tagset_recv);
PG_FUNCTION_INFO_V1(crm_tagset_send);

/*
 * char_pos: 1-based character position of p in str, for error details.
 */
static int
char_pos(const char *str, const char *p)
{
	return pg_mbstrlen_with_len(str, p - str) + 1;
}

/* What went wrong in a text literal, for crm_tagset_in to report. */
typedef enum ParseStatus
{
	PARSE_OK,
	PARSE_SYNTAX,				/* "expected" was expected at "at" */
	PARSE_OUT_OF_RANGE,			/* the number at "at" (len chars) is too big */
	PARSE_BAD_RANGE				/* the range ending at "at" has hi < lo */
} ParseStatus;

typedef struct ParseError
{
	const char *at;
	const char *expected;
	int			len;
	uint32		lo,
				hi;
} ParseError;

/*
 * skip_space: advance past ASCII white space.
 */
static const char *
skip_space(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '\f' || *p == '\v')
		p++;
	return p;
}

/*
 * syntax: record a syntax error and return its status.
 */
static ParseStatus
syntax(ParseError *err, const char *at, const char *expected)
{
	err->at = at;
	err->expected = expected;
	return PARSE_SYNTAX;
}

/*
 * parse_member: read an unsigned integer at *pp (0 .. 4294967295).
 */
static ParseStatus
parse_member(const char **pp, uint32 *value, ParseError *err)
{
	const char *p = *pp;
	const char *start = p;
	uint64		v = 0;

	if (*p < '0' || *p > '9')
		return syntax(err, p, "an unsigned integer");
	while (*p >= '0' && *p <= '9')
	{
		v = v * 10 + (*p - '0');
		if (v > PG_UINT32_MAX)
		{
			while (*p >= '0' && *p <= '9')
				p++;
			err->at = start;
			err->len = (int) (p - start);
			return PARSE_OUT_OF_RANGE;
		}
		p++;
	}
	*pp = p;
	*value = (uint32) v;
	return PARSE_OK;
}

/*
 * parse_tagset: add the members of the literal str to bm; on failure say
 * what and where in *err (crm_tagset_in reports it, as a soft error where
 * the caller asked for one).
 */
static ParseStatus
parse_tagset(const char *str, roaring_bitmap_t *bm, ParseError *err)
{
	const char *p = skip_space(str);
	uint32	   *buf;
	int			n = 0;
	ParseStatus st;

	if (*p != '{')
		return syntax(err, p, "\"{\"");
	p = skip_space(p + 1);
	buf = palloc(CRM_BATCH * sizeof(uint32));
	if (*p == '}')
		p++;
	else
	{
		for (;;)
		{
			uint32		lo;

			if ((st = parse_member(&p, &lo, err)) != PARSE_OK)
				return st;
			p = skip_space(p);
			if (*p == '-')
			{
				const char *hipos;
				uint32		hi;

				p = skip_space(p + 1);
				hipos = p;
				if ((st = parse_member(&p, &hi, err)) != PARSE_OK)
					return st;
				if (hi < lo)
				{
					err->at = hipos;
					err->lo = lo;
					err->hi = hi;
					return PARSE_BAD_RANGE;
				}
				roaring_bitmap_add_range_closed(bm, lo, hi);
				p = skip_space(p);
			}
			else
			{
				buf[n++] = lo;
				if (n == CRM_BATCH)
				{
					roaring_bitmap_add_many(bm, n, buf);
					n = 0;
					CHECK_FOR_INTERRUPTS();
				}
			}
			if (*p == ',')
			{
				p = skip_space(p + 1);
				continue;
			}
			if (*p == '}')
			{
				p++;
				break;
			}
			return syntax(err, p, "\",\", \"-\" or \"}\"");
		}
	}
	p = skip_space(p);
	if (*p != '\0')
		return syntax(err, p, "end of input after \"}\"");
	if (n > 0)
		roaring_bitmap_add_many(bm, n, buf);
	pfree(buf);
	return PARSE_OK;
}

/*
 * crm_tagset_in: text to tagset.  Errors go through CRM_INPUT_ERROR, so on
 * PostgreSQL 16+ a caller asking for soft errors (pg_input_is_valid) gets
 * them; the partly built bitmap is owned by the memory context either way.
 */
Datum
crm_tagset_in(PG_FUNCTION_ARGS)
{
	char	   *str = PG_GETARG_CSTRING(0);
	CrmRoaring *r = CrmRoaringCreate(CurrentMemoryContext);
	ParseError	err;

	switch (parse_tagset(str, r->bm, &err))
	{
		case PARSE_OK:
			break;
		case PARSE_SYNTAX:
			CRM_INPUT_ERROR(fcinfo,
							(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
							 errmsg("invalid input syntax for type crm.tagset: \"%s\"", str),
							 *err.at == '\0' ?
							 errdetail("Expected %s at position %d (end of input).", err.expected,
									   char_pos(str, err.at)) :
							 errdetail("Expected %s at position %d.", err.expected,
									   char_pos(str, err.at)),
							 errhint("A tagset is written like '{1,2,5}' or '{1-3,10}' with integers from 0 to 4294967295.")));
			return (Datum) 0;
		case PARSE_OUT_OF_RANGE:
			CRM_INPUT_ERROR(fcinfo,
							(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
							 errmsg("value \"%.*s\" is out of range for type crm.tagset",
									err.len, err.at),
							 errdetail("Members are integers from 0 to 4294967295; this one starts at position %d.",
									   char_pos(str, err.at))));
			return (Datum) 0;
		case PARSE_BAD_RANGE:
			CRM_INPUT_ERROR(fcinfo,
							(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
							 errmsg("invalid input syntax for type crm.tagset: \"%s\"", str),
							 errdetail("The range ending at position %d has its upper bound %u below its lower bound %u.",
									   char_pos(str, err.at), err.hi, err.lo)));
			return (Datum) 0;
	}
	PG_RETURN_CRM_TAGSET_P(CrmTagsetFromRoaring(r));
}

/*
 * crm_tagset_out: tagset to text, members in increasing order.
 */
Datum
crm_tagset_out(PG_FUNCTION_ARGS)
{
	CrmTagset  *ts = PG_GETARG_CRM_TAGSET_P(0);
	CrmRoaring *r = CrmTagsetOpen(ts, CurrentMemoryContext);
	roaring_uint32_iterator_t it;
	StringInfoData out;
	uint32	   *buf = palloc(CRM_BATCH * sizeof(uint32));
	uint32		got;
	bool		first = true;

	initStringInfo(&out);
	appendStringInfoChar(&out, '{');
	roaring_init_iterator(r->bm, &it);
	while ((got = roaring_read_uint32_iterator(&it, buf, CRM_BATCH)) > 0)
	{
		uint32		i;

		enlargeStringInfo(&out, got * 11);
		for (i = 0; i < got; i++)
		{
			if (!first)
				out.data[out.len++] = ',';
			first = false;
			out.len += pg_ultoa_n(buf[i], out.data + out.len);
		}
		out.data[out.len] = '\0';
		CHECK_FOR_INTERRUPTS();
	}
	appendStringInfoChar(&out, '}');
	CrmRoaringFree(r);
	pfree(buf);
	PG_RETURN_CSTRING(out.data);
}

/*
 * crm_tagset_send: tagset to its binary form.
 */
Datum
crm_tagset_send(PG_FUNCTION_ARGS)
{
	CrmTagset  *ts = PG_GETARG_CRM_TAGSET_P(0);
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendbyte(&buf, ts->version);
	pq_sendbyte(&buf, ts->flags);
	pq_sendint16(&buf, ts->reserved);
	pq_sendint64(&buf, (int64) CrmTagsetCard(ts));
	pq_sendbytes(&buf, ts->payload, VARSIZE(ts) - CRM_TAGSET_HDRSZ);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* State of the member-by-member re-read of an untrusted bitmap. */
typedef struct RecvCheck
{
	roaring_bitmap_t *out;		/* the bitmap rebuilt from the members */
	uint64		count;
	uint32		prev;
	bool		ordered;		/* false once a member is not increasing */
	int			n;
	uint32		buf[CRM_BATCH];
} RecvCheck;

/*
 * recv_member: roaring_iterate callback: check strictly increasing order
 * and add the member to the rebuilt bitmap (in batches).  Interrupts are
 * serviced between batches: CRoaring holds no allocation of its own while
 * it iterates, and both bitmaps are owned by the memory context, so leaving
 * by longjmp loses nothing.
 */
static bool
recv_member(uint32_t value, void *param)
{
	RecvCheck  *st = (RecvCheck *) param;

	if (st->count > 0 && value <= st->prev)
	{
		st->ordered = false;
		return false;
	}
	st->prev = value;
	st->count++;
	st->buf[st->n++] = value;
	if (st->n == CRM_BATCH)
	{
		roaring_bitmap_add_many(st->out, st->n, st->buf);
		st->n = 0;
		CHECK_FOR_INTERRUPTS();
	}
	return true;
}

/*
 * bad_binary: report invalid binary input.
 */
static void
bad_binary(const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
			 errmsg("invalid binary representation of crm.tagset"),
			 errdetail_internal("%s", detail)));
}

/*
 * crm_tagset_recv: binary form to tagset, validating every byte.
 */
Datum
crm_tagset_recv(PG_FUNCTION_ARGS)
{
	StringInfo	msg = (StringInfo) PG_GETARG_POINTER(0);
	int			version,
				flags,
				reserved;
	uint64		card;
	int			plen;
	const char *payload;
	CrmRoaring *in,
			   *out;
	RecvCheck  *st;

	if (msg->len - msg->cursor < 12)
		bad_binary("The value is shorter than the 12-byte tagset header.");
	version = pq_getmsgbyte(msg);
	flags = pq_getmsgbyte(msg);
	reserved = pq_getmsgint(msg, 2);
	card = (uint64) pq_getmsgint64(msg);
	if (version != CRM_TAGSET_VERSION)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid binary representation of crm.tagset"),
				 errdetail("Format version %d is not supported; this library reads version %d.",
						   version, CRM_TAGSET_VERSION)));
	if (flags != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid binary representation of crm.tagset"),
				 errdetail("Unknown flags 0x%02x are set.", flags)));
	if (reserved != 0)
		bad_binary("The reserved header field is not zero.");
	if (card > (uint64) PG_UINT32_MAX + 1)
		bad_binary("The cardinality is larger than 4294967296.");
	plen = msg->len - msg->cursor;
	payload = pq_getmsgbytes(msg, plen);
	if (plen == 0 ||
		roaring_bitmap_portable_deserialize_size(payload, plen) != (size_t) plen)
		bad_binary("The CRoaring payload is malformed or its size does not match the message.");

	in = CrmRoaringNew(CurrentMemoryContext);
	in->bm = roaring_bitmap_portable_deserialize_safe(payload, plen);
	if (in->bm == NULL)
		bad_binary("The CRoaring payload could not be decoded.");

	out = CrmRoaringCreate(CurrentMemoryContext);
	st = palloc(sizeof(RecvCheck));
	st->out = out->bm;
	st->count = 0;
	st->prev = 0;
	st->ordered = true;
	st->n = 0;
	roaring_iterate(in->bm, recv_member, st);
	if (!st->ordered)
		bad_binary("The members of the CRoaring payload are not strictly increasing.");
	if (st->n > 0)
		roaring_bitmap_add_many(out->bm, st->n, st->buf);
	if (!roaring_bitmap_equals(out->bm, in->bm))
		bad_binary("The CRoaring containers are inconsistent with their members.");
	if (st->count != card)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid binary representation of crm.tagset"),
				 errdetail("The header says %llu members but the payload holds %llu.",
						   (unsigned long long) card,
						   (unsigned long long) st->count)));
	CrmRoaringFree(in);
	pfree(st);
	PG_RETURN_CRM_TAGSET_P(CrmTagsetFromRoaring(out));
}
