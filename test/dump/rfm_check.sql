-- rfm: the tracked table, its log and summaries, the view and stored scores
-- are the same after restore, and tracking still works.
SET TimeZone = 'UTC';
SELECT orders_table, customer_col, at_col, amount_col, time_zone, log_table, days_table, summary_table, view_name
  FROM crm.rfm_tracked ORDER BY 1;
SELECT count(*), sum(sign), sum(amount * sign) FROM rfm_dump.orders_rfm_log;
SELECT count(*), sum(purchases), sum(refunds), sum(amount) FROM rfm_dump.orders_rfm_days;
SELECT * FROM rfm_dump.orders_rfm_summary ORDER BY customer;
SELECT customer_id, frequency, monetary, first_purchase, last_purchase, orders, refunds, score, segment, class
  FROM rfm_dump.orders_rfm ORDER BY customer_id;
SELECT customer_id, score, segment, class, th FROM rfm_dump.scores ORDER BY score, customer_id;
SET enable_seqscan = off;
SELECT count(*) FROM rfm_dump.scores WHERE score OPERATOR(crm.>=) '3-3-3';
RESET enable_seqscan;
SELECT tgname FROM pg_trigger WHERE tgrelid = 'rfm_dump.orders'::regclass ORDER BY 1;
BEGIN;
INSERT INTO rfm_dump.orders VALUES (6000, 77, '2024-11-02 10:00+00', 5.00, 'paid');
SELECT customer, amount, sign FROM rfm_dump.orders_rfm_log WHERE customer = 77;
SELECT crm.rfm_refresh('rfm_dump.orders') > 0 AS folded;
SELECT customer, frequency, monetary FROM rfm_dump.orders_rfm_summary WHERE customer = 77;
ROLLBACK;
