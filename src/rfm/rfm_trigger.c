/*
 * rfm_trigger.c
 *		crm.rfm_capture(): the row trigger that crm.rfm_track() puts on an
 *		orders table.  It appends each change to the table's delta log as
 *		(customer, ordered_at, amount, sign): +1 for an inserted row, -1 for a
 *		deleted one, both for an update that changes one of the three columns.
 *
 * Why a log and not an upsert of the summary: an upsert locks the customer's
 * summary row until the application commits, so two transactions touching
 * the same customers in opposite orders could deadlock, and a lock_timeout
 * would fail the application's statement.  Appending takes no row lock and
 * cannot conflict; crm.rfm_refresh() folds the log into the summary, and the
 * view adds the not yet folded part, so readers always see exact figures.
 *
 * Safety rule (issue 8): the trigger never fails the application's statement
 * for a CRM reason.  It only copies three datums into a heap tuple: no
 * conversion, no lookup that can fail per row.  Configuration problems (the
 * log table dropped, a column renamed or retyped, a foreign owner) raise a
 * WARNING, skip the capture and leave crm.rfm_rebuild() to repair.  The
 * insert bypasses privilege checks on purpose (the application role needs no
 * grant on the log), which is why the log must have the orders table's owner.
 */
#include "postgres.h"

#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "access/tableam.h"
#include "commands/trigger.h"
#include "executor/tuptable.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/tuplestore.h"
#include "utils/varlena.h"

#include "common/relcache_gen.h"
#include "rfm/rfm.h"

/* Resolution of the trigger arguments, per statement (fn_extra). */
typedef struct RfmCaptureCache
{
	Oid			tgoid;			/* trigger resolved */
	Oid			relid;			/* orders table (or partition) */
	Oid			logid;			/* delta log, InvalidOid when unusable */
	AttrNumber	att[3];			/* customer, time, amount in orders */
	uint64		gen;			/* CrmRelcacheGeneration when resolved */
} RfmCaptureCache;

/*
 * Successful resolutions are also kept for the backend's life, so that a
 * one-row INSERT does not look the log up again: any relcache invalidation
 * (DDL on the orders table, its log, their triggers or owners) bumps
 * CrmRelcacheGeneration (common/relcache_gen.h) and makes every entry stale.
 * Failures are never kept: they warn once per statement.
 */
#define RFM_CAPTURE_SLOTS 16
static RfmCaptureCache capture_cache[RFM_CAPTURE_SLOTS];
static int	capture_next = 0;

/*
 * rfm_capture_lookup: the backend-level resolution of a trigger, if fresh.
 */
static bool
rfm_capture_lookup(Oid tgoid, Oid relid, RfmCaptureCache *out)
{
	int			i;

	for (i = 0; i < RFM_CAPTURE_SLOTS; i++)
		if (capture_cache[i].gen == CrmRelcacheGeneration && capture_cache[i].tgoid == tgoid &&
			capture_cache[i].relid == relid)
		{
			*out = capture_cache[i];
			return true;
		}
	return false;
}

/*
 * rfm_capture_resolve: find the log table and the three columns; on any
 * problem warn and mark the trigger unusable for this statement.
 */
static void
rfm_capture_resolve(TriggerData *td, RfmCaptureCache *c)
{
	Trigger    *tg = td->tg_trigger;
	Relation	rel = td->tg_relation;
	TupleDesc	desc = RelationGetDescr(rel);
	List	   *names;
	RangeVar   *rv;
	Relation	log;
	int			i;

	c->tgoid = tg->tgoid;
	c->relid = RelationGetRelid(rel);
	c->logid = InvalidOid;
	if (tg->tgnargs != 4)
	{
		ereport(WARNING,
				(errmsg("crm_profile: RFM capture trigger \"%s\" has %d arguments, not 4",
						tg->tgname, tg->tgnargs),
				 errdetail("The change was not captured."),
				 errhint("Call crm.rfm_untrack() and crm.rfm_track() again.")));
		return;
	}
	names = textToQualifiedNameList(cstring_to_text(tg->tgargs[0]));
	rv = makeRangeVarFromNameList(names);
	c->logid = RangeVarGetRelid(rv, RowExclusiveLock, true);
	if (!OidIsValid(c->logid))
	{
		ereport(WARNING,
				(errmsg("crm_profile: RFM log table \"%s\" does not exist", tg->tgargs[0]),
				 errdetail("The change to \"%s\" was not captured.", RelationGetRelationName(rel)),
				 errhint("Run crm.rfm_rebuild() or track the table again.")));
		return;
	}
	log = table_open(c->logid, RowExclusiveLock);
	for (i = 0; i < 3; i++)
	{
		c->att[i] = InvalidAttrNumber;
		for (int a = 0; a < desc->natts; a++)
		{
			Form_pg_attribute att = TupleDescAttr(desc, a);

			if (!att->attisdropped && strcmp(NameStr(att->attname), tg->tgargs[i + 1]) == 0)
			{
				c->att[i] = att->attnum;
				break;
			}
		}
		if (c->att[i] == InvalidAttrNumber ||
			RelationGetDescr(log)->natts != 4 ||
			TupleDescAttr(RelationGetDescr(log), i)->atttypid !=
			TupleDescAttr(desc, c->att[i] - 1)->atttypid)
		{
			ereport(WARNING,
					(errmsg("crm_profile: column \"%s\" of \"%s\" no longer matches its RFM log",
							tg->tgargs[i + 1], RelationGetRelationName(rel)),
					 errdetail("The change was not captured."),
					 errhint("Call crm.rfm_untrack() and crm.rfm_track() again.")));
			c->logid = InvalidOid;
			break;
		}
	}
	if (OidIsValid(c->logid) && log->rd_rel->relowner != rel->rd_rel->relowner)
	{
		ereport(WARNING,
				(errmsg("crm_profile: RFM log \"%s\" is not owned by the owner of \"%s\"",
						tg->tgargs[0], RelationGetRelationName(rel)),
				 errdetail("The change was not captured.")));
		c->logid = InvalidOid;
	}
	if (OidIsValid(c->logid) &&
		(log->rd_rel->relkind != RELKIND_RELATION || log->rd_rel->relhasindex ||
		 TupleDescAttr(RelationGetDescr(log), 3)->atttypid != INT2OID))
	{
		ereport(WARNING,
				(errmsg("crm_profile: \"%s\" is not a valid RFM log", tg->tgargs[0]),
				 errdetail("An RFM log is a plain table without indexes."),
				 errhint("Call crm.rfm_untrack() and crm.rfm_track() again.")));
		c->logid = InvalidOid;
	}
	table_close(log, NoLock);
}

/*
 * rfm_capture_emit: append one (customer, time, amount, sign) to the log.
 */
static void
rfm_capture_emit(Relation log, RfmCaptureCache *c, HeapTuple row, TupleDesc desc, int16 sign)
{
	Datum		values[4];
	bool		nulls[4];
	HeapTuple	tup;
	int			i;

	for (i = 0; i < 3; i++)
		values[i] = heap_getattr(row, c->att[i], desc, &nulls[i]);
	values[3] = Int16GetDatum(sign);
	nulls[3] = false;
	tup = heap_form_tuple(RelationGetDescr(log), values, nulls);
	simple_heap_insert(log, tup);
	heap_freetuple(tup);
}

/*
 * rfm_same_columns: whether an update left the three columns unchanged.
 */
static bool
rfm_same_columns(RfmCaptureCache *c, HeapTuple a, HeapTuple b, TupleDesc desc)
{
	int			i;

	for (i = 0; i < 3; i++)
	{
		bool		na,
					nb;
		Datum		da = heap_getattr(a, c->att[i], desc, &na);
		Datum		db = heap_getattr(b, c->att[i], desc, &nb);
		Form_pg_attribute att = TupleDescAttr(desc, c->att[i] - 1);

		if (na != nb)
			return false;
		if (!na && !datumIsEqual(da, db, att->attbyval, att->attlen))
			return false;
	}
	return true;
}

/* Log rows written per heap_multi_insert call. */
#define RFM_CAPTURE_BATCH 1000

/*
 * rfm_capture_table: append every row of a transition table (the rows a
 * statement inserted or deleted) to the log with the given sign, in batches
 * written by heap_multi_insert: one WAL record per page, not per row.
 */
static void
rfm_capture_table(Relation log, RfmCaptureCache *c, Tuplestorestate *rows,
				  TupleDesc desc, int16 sign)
{
	TupleTableSlot *in = MakeSingleTupleTableSlot(desc, &TTSOpsMinimalTuple);
	int			maxslots = 8;
	TupleTableSlot **out = palloc(sizeof(TupleTableSlot *) * maxslots);
	MemoryContext callcxt = CurrentMemoryContext;
	MemoryContext batchcxt = NULL;	/* made when a first batch fills */
	CommandId	cid = GetCurrentCommandId(true);
	int			nslots = 0;
	int			n = 0;
	int			i;

	tuplestore_rescan(rows);
	for (;;)
	{
		bool		more = tuplestore_gettupleslot(rows, true, false, in);

		if (more)
		{
			TupleTableSlot *o;
			MemoryContext old;

			if (n == nslots)
			{
				if (nslots == maxslots)
				{
					maxslots *= 2;
					out = repalloc(out, sizeof(TupleTableSlot *) * maxslots);
				}
				out[nslots++] = table_slot_create(log, NULL);
			}
			o = out[n];
			ExecClearTuple(o);
			slot_getsomeattrs(in, Max(Max(c->att[0], c->att[1]), c->att[2]));
			old = MemoryContextSwitchTo(batchcxt ? batchcxt : callcxt);
			for (i = 0; i < 3; i++)
			{
				Form_pg_attribute att = TupleDescAttr(desc, c->att[i] - 1);

				o->tts_isnull[i] = in->tts_isnull[c->att[i] - 1];
				o->tts_values[i] = o->tts_isnull[i] ? (Datum) 0 :
					datumCopy(in->tts_values[c->att[i] - 1], att->attbyval, att->attlen);
			}
			MemoryContextSwitchTo(old);
			o->tts_values[3] = Int16GetDatum(sign);
			o->tts_isnull[3] = false;
			ExecStoreVirtualTuple(o);
			n++;
		}
		if (n > 0 && (n == RFM_CAPTURE_BATCH || !more))
		{
			MemoryContext old;

			if (batchcxt == NULL && more)
				batchcxt = AllocSetContextCreate(callcxt, "crm.rfm_capture batch",
												 ALLOCSET_DEFAULT_SIZES);
			old = MemoryContextSwitchTo(batchcxt ? batchcxt : callcxt);
			heap_multi_insert(log, out, n, cid, 0, NULL);
			MemoryContextSwitchTo(old);
			n = 0;
			if (batchcxt)
				MemoryContextReset(batchcxt);
		}
		if (!more)
			break;
		CHECK_FOR_INTERRUPTS();
	}
	for (i = 0; i < nslots; i++)
		ExecDropSingleTupleTableSlot(out[i]);
	ExecDropSingleTupleTableSlot(in);
	if (batchcxt)
		MemoryContextDelete(batchcxt);
	pfree(out);
}

PG_FUNCTION_INFO_V1(crm_rfm_capture);

/*
 * crm_rfm_capture: the capture trigger.  Arguments: log table (qualified
 * name), customer, time and amount columns.  Installed by crm.rfm_track as
 * AFTER INSERT and AFTER DELETE ... FOR EACH STATEMENT with transition
 * tables (plain tables), or FOR EACH ROW (partitioned and inheritance
 * tables, whose statement triggers do not see rows written to a child
 * directly), and AFTER UPDATE OF the three columns ... FOR EACH ROW.
 */
Datum
crm_rfm_capture(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	RfmCaptureCache *c;
	Relation	log;
	TupleDesc	desc;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_AFTER(td->tg_event) ||
		(!TRIGGER_FIRED_FOR_ROW(td->tg_event) &&
		 !(TRIGGER_FIRED_BY_INSERT(td->tg_event) && td->tg_newtable != NULL) &&
		 !(TRIGGER_FIRED_BY_DELETE(td->tg_event) && td->tg_oldtable != NULL)))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("crm.rfm_capture() must be an AFTER trigger for each row, or for each statement with a transition table"),
				 errhint("Use crm.rfm_track() to install it.")));

	c = (RfmCaptureCache *) fcinfo->flinfo->fn_extra;
	if (c == NULL)
	{
		c = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(RfmCaptureCache));
		fcinfo->flinfo->fn_extra = c;
	}
	if (c->gen != CrmRelcacheGeneration || c->tgoid != td->tg_trigger->tgoid ||
		c->relid != RelationGetRelid(td->tg_relation))
	{
		if (!rfm_capture_lookup(td->tg_trigger->tgoid, RelationGetRelid(td->tg_relation), c))
		{
			rfm_capture_resolve(td, c);
			c->gen = CrmRelcacheGeneration;
			if (OidIsValid(c->logid))
			{
				capture_cache[capture_next] = *c;
				capture_next = (capture_next + 1) % RFM_CAPTURE_SLOTS;
			}
		}
	}
	if (!OidIsValid(c->logid))
		return PointerGetDatum(NULL);

	desc = RelationGetDescr(td->tg_relation);
	log = table_open(c->logid, RowExclusiveLock);
	if (!TRIGGER_FIRED_FOR_ROW(td->tg_event))
		rfm_capture_table(log, c, TRIGGER_FIRED_BY_INSERT(td->tg_event) ? td->tg_newtable : td->tg_oldtable,
						  desc, TRIGGER_FIRED_BY_INSERT(td->tg_event) ? 1 : -1);
	else if (TRIGGER_FIRED_BY_INSERT(td->tg_event))
		rfm_capture_emit(log, c, td->tg_trigtuple, desc, 1);
	else if (TRIGGER_FIRED_BY_DELETE(td->tg_event))
		rfm_capture_emit(log, c, td->tg_trigtuple, desc, -1);
	else if (TRIGGER_FIRED_BY_UPDATE(td->tg_event) &&
			 !rfm_same_columns(c, td->tg_trigtuple, td->tg_newtuple, desc))
	{
		rfm_capture_emit(log, c, td->tg_trigtuple, desc, -1);
		rfm_capture_emit(log, c, td->tg_newtuple, desc, 1);
	}
	table_close(log, NoLock);
	return PointerGetDatum(NULL);
}
