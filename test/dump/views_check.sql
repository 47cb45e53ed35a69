-- views: after restore, the registrations, the copies, the queued changes
-- and every view read the same, and the capture triggers still work.
SET crm_profile.views_as_of = '2024-12-31';
SELECT source_id, kind, relation, channel, columns, customers FROM crm.registrations;
SELECT customer_id, golden_id, record_ids, channels, full_name, phone, email, orders, purchases,
	   refunds, revenue, first_purchase_at, last_purchase_at, days_since_purchase, rfm, segment,
	   segment_zh, value_class, tags, round(p_alive::numeric, 6), round(clv::numeric, 2), risk_band,
	   events, last_interaction_at, last_interaction
  FROM crm.customer_360 ORDER BY customer_id;
SELECT * FROM crm.segment_summary;
SELECT * FROM crm.duplicate_candidates ORDER BY record_a, record_b;
SELECT count(*) AS queued FROM crm.order_queue;
SELECT tgrelid::regclass, tgname, pg_get_triggerdef(oid) FROM pg_trigger
 WHERE tgname LIKE 'crm_capture%' ORDER BY tgrelid::regclass::text, 2;
SELECT t.tgname, d.deptype FROM pg_trigger t
  JOIN pg_depend d ON d.classid = 'pg_trigger'::regclass AND d.objid = t.oid
 WHERE t.tgname LIKE 'crm_capture%' AND d.refclassid = 'pg_extension'::regclass ORDER BY 1;
-- the triggers capture in the restored database
BEGIN;
INSERT INTO views_dump.orders VALUES (2001, 2, '2024-12-31 09:00+00', 10, 'paid');
SELECT customer_key, orders, revenue FROM crm.customer_orders WHERE customer_key = '2';
SELECT crm.apply_changes() > 0 AS applied;
SELECT customer_key, orders, revenue FROM crm.order_summary WHERE customer_key IN ('1', '2') ORDER BY 1;
ROLLBACK;
