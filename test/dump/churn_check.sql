-- churn: the stored models score the same and the rules are the same.
SELECT * FROM crm.churn_rules ORDER BY rule;
SELECT name, (bg).converged, round(crm.bgnbd_p_alive(bg, 2, 30.43, 38.86)::numeric, 10),
       round(crm.clv(bg, gg, 2, 30.43, 38.86, 22.35, 12, 4.345, 0.01, 1)::numeric, 8),
       round(crm.logistic_predict(lr, ARRAY[10, 20]::float8[])::numeric, 10)
  FROM public.churn_models ORDER BY name;
SELECT (w).* FROM (SELECT crm.churn_warnings(
  ROW('2023-01-01', '2023-12-01', 10, 40, 52, 50, 600, 0, 0, 9, 500, 39, 13, 0, 0, 7)::crm.purchase_summary, 0.2) AS w) s;
