-- percall.sql: time per call over the same name pairs, ours and the peers,
-- in one run; serial plans.  Every repetition runs every expression in turn
-- (round robin, so a burst of load on the shared machine hits all of them),
-- and for each the best of :reps runs is kept, in wall-clock time and in the
-- backend's CPU time (/proc/self/schedstat: time on a core, so waiting for a
-- core does not count; NULL where that file cannot be read).  Net = minus
-- the cost of scanning the pairs and summing their lengths (the baseline
-- row).  Ratios: the fastest peer's net time over ours, per computation.
\set ON_ERROR_STOP 1
SET search_path = bench_names, public;
SET max_parallel_workers_per_gather = 0;
SET jit = off;

-- cpu_ns(): this backend's CPU time so far, in ns (NULL if unknown).  The
-- kernel brings a running task's figure up to date only at a scheduler tick
-- or a context switch, so a short sleep first makes it exact (without it,
-- runs of a few ms read as 0 or as a whole tick).
CREATE FUNCTION pg_temp.cpu_ns() RETURNS bigint
  LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_sleep(0.0001);
  RETURN split_part(pg_read_file('/proc/self/schedstat'), ' ', 1)::bigint;
EXCEPTION WHEN others THEN
  RETURN NULL;
END $$;

CREATE TEMP TABLE percall (ord int, computation text, impl text, expr text,
                           ms float8 DEFAULT 'infinity', cpu_ms float8 DEFAULT 'infinity');
-- Row -1 runs the baseline's scan first in each round and is not shown: in
-- a fresh cluster the first scan of a round measured 20 ms more wall-clock
-- time than the same scan later in the round (not CPU time).
INSERT INTO percall (ord, computation, impl, expr) VALUES
  (-1, 'warm-up', 'scan + octet_length', 'octet_length(a) + octet_length(b)'),
  (0, 'baseline', 'scan + octet_length', 'octet_length(a) + octet_length(b)'),
  (1, 'Levenshtein', 'fuzzystrmatch levenshtein', 'public.levenshtein(a, b)'),
  (2, 'Levenshtein', 'pg_similarity lev (bytes)', 'public.lev(a, b)'),
  (3, 'Levenshtein', 'crm.levenshtein (code points)', 'crm.levenshtein(a, b)'),
  (4, 'Levenshtein', 'crm.levenshtein(a, b, NULL) (not STRICT)', 'crm.levenshtein(a, b, NULL)'),
  (5, 'Levenshtein max_d 1', 'fuzzystrmatch levenshtein_less_equal', 'public.levenshtein_less_equal(a, b, 1)'),
  (6, 'Levenshtein max_d 1', 'crm.levenshtein(a, b, 1)', 'crm.levenshtein(a, b, 1)'),
  (7, 'Levenshtein max_d 2', 'fuzzystrmatch levenshtein_less_equal', 'public.levenshtein_less_equal(a, b, 2)'),
  (8, 'Levenshtein max_d 2', 'crm.levenshtein(a, b, 2)', 'crm.levenshtein(a, b, 2)'),
  (9, 'Levenshtein max_d 3', 'fuzzystrmatch levenshtein_less_equal', 'public.levenshtein_less_equal(a, b, 3)'),
  (10, 'Levenshtein max_d 3', 'crm.levenshtein(a, b, 3)', 'crm.levenshtein(a, b, 3)'),
  (11, 'Damerau-Levenshtein', 'crm.damerau_levenshtein (no peer)', 'crm.damerau_levenshtein(a, b)'),
  (12, 'Damerau-Levenshtein max_d 2', 'crm.damerau_levenshtein(a, b, 2) (no peer)', 'crm.damerau_levenshtein(a, b, 2)'),
  (13, 'Jaro-Winkler', 'pg_similarity jarowinkler (bytes)', 'public.jarowinkler(a, b)'),
  (14, 'Jaro-Winkler', 'crm.jaro_winkler (code points)', 'crm.jaro_winkler(a, b)'),
  (15, 'name score', 'pg_trgm similarity', 'public.similarity(a, b)'),
  (16, 'name score', 'crm.name_similarity', 'crm.name_similarity(a, b)'),
  (17, 'normalise', 'crm.name_normalize', 'octet_length(crm.name_normalize(a))');

-- Warm-up (caches, hint bits, library loading), then :reps rounds.
SELECT set_config('bench.reps', :'reps', false) AS reps, count(*) AS pairs FROM pairs;
DO $$
DECLARE
  r record;
  q text;
  t0 timestamptz;
  c0 bigint;
  c1 bigint;
BEGIN
  FOR r IN SELECT * FROM percall ORDER BY ord LOOP
    EXECUTE 'SELECT sum(' || r.expr || ') FROM (SELECT * FROM bench_names.pairs LIMIT 1000) s';
  END LOOP;
  FOR i IN 1..current_setting('bench.reps')::int LOOP
    FOR r IN SELECT * FROM percall ORDER BY ord LOOP
      q := 'SELECT sum(' || r.expr || ') FROM bench_names.pairs';
      c0 := pg_temp.cpu_ns();
      t0 := clock_timestamp();
      EXECUTE q;
      q := extract(epoch FROM clock_timestamp() - t0) * 1000;
      c1 := pg_temp.cpu_ns();
      UPDATE percall
         SET ms = least(ms, q::float8),
             cpu_ms = CASE WHEN c0 IS NULL OR c1 IS NULL THEN NULL ELSE least(cpu_ms, (c1 - c0) / 1e6) END
       WHERE ord = r.ord;
    END LOOP;
  END LOOP;
END $$;

\echo
\echo Per call over the name pairs (serial scan; best of the rounds; ns = (ms - baseline ms) / pairs)
\echo wall = elapsed time; cpu = time the backend spent on a core (the figure to trust on a shared machine)
WITH n AS (SELECT count(*) AS pairs FROM pairs), b AS (SELECT ms, cpu_ms FROM percall WHERE ord = 0),
r AS (
  SELECT p.*, p.ms - b.ms AS net, p.cpu_ms - b.cpu_ms AS cpu_net,
         min(CASE WHEN p.impl NOT LIKE 'crm.%' THEN p.ms - b.ms END) OVER (PARTITION BY p.computation) AS peer,
         min(CASE WHEN p.impl NOT LIKE 'crm.%' THEN p.cpu_ms - b.cpu_ms END) OVER (PARTITION BY p.computation) AS cpu_peer,
         n.pairs
    FROM percall p, n, b)
SELECT computation, impl AS implementation,
       round(ms::numeric, 1) AS wall_ms,
       round((net * 1e6 / pairs)::numeric, 0) AS wall_ns,
       round(cpu_ms::numeric, 1) AS cpu_ms,
       round((cpu_net * 1e6 / pairs)::numeric, 0) AS cpu_ns,
       CASE WHEN impl LIKE 'crm.%' AND peer IS NOT NULL AND net > 0 THEN round((peer / net)::numeric, 2) || 'x' ELSE '' END AS wall_vs_peer,
       CASE WHEN impl LIKE 'crm.%' AND cpu_peer IS NOT NULL AND cpu_net > 0 THEN round((cpu_peer / cpu_net)::numeric, 2) || 'x' ELSE '' END AS cpu_vs_peer
  FROM r WHERE ord >= 0 ORDER BY ord;

-- Save for RESULTS.md.
DROP TABLE IF EXISTS bench_names.percall_result;
CREATE TABLE bench_names.percall_result AS SELECT * FROM percall;
