/*
 * capture.c
 *		crm.capture(): the trigger crm_profile puts on a registered table.
 *
 * One generic AFTER trigger serves every registered table.  Its arguments,
 * written by crm.register_customers/_orders/_events, say what the table is
 * (customers, orders or events), its source id, and which of the
 * application's columns plays each role.
 *
 * Orders and events are the hot path: every change only appends one row to
 * a queue table (crm.order_queue, crm.event_queue), inserted directly into
 * the heap (the queues have no index, no trigger, no constraint), so the
 * application's write pays one small heap insert.  crm.apply_changes folds
 * the queues into the copies (crm.order_fact, crm.event_fact) and the
 * per-customer summaries; the views add what is still queued, so they are
 * exact at all times.  Customer rows, written far less often, are upserted
 * into crm.record through SPI and noted in crm.record_delta for identity
 * resolution.
 *
 * The trigger must never make the application's statement fail for a CRM
 * reason.  So it does no normalisation, no matching and no scoring, it never
 * waits on a lock that the refresh holds (the queues are only appended to,
 * crm.record rows are only touched for the row the application itself is
 * changing), and a column that no longer converts (the application altered
 * its type after registration) is stored as NULL with a WARNING instead of
 * raising an error.
 */
#include "postgres.h"

#include "access/heapam.h"
#include "access/table.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "commands/sequence.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "storage/proc.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/datum.h"
#include "utils/guc.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/numeric.h"
#include "utils/rel.h"
#include "utils/timestamp.h"

#include "common/relcache_gen.h"
#include "views/views.h"

/* What a registered table is; the first trigger argument. */
typedef enum CaptureKind
{
	CAPTURE_CUSTOMERS,
	CAPTURE_ORDERS,
	CAPTURE_EVENTS
} CaptureKind;

/* How a mapped column is converted before it is stored. */
typedef enum RoleType
{
	ROLE_TEXT,					/* any type, stored as its text form */
	ROLE_TIMESTAMPTZ,			/* date, timestamp, timestamptz */
	ROLE_DATE,					/* date, timestamp, timestamptz */
	ROLE_NUMERIC				/* numeric, integers, floats, money */
} RoleType;

/* The prepared statements of the customer path. */
enum
{
	PLAN_CUSTOMER_UPSERT,
	PLAN_CUSTOMER_DELETE,
	PLAN_CUSTOMER_TRUNCATE,
	PLAN_ORDER_TRUNCATE,
	PLAN_EVENT_TRUNCATE,
	N_PLANS
};

static SPIPlanPtr plans[N_PLANS];

/* Argument counts of the three trigger forms (see crm.register_*). */
#define CUSTOMER_NARGS 13
#define ORDER_NARGS 8
#define EVENT_NARGS 7

/* Queue columns: seq, source_id, key, op, customer_source, customer_key,
 * old_customer_key, at, amount|kind, status (orders only) */
#define ORDER_QUEUE_NATTS 10
#define EVENT_QUEUE_NATTS 9

/* Queue operations. */
#define QUEUE_DELETE 0
#define QUEUE_UPSERT 1

static const char *const plan_sql[N_PLANS] = {
	/* customers: $1 source, $2 key, $3 channel, $4.. the contact columns */
	"WITH r AS (INSERT INTO crm.record AS r (source_id, source_key, channel, full_name, phone, email,"
	" birth_date, address, city, postcode, created_at)"
	" VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
	" ON CONFLICT (source_id, source_key) DO UPDATE SET channel = excluded.channel,"
	" full_name = excluded.full_name, phone = excluded.phone, email = excluded.email,"
	" birth_date = excluded.birth_date, address = excluded.address, city = excluded.city,"
	" postcode = excluded.postcode, created_at = excluded.created_at,"
	" captured_at = pg_catalog.now() RETURNING source_id, source_key)"
	" INSERT INTO crm.record_delta (source_id, source_key) SELECT source_id, source_key FROM r",
	"WITH r AS (DELETE FROM crm.record WHERE source_id OPERATOR(pg_catalog.=) $1"
	" AND source_key OPERATOR(pg_catalog.=) $2"
	" RETURNING source_id, source_key)"
	" INSERT INTO crm.record_delta (source_id, source_key) SELECT source_id, source_key FROM r",
	"WITH r AS (DELETE FROM crm.record WHERE source_id OPERATOR(pg_catalog.=) $1"
	" RETURNING source_id, source_key)"
	" INSERT INTO crm.record_delta (source_id, source_key) SELECT source_id, source_key FROM r",
	/*
	 * TRUNCATE of an orders or events table: queue the removal of every copy
	 * and of every row still queued
	 */
	"INSERT INTO crm.order_queue (source_id, order_key, op, customer_source, customer_key)"
	" SELECT source_id, order_key, 0, customer_source, customer_key FROM crm.order_fact"
	" WHERE source_id OPERATOR(pg_catalog.=) $1"
	" UNION SELECT source_id, order_key, 0, customer_source, customer_key FROM crm.order_queue"
	" WHERE source_id OPERATOR(pg_catalog.=) $1",
	"INSERT INTO crm.event_queue (source_id, event_key, op, customer_source, customer_key)"
	" SELECT source_id, event_key, 0, customer_source, customer_key FROM crm.event_fact"
	" WHERE source_id OPERATOR(pg_catalog.=) $1"
	" UNION SELECT source_id, event_key, 0, customer_source, customer_key FROM crm.event_queue"
	" WHERE source_id OPERATOR(pg_catalog.=) $1",
};

static const int plan_nargs[N_PLANS] = {11, 2, 1, 1, 1};

static const Oid customer_types[] = {INT4OID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID,
DATEOID, TEXTOID, TEXTOID, TEXTOID, TIMESTAMPTZOID};
static const Oid key_types[] = {INT4OID, TEXTOID};

/*
 * get_plan: the prepared statement number i, prepared and kept on first use.
 */
static SPIPlanPtr
get_plan(int i)
{
	const Oid  *types;
	SPIPlanPtr	plan;

	if (plans[i] != NULL)
		return plans[i];
	types = (i == PLAN_CUSTOMER_UPSERT) ? customer_types : key_types;
	plan = SPI_prepare(plan_sql[i], plan_nargs[i], (Oid *) types);
	if (plan == NULL)
		elog(ERROR, "crm.capture: SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
	SPI_keepplan(plan);
	plans[i] = plan;
	return plan;
}

/*
 * warn_column: a mapped column is missing or no longer converts.  The value
 * is stored as NULL; the warning names the table, column and type so the
 * DBA can re-register.
 */
static void
warn_column(Relation rel, const char *col, Oid typid)
{
	static LocalTransactionId warned_lxid = InvalidLocalTransactionId;
	static Oid	warned_rel = InvalidOid;
	static char warned_col[NAMEDATALEN];
	const char *relname;

	/* once per transaction, table and column: a bulk statement warns once */
	if (warned_lxid == MyProc->lxid && warned_rel == RelationGetRelid(rel) &&
		strncmp(warned_col, col, NAMEDATALEN) == 0)
		return;
	warned_lxid = MyProc->lxid;
	warned_rel = RelationGetRelid(rel);
	strlcpy(warned_col, col, NAMEDATALEN);
	relname = quote_qualified_identifier(get_namespace_name(RelationGetNamespace(rel)),
										 RelationGetRelationName(rel));
	if (typid == InvalidOid)
		ereport(WARNING,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("crm_profile: column \"%s\" of registered table \"%s\" no longer exists",
						col, relname),
				 errdetail("The value is captured as NULL; the application's statement is not affected."),
				 errhint("Register the table again with crm.unregister and crm.register_*.")));
	else
		ereport(WARNING,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("crm_profile: column \"%s\" of registered table \"%s\" has type %s, which crm_profile cannot convert",
						col, relname, format_type_be(typid)),
				 errdetail("The value is captured as NULL; the application's statement is not affected."),
				 errhint("Register the table again with crm.unregister and crm.register_*.")));
}

static Datum convert_value(Relation rel, Datum d, Oid typid, const char *col,
							RoleType role, bool *isnull);

/*
 * warn_value: a mapped column holds a value that is not finite (NaN or
 * infinite amount, infinite time); it is stored as NULL, so that one bad
 * application row cannot break the views for every reader.  Once per
 * transaction and column.
 */
static void
warn_value(Relation rel, const char *col)
{
	static LocalTransactionId warned_lxid = InvalidLocalTransactionId;
	static Oid	warned_rel = InvalidOid;
	static char warned_col[NAMEDATALEN];

	if (warned_lxid == MyProc->lxid && warned_rel == RelationGetRelid(rel) &&
		strncmp(warned_col, col, NAMEDATALEN) == 0)
		return;
	warned_lxid = MyProc->lxid;
	warned_rel = RelationGetRelid(rel);
	strlcpy(warned_col, col, NAMEDATALEN);
	ereport(WARNING,
			(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
			 errmsg("crm_profile: column \"%s\" of registered table \"%s\" holds a value that is not finite",
					col, quote_qualified_identifier(get_namespace_name(RelationGetNamespace(rel)),
													RelationGetRelationName(rel))),
			 errdetail("The value is captured as NULL; the application's statement is not affected.")));
}

/*
 * column_value: the value of column COL (a trigger argument; empty = not
 * mapped) of TUPLE, converted for ROLE.  Sets *isnull.  Never raises an
 * error for data: an unconvertible value is NULL (with a WARNING).
 */
static Datum
column_value(Relation rel, HeapTuple tuple, const char *col, RoleType role,
			 bool *isnull)
{
	TupleDesc	desc = RelationGetDescr(rel);
	int			attno;
	Oid			typid;
	Datum		d;

	*isnull = true;
	if (col[0] == '\0')
		return (Datum) 0;
	attno = SPI_fnumber(desc, col);
	if (attno <= 0 || TupleDescAttr(desc, attno - 1)->attisdropped)
	{
		warn_column(rel, col, InvalidOid);
		return (Datum) 0;
	}
	typid = TupleDescAttr(desc, attno - 1)->atttypid;
	d = heap_getattr(tuple, attno, desc, isnull);
	if (*isnull)
		return (Datum) 0;

	d = convert_value(rel, d, typid, col, role, isnull);
	if (*isnull)
		return (Datum) 0;
	if ((role == ROLE_TIMESTAMPTZ && TIMESTAMP_NOT_FINITE(DatumGetTimestampTz(d))) ||
		(role == ROLE_DATE && DATE_NOT_FINITE(DatumGetDateADT(d))) ||
		(role == ROLE_NUMERIC && (numeric_is_nan(DatumGetNumeric(d)) ||
								  numeric_is_inf(DatumGetNumeric(d)))))
	{
		warn_value(rel, col);
		*isnull = true;
		return (Datum) 0;
	}
	return d;
}

/*
 * convert_value: D, a value of type TYPID of column COL, converted for
 * ROLE; NULL (with a WARNING) if the type does not convert.
 */
static Datum
convert_value(Relation rel, Datum d, Oid typid, const char *col, RoleType role,
			  bool *isnull)
{
	switch (role)
	{
		case ROLE_TEXT:
			if (typid == TEXTOID || typid == VARCHAROID)
				return PointerGetDatum(PG_DETOAST_DATUM_PACKED(d));
			else
			{
				Oid			outfunc;
				bool		varlena;

				getTypeOutputInfo(typid, &outfunc, &varlena);
				return PointerGetDatum(cstring_to_text(OidOutputFunctionCall(outfunc, d)));
			}
		case ROLE_TIMESTAMPTZ:
			if (typid == TIMESTAMPTZOID)
				return d;
			else if (typid == TIMESTAMPOID || typid == DATEOID)
			{
				int			overflow = 0;
				TimestampTz r;

				if (typid == TIMESTAMPOID)
					r = timestamp2timestamptz_opt_overflow(DatumGetTimestamp(d), &overflow);
				else
					r = date2timestamptz_opt_overflow(DatumGetDateADT(d), &overflow);
				if (overflow != 0)
					break;
				return TimestampTzGetDatum(r);
			}
			break;
		case ROLE_DATE:
			if (typid == DATEOID)
				return d;
			else if (typid == TIMESTAMPOID)
				return DirectFunctionCall1(timestamp_date, d);
			else if (typid == TIMESTAMPTZOID)
				return DirectFunctionCall1(timestamptz_date, d);
			break;
		case ROLE_NUMERIC:
			switch (typid)
			{
				case NUMERICOID:
					return PointerGetDatum(PG_DETOAST_DATUM_PACKED(d));
				case INT2OID:
					return DirectFunctionCall1(int2_numeric, d);
				case INT4OID:
					return DirectFunctionCall1(int4_numeric, d);
				case INT8OID:
					return DirectFunctionCall1(int8_numeric, d);
				case FLOAT4OID:
					return DirectFunctionCall1(float4_numeric, d);
				case FLOAT8OID:
					return DirectFunctionCall1(float8_numeric, d);
				case MONEYOID:
					return DirectFunctionCall1(cash_numeric, d);
				default:
					break;
			}
			break;
	}
	warn_column(rel, col, typid);
	*isnull = true;
	return (Datum) 0;
}

/*
 * run_plan: execute prepared statement I (of the customer path) with N
 * values, in its own SPI connection.
 */
static void
run_plan(int i, Datum *values, bool *nulls, int n)
{
	char		nullchars[16];
	int			k;
	int			rc;
	int			save_nestlevel;

	Assert(n <= lengthof(nullchars) - 1);
	for (k = 0; k < n; k++)
		nullchars[k] = nulls[k] ? 'n' : ' ';
	nullchars[n] = '\0';

	/*
	 * The function is SECURITY DEFINER without a SET clause (a SET would
	 * save and restore the GUC state on every row of the hot path); the
	 * statements name every object and operator with its schema, and the
	 * search path is pinned here, where SQL is actually run.
	 */
	save_nestlevel = NewGUCNestLevel();
	(void) set_config_option("search_path", "pg_catalog, pg_temp",
							 PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "crm.capture: SPI_connect failed");
	rc = SPI_execute_plan(get_plan(i), values, nullchars, false, 0);
	if (rc < 0)
		elog(ERROR, "crm.capture: SPI_execute_plan failed: %s", SPI_result_code_string(rc));
	SPI_finish();
	AtEOXact_GUC(true, save_nestlevel);
}

/*
 * queue_insert: append one row (VALUES, NULLS; slot 0 is filled here with
 * the next queue sequence number) to crm.QUEUE, straight into the heap.  The
 * queue tables have no index, trigger or constraint, so nothing else is due;
 * if someone altered one, the change is not captured (WARNING) rather than
 * failing the application's statement.
 */
static void
queue_insert(const char *queue, int natts, Datum *values, bool *nulls)
{
	Oid			nsp = get_namespace_oid("crm", false);
	Oid			relid = get_relname_relid(queue, nsp);
	Oid			seqid = get_relname_relid("queue_seq", nsp);
	Relation	rel;
	HeapTuple	tup;

	if (!OidIsValid(relid) || !OidIsValid(seqid))
		elog(ERROR, "crm.capture: crm.%s or crm.queue_seq is missing", queue);
	values[0] = Int64GetDatum(nextval_internal(seqid, false));
	nulls[0] = false;
	rel = table_open(relid, RowExclusiveLock);
	if (RelationGetDescr(rel)->natts != natts || rel->rd_rel->relhasindex ||
		rel->trigdesc != NULL || rel->rd_rel->relkind != RELKIND_RELATION)
	{
		table_close(rel, RowExclusiveLock);
		ereport(WARNING,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("crm_profile: queue table \"crm.%s\" was altered, the change is not captured", queue),
				 errdetail("The application's statement is not affected."),
				 errhint("Reinstall crm_profile's queue table, then run crm.resync().")));
		return;
	}
	tup = heap_form_tuple(RelationGetDescr(rel), values, nulls);
	simple_heap_insert(rel, tup);
	heap_freetuple(tup);
	table_close(rel, RowExclusiveLock);
}

/*
 * capture_row: copy one row version (TUPLE) of a registered table, or note
 * its removal (DELETE_ONLY).  For an UPDATE that keeps the row's key, OLDTUP
 * is the old version, whose customer must be recomputed too.  ARGS are the
 * trigger arguments.
 */
static void
capture_row(CaptureKind kind, char **args, Relation rel, HeapTuple tuple,
			bool delete_only, HeapTuple oldtup)
{
	Datum		v[11];
	bool		n[11];
	int			k;

	for (k = 0; k < lengthof(n); k++)
	{
		v[k] = (Datum) 0;
		n[k] = true;
	}
	v[0] = DirectFunctionCall1(int4in, CStringGetDatum(args[1]));
	n[0] = false;
	if (kind == CAPTURE_CUSTOMERS)
	{
		/*
		 * args: kind, source, channel, id, name, phone, email, birth_date,
		 * address, city, postcode, created_at, channel_column
		 */
		v[1] = column_value(rel, tuple, args[3], ROLE_TEXT, &n[1]);
		if (n[1])
			return;				/* a row without a key is not a customer */
		if (delete_only)
		{
			run_plan(PLAN_CUSTOMER_DELETE, v, n, 2);
			return;
		}
		if (args[12][0] != '\0')
			v[2] = column_value(rel, tuple, args[12], ROLE_TEXT, &n[2]);
		else
		{
			n[2] = (args[2][0] == '\0');
			v[2] = n[2] ? (Datum) 0 : CStringGetTextDatum(args[2]);
		}
		for (k = 3; k <= 10; k++)
		{
			RoleType	role = (k == 6) ? ROLE_DATE : (k == 10) ? ROLE_TIMESTAMPTZ : ROLE_TEXT;

			v[k] = column_value(rel, tuple, args[k + 1], role, &n[k]);
		}
		run_plan(PLAN_CUSTOMER_UPSERT, v, n, 11);
		return;
	}

	/*
	 * Orders and events, args: kind, source, customer source, id, customer,
	 * at, amount|kind[, status].  Queue row: seq, source_id, key, op,
	 * customer_source, customer_key, old_customer_key, at, amount|kind[,
	 * status].
	 */
	v[1] = v[0];
	n[1] = false;
	v[2] = column_value(rel, tuple, args[3], ROLE_TEXT, &n[2]);
	if (n[2])
		return;					/* a row without a key cannot be followed */
	v[3] = Int16GetDatum(delete_only ? QUEUE_DELETE : QUEUE_UPSERT);
	n[3] = false;
	v[4] = DirectFunctionCall1(int4in, CStringGetDatum(args[2]));
	n[4] = false;
	v[5] = column_value(rel, tuple, args[4], ROLE_TEXT, &n[5]);
	if (oldtup != NULL)
		v[6] = column_value(rel, oldtup, args[4], ROLE_TEXT, &n[6]);
	if (!delete_only)
	{
		v[7] = column_value(rel, tuple, args[5], ROLE_TIMESTAMPTZ, &n[7]);
		if (kind == CAPTURE_ORDERS)
		{
			v[8] = column_value(rel, tuple, args[6], ROLE_NUMERIC, &n[8]);
			v[9] = column_value(rel, tuple, args[7], ROLE_TEXT, &n[9]);
		}
		else
			v[8] = column_value(rel, tuple, args[6], ROLE_TEXT, &n[8]);
	}
	if (kind == CAPTURE_ORDERS)
		queue_insert("order_queue", ORDER_QUEUE_NATTS, v, n);
	else
		queue_insert("event_queue", EVENT_QUEUE_NATTS, v, n);
}

/*
 * same_columns: whether OLD and NEW agree on every mapped column (trigger
 * arguments FIRST to NARGS - 1), so an UPDATE that touches nothing crm_profile
 * copies costs no write.
 */
static bool
same_columns(Relation rel, HeapTuple oldtup, HeapTuple newtup, char **args,
			 int first, int nargs)
{
	TupleDesc	desc = RelationGetDescr(rel);
	int			k;

	for (k = first; k < nargs; k++)
	{
		int			attno;
		bool		n1,
					n2;
		Datum		d1,
					d2;
		Form_pg_attribute att;

		if (args[k][0] == '\0')
			continue;
		attno = SPI_fnumber(desc, args[k]);
		if (attno <= 0)
			return false;
		att = TupleDescAttr(desc, attno - 1);
		d1 = heap_getattr(oldtup, attno, desc, &n1);
		d2 = heap_getattr(newtup, attno, desc, &n2);
		if (n1 != n2)
			return false;
		if (!n1 && !datumIsEqual(d1, d2, att->attbyval, att->attlen))
			return false;
	}
	return true;
}

/*
 * Triggers verified by verify_trigger, kept for the backend's life: an entry
 * is valid while CrmRelcacheGeneration has not moved (common/relcache_gen.h:
 * any relcache invalidation bumps it): dropping or recreating a trigger invalidates
 * its table, and every change to crm.source invalidates crm.source through
 * the statement trigger crm.views_source_changed(), in this session at the
 * next command and in the others when the change commits.  Failures are
 * never kept.
 */
#define VERIFIED_SLOTS 32

typedef struct VerifiedTrigger
{
	Oid			tgoid;
	Oid			relid;
	uint64		gen;
} VerifiedTrigger;

static VerifiedTrigger verified[VERIFIED_SLOTS];
static int	verified_next = 0;

/*
 * verify_trigger: refuse (42501) a crm.capture trigger that is not the one
 * crm.register_* created.  crm.capture is SECURITY DEFINER, so a role that
 * attached it to a table of its own with made-up arguments could otherwise
 * write crm_profile's tables for any source.  The source id named in the
 * arguments must be registered on this very table, and the arguments must
 * be exactly those of its registration.  A positive answer is kept in
 * verified[] until the next relcache invalidation, so the hot path pays one
 * lookup per trigger and session, not one per transaction or row.
 */
static void
verify_trigger(Trigger *tg, Relation rel)
{
	Datum		v[3];
	Datum	   *elems;
	bool		ok = false;
	int			k;
	int			rc;
	int			save_nestlevel;

	for (k = 0; k < VERIFIED_SLOTS; k++)
		if (verified[k].gen == CrmRelcacheGeneration && verified[k].tgoid == tg->tgoid &&
			verified[k].relid == RelationGetRelid(rel))
			return;

	v[0] = DirectFunctionCall1(int4in, CStringGetDatum(tg->tgargs[1]));
	v[1] = ObjectIdGetDatum(RelationGetRelid(rel));
	elems = (Datum *) palloc(sizeof(Datum) * tg->tgnargs);
	for (k = 0; k < tg->tgnargs; k++)
		elems[k] = CStringGetTextDatum(tg->tgargs[k]);
	v[2] = PointerGetDatum(construct_array(elems, tg->tgnargs, TEXTOID, -1, false, TYPALIGN_INT));

	save_nestlevel = NewGUCNestLevel();
	(void) set_config_option("search_path", "pg_catalog, pg_temp",
							 PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "crm.capture: SPI_connect failed");
	{
		Oid			types[3] = {INT4OID, OIDOID, TEXTARRAYOID};

		rc = SPI_execute_with_args("SELECT 1 FROM crm.source s WHERE s.source_id OPERATOR(pg_catalog.=) $1"
								   " AND s.relation::pg_catalog.oid OPERATOR(pg_catalog.=) $2"
								   " AND crm.views_trigger_args(s.source_id) OPERATOR(pg_catalog.=) $3",
								   3, types, v, NULL, true, 1);
	}
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "crm.capture: SPI_execute_with_args failed: %s", SPI_result_code_string(rc));
	ok = (SPI_processed == 1);
	SPI_finish();
	AtEOXact_GUC(true, save_nestlevel);

	if (!ok)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("crm.capture() trigger \"%s\" on table \"%s\" is not a registered crm_profile trigger",
						tg->tgname, RelationGetRelationName(rel)),
				 errdetail("Source %s is not registered on this table with these arguments.", tg->tgargs[1]),
				 errhint("Create the trigger with crm.register_customers, crm.register_orders or crm.register_events.")));
	verified[verified_next].tgoid = tg->tgoid;
	verified[verified_next].relid = RelationGetRelid(rel);
	verified[verified_next].gen = CrmRelcacheGeneration;
	verified_next = (verified_next + 1) % VERIFIED_SLOTS;
}

PG_FUNCTION_INFO_V1(crm_views_source_changed);

/*
 * crm_views_source_changed: statement trigger on crm.source.  A registration
 * changed: send a relcache invalidation of crm.source, so that every session
 * verifies its capture triggers again (CrmRelcacheGeneration).
 */
Datum
crm_views_source_changed(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("crm.views_source_changed() must be called as a trigger")));
	CacheInvalidateRelcacheByRelid(RelationGetRelid(td->tg_relation));
	return PointerGetDatum(NULL);
}

PG_FUNCTION_INFO_V1(crm_capture);

/*
 * crm_capture: the trigger function.  Row-level AFTER INSERT/UPDATE/DELETE
 * and statement-level AFTER TRUNCATE on a registered table.
 */
Datum
crm_capture(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	Trigger    *tg;
	char	  **args;
	CaptureKind kind;
	int			nargs;
	Relation	rel;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("crm.capture() must be called as a trigger"),
				 errhint("crm.register_customers, crm.register_orders and crm.register_events create the triggers.")));
	tg = td->tg_trigger;
	args = tg->tgargs;
	nargs = tg->tgnargs;
	if (!TRIGGER_FIRED_AFTER(td->tg_event) || nargs < 1)
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("crm.capture() must be an AFTER trigger created by crm.register_*")));
	if (strcmp(args[0], "customers") == 0 && nargs == CUSTOMER_NARGS)
		kind = CAPTURE_CUSTOMERS;
	else if (strcmp(args[0], "orders") == 0 && nargs == ORDER_NARGS)
		kind = CAPTURE_ORDERS;
	else if (strcmp(args[0], "events") == 0 && nargs == EVENT_NARGS)
		kind = CAPTURE_EVENTS;
	else
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("crm.capture() trigger \"%s\" has unexpected arguments", tg->tgname),
				 errhint("Create the trigger with crm.register_customers, crm.register_orders or crm.register_events.")));

	rel = td->tg_relation;
	if (TRIGGER_FIRED_BY_TRUNCATE(td->tg_event) ?
		TRIGGER_FIRED_FOR_ROW(td->tg_event) : !TRIGGER_FIRED_FOR_ROW(td->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("crm.capture() trigger \"%s\" must fire for each row, or for each statement on TRUNCATE", tg->tgname),
				 errhint("Create the trigger with crm.register_customers, crm.register_orders or crm.register_events.")));
	verify_trigger(tg, rel);

	if (!CrmViewsCapture)
		return PointerGetDatum(NULL);

	if (TRIGGER_FIRED_BY_TRUNCATE(td->tg_event))
	{
		Datum		v[1];
		bool		n[1] = {false};

		v[0] = DirectFunctionCall1(int4in, CStringGetDatum(args[1]));
		run_plan(kind == CAPTURE_CUSTOMERS ? PLAN_CUSTOMER_TRUNCATE :
				 kind == CAPTURE_ORDERS ? PLAN_ORDER_TRUNCATE : PLAN_EVENT_TRUNCATE,
				 v, n, 1);
	}
	else if (!TRIGGER_FIRED_FOR_ROW(td->tg_event))
		elog(ERROR, "crm.capture: unexpected statement-level event");
	else if (TRIGGER_FIRED_BY_INSERT(td->tg_event))
		capture_row(kind, args, rel, td->tg_trigtuple, false, NULL);
	else if (TRIGGER_FIRED_BY_DELETE(td->tg_event))
		capture_row(kind, args, rel, td->tg_trigtuple, true, NULL);
	else if (TRIGGER_FIRED_BY_UPDATE(td->tg_event))
	{
		HeapTuple	oldtup = td->tg_trigtuple;
		HeapTuple	newtup = td->tg_newtuple;

		if (!same_columns(rel, oldtup, newtup, args, 3, nargs))
		{
			/*
			 * A row that keeps its key is upserted (its old customer is
			 * recomputed); one whose key changed is removed and added.
			 */
			if (same_columns(rel, oldtup, newtup, args, 3, 4))
				capture_row(kind, args, rel, newtup, false, oldtup);
			else
			{
				capture_row(kind, args, rel, oldtup, true, NULL);
				capture_row(kind, args, rel, newtup, false, NULL);
			}
		}
	}

	return PointerGetDatum(NULL);
}
