-- percall.sql: time per call over the same name pairs, ours and the peers,
-- in one run; serial plans, best of :reps runs.  Net = minus the cost of
-- scanning the pairs and summing their lengths (the baseline row).
\set ON_ERROR_STOP 1
SET search_path = bench_names, public;
SET max_parallel_workers_per_gather = 0;
SET jit = off;

CREATE TEMP TABLE percall (ord int, computation text, impl text, expr text, ms float8);
INSERT INTO percall (ord, computation, impl, expr) VALUES
  (0, 'baseline', 'scan + octet_length', 'octet_length(a) + octet_length(b)'),
  (1, 'Levenshtein', 'fuzzystrmatch levenshtein (bytes)', 'public.levenshtein(a, b)'),
  (2, 'Levenshtein', 'pg_similarity lev (bytes)', 'public.lev(a, b)'),
  (3, 'Levenshtein', 'crm.levenshtein (code points)', 'crm.levenshtein(a, b)'),
  (4, 'Levenshtein max_d 2', 'fuzzystrmatch levenshtein_less_equal', 'public.levenshtein_less_equal(a, b, 2)'),
  (5, 'Levenshtein max_d 2', 'crm.levenshtein(a, b, 2)', 'crm.levenshtein(a, b, 2)'),
  (6, 'Damerau-Levenshtein', 'crm.damerau_levenshtein', 'crm.damerau_levenshtein(a, b)'),
  (7, 'Jaro-Winkler', 'pg_similarity jarowinkler (bytes)', 'public.jarowinkler(a, b)'),
  (8, 'Jaro-Winkler', 'crm.jaro_winkler (code points)', 'crm.jaro_winkler(a, b)'),
  (9, 'name score', 'pg_trgm similarity', 'public.similarity(a, b)'),
  (10, 'name score', 'crm.name_similarity', 'crm.name_similarity(a, b)'),
  (11, 'normalise', 'crm.name_normalize', 'octet_length(crm.name_normalize(a))');
UPDATE percall SET ms = bench_names.time_ms('SELECT sum(' || expr || ') FROM bench_names.pairs', :reps);

\echo
\echo Per call over the name pairs (serial scan, best of the runs; ns = (ms - baseline ms) / pairs)
WITH n AS (SELECT count(*) AS pairs FROM pairs), b AS (SELECT ms FROM percall WHERE ord = 0),
r AS (
  SELECT p.*, round(p.ms::numeric, 1) AS total_ms,
         round(((p.ms - b.ms) * 1e6 / n.pairs)::numeric, 0) AS ns_per_call,
         min(CASE WHEN p.impl NOT LIKE 'crm.%' THEN (p.ms - b.ms) END) OVER (PARTITION BY p.computation) AS peer_ms,
         (p.ms - b.ms) AS net
    FROM percall p, n, b)
SELECT computation, impl AS implementation, total_ms, ns_per_call,
       CASE WHEN impl LIKE 'crm.%' AND peer_ms IS NOT NULL THEN round((peer_ms / net)::numeric, 2) || 'x' ELSE '' END AS faster_than_fastest_peer
  FROM r ORDER BY ord;

-- Save for RESULTS.md.
DROP TABLE IF EXISTS bench_names.percall_result;
CREATE TABLE bench_names.percall_result AS SELECT * FROM percall;
