-- identity_qa: regressions for the QA findings on the identity area (I0-I8).
\set SHOW_CONTEXT never
CREATE SCHEMA idq;

-- I4: a bad seen_at value never makes the application's own write fail:
-- it is stored as the current time with a WARNING
CREATE TABLE idq.app4 (id int PRIMARY KEY, nm text, seen text);
INSERT INTO idq.app4 VALUES (1, 'Zhang San', '2024-01-01');
SELECT crm.identity_register('app4', 'idq.app4', 'id', '{"full_name": "nm", "seen_at": "seen"}');
INSERT INTO idq.app4 VALUES (2, 'Li Si', 'garbage');
UPDATE idq.app4 SET seen = 'not a time' WHERE id = 1;
INSERT INTO idq.app4 VALUES (3, 'Wang Wu', 'infinity'), (4, 'Zhao Liu', '2024-02-30'),
                            (5, 'Sun Qi', '2024-03-04 05:06:07+08');
SELECT id, seen, r.seen_at IS NOT NULL AS has_seen_at,
       r.seen_at = '2024-03-04 05:06:07+08'::timestamptz AS exact
  FROM idq.app4 a JOIN crm.identity_record r ON r.source = 'app4' AND r.source_key = a.id::text
 ORDER BY id;
SELECT crm.identity_seen_at('2024-01-01 12:00Z') = '2024-01-01 12:00Z'::timestamptz AS parses,
       crm.identity_seen_at('garbage') IS NULL AS garbage,
       crm.identity_seen_at('-infinity') IS NULL AS infinite,
       crm.identity_seen_at('2024-13-01') IS NULL AS bad_month,
       crm.identity_seen_at('') IS NULL AS empty,
       crm.identity_seen_at(repeat('9', 1000)) IS NULL AS long;
-- the bulk load reads the same column without failing either
SELECT crm.identity_load('app4');
SELECT crm.identity_unregister('app4');
