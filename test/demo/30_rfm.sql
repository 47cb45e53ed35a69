-- 30_rfm: RFM scores and segments of the shop's customers, in one call,
-- then kept current by triggers as orders arrive.
\set QUIET on
\echo
\echo '================================================================'
\echo ' RFM: recency, frequency, monetary (crm.rfm, crm.rfm_track)'
\echo '================================================================'
SELECT max(ordered_at)::date AS as_of FROM shop.orders \gset
\echo '== Segment shares as of' :as_of '(quintile scores; refunds netted; same-day orders = one purchase)'
CREATE TEMP TABLE demo_rfm AS
SELECT * FROM crm.rfm('shop.orders', 'customer_id', 'ordered_at', 'amount', :'as_of');
SELECT demo_rfm.segment::text AS segment, crm.rfm_label(demo_rfm.segment, 'zh') AS "中文",
       count(*) AS customers,
       round(100.0 * count(*) / sum(count(*)) OVER (), 1) AS "share %",
       round(avg(recency_days)) AS "avg recency (days)",
       round(avg(frequency), 1) AS "avg purchase days",
       round(avg(monetary), 2) AS "avg net spend"
  FROM demo_rfm WHERE segment IS NOT NULL
 GROUP BY demo_rfm.segment ORDER BY demo_rfm.segment;
SELECT count(*) AS "customers without a purchase (refunds only)" FROM demo_rfm WHERE score IS NULL;

\echo '== The 8 classes of Chinese CRM practice (R, F, M above or below the mean)'
SELECT crm.rfm_label(demo_rfm.class, 'zh') AS "类别", demo_rfm.class::text AS class, count(*) AS customers,
       round(100.0 * count(*) / sum(count(*)) OVER (), 1) AS "share %",
       round(sum(monetary) * 100.0 / sum(sum(monetary)) OVER (), 1) AS "% of revenue"
  FROM demo_rfm WHERE class IS NOT NULL
 GROUP BY demo_rfm.class ORDER BY demo_rfm.class;

\echo '== Top customers by weighted score (0.2 R + 0.3 F + 0.5 M)'
SELECT customer_id, score::text AS "R-F-M", crm.rfm_total(score, 0.2, 0.3, 0.5) AS weighted,
       recency_days, frequency, monetary, segment::text AS segment
  FROM demo_rfm WHERE score IS NOT NULL
 ORDER BY weighted DESC, monetary DESC, customer_id LIMIT 5;

\echo '== Kept current: crm.rfm_track() adds capture triggers and a per-customer view'
SELECT crm.rfm_track('shop.orders', 'customer_id', 'ordered_at', 'amount', 'UTC') AS view \gset
SELECT customer_id FROM shop.orders_rfm WHERE segment = 'Lost' ORDER BY customer_id LIMIT 1 \gset lost_
\echo 'A lost customer' :lost_customer_id 'orders again today:'
SELECT customer_id, score::text AS "R-F-M", segment::text AS segment, recency_days, frequency, monetary
  FROM shop.orders_rfm WHERE customer_id = :lost_customer_id;
INSERT INTO shop.orders VALUES ((SELECT max(order_id) + 1 FROM shop.orders), :lost_customer_id, now(), 250.00, 'paid');
SELECT customer_id, score::text AS "R-F-M", segment::text AS segment, recency_days, frequency, monetary
  FROM shop.orders_rfm WHERE customer_id = :lost_customer_id;
SELECT crm.rfm_refresh('shop.orders') AS "log rows folded by crm.rfm_refresh";
DELETE FROM shop.orders WHERE order_id = (SELECT max(order_id) FROM shop.orders);
SELECT crm.rfm_untrack('shop.orders') \gset
