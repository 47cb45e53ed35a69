-- churn: fit, score and configure, so that DROP EXTENSION must remove it all.
INSERT INTO crm.churn_rules SELECT * FROM crm.churn_default_rules();
WITH churn_h(x, t_x, t, m) AS (
  VALUES (2, 30.43, 38.86, 22.35), (1, 1.71, 38.86, 11.77), (0, 0, 38.86, 0),
         (7, 29.43, 38.86, 73.74), (3, 20, 38.86, 30), (0, 0, 38.86, 0))
SELECT crm.bgnbd_fit(x, t_x, t), crm.gammagamma_fit(x, m), crm.logistic_fit(x = 0, ARRAY[t_x]::float8[], 1),
       crm.auc(t_x, x = 0),
       sum(crm.clv(crm.bgnbd_model(0.243, 4.414, 0.793, 2.426), crm.gammagamma_model(6.25, 3.74, 15.44), x, t_x, t, m, 12, 4.345))
  FROM churn_h;
SELECT crm.purchase_summary(d, 1, '2024-01-31', '1 day', '10 days') FROM (VALUES ('2024-01-01'::date)) v(d);
