-- tags_audience: tag dictionary, per-customer tags, audience bitmaps kept in
-- step by triggers, audience expressions.
SET search_path = crm, public;

-- Dictionary.
INSERT INTO crm.tags (tag_id, name, category, description) VALUES
  (1, 'vip', 'value', 'top customers'), (2, 'sports', 'interest', 'bought sports gear'),
  (3, 'churned', 'lifecycle', 'no purchase for a year'), (4, 'new', 'lifecycle', NULL),
  (5, 'big spender', 'value', 'name with a space'), (6, 'a&b', 'basic', 'name with an operator');
INSERT INTO crm.tags (tag_id, name) VALUES (7, 'vip');
INSERT INTO crm.tags (tag_id, name) VALUES (7, ' padded');
INSERT INTO crm.tags (tag_id, name) VALUES (7, '');
INSERT INTO crm.tags (tag_id, name, category) VALUES (7, 'x', 'Not A Category');
INSERT INTO crm.tags (tag_id, name) VALUES (0, 'zero');
SELECT tag_id('vip') AS vip, tag_id('big spender') AS spender;
SELECT tag_id('nope');
SELECT tag_ids('vip', 'churned') AS ids, tag_ids('new') AS one;
SELECT tag_ids('vip', 'nope');
SELECT tag_ids(VARIADIC ARRAY['vip', NULL]);
SELECT has_tag('{1,2}', 'vip') AS yes, has_tag('{2}', 'vip') AS no, has_tag('{}', 'vip') AS empty;
SELECT has_tag('{1}', 'nope');
SELECT tag_names('{1,2,99}') AS names, tag_names('{}') AS no_names;
-- has_tag on many rows looks the name up once and agrees with the id test
SELECT count(*) FILTER (WHERE has_tag(tagset_add('{}', g % 7), 'sports')) AS has_sports,
       count(*) FILTER (WHERE g % 7 = 2) AS expected
  FROM generate_series(1, 1000) g;

-- Per-customer tags; the audience bitmaps follow every change.
SELECT tag_customer(10, 'vip', 'sports') AS c10, tag_customer(11, 'vip') AS c11,
       tag_customer(12, 'sports', 'churned') AS c12, tag_customer(10, 'new') AS c10_again;
INSERT INTO crm.customer_tags VALUES (13, '{}'), (4294967295, '{1,3}');
INSERT INTO crm.customer_tags VALUES (-1, '{}');
INSERT INTO crm.customer_tags VALUES (4294967296, '{}');
SELECT * FROM crm.tag_members ORDER BY tag_id;
SELECT * FROM crm.audience_all;
SELECT untag_customer(10, 'sports') AS c10, untag_customer(999, 'vip') IS NULL AS unknown_customer;
UPDATE crm.customer_tags SET tags = tags | '{4}' WHERE customer_id IN (11, 13);
UPDATE crm.customer_tags SET customer_id = 14 WHERE customer_id = 13;
DELETE FROM crm.customer_tags WHERE customer_id = 12;
SELECT * FROM crm.tag_members ORDER BY tag_id;
SELECT * FROM crm.audience_all;
SELECT customer_id, tags, tag_names(tags) FROM crm.customer_tags ORDER BY customer_id;

-- Audience expressions: precedence ! then & then |, parentheses, quoted names.
SELECT audience('vip') AS vip, audience('!vip') AS not_vip, audience('vip & new') AS vip_new,
       audience('vip | churned') AS vip_or_churned;
SELECT audience('vip & !new') AS a, audience('!vip | new') AS b, audience('!(vip | new)') AS c,
       audience('vip | churned & new') AS precedence, audience('(vip | churned) & new') AS grouped;
SELECT audience('!!vip') AS double_not, audience('  vip&new  ') AS tight, audience('"big spender"') AS quoted,
       audience('"a&b" | vip') AS quoted_op, audience('sports') AS nobody;
SELECT audience_count('vip') AS n_vip, audience_count('!vip') AS n_not_vip, audience_count('vip & !vip') AS n_none,
       audience_count('vip | !vip') AS n_all;
-- malformed: 22P02 with the position; unknown tag: 42704
SELECT audience('');
SELECT audience('vip &');
SELECT audience('vip & (sports');
SELECT audience('vip sports');
SELECT audience('(vip))');
SELECT audience('& vip');
SELECT audience('vip | | new');
SELECT audience('"vip');
SELECT audience('""');
SELECT audience('vip & !');
SELECT audience('vip & nope');
SELECT audience_count('()');
SELECT audience(repeat('(', 100000) || 'vip' || repeat(')', 100000));
SELECT audience(NULL) IS NULL AS strict_null;

-- Rebuild from scratch gives the same bitmaps.
CREATE TEMP TABLE before_rebuild AS SELECT * FROM crm.tag_members;
SELECT audience_rebuild() AS bitmaps;
SELECT count(*) AS differences FROM crm.tag_members m FULL JOIN before_rebuild b USING (tag_id)
 WHERE m.members IS DISTINCT FROM b.members AND NOT (m.members IS NULL AND b.members = '{}')
   AND NOT (b.members IS NULL AND m.members = '{}');
TRUNCATE crm.customer_tags;
SELECT count(*) AS members_rows FROM crm.tag_members;
SELECT audience_count('!vip') AS nobody_left;

-- Randomized agreement with plain SQL over a normalised customer_tag table,
-- through inserts, updates (tags and ids), deletes.
SELECT setseed(0.3);
INSERT INTO crm.tags (tag_id, name)
  SELECT g, 't' || g FROM generate_series(101, 112) g;
CREATE TEMP TABLE customer_tag (customer_id bigint, tag_id bigint, PRIMARY KEY (customer_id, tag_id));
INSERT INTO customer_tag
  SELECT DISTINCT c, 101 + floor(power(random(), 2) * 12)::int
    FROM generate_series(1, 3000) c, generate_series(1, 4) k
   WHERE random() < 0.8;
INSERT INTO crm.customer_tags (customer_id, tags)
  SELECT c, coalesce((SELECT tagset_agg(tag_id) FROM customer_tag t WHERE t.customer_id = c), '{}')
    FROM generate_series(1, 3000) c;
-- changes, mirrored in the normalised table
CREATE TEMP TABLE customers AS SELECT customer_id FROM crm.customer_tags;
UPDATE crm.customer_tags SET tags = tags - '{101,102}' | '{112}' WHERE customer_id % 7 = 0;
DELETE FROM customer_tag WHERE customer_id % 7 = 0 AND tag_id IN (101, 102);
INSERT INTO customer_tag SELECT customer_id, 112 FROM customers WHERE customer_id % 7 = 0 ON CONFLICT DO NOTHING;
DELETE FROM crm.customer_tags WHERE customer_id % 11 = 0;
DELETE FROM customer_tag WHERE customer_id % 11 = 0;
DELETE FROM customers WHERE customer_id % 11 = 0;
UPDATE crm.customer_tags SET customer_id = customer_id + 100000 WHERE customer_id % 13 = 0;
UPDATE customer_tag SET customer_id = customer_id + 100000 WHERE customer_id % 13 = 0;
UPDATE customers SET customer_id = customer_id + 100000 WHERE customer_id % 13 = 0;
SELECT tag_customer(200000, 't101', 't105');
INSERT INTO customer_tag VALUES (200000, 101), (200000, 105);
INSERT INTO customers VALUES (200000);
-- per-tag bitmaps equal the normalised table
SELECT count(*) AS tags_checked,
       count(*) FILTER (WHERE m.members IS DISTINCT FROM n.ids) AS mismatches
  FROM (SELECT tag_id, tagset_agg(customer_id) AS ids FROM customer_tag GROUP BY tag_id) n
  FULL JOIN crm.tag_members m USING (tag_id);
SELECT (SELECT members FROM crm.audience_all) = (SELECT tagset_agg(customer_id) FROM customers) AS universe_ok;
-- random expressions, evaluated both ways
CREATE FUNCTION pg_temp.rand_expr(depth int, OUT expr text, OUT pred text) LANGUAGE plpgsql AS $$
DECLARE
  r float8 := random();
  a record;
  b record;
  t int;
BEGIN
  IF depth <= 0 OR r < 0.3 THEN
    t := 101 + floor(random() * 12)::int;
    expr := 't' || t;
    pred := format('EXISTS (SELECT 1 FROM customer_tag x WHERE x.customer_id = c.customer_id AND x.tag_id = %s)', t);
  ELSIF r < 0.45 THEN
    a := pg_temp.rand_expr(depth - 1);
    expr := '!' || a.expr;
    pred := 'NOT ' || a.pred;
    IF random() < 0.5 THEN
      expr := '!(' || a.expr || ')';
    END IF;
  ELSE
    a := pg_temp.rand_expr(depth - 1);
    b := pg_temp.rand_expr(depth - 1);
    IF r < 0.75 THEN
      expr := '(' || a.expr || ' & ' || b.expr || ')';
      pred := '(' || a.pred || ' AND ' || b.pred || ')';
    ELSE
      expr := '(' || a.expr || ' | ' || b.expr || ')';
      pred := '(' || a.pred || ' OR ' || b.pred || ')';
    END IF;
  END IF;
END $$;
CREATE FUNCTION pg_temp.check_random(n int) RETURNS TABLE (checked int, mismatches int, nonempty int) LANGUAGE plpgsql AS $$
DECLARE
  e record;
  want tagset;
  got tagset;
  cnt bigint;
BEGIN
  checked := 0; mismatches := 0; nonempty := 0;
  FOR i IN 1 .. n LOOP
    e := pg_temp.rand_expr(4);
    EXECUTE 'SELECT coalesce(tagset_agg(customer_id), ''{}'') FROM customers c WHERE ' || e.pred INTO want;
    got := audience(e.expr);
    cnt := audience_count(e.expr);
    checked := checked + 1;
    IF got <> want OR cnt <> tagset_cardinality(want) THEN
      mismatches := mismatches + 1;
      RAISE NOTICE 'mismatch for %', e.expr;
    END IF;
    IF cnt > 0 THEN
      nonempty := nonempty + 1;
    END IF;
  END LOOP;
  RETURN NEXT;
END $$;
SELECT checked, mismatches, nonempty > checked / 2 AS mostly_nonempty FROM pg_temp.check_random(300);
-- the canonical three-tag audience, both ways
SELECT audience_count('t101 & t102 & !t103') AS ours,
       (SELECT count(*) FROM customers c
         WHERE EXISTS (SELECT 1 FROM customer_tag x WHERE x.customer_id = c.customer_id AND x.tag_id = 101)
           AND EXISTS (SELECT 1 FROM customer_tag x WHERE x.customer_id = c.customer_id AND x.tag_id = 102)
           AND NOT EXISTS (SELECT 1 FROM customer_tag x WHERE x.customer_id = c.customer_id AND x.tag_id = 103)) AS plain_sql;

-- Clean up: leave the dictionary as CREATE EXTENSION made it.
TRUNCATE crm.customer_tags;
DELETE FROM crm.tags;
ALTER SEQUENCE crm.tags_tag_id_seq RESTART;
