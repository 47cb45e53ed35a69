-- quality.sql: ROC AUC and best F1 of name-pair scores on Febrl (true
-- duplicates from the record ids), ours vs pg_trgm vs pg_similarity, on the
-- same candidate pairs (bench_names.febrl_pairs, built by setup.sql: every
-- pair of dataset 1, and the pairs of dataset 2 that share a postcode or a
-- date of birth).  Computed in SQL; one row per dataset and method.
\set ON_ERROR_STOP 1
SET search_path = bench_names, public;
CREATE TEMP TABLE long_scores AS
SELECT p.dataset, m.method, p.truth, m.score,
       p.na LIKE '% %' AND p.nb LIKE '% %' AS full_names
  FROM bench_names.febrl_pairs p
 CROSS JOIN LATERAL (VALUES
   ('crm.name_similarity', crm.name_similarity(p.na, p.nb)),
   ('pg_trgm similarity', public.similarity(p.na, p.nb)::float8),
   ('pg_similarity jarowinkler', public.jarowinkler(p.na, p.nb)),
   ('crm.jaro_winkler (whole string)', crm.jaro_winkler(p.na, p.nb))) m(method, score);

-- The same measures on the pairs where both names are full (given name and
-- surname): the missing-part rule of crm.name_similarity plays no part there.
INSERT INTO long_scores SELECT dataset + 10, method, truth, score, true FROM long_scores WHERE full_names;

-- ROC AUC = P(score of a random true pair > score of a random false pair),
-- ties counting one half: the Mann-Whitney statistic with average ranks.
-- Best F1 over every threshold: F1 = 2TP / (2TP + FP + FN).
\echo
\echo Quality of name-pair scores on Febrl (same candidate pairs for every method)
WITH grp AS (
  SELECT dataset, method, score, count(*) FILTER (WHERE truth) AS pos, count(*) FILTER (WHERE NOT truth) AS neg
    FROM long_scores GROUP BY dataset, method, score
), ranked AS (
  SELECT dataset, method, score, pos, neg,
         sum(pos + neg) OVER (PARTITION BY dataset, method ORDER BY score ROWS UNBOUNDED PRECEDING) - (pos + neg) AS below,
         sum(pos) OVER (PARTITION BY dataset, method ORDER BY score DESC ROWS UNBOUNDED PRECEDING) AS tp,
         sum(neg) OVER (PARTITION BY dataset, method ORDER BY score DESC ROWS UNBOUNDED PRECEDING) AS fp,
         sum(pos) OVER (PARTITION BY dataset, method) AS p,
         sum(neg) OVER (PARTITION BY dataset, method) AS n
    FROM grp
), f1 AS (
  SELECT *, 2.0 * tp / (2 * tp + fp + (p - tp)) AS f1 FROM ranked
), per_method AS (
  SELECT dataset, method, max(p) AS p, max(n) AS n,
         (sum(pos * (below + (pos + neg + 1) / 2.0)) - max(p) * (max(p) + 1) / 2.0) / (max(p) * max(n)) AS auc,
         max(f1) AS best_f1
    FROM f1 GROUP BY dataset, method
)
SELECT CASE r.dataset WHEN 1 THEN 'dataset1, all pairs' WHEN 2 THEN 'dataset2, same postcode or birth date'
         WHEN 11 THEN 'dataset1, both names full' ELSE 'dataset2, both names full' END AS febrl_pairs,
       r.method, r.p AS true_pairs, r.n AS false_pairs, round(r.auc, 4) AS roc_auc, round(r.best_f1, 4) AS best_f1,
       (SELECT round(min(score)::numeric, 3) FROM f1 x
         WHERE x.dataset = r.dataset AND x.method = r.method AND x.f1 = r.best_f1) AS best_f1_threshold
  FROM per_method r
 ORDER BY r.dataset % 10, r.dataset, r.auc DESC;
