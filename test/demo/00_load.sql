-- 00_load: create crm_profile in the demo database and load the sample shop
-- (test/data/sample/, see its PROVENANCE.md) as an existing shop application
-- keeps it: schema "shop" with customers from four channels, orders and
-- events (test/app/schema.sql).
\set QUIET on
CREATE EXTENSION crm_profile;
\echo
\echo '================================================================'
\echo ' crm_profile demo'
\echo '================================================================'
SELECT crm.version() AS "crm_profile";

\ir ../app/schema.sql

\echo
\echo '== The sample shop (test/data/sample): customers per channel'
SELECT channel, count(*) AS customers,
	   count(*) FILTER (WHERE full_name ~ '[\u4e00-\u9fff]') AS "Chinese script",
	   count(phone) AS "with phone", count(email) AS "with e-mail"
FROM shop.customers GROUP BY channel
UNION ALL
SELECT 'total', count(*), count(*) FILTER (WHERE full_name ~ '[\u4e00-\u9fff]'),
	   count(phone), count(email)
FROM shop.customers
ORDER BY customers;

\echo '== Orders and events'
SELECT 'orders' AS "table", count(*) AS "rows",
	   count(*) FILTER (WHERE status = 'refunded') AS refunds,
	   count(DISTINCT customer_id) AS customers,
	   min(ordered_at)::date AS "from", max(ordered_at)::date AS "to",
	   sum(amount) AS "net amount"
FROM shop.orders
UNION ALL
SELECT 'events', count(*), NULL, count(DISTINCT customer_id),
	   min(happened_at)::date, max(happened_at)::date, NULL
FROM shop.events;
