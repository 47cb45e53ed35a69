-- quality.sql: ROC AUC and best F1 of name-pair scores on Febrl (true
-- duplicates from the record ids), ours vs pg_trgm vs pg_similarity, on the
-- same candidate pairs.  Expects table bench_names.febrl_pairs(truth bool,
-- na text, nb text) and the three extensions; prints one row per method.
\set ON_ERROR_STOP 1
CREATE TEMP TABLE scored AS
SELECT truth,
       crm.name_similarity(na, nb) AS crm_name_similarity,
       public.similarity(na, nb) AS pg_trgm_similarity,
       public.jarowinkler(na, nb) AS pg_similarity_jarowinkler,
       crm.jaro_winkler(na, nb) AS crm_jaro_winkler
  FROM bench_names.febrl_pairs;

CREATE TEMP TABLE long_scores AS
SELECT m.method, s.truth, m.score
  FROM scored s
 CROSS JOIN LATERAL (VALUES
   ('crm.name_similarity', s.crm_name_similarity),
   ('pg_trgm similarity', s.pg_trgm_similarity::float8),
   ('pg_similarity jarowinkler', s.pg_similarity_jarowinkler),
   ('crm.jaro_winkler (plain string)', s.crm_jaro_winkler)) m(method, score);

-- ROC AUC = P(score of a random true pair > score of a random false pair),
-- ties counting one half: the Mann-Whitney statistic with average ranks.
-- Best F1 over every threshold: F1 = 2TP / (2TP + FP + FN).
WITH grp AS (
  SELECT method, score, count(*) FILTER (WHERE truth) AS pos, count(*) FILTER (WHERE NOT truth) AS neg
    FROM long_scores GROUP BY method, score
), ranked AS (
  SELECT method, score, pos, neg,
         sum(pos + neg) OVER (PARTITION BY method ORDER BY score ROWS UNBOUNDED PRECEDING) - (pos + neg) AS below,
         sum(pos) OVER (PARTITION BY method ORDER BY score DESC ROWS UNBOUNDED PRECEDING) AS tp,
         sum(neg) OVER (PARTITION BY method ORDER BY score DESC ROWS UNBOUNDED PRECEDING) AS fp,
         sum(pos) OVER (PARTITION BY method) AS p,
         sum(neg) OVER (PARTITION BY method) AS n
    FROM grp
), per_method AS (
  SELECT method, max(p) AS p, max(n) AS n,
         (sum(pos * (below + (pos + neg + 1) / 2.0)) - max(p) * (max(p) + 1) / 2.0) / (max(p) * max(n)) AS auc,
         max(2.0 * tp / (2 * tp + fp + (p - tp))) AS best_f1
    FROM ranked GROUP BY method
)
SELECT r.method, r.p AS true_pairs, r.n AS false_pairs, round(r.auc, 4) AS roc_auc, round(r.best_f1, 4) AS best_f1,
       (SELECT round(min(score)::numeric, 3) FROM ranked x
         WHERE x.method = r.method AND 2.0 * x.tp / (2 * x.tp + x.fp + (x.p - x.tp)) = r.best_f1) AS at_threshold
  FROM per_method r
 ORDER BY r.auc DESC;
