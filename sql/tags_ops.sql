-- tags_ops: operators and scalar functions of crm.tagset.
SET search_path = crm, public;

-- Set algebra, including empty sets and the extremes 0 and 4294967295.
SELECT '{1,2,3}'::tagset | '{3,4}' AS "or", '{1,2,3}'::tagset & '{2,3,4}' AS "and",
       '{1,2,3}'::tagset - '{2,9}' AS "andnot", '{1,2,3}'::tagset # '{3,4}' AS "xor";
SELECT '{}'::tagset | '{}' AS e_or, '{}'::tagset & '{1}' AS e_and, '{1}'::tagset - '{1}' AS e_andnot,
       '{}'::tagset # '{0}' AS e_xor;
SELECT '{0}'::tagset | '{4294967295}' AS ext_or, '{0,4294967295}'::tagset & '{4294967295}' AS ext_and,
       '{0,4294967295}'::tagset - '{0}' AS ext_andnot, '{0,5}'::tagset # '{0,4294967295}' AS ext_xor;

-- Predicates.
SELECT '{1,2,3}'::tagset @> '{1,3}' AS contains, '{1,2,3}'::tagset @> '{1,4}' AS not_contains,
       '{1,3}'::tagset <@ '{1,2,3}' AS contained, '{1,2,3}'::tagset && '{3,9}' AS overlaps,
       '{1,2}'::tagset && '{3}' AS no_overlap;
SELECT '{}'::tagset @> '{}' AS e_contains_e, '{1}'::tagset @> '{}' AS x_contains_e,
       '{}'::tagset @> '{1}' AS e_contains_x, '{}'::tagset <@ '{}' AS e_in_e,
       '{}'::tagset && '{}' AS e_overlaps_e, '{}'::tagset = '{}' AS e_eq_e;
SELECT '{0,4294967295}'::tagset @> '{4294967295}' AS ext_contains, '{0}'::tagset && '{0,4294967295}' AS ext_overlaps;
SELECT '{1,2}'::tagset = '{2,1}' AS eq, '{1,2}'::tagset <> '{1}' AS ne, '{1,2}'::tagset = '{1-2}' AS eq_range;
-- B-tree order: lexicographic on the sorted members.
SELECT v FROM (VALUES ('{2}'::tagset), ('{1,2}'), ('{}'), ('{1}'), ('{1,3}'), ('{4294967295}'), ('{0}'), ('{1,2}'))
  t(v) ORDER BY v;
SELECT DISTINCT v FROM (VALUES ('{2,1}'::tagset), ('{1,2}'), ('{1-2}'), ('{}'), ('{}')) t(v) ORDER BY v;
SELECT '{1}'::tagset < '{1,2}' AS lt, '{1,2}'::tagset <= '{1,2}' AS le, '{2}'::tagset > '{1,9}' AS gt,
       '{1,2}'::tagset >= '{2}' AS ge, tagset_cmp('{1}', '{1}') AS cmp_eq,
       tagset_cmp('{1-5000}', '{1-4999,5001}') AS cmp_big;

-- Operator metadata: commutators, negators, estimators.
SELECT oprname, oprcom::regoperator AS commutator, oprnegate::regoperator AS negator,
       oprrest, oprjoin, oprcanmerge
  FROM pg_operator WHERE oprleft = 'crm.tagset'::regtype ORDER BY oprname;

-- Members.
SELECT tagset_cardinality('{}') AS c0, tagset_cardinality('{0,4294967295}') AS c2,
       tagset_cardinality('{1-1000000}') AS c1m;
SELECT tagset_contains('{1,2}', 2) AS yes, tagset_contains('{1,2}', 3) AS no,
       tagset_contains('{}', 0) AS empty, tagset_contains('{4294967295}', 4294967295) AS top,
       tagset_contains('{0}', -1) AS negative, tagset_contains('{0}', 4294967296) AS too_big;
SELECT tagset_add('{}', 0) AS add0, tagset_add('{1}', 4294967295) AS add_top, tagset_add('{1}', 1) AS add_again,
       tagset_remove('{1,2}', 2) AS rm, tagset_remove('{1}', 1) AS rm_last, tagset_remove('{}', 5) AS rm_empty;
SELECT tagset_add('{}', -1);
SELECT tagset_add('{}', 4294967296);
SELECT tagset_remove('{}', -5);
SELECT tagset_min('{}') IS NULL AS min_empty, tagset_max('{}') IS NULL AS max_empty,
       tagset_min('{7,3,9}') AS min, tagset_max('{7,3,9}') AS max,
       tagset_min('{0,4294967295}') AS min_ext, tagset_max('{0,4294967295}') AS max_ext;
SELECT tagset_rank('{1,5,9}', 0) AS r0, tagset_rank('{1,5,9}', 5) AS r5, tagset_rank('{1,5,9}', 6) AS r6,
       tagset_rank('{1,5,9}', 100) AS r100, tagset_rank('{1,5,9}', -1) AS rneg,
       tagset_rank('{1,5,4294967295}', 4294967296) AS rbig, tagset_rank('{}', 3) AS rempty,
       tagset_rank('{0-99999}', 70000) AS rrun;

-- Arrays.
SELECT tagset(ARRAY[3,1,2,3]) AS from_int4, tagset(ARRAY[4294967295, 0]::bigint[]) AS from_int8,
       tagset('{}'::int[]) AS from_empty, tagset(ARRAY[[1,2],[3,4]]) AS from_2d;
SELECT tagset_to_array('{3,1,4294967295}') AS to_int8, tagset_to_int4_array('{3,1}') AS to_int4,
       tagset_to_array('{}') AS empty_int8, tagset_to_int4_array('{}') AS empty_int4;
SELECT ARRAY[5,6]::tagset AS cast_in, '{6,5}'::tagset::int[] AS cast_out, '{7}'::tagset::bigint[] AS cast_out8;
SELECT tagset(ARRAY[1, NULL]);
SELECT tagset(ARRAY[-1]);
SELECT tagset(ARRAY[4294967296]::bigint[]);
SELECT tagset_to_int4_array('{2147483648}');
SELECT tagset_to_int4_array('{2147483647}') AS int4_max;

-- unnest, in order; an abandoned scan (LIMIT) and an empty set.
SELECT * FROM tagset_unnest('{5,0,4294967295,70000}');
SELECT count(*) FROM tagset_unnest('{}');
SELECT * FROM tagset_unnest('{1-1000000}') LIMIT 3;
SELECT count(*), sum(u) FROM tagset_unnest('{1-200000}') u;

-- NULL: every function is STRICT.
SELECT ('{1}'::tagset | NULL) IS NULL AS or_null, tagset_cardinality(NULL) IS NULL AS card_null,
       tagset_add(NULL, 1) IS NULL AS add_null, tagset_contains('{1}', NULL::bigint) IS NULL AS contains_null;

-- Randomized agreement with the same operations on sorted arrays.
SELECT setseed(0.42);
CREATE TEMP TABLE rnd AS
SELECT i, a, b, tagset(a) AS ta, tagset(b) AS tb
  FROM (SELECT i,
               ARRAY(SELECT DISTINCT (CASE WHEN i % 3 = 0 THEN random() * 4294967295
                                           WHEN i % 3 = 1 THEN random() * 200000
                                           ELSE 65536 * 3 + random() * 9000 END)::bigint
                       FROM generate_series(1, (random() * 6000)::int) ORDER BY 1) AS a,
               ARRAY(SELECT DISTINCT (CASE WHEN i % 2 = 0 THEN random() * 200000
                                           ELSE 65536 * 3 + random() * 9000 END)::bigint
                       FROM generate_series(1, (random() * 6000)::int) ORDER BY 1) AS b
          FROM generate_series(1, 60) i) s;
-- a few edge shapes: empty, identical, contained, long runs
INSERT INTO rnd SELECT 1000, '{}', '{}', '{}', '{}';
INSERT INTO rnd SELECT 1001, a, a, ta, ta FROM rnd WHERE i = 2;
INSERT INTO rnd SELECT 1002, a, a[1:10], ta, tagset(a[1:10]) FROM rnd WHERE i = 4;
INSERT INTO rnd SELECT 1003, ARRAY(SELECT generate_series(0, 140000)::bigint), ARRAY(SELECT generate_series(70000, 70010)::bigint),
  '{0-140000}', '{70000-70010}';
SELECT count(*) AS cases,
  count(*) FILTER (WHERE tagset_to_array(ta | tb) <> ARRAY(SELECT unnest(a) UNION SELECT unnest(b) ORDER BY 1)) AS bad_or,
  count(*) FILTER (WHERE tagset_to_array(ta & tb) <> ARRAY(SELECT unnest(a) INTERSECT SELECT unnest(b) ORDER BY 1)) AS bad_and,
  count(*) FILTER (WHERE tagset_to_array(ta - tb) <> ARRAY(SELECT unnest(a) EXCEPT SELECT unnest(b) ORDER BY 1)) AS bad_andnot,
  count(*) FILTER (WHERE tagset_to_array(ta # tb) <> ARRAY((SELECT unnest(a) EXCEPT SELECT unnest(b)) UNION
                                                         (SELECT unnest(b) EXCEPT SELECT unnest(a)) ORDER BY 1)) AS bad_xor,
  count(*) FILTER (WHERE (ta @> tb) <> (b <@ a)) AS bad_contains,
  count(*) FILTER (WHERE (ta <@ tb) <> (a <@ b)) AS bad_contained,
  count(*) FILTER (WHERE (ta && tb) <> (a && b)) AS bad_overlaps,
  count(*) FILTER (WHERE (ta = tb) <> (a = b)) AS bad_eq,
  count(*) FILTER (WHERE sign(tagset_cmp(ta, tb)) <> sign(btarraycmp(a, b))) AS bad_cmp,
  count(*) FILTER (WHERE tagset_cardinality(ta) <> cardinality(a)) AS bad_card,
  count(*) FILTER (WHERE tagset_min(ta) IS DISTINCT FROM a[1]) AS bad_min,
  count(*) FILTER (WHERE tagset_max(ta) IS DISTINCT FROM a[cardinality(a)]) AS bad_max,
  count(*) FILTER (WHERE tagset_rank(ta, coalesce(b[1], 0)) <> (SELECT count(*) FROM unnest(a) x WHERE x <= coalesce(b[1], 0))) AS bad_rank,
  count(*) FILTER (WHERE tagset_contains(ta, coalesce(b[1], 0)) <> (coalesce(b[1], 0) = ANY (a))) AS bad_member,
  count(*) FILTER (WHERE ta::text::tagset <> ta) AS bad_text,
  count(*) FILTER (WHERE ARRAY(SELECT tagset_unnest(ta)) <> a) AS bad_unnest
  FROM rnd;
