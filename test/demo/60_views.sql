-- 60_views: the shop registers its tables once, without changing one of its
-- statements, and reads the customer 360 views.
\echo
\echo '================================================================'
\echo ' 60 views: the shop gains a customer 360 without changing its code'
\echo '================================================================'
SET crm_profile.views_as_of = '2024-12-10';
\set QUIET on
SELECT crm.register_customers('shop.customers',
	id => 'customer_id', name => 'full_name', phone => 'phone', email => 'email',
	birth_date => 'birth_date', address => 'address', city => 'city',
	postcode => 'postcode', created_at => 'created_at', channel_column => 'channel') AS customers,
	   crm.register_orders('shop.orders', customer => 'customer_id', at => 'ordered_at',
						   amount => 'amount', status => 'status') AS orders,
	   crm.register_events('shop.events', customer => 'customer_id', at => 'happened_at',
						   kind => 'kind') AS events
\gset
\echo '== Registered: crm.registrations'
SELECT source_id, kind, relation, (SELECT count(*) FROM jsonb_object_keys(columns)) AS "mapped columns"
  FROM crm.registrations;

-- two audiences over the refreshed profile (tag rules, see crm.tags)
INSERT INTO crm.tags (name, category, description, rule, rule_source, rule_key) VALUES
	('big_spender_360', 'value', 'net purchases above 1000', 'monetary > 1000', 'crm.profile', 'golden_id'),
	('at_risk_360', 'lifecycle', 'high churn risk', 'risk_band = ''high''', 'crm.profile', 'golden_id');

\echo '== crm.refresh(): the heavy work, once (schedule it with pg_cron)'
SELECT step, rows, round(ms::numeric) AS ms, detail FROM crm.refresh();

\echo '== crm.customer_360: the biggest customers seen in several channels'
SELECT customer_id, channels, full_name, orders, revenue, days_since_purchase AS days,
	   segment, round(p_alive::numeric, 2) AS p_alive, round(clv::numeric) AS clv, risk_band AS risk,
	   last_interaction
  FROM crm.customer_360 WHERE cardinality(channels) >= 2
 ORDER BY revenue DESC LIMIT 6;

\echo '== Golden ids against the ground truth (test/data/sample/truth.csv)'
CREATE TEMP TABLE truth (customer_id bigint, person_id text, source text);
\copy truth FROM 'test/data/sample/truth.csv' WITH (FORMAT csv, HEADER true)
WITH m AS (
	SELECT t.person_id, r.customer_id AS predicted
	  FROM crm.customer_records r JOIN truth t ON t.customer_id = r.source_key::bigint),
pairs AS (
	SELECT (SELECT sum(n * (n - 1) / 2) FROM (SELECT count(*) AS n FROM m GROUP BY predicted) a) AS predicted,
		   (SELECT sum(n * (n - 1) / 2) FROM (SELECT count(*) AS n FROM m GROUP BY person_id) b) AS true_pairs,
		   (SELECT sum(n * (n - 1) / 2) FROM (SELECT count(*) AS n FROM m GROUP BY predicted, person_id) c) AS tp)
SELECT (SELECT count(DISTINCT person_id) FROM m) AS persons,
	   (SELECT count(DISTINCT predicted) FROM m) AS "golden customers",
	   true_pairs AS "true duplicate pairs", tp AS "found",
	   round(tp / nullif(predicted, 0), 3) AS precision, round(tp / nullif(true_pairs, 0), 3) AS recall,
	   round(2 * tp / nullif(predicted + true_pairs, 0), 3) AS f1
  FROM pairs;

\echo '== crm.segment_summary: the dashboard'
SELECT segment, segment_zh, customers, revenue, revenue_pct AS "rev %", active_pct AS "active %",
	   repurchase_pct AS "repurchase %", revenue_last_month AS "Nov 2024", revenue_month_before AS "Oct 2024",
	   mom_pct AS "MoM %"
  FROM crm.segment_summary;

\echo '== crm.duplicate_candidates: pairs for review'
SELECT probability, same_customer AS linked, channel_a, name_a, channel_b, name_b
  FROM crm.duplicate_candidates ORDER BY probability DESC, record_a LIMIT 6;

\echo '== Real time: the application inserts an order, the 360 shows it at once'
SELECT customer_id, orders, revenue FROM crm.customer_360 WHERE 100001 = ANY (
	SELECT (r->>'key')::bigint FROM jsonb_array_elements(records) r);
INSERT INTO shop.orders VALUES (99000001, 100001, '2024-12-09 15:00+00', 250.00, 'paid');
SELECT customer_id, orders, revenue FROM crm.customer_360 WHERE 100001 = ANY (
	SELECT (r->>'key')::bigint FROM jsonb_array_elements(records) r);
DELETE FROM shop.orders WHERE order_id = 99000001;

\echo '== A new sign-up (same person, new channel) is its own customer until crm.apply_changes() matches it'
INSERT INTO shop.customers (customer_id, channel, full_name, phone, email, created_at)
VALUES (99000001, 'app', '林大福', '+86 131 6141 3871', '5310905914@qq.com', '2024-12-09 16:00+00');
SELECT customer_id, golden_id, channels, full_name FROM crm.customer_360
 WHERE 99000001 = ANY (SELECT (r->>'key')::bigint FROM jsonb_array_elements(records) r);
SELECT crm.apply_changes() AS applied \gset
SELECT customer_id, golden_id, channels, full_name, orders, revenue FROM crm.customer_360
 WHERE 99000001 = ANY (SELECT (r->>'key')::bigint FROM jsonb_array_elements(records) r);
DELETE FROM shop.customers WHERE customer_id = 99000001;

\echo '== crm.audience_members: big spenders not at risk'
SELECT count(*) AS members, round(avg(revenue), 2) AS avg_revenue, round(avg(p_alive)::numeric, 2) AS avg_p_alive
  FROM crm.audience_members('big_spender_360 & !at_risk_360');
