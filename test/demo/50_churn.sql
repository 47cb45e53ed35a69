-- 50_churn: who is about to leave, and what is each customer worth?
-- BG/NBD + Gamma-Gamma fitted in the database on the shop's paid orders,
-- a calibration/holdout check, the early-warning rules, and CLV.
\set QUIET on
CREATE TEMP VIEW paid_orders AS
SELECT customer_id, ordered_at, amount FROM shop.orders WHERE status = 'paid';

\echo
\echo '================================================================'
\echo ' Churn and lifetime value (crm.bgnbd_fit, crm.gammagamma_fit, crm.churn_scores)'
\echo '================================================================'
\echo '== Models fitted on all paid orders up to 2024-12-09 (time unit: weeks)'
CREATE TEMP TABLE churn_summary AS
SELECT customer_id, crm.purchase_summary(ordered_at::date, amount, '2024-12-09', '1 week', '90 days') AS s
  FROM paid_orders GROUP BY customer_id;
SELECT 'BG/NBD' AS model,
       format('r %s, alpha %s, a %s, b %s', round((m).r::numeric, 3), round((m).alpha::numeric, 2),
              round((m).a::numeric, 3), round((m).b::numeric, 3)) AS parameters,
       round((m).log_likelihood::numeric, 1) AS log_likelihood, (m).customers, (m).converged
  FROM (SELECT crm.bgnbd_fit((s).x, (s).t_x, (s)."T") AS m FROM churn_summary) f
UNION ALL
SELECT 'Gamma-Gamma',
       format('p %s, q %s, gamma %s (frequency/spend correlation %s)', round((m).p::numeric, 3),
              round((m).q::numeric, 3), round((m).gamma::numeric, 2), round((m).spend_correlation::numeric, 2)),
       round((m).log_likelihood::numeric, 1), (m).customers, (m).converged
  FROM (SELECT crm.gammagamma_fit((s).x, (s).mean_spend) AS m FROM churn_summary) f;

\echo '== Does it predict? Fit on orders to 2024-06-09, forecast the next 26 weeks (crm.churn_holdout)'
SELECT CASE WHEN x >= 5 THEN '5+' ELSE x::text END AS "repeat days before",
       count(*) AS customers,
       round(sum(predicted)) AS "predicted purchase days", sum(actual) AS "actual purchase days"
  FROM crm.churn_holdout('paid_orders', '2024-06-09', '2024-12-09')
 GROUP BY 1
UNION ALL
SELECT 'total', count(*), round(sum(predicted)), sum(actual)
  FROM crm.churn_holdout('paid_orders', '2024-06-09', '2024-12-09')
 ORDER BY 1;

CREATE TEMP TABLE churn AS
SELECT * FROM crm.churn_scores('paid_orders', as_of => '2024-12-09', horizon_months => 12,
                               discount_rate => 0.01, margin => 0.3);
\echo '== Risk bands (early-warning rules: crm.churn_rules, or the built-in defaults)'
SELECT risk_band, count(*) AS customers, round(avg(p_alive)::numeric, 2) AS "avg P(alive)",
       round(sum(clv)) AS "12-month CLV (30% margin)"
  FROM churn GROUP BY risk_band
 ORDER BY CASE risk_band WHEN 'high' THEN 0 WHEN 'medium' THEN 1 ELSE 2 END;

\echo '== Valuable customers most at risk (high band, by past spend)'
SELECT c.customer_id, c.full_name, c.channel, ch.last_purchase, ch.x + 1 AS "purchase days",
       round((s.s).total_spend) AS "spent", round(ch.p_alive::numeric, 2) AS "P(alive)",
       ch.reasons[1] AS "first reason"
  FROM churn ch
  JOIN churn_summary s USING (customer_id)
  JOIN shop.customers c USING (customer_id)
 WHERE ch.risk_band = 'high'
 ORDER BY (s.s).total_spend DESC
 LIMIT 8;

\echo '== Highest expected value over the next 12 months'
SELECT c.customer_id, c.full_name, c.channel, ch.x + 1 AS "purchase days",
       round(ch.mean_spend) AS "avg repeat spend", round(ch.p_alive::numeric, 2) AS "P(alive)",
       round(ch.expected_purchases::numeric, 1) AS "expected purchases", round(ch.clv) AS "CLV (30% margin)",
       ch.risk_band
  FROM churn ch JOIN shop.customers c USING (customer_id)
 ORDER BY ch.clv DESC
 LIMIT 5;
