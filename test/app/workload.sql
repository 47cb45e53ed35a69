-- test/app/workload.sql: the shop application's own statements, run by
-- test/views_app with psql -a: sign-ups, orders, refunds, profile edits,
-- deletions, interactions, and the reports the shop reads.  Deterministic
-- (no clock, no random), so two runs print the same bytes.

-- a new customer signs up in the app and orders twice
INSERT INTO shop.customers (customer_id, channel, full_name, phone, email, birth_date, address, city, postcode, created_at)
VALUES (200001, 'app', '王小明', '139 1234 5678', 'xiaoming.wang@qq.com', '1990-04-01', '人民路8号', '上海', '200000', '2024-12-01 08:00+00')
RETURNING customer_id, channel;
INSERT INTO shop.orders VALUES (300001, 200001, '2024-12-01 08:30+00', 120.50, 'paid') RETURNING *;
INSERT INTO shop.orders VALUES (300002, 200001, '2024-12-03 19:10+00', 35.00, 'paid');
INSERT INTO shop.events VALUES (400001, 200001, '2024-12-01 08:25+00', 'app_open'), (400002, 200001, '2024-12-03 19:00+00', 'app_open');

-- the same person calls the call centre, spelled in pinyin
INSERT INTO shop.customers VALUES (200002, 'callcenter', 'Wang Xiaoming', '+86-139-1234-5678', NULL, NULL, NULL, 'Shanghai', NULL, '2024-12-05 10:00+00');
INSERT INTO shop.events VALUES (400003, 200002, '2024-12-05 10:00+00', 'call');

-- a refund: the order is marked and the negative amount booked
UPDATE shop.orders SET status = 'refunded' WHERE order_id = 300002 RETURNING order_id, status;
INSERT INTO shop.orders VALUES (300003, 200001, '2024-12-06 09:00+00', -35.00, 'refunded');

-- bulk: the store imports a day of orders
INSERT INTO shop.orders
SELECT 300100 + g, 100000 + g * 37, '2024-12-07 10:00+00'::timestamptz + g * interval '3 minutes', 10 + g, 'paid'
  FROM generate_series(1, 50) g;

-- profile edits, one that changes nothing crm_profile copies
UPDATE shop.customers SET email = 'XiaoMing.Wang@QQ.com' WHERE customer_id = 200001;
UPDATE shop.customers SET created_at = created_at WHERE customer_id BETWEEN 100001 AND 100100;
UPDATE shop.orders SET amount = amount + 1 WHERE order_id IN (1, 2, 3);
UPDATE shop.orders SET customer_id = 100002 WHERE order_id = 4;

-- deletions: a mistaken order, and a customer who never ordered
DELETE FROM shop.orders WHERE order_id = 300150 RETURNING order_id;
DELETE FROM shop.events WHERE customer_id = 100002;
DELETE FROM shop.customers WHERE customer_id = (
	SELECT min(c.customer_id) FROM shop.customers c
	 WHERE NOT EXISTS (SELECT 1 FROM shop.orders o WHERE o.customer_id = c.customer_id))
RETURNING customer_id;

-- a transaction that changes its mind
BEGIN;
INSERT INTO shop.orders VALUES (300500, 100010, '2024-12-08 12:00+00', 99.99, 'paid');
DELETE FROM shop.orders WHERE order_id = 300500;
SAVEPOINT s;
INSERT INTO shop.orders VALUES (300501, 100011, '2024-12-08 12:00+00', 1.00, 'paid');
ROLLBACK TO SAVEPOINT s;
COMMIT;

-- a statement that fails for the application's own reason fails the same way
INSERT INTO shop.orders VALUES (300001, 200001, '2024-12-09 00:00+00', 1, 'paid');
INSERT INTO shop.orders VALUES (300600, 999999999, '2024-12-09 00:00+00', 1, 'paid');

-- the shop's reports
SELECT count(*) AS customers, count(DISTINCT channel) AS channels FROM shop.customers;
SELECT channel, count(*) FROM shop.customers GROUP BY channel ORDER BY channel;
SELECT date_trunc('year', ordered_at)::date AS year, count(*) AS orders, sum(amount) AS revenue
  FROM shop.orders GROUP BY 1 ORDER BY 1;
SELECT c.customer_id, c.full_name, sum(o.amount) AS revenue
  FROM shop.customers c JOIN shop.orders o USING (customer_id)
 GROUP BY c.customer_id, c.full_name ORDER BY revenue DESC, c.customer_id LIMIT 5;
SELECT kind, count(*) FROM shop.events GROUP BY kind ORDER BY kind;
SELECT * FROM shop.orders WHERE customer_id = 200001 ORDER BY order_id;
SELECT md5(string_agg(o::text, ',' ORDER BY order_id)) AS orders_hash FROM shop.orders o;
SELECT md5(string_agg(c::text, ',' ORDER BY customer_id)) AS customers_hash FROM shop.customers c;
SELECT md5(string_agg(e::text, ',' ORDER BY event_id)) AS events_hash FROM shop.events e;

-- the shop truncates and reloads its events table
BEGIN;
CREATE TEMP TABLE events_backup AS SELECT * FROM shop.events;
TRUNCATE shop.events;
INSERT INTO shop.events SELECT * FROM events_backup;
DROP TABLE events_backup;
COMMIT;
SELECT count(*) FROM shop.events;
