-- rfm: a tracked orders table (capture triggers, log with unfolded changes,
-- day and customer summaries, view, crm.rfm_tracked row) and stored scores.
SET TimeZone = 'UTC';
CREATE SCHEMA rfm_dump;
CREATE TABLE rfm_dump.orders (order_id bigint PRIMARY KEY, customer_id bigint, ordered_at timestamptz,
                              amount numeric(12,2), status text);
INSERT INTO rfm_dump.orders
SELECT g, g % 40, timestamptz '2024-01-01' + (g * 7 % 300) * interval '1 day',
       CASE WHEN g % 9 = 0 THEN -(g % 30) ELSE g % 200 END, 'paid'
  FROM generate_series(1, 2000) g;
SELECT crm.rfm_track('rfm_dump.orders', 'customer_id', 'ordered_at', 'amount', 'UTC');
INSERT INTO rfm_dump.orders VALUES (5000, 3, '2024-11-01 10:00+00', 99.99, 'paid');
SELECT crm.rfm_refresh('rfm_dump.orders');
-- changes left in the log
DELETE FROM rfm_dump.orders WHERE order_id IN (1, 2, 3);
UPDATE rfm_dump.orders SET amount = amount + 1 WHERE order_id = 10;
CREATE TABLE rfm_dump.scores (customer_id bigint PRIMARY KEY, score crm.rfm_score, segment crm.rfm_segment,
                              class crm.rfm_class, th crm.rfm_thresholds);
INSERT INTO rfm_dump.scores
SELECT customer_id, score, segment, class, NULL
  FROM crm.rfm('rfm_dump.orders', 'customer_id', 'ordered_at', 'amount', DATE '2024-12-01');
UPDATE rfm_dump.scores SET th = (SELECT crm.rfm_thresholds_agg(recency_days, frequency, monetary)
                                   FROM crm.rfm('rfm_dump.orders', 'customer_id', 'ordered_at', 'amount', DATE '2024-12-01'))
 WHERE customer_id = 0;
CREATE INDEX ON rfm_dump.scores (score);
