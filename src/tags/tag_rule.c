/*
 * tag_rule.c
 *		crm.tag_rule_query: the SQL that selects the customers satisfying a
 *		tag rule, after checking that the rule is one SQL expression.
 *
 * A rule is a predicate over a customer profile relation, such as
 * 'frequency >= 10 AND monetary > 5000'.  It is spliced into
 *		SELECT (key)::bigint FROM relation WHERE (rule)
 * so it must be exactly one expression: parsed alone it must yield a single
 * unnamed target and nothing else, which rules out a ')' that closes the
 * WHERE early, a UNION, a second statement after ';', or a trailing comment
 * swallowing the rest.  Column names, types and the boolean result are then
 * checked by planning the query (crm.tags' validation trigger runs it with
 * LIMIT 0).
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "nodes/parsenodes.h"
#include "parser/parser.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "tags/tags.h"

PG_FUNCTION_INFO_V1(crm_tag_rule_query);

/*
 * rule_is_one_expression: whether the raw parse of a rule is a single plain
 * expression.
 */
static bool
rule_is_one_expression(List *parsetree)
{
	RawStmt    *raw;
	SelectStmt *sel;
	ResTarget  *rt;

	if (list_length(parsetree) != 1)
		return false;
	raw = linitial_node(RawStmt, parsetree);
	if (!IsA(raw->stmt, SelectStmt))
		return false;
	sel = (SelectStmt *) raw->stmt;
	if (sel->op != SETOP_NONE || list_length(sel->targetList) != 1 ||
		sel->distinctClause != NIL || sel->fromClause != NIL ||
		sel->whereClause != NULL || sel->groupClause != NIL ||
		sel->havingClause != NULL || sel->windowClause != NIL ||
		sel->sortClause != NIL || sel->limitCount != NULL ||
		sel->limitOffset != NULL || sel->lockingClause != NIL ||
		sel->intoClause != NULL || sel->withClause != NULL)
		return false;
	rt = linitial_node(ResTarget, sel->targetList);
	return rt->name == NULL;
}

/*
 * crm_tag_rule_query: crm.tag_rule_query(relation, key_column, rule).
 */
Datum
crm_tag_rule_query(PG_FUNCTION_ARGS)
{
	Oid			relid = PG_GETARG_OID(0);
	Name		key = PG_GETARG_NAME(1);
	char	   *rule = text_to_cstring(PG_GETARG_TEXT_PP(2));
	char	   *relname = get_rel_name(relid);
	List	   *parsetree = NIL;
	MemoryContext cxt = CurrentMemoryContext;

	if (relname == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation with OID %u does not exist", relid)));

	PG_TRY();
	{
		parsetree = raw_parser(rule, RAW_PARSE_PLPGSQL_EXPR);
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(cxt);
		edata = CopyErrorData();
		FlushErrorState();
		ereport(ERROR,
				(errcode(ERRCODE_SYNTAX_ERROR),
				 errmsg("invalid tag rule \"%s\"", rule),
				 edata->cursorpos > 0 ?
				 errdetail("%s at position %d of the rule.", edata->message, edata->cursorpos) :
				 errdetail("%s.", edata->message),
				 errhint("A rule is one SQL condition over the profile relation, e.g. 'frequency >= 10 AND monetary > 5000'.")));
	}
	PG_END_TRY();

	if (!rule_is_one_expression(parsetree))
		ereport(ERROR,
				(errcode(ERRCODE_SYNTAX_ERROR),
				 errmsg("invalid tag rule \"%s\"", rule),
				 errdetail("A rule must be a single SQL expression, without FROM, a second statement or unbalanced parentheses."),
				 errhint("A rule is one SQL condition over the profile relation, e.g. 'frequency >= 10 AND monetary > 5000'.")));

	PG_RETURN_TEXT_P(cstring_to_text(psprintf("SELECT (%s)::pg_catalog.int8 FROM %s WHERE (\n%s\n)",
											  quote_identifier(NameStr(*key)),
											  quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)),
																		 relname),
											  rule)));
}
