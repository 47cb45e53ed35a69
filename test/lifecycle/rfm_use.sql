-- rfm: use every kind of object (aggregates, score type and its indexes,
-- segments, thresholds, crm.rfm, a tracked table), then untrack: DROP
-- EXTENSION must leave nothing.
CREATE SCHEMA rfm_life;
CREATE TABLE rfm_life.orders (order_id bigint PRIMARY KEY, customer_id bigint, ordered_at timestamptz,
                              amount numeric(12,2));
INSERT INTO rfm_life.orders SELECT g, g % 10, timestamptz '2024-01-01' + g * interval '1 day', g - 5 FROM generate_series(1, 100) g;
SELECT crm.rfm_track('rfm_life.orders', 'customer_id', 'ordered_at', 'amount', 'UTC');
INSERT INTO rfm_life.orders VALUES (1000, 1, now(), 10);
SELECT crm.rfm_refresh('rfm_life.orders');
SELECT count(*) FROM rfm_life.orders_rfm;
CREATE TABLE rfm_life.scores AS
SELECT customer_id, score, segment, class FROM crm.rfm('rfm_life.orders', 'customer_id', 'ordered_at', 'amount', DATE '2024-06-01');
CREATE INDEX ON rfm_life.scores (score);
CREATE INDEX ON rfm_life.scores USING hash (score);
SELECT crm.rfm_label(segment, 'zh'), crm.rfm_label(class, 'zh'), crm.rfm_total(score) FROM rfm_life.scores;
SELECT crm.rfm_score(s, th), crm.rfm_class(s, th)
  FROM (SELECT customer_id, crm.rfm_agg(ordered_at::date, amount, DATE '2024-06-01') AS s FROM rfm_life.orders GROUP BY 1) a,
       (SELECT crm.rfm_thresholds_agg(30, 2, 10.0, 3) AS th) t;
SELECT crm.rfm_thresholds('{90,30}', '{2,3}', '{100,200}');
SELECT crm.rfm_untrack('rfm_life.orders');
DROP SCHEMA rfm_life CASCADE;
