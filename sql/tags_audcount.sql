-- tags_audcount: an audience (and its count) of an AND chain ('a & b & !c')
-- is computed from dense forms of the cached bitmaps (chunks of 65536 ids as
-- bitsets from 1024 members, sorted arrays below).  Every chain of one to
-- three tags is checked against plain SQL, with the cache large, smaller
-- (dense forms for some chains only), too small for two large bitmaps at
-- once, and off.
SET search_path = crm, public;
INSERT INTO crm.tags (tag_id, name)
  SELECT 300 + g, 'dc_' || g FROM generate_series(1, 7) g;
-- 200000 customers over 4 chunks of 65536 ids:
--   dc_1 every 2nd id (bitset chunks), dc_2 every 3rd (bitsets),
--   dc_3 every 40th (1638 a chunk: bitsets just above the threshold),
--   dc_4 every 97th (675 a chunk: arrays),
--   dc_5 every 5th below 70000 (a bitset chunk, then 893 members: an array),
--   dc_6 runs (run containers): 1000..1149 (150 a chunk: an array) and
--        100000..140000 (bitsets), and every 11th from 196608 on (an array),
--   dc_7 nobody (no row in crm.tag_members: empty)
CREATE TEMP TABLE dc_customers AS
  SELECT g AS customer_id,
         (g % 2 = 0)::int | ((g % 3 = 0)::int << 1) | ((g % 40 = 0)::int << 2)
         | ((g % 97 = 0)::int << 3) | ((g % 5 = 0 AND g < 70000)::int << 4)
         | ((g % 11 = 0 AND g >= 196608 OR g BETWEEN 100000 AND 140000
            OR g BETWEEN 1000 AND 1149)::int << 5) AS mask
    FROM generate_series(0, 199999) g;
INSERT INTO crm.customer_tags (customer_id, tags)
  SELECT customer_id,
         coalesce((SELECT tagset_agg(301 + b) FROM generate_series(0, 6) b WHERE mask & (1 << b) <> 0), '{}')
    FROM dc_customers;
SELECT tag_id, tagset_cardinality(members) AS members
  FROM crm.tag_members WHERE tag_id BETWEEN 301 AND 307 ORDER BY tag_id;
-- plain SQL reference: customers per distinct tag combination
CREATE TEMP TABLE dc_masks AS SELECT mask, count(*) AS n FROM dc_customers GROUP BY mask;
-- every chain of 1 to 3 operands (a tag may repeat), signs with >= 1 positive
CREATE TEMP TABLE dc_chains AS
  WITH ops AS (SELECT b, s FROM generate_series(0, 6) b, (VALUES (true), (false)) v(s)),
       opt AS (SELECT b, s FROM ops UNION ALL SELECT NULL::int, NULL::bool)
  SELECT concat_ws(' & ', CASE WHEN o1.s THEN '' ELSE '!' END || 'dc_' || (o1.b + 1),
                   CASE WHEN o2.s THEN '' ELSE '!' END || 'dc_' || (o2.b + 1),
                   CASE WHEN o3.s THEN '' ELSE '!' END || 'dc_' || (o3.b + 1)) AS expr,
         CASE WHEN o1.s THEN 1 << o1.b ELSE 0 END | coalesce(CASE WHEN o2.s THEN 1 << o2.b END, 0)
           | coalesce(CASE WHEN o3.s THEN 1 << o3.b END, 0) AS pos,
         CASE WHEN o1.s THEN 0 ELSE 1 << o1.b END | coalesce(CASE WHEN NOT o2.s THEN 1 << o2.b END, 0)
           | coalesce(CASE WHEN NOT o3.s THEN 1 << o3.b END, 0) AS neg
    FROM ops o1, opt o2, opt o3
   WHERE (o2.b IS NOT NULL OR o3.b IS NULL)
     AND (o1.s OR coalesce(o2.s, false) OR coalesce(o3.s, false));
SELECT count(*) FILTER (WHERE expr NOT LIKE '%&%') AS one_operand,
       count(*) FILTER (WHERE expr LIKE '%&%' AND expr NOT LIKE '%&%&%') AS two,
       count(*) FILTER (WHERE expr LIKE '%&%&%') AS three
  FROM dc_chains;
-- dc_7 is carried by nobody: its bit is never set, as in plain SQL
CREATE TEMP TABLE dc_want AS
  SELECT c.expr, coalesce((SELECT sum(n) FROM dc_masks m WHERE m.mask & c.pos = c.pos AND m.mask & c.neg = 0), 0) AS want
    FROM dc_chains c;
SELECT count(*) AS chains, count(*) FILTER (WHERE want > 0) AS nonempty,
       count(DISTINCT want) AS distinct_counts FROM dc_want;
-- crm.audience of a chain is checked by size, and member by member against
-- the same chain OR the empty dc_7, which CRoaring evaluates
CREATE FUNCTION pg_temp.dc_check()
  RETURNS TABLE (checked bigint, count_mismatches bigint, audience_mismatches bigint, set_mismatches bigint)
  LANGUAGE sql AS $$
  SELECT count(*), count(*) FILTER (WHERE crm.audience_count(expr) <> want),
         count(*) FILTER (WHERE crm.tagset_cardinality(crm.audience(expr)) <> want),
         count(*) FILTER (WHERE crm.audience(expr) <> crm.audience('(' || expr || ') | dc_7'))
    FROM dc_want;
$$;
-- cache large enough for everything: dense counts
SELECT * FROM pg_temp.dc_check();
-- again, from the warm cache
SELECT * FROM pg_temp.dc_check();
-- the canonical audience, by hand
SELECT crm.audience_count('dc_1 & dc_3 & !dc_2') AS ours,
       (SELECT count(*) FROM dc_customers WHERE customer_id % 2 = 0 AND customer_id % 40 = 0 AND customer_id % 3 <> 0) AS plain_sql;
-- lowering the setting evicts at the next audience; 100kB holds the bitmaps
-- of a chain (up to 35 kB each) but dense forms (up to 32 kB each) only for
-- some chains: the others are counted by CRoaring
SET crm_profile.audience_cache_size = '100kB';
SELECT * FROM pg_temp.dc_check();
-- room for one large bitmap only: a bitmap the evaluation already holds is
-- never evicted by the next one (that one is decoded just for the call)
SET crm_profile.audience_cache_size = '40kB';
SELECT * FROM pg_temp.dc_check();
SELECT crm.audience_count('dc_1 & dc_2 & !dc_3') AS ours,
       (SELECT count(*) FROM dc_customers WHERE customer_id % 2 = 0 AND customer_id % 3 = 0 AND customer_id % 40 <> 0) AS plain_sql;
-- no cache
SET crm_profile.audience_cache_size = 0;
SELECT * FROM pg_temp.dc_check();
RESET crm_profile.audience_cache_size;
-- a change after the dense forms were built is seen, and a rollback too
SELECT crm.audience_count('dc_1 & dc_3 & !dc_2') AS before;
BEGIN;
UPDATE crm.customer_tags SET tags = tags - '{303}' WHERE customer_id < 1000;
SELECT crm.audience_count('dc_1 & dc_3 & !dc_2') AS in_transaction;
ROLLBACK;
SELECT crm.audience_count('dc_1 & dc_3 & !dc_2') AS after_rollback;
UPDATE crm.customer_tags SET tags = tags | '{303}' WHERE customer_id BETWEEN 65536 AND 65635;
SELECT crm.audience_count('dc_1 & dc_3 & !dc_2') AS after_update,
       crm.tagset_cardinality(crm.audience('dc_1 & dc_3 & !dc_2')) AS ids,
       crm.audience_count('(dc_1 & dc_3 & !dc_2) | dc_7') AS by_croaring;
-- errors are unchanged: unknown tag, malformed expression
SELECT crm.audience_count('dc_1 & nope & !dc_2');
SELECT crm.audience_count('dc_1 & & dc_2');
DELETE FROM crm.customer_tags WHERE customer_id BETWEEN 0 AND 199999;
DELETE FROM crm.tag_members WHERE tag_id BETWEEN 301 AND 307;
DELETE FROM crm.tags WHERE tag_id BETWEEN 301 AND 307;
