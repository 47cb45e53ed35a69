-- names: the same answers before and after dump and restore, through the
-- GIN and GiST indexes as well as without them.
SELECT id, name, name_key, crm.name_phonetic(name), crm.name_pinyin(name) FROM names_dump.people ORDER BY id;
SELECT * FROM names_dump.similar_pairs ORDER BY a, b;
SET enable_seqscan = off;
SELECT id FROM names_dump.people WHERE name OPERATOR(crm.%%) 'Zhang San' ORDER BY name OPERATOR(crm.<->) 'Zhang San', id;
SELECT id FROM names_dump.people WHERE crm.name_phonetic(name) = crm.name_phonetic('Robert Smyth') ORDER BY id;
SET enable_bitmapscan = off;
SELECT id, round((name OPERATOR(crm.<->) 'Bob Smith')::numeric, 4) FROM names_dump.people ORDER BY name OPERATOR(crm.<->) 'Bob Smith' LIMIT 3;
EXPLAIN (COSTS OFF) SELECT id FROM names_dump.people ORDER BY name OPERATOR(crm.<->) 'Bob Smith' LIMIT 3;
RESET enable_bitmapscan;
RESET enable_seqscan;
SELECT indexrelid::regclass, indisvalid FROM pg_index WHERE indrelid = 'names_dump.people'::regclass ORDER BY indexrelid::regclass::text;
