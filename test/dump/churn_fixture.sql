-- churn: fitted models stored in a user table and the business's own
-- early-warning rules (a config table) must survive dump and restore.
CREATE TABLE public.churn_models (
  name text PRIMARY KEY,
  bg crm.bgnbd_model,
  gg crm.gammagamma_model,
  lr crm.logistic_model);
WITH h(x, t_x, t, m) AS (VALUES (2, 30.43, 38.86, 22.35), (1, 1.71, 38.86, 11.77), (0, 0, 38.86, 0),
                                (0, 0, 38.86, 0), (7, 29.43, 38.86, 73.74), (3, 20, 38.86, 30),
                                (1, 5, 38.86, 40), (0, 0, 38.86, 0), (4, 35, 38.86, 25))
INSERT INTO public.churn_models
SELECT 'fitted', crm.bgnbd_fit(x, t_x, t), crm.gammagamma_fit(x, m),
       crm.logistic_fit(x = 0, ARRAY[t_x, m]::float8[], 1)
  FROM h;
INSERT INTO public.churn_models
VALUES ('published', crm.bgnbd_model(0.243, 4.414, 0.793, 2.426), crm.gammagamma_model(6.25, 3.74, 15.44), NULL);
INSERT INTO crm.churn_rules
SELECT * FROM crm.churn_default_rules();
UPDATE crm.churn_rules SET threshold = 3 WHERE rule = 'overdue';
INSERT INTO crm.churn_rules VALUES ('vip_quiet', 'activity_drop', 0.25, 'high', true, 'big spenders gone quiet');
