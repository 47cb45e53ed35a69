-- top10.sql: top-10 similar-name look-ups among the names, ours vs pg_trgm
-- GIN and GiST, on the same rows and queries; per-query latency (median,
-- p90) and whether the base name of the query is in the top 10.
-- psql variable gist_queries: how many of the queries the GiST KNN method
-- runs (it takes seconds a query at 1M names; 0 skips it); crm_gist_queries:
-- the same for ours through crm.name_gist_ops (plain ORDER BY name <-> q).
\set ON_ERROR_STOP 1
SET search_path = bench_names, public;
SET max_parallel_workers_per_gather = 0;
SET jit = off;

DROP TABLE IF EXISTS people_trgm_gin, people_trgm_gist, people_crm, people_crm_gist, index_build;
CREATE TABLE people_trgm_gin AS SELECT id, base_id, kind, name FROM people;
CREATE TABLE people_trgm_gist AS SELECT id, base_id, kind, name FROM people;
CREATE TABLE people_crm AS SELECT id, base_id, kind, name FROM people;
CREATE TABLE people_crm_gist AS SELECT id, base_id, kind, name FROM people;
CREATE TABLE index_build (impl text, build_ms float8, index_mb numeric);
INSERT INTO index_build SELECT 'pg_trgm GIN (gin_trgm_ops)', bench_names.time_ms('CREATE INDEX people_trgm_gin_idx ON bench_names.people_trgm_gin USING gin (name public.gin_trgm_ops)', 1), NULL;
SELECT :gist_queries > 0 AS with_gist \gset
\if :with_gist
INSERT INTO index_build SELECT 'pg_trgm GiST (gist_trgm_ops)', bench_names.time_ms('CREATE INDEX people_trgm_gist_idx ON bench_names.people_trgm_gist USING gist (name public.gist_trgm_ops)', 1), NULL;
\endif
INSERT INTO index_build SELECT 'crm GIN (crm.name_gin_ops)', bench_names.time_ms('CREATE INDEX people_crm_idx ON bench_names.people_crm USING gin (name crm.name_gin_ops)', 1), NULL;
SELECT :crm_gist_queries > 0 AS with_crm_gist \gset
\if :with_crm_gist
INSERT INTO index_build SELECT 'crm GiST (crm.name_gist_ops)', bench_names.time_ms('CREATE INDEX people_crm_gist_idx ON bench_names.people_crm_gist USING gist (name crm.name_gist_ops)', 1), NULL;
\endif
UPDATE index_build SET index_mb = round(pg_relation_size(CASE impl
  WHEN 'pg_trgm GIN (gin_trgm_ops)' THEN 'bench_names.people_trgm_gin_idx'
  WHEN 'pg_trgm GiST (gist_trgm_ops)' THEN 'bench_names.people_trgm_gist_idx'
  WHEN 'crm GiST (crm.name_gist_ops)' THEN 'bench_names.people_crm_gist_idx'
  ELSE 'bench_names.people_crm_idx' END::regclass) / 1048576.0, 1);
VACUUM ANALYZE people_trgm_gin, people_trgm_gist, people_crm, people_crm_gist;

CREATE TEMP TABLE methods (ord int, impl text, sql text, max_queries int);
INSERT INTO methods VALUES
  (1, 'pg_trgm GIN: WHERE name % q ORDER BY similarity DESC',
      'SELECT array_agg(id) FROM (SELECT id FROM bench_names.people_trgm_gin WHERE name OPERATOR(public.%) $1 ORDER BY public.similarity(name, $1) DESC, id LIMIT 10) s', NULL),
  (2, 'pg_trgm GiST KNN: ORDER BY name <-> q',
      'SELECT array_agg(id) FROM (SELECT id FROM bench_names.people_trgm_gist ORDER BY name OPERATOR(public.<->) $1, id LIMIT 10) s', :gist_queries),
  (3, 'crm GIN: WHERE name %% q ORDER BY name <-> q',
      'SELECT array_agg(id) FROM (SELECT id FROM bench_names.people_crm WHERE name OPERATOR(crm.%%) $1 ORDER BY name OPERATOR(crm.<->) $1, id LIMIT 10) s', NULL),
  (4, 'crm GiST KNN: ORDER BY name <-> q (exact)',
      'SELECT array_agg(id) FROM (SELECT id FROM bench_names.people_crm_gist ORDER BY name OPERATOR(crm.<->) $1 LIMIT 10) s', :crm_gist_queries);
DELETE FROM methods WHERE max_queries = 0;

CREATE OR REPLACE FUNCTION bench_names.run_queries(m_sql text, max_q int) RETURNS TABLE (qid bigint, ms float8, hit bool)
  LANGUAGE plpgsql AS $$
DECLARE
  r record;
  t0 timestamptz;
  ids bigint[];
BEGIN
  -- Kinds interleaved, so that a limited run (GiST) samples every kind.
  FOR r IN SELECT * FROM bench_names.queries q0
            ORDER BY row_number() OVER (PARTITION BY q0.kind ORDER BY q0.qid), q0.kind LIMIT max_q LOOP
    IF max_q IS NULL THEN
      EXECUTE m_sql INTO ids USING r.q;        -- warm the cache (not for the slow GiST scans)
    END IF;
    t0 := clock_timestamp();
    EXECUTE m_sql INTO ids USING r.q;
    qid := r.qid;
    ms := extract(epoch FROM clock_timestamp() - t0) * 1000;
    hit := r.target_id = ANY (coalesce(ids, '{}'));
    RETURN NEXT;
  END LOOP;
END $$;

CREATE TEMP TABLE lookups AS
  SELECT m.ord, m.impl, x.* FROM methods m, LATERAL bench_names.run_queries(m.sql, m.max_queries) x;

\echo
\echo Index builds
SELECT impl AS index, round(build_ms::numeric / 1000, 1) AS build_s, index_mb FROM index_build ORDER BY impl;

\echo
\echo Top-10 look-ups (timed after a warm-up run of the same query; GiST methods: no warm-up, first gist_queries / crm_gist_queries queries only)
SELECT impl AS method, count(*) AS queries,
       round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms)::numeric, 2) AS median_ms,
       round(percentile_cont(0.9) WITHIN GROUP (ORDER BY ms)::numeric, 2) AS p90_ms,
       round(max(ms)::numeric, 2) AS max_ms,
       round(100.0 * avg(hit::int), 1) AS recall_at_10_pct
  FROM lookups GROUP BY ord, impl ORDER BY ord;

\echo
\echo Recall at 10 by kind of variant searched
SELECT q.kind,
       round(100.0 * avg(l.hit::int) FILTER (WHERE l.ord = 1), 1) AS trgm_gin_pct,
       round(100.0 * avg(l.hit::int) FILTER (WHERE l.ord = 2), 1) AS trgm_gist_pct,
       round(100.0 * avg(l.hit::int) FILTER (WHERE l.ord = 3), 1) AS crm_gin_pct,
       round(100.0 * avg(l.hit::int) FILTER (WHERE l.ord = 4), 1) AS crm_gist_pct
  FROM lookups l JOIN queries q USING (qid) GROUP BY q.kind ORDER BY q.kind;

DROP TABLE IF EXISTS bench_names.lookups_result;
CREATE TABLE bench_names.lookups_result AS SELECT * FROM lookups;
