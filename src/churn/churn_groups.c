/*
 * churn_groups.c
 *		The state of the fitting aggregates: identical inputs grouped with a
 *		count, so that a million customers with a few thousand distinct
 *		(x, t_x, T) histories cost a few thousand likelihood terms per
 *		optimiser step.  The groups are also the parallel partial state:
 *		combine merges hashes, serial writes (key, count) pairs.
 */
#include "postgres.h"

#include <math.h>

#include "common/hashfn.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "nodes/execnodes.h"
#include "utils/memutils.h"

#include "churn/churn.h"

typedef struct ChurnKey
{
	double		v[3];
} ChurnKey;

typedef struct ChurnEntry
{
	ChurnKey	key;
	int64		count;
	uint32		hash;
	char		status;
} ChurnEntry;

#define SH_PREFIX churnhash
#define SH_ELEMENT_TYPE ChurnEntry
#define SH_KEY_TYPE ChurnKey
#define SH_KEY key
#define SH_HASH_KEY(tb, k) hash_bytes((const unsigned char *) &(k), sizeof(ChurnKey))
#define SH_EQUAL(tb, a, b) (memcmp(&(a), &(b), sizeof(ChurnKey)) == 0)
#define SH_STORE_HASH
#define SH_GET_HASH(tb, a) ((a)->hash)
#define SH_SCOPE static inline
#define SH_DECLARE
#define SH_DEFINE
#include "lib/simplehash.h"

struct CrmChurnGroups
{
	churnhash_hash *tab;
	double		unit_days;		/* time unit of the keys in days; 0 = not known */
};

/* serialised form: a count, the time unit, then (3 keys, count) per group */
#define GROUP_BYTES (3 * sizeof(double) + sizeof(int64))
#define GROUPS_HEADER (sizeof(uint32) + sizeof(double))

/*
 * CrmChurnGroupsCreate: an empty set of groups allocated in cxt.
 */
CrmChurnGroups *
CrmChurnGroupsCreate(MemoryContext cxt)
{
	CrmChurnGroups *g = MemoryContextAlloc(cxt, sizeof(CrmChurnGroups));

	g->tab = churnhash_create(cxt, 256, NULL);
	g->unit_days = 0.0;
	return g;
}

/*
 * CrmChurnGroupsSetUnit: record the time unit (in days) of the histories
 * counted into g; 22023 if it is not a positive finite number or differs
 * from the unit of histories counted before (weeks and days fitted together
 * would give a meaningless model).  0 means "not known" and is ignored.
 */
void
CrmChurnGroupsSetUnit(CrmChurnGroups *g, double unit_days)
{
	if (unit_days == 0.0)
		return;
	if (!isfinite(unit_days) || unit_days < 0.0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("time unit \"%g\" days is not a positive finite number", unit_days),
				 errdetail("The time_unit_days of a purchase summary must be positive.")));
	if (g->unit_days != 0.0 && g->unit_days != unit_days)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("time unit must be the same for every row"),
				 errdetail("Rows have time units of \"%g\" and \"%g\" days.", g->unit_days, unit_days)));
	g->unit_days = unit_days;
}

/*
 * CrmChurnGroupsAdd: count customers with the given key (-0 is read as 0
 * so that equal numbers always share a group).
 */
void
CrmChurnGroupsAdd(CrmChurnGroups *g, const double *key, int64 count)
{
	ChurnKey	k;
	ChurnEntry *e;
	bool		found;
	int			i;

	for (i = 0; i < 3; i++)
		k.v[i] = (key[i] == 0.0) ? 0.0 : key[i];
	e = churnhash_insert(g->tab, k, &found);
	if (!found)
		e->count = 0;
	e->count += count;
}

/*
 * CrmChurnGroupsMerge: add every group of src into dst (src unchanged).
 */
void
CrmChurnGroupsMerge(CrmChurnGroups *dst, CrmChurnGroups *src)
{
	churnhash_iterator it;
	ChurnEntry *e;

	CrmChurnGroupsSetUnit(dst, src->unit_days);
	churnhash_start_iterate(src->tab, &it);
	while ((e = churnhash_iterate(src->tab, &it)) != NULL)
		CrmChurnGroupsAdd(dst, e->key.v, e->count);
}

/*
 * CrmChurnGroupsSerialize: the groups as a bytea (for parallel workers).
 */
bytea *
CrmChurnGroupsSerialize(CrmChurnGroups *g)
{
	churnhash_iterator it;
	ChurnEntry *e;
	uint32		n = g->tab->members;
	Size		len = add_size(VARHDRSZ + GROUPS_HEADER, mul_size(n, GROUP_BYTES));
	bytea	   *b = palloc(len);
	char	   *p = VARDATA(b);

	SET_VARSIZE(b, len);
	memcpy(p, &n, sizeof(uint32));
	p += sizeof(uint32);
	memcpy(p, &g->unit_days, sizeof(double));
	p += sizeof(double);
	churnhash_start_iterate(g->tab, &it);
	while ((e = churnhash_iterate(g->tab, &it)) != NULL)
	{
		memcpy(p, e->key.v, 3 * sizeof(double));
		p += 3 * sizeof(double);
		memcpy(p, &e->count, sizeof(int64));
		p += sizeof(int64);
	}
	return b;
}

/*
 * CrmChurnGroupsDeserialize: the inverse of CrmChurnGroupsSerialize; a
 * length that does not match the announced count is rejected.
 */
CrmChurnGroups *
CrmChurnGroupsDeserialize(bytea *b, MemoryContext cxt)
{
	Size		len = VARSIZE_ANY_EXHDR(b);
	const char *p = VARDATA_ANY(b);
	uint32		n,
				i;
	double		unit;
	CrmChurnGroups *g;

	if (len < GROUPS_HEADER)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid churn aggregate state")));
	memcpy(&n, p, sizeof(uint32));
	p += sizeof(uint32);
	memcpy(&unit, p, sizeof(double));
	p += sizeof(double);
	if (len != GROUPS_HEADER + (Size) n * GROUP_BYTES)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid churn aggregate state"),
				 errdetail("The state announces %u groups in %zu bytes.", n, len)));
	g = CrmChurnGroupsCreate(cxt);
	CrmChurnGroupsSetUnit(g, unit);
	for (i = 0; i < n; i++)
	{
		double		key[3];
		int64		count;

		memcpy(key, p, 3 * sizeof(double));
		p += 3 * sizeof(double);
		memcpy(&count, p, sizeof(int64));
		p += sizeof(int64);
		CrmChurnGroupsAdd(g, key, count);
	}
	return g;
}

/*
 * group_cmp: order groups by key, x first, so that terms that depend on x
 * alone are computed once per distinct x.
 */
static inline int
group_cmp(const CrmChurnGroup *ga, const CrmChurnGroup *gb)
{
	int			i;

	for (i = 0; i < 3; i++)
	{
		if (ga->key[i] < gb->key[i])
			return -1;
		if (ga->key[i] > gb->key[i])
			return 1;
	}
	return 0;
}

/* sort_groups(): an inlined quicksort of CrmChurnGroup by group_cmp */
#define ST_SORT sort_groups
#define ST_ELEMENT_TYPE CrmChurnGroup
#define ST_COMPARE(a, b) group_cmp(a, b)
#define ST_SCOPE static
#define ST_CHECK_FOR_INTERRUPTS
#define ST_DECLARE
#define ST_DEFINE
#include "lib/sort_template.h"

/*
 * CrmChurnGroupsToArray: the groups as a palloc'd array sorted by key, with
 * their number and the total count of customers.
 */
CrmChurnGroup *
CrmChurnGroupsToArray(CrmChurnGroups *g, int *ngroups, int64 *ncustomers)
{
	churnhash_iterator it;
	ChurnEntry *e;
	CrmChurnGroup *arr;
	int			n = 0;
	int64		total = 0;

	arr = palloc_extended(mul_size(Max(g->tab->members, 1), sizeof(CrmChurnGroup)),
						  MCXT_ALLOC_HUGE);
	churnhash_start_iterate(g->tab, &it);
	while ((e = churnhash_iterate(g->tab, &it)) != NULL)
	{
		memcpy(arr[n].key, e->key.v, sizeof(arr[n].key));
		arr[n].count = e->count;
		total += e->count;
		n++;
	}
	sort_groups(arr, n);
	*ngroups = n;
	*ncustomers = total;
	return arr;
}

PG_FUNCTION_INFO_V1(crm_churn_fit_combine);

/*
 * crm_churn_fit_combine: merge two partial group states (either may be
 * NULL); the second is never changed.
 */
Datum
crm_churn_fit_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	CrmChurnGroups *s1,
			   *s2;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "crm_churn_fit_combine called in non-aggregate context");
	s1 = PG_ARGISNULL(0) ? NULL : (CrmChurnGroups *) PG_GETARG_POINTER(0);
	s2 = PG_ARGISNULL(1) ? NULL : (CrmChurnGroups *) PG_GETARG_POINTER(1);
	if (s2 == NULL)
	{
		if (s1 == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(s1);
	}
	if (s1 == NULL)
		s1 = CrmChurnGroupsCreate(aggcxt);
	CrmChurnGroupsMerge(s1, s2);
	PG_RETURN_POINTER(s1);
}

PG_FUNCTION_INFO_V1(crm_churn_fit_serial);

/*
 * crm_churn_fit_serial: the group state as bytea.
 */
Datum
crm_churn_fit_serial(PG_FUNCTION_ARGS)
{
	if (!AggCheckCallContext(fcinfo, NULL))
		elog(ERROR, "crm_churn_fit_serial called in non-aggregate context");
	PG_RETURN_BYTEA_P(CrmChurnGroupsSerialize((CrmChurnGroups *) PG_GETARG_POINTER(0)));
}

PG_FUNCTION_INFO_V1(crm_churn_fit_deserial);

/*
 * crm_churn_fit_deserial: a group state from its bytea form.
 */
Datum
crm_churn_fit_deserial(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "crm_churn_fit_deserial called in non-aggregate context");
	PG_RETURN_POINTER(CrmChurnGroupsDeserialize(PG_GETARG_BYTEA_PP(0), aggcxt));
}
