-- tags_audcache: decoded tag bitmaps are kept per backend, keyed by the row
-- version of crm.tag_members they were decoded from: a repeated audience reads
-- no TOAST, and every change (update, delete, savepoint, rollback) is seen.
SET search_path = crm, public;
INSERT INTO crm.tags (name) VALUES ('ac_a'), ('ac_b');
-- 100000 customers 7 apart: the bitmap of ac_a is about 90 kB, out of line
INSERT INTO crm.customer_tags
  SELECT 20000000 + g * 7, (SELECT crm.tag_ids('ac_a')) FROM generate_series(1, 100000) g;
SELECT pg_column_size(members) > 80000 AS toasted
  FROM crm.tag_members WHERE tag_id = crm.tag_id('ac_a');
SHOW crm_profile.audience_cache_size;

-- repeated audiences read no TOAST block (each read about 12 before)
SELECT crm.audience_count('ac_a & !ac_b') AS warm;
SELECT pg_stat_force_next_flush();
SELECT toast_blks_read + toast_blks_hit AS toast_before
  FROM pg_statio_all_tables WHERE relid = 'crm.tag_members'::regclass \gset
SELECT crm.audience_count('ac_a & !ac_b') FROM generate_series(1, 5);
SELECT crm.tagset_cardinality(crm.audience('ac_a | ac_b')) AS card;
SELECT pg_stat_force_next_flush();
SELECT toast_blks_read + toast_blks_hit - :toast_before AS toast_blocks_read_again
  FROM pg_statio_all_tables WHERE relid = 'crm.tag_members'::regclass;

-- changes are seen at once, in and out of transactions
UPDATE crm.customer_tags SET tags = tags | crm.tag_ids('ac_b')
 WHERE customer_id BETWEEN 20000000 AND 20000070;
SELECT crm.audience_count('ac_a & !ac_b') AS a_not_b, crm.audience_count('ac_b') AS b;
BEGIN;
DELETE FROM crm.customer_tags WHERE customer_id BETWEEN 20000000 AND 20000700;
SELECT crm.audience_count('ac_a & !ac_b') AS a_not_b, crm.audience_count('ac_b') AS b;
SAVEPOINT s;
UPDATE crm.customer_tags SET tags = crm.tag_ids('ac_b')
 WHERE customer_id BETWEEN 20000000 AND 20007000;
SELECT crm.audience_count('ac_a & !ac_b') AS a_not_b, crm.audience_count('ac_b') AS b;
ROLLBACK TO s;
SELECT crm.audience_count('ac_a & !ac_b') AS a_not_b, crm.audience_count('ac_b') AS b;
ROLLBACK;
SELECT crm.audience_count('ac_a & !ac_b') AS a_not_b, crm.audience_count('ac_b') AS b;
-- an audience of one tag is copied, not lent: the cached bitmap stays intact
SELECT crm.tagset_cardinality(crm.audience('ac_a')) AS a, crm.audience_count('ac_a') AS a_count;
-- without the cache, the same answers
SET crm_profile.audience_cache_size = 0;
SELECT crm.audience_count('ac_a & !ac_b') AS a_not_b, crm.audience_count('ac_b') AS b;
RESET crm_profile.audience_cache_size;
DELETE FROM crm.customer_tags WHERE customer_id BETWEEN 20000000 AND 20700000;
SELECT crm.audience_count('ac_a') AS a, crm.audience_count('ac_b') AS b;
DELETE FROM crm.tag_members WHERE tag_id IN (crm.tag_id('ac_a'), crm.tag_id('ac_b'));
DELETE FROM crm.tags WHERE name IN ('ac_a', 'ac_b');
