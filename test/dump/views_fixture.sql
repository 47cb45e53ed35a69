-- views: a database whose application tables are registered, refreshed, and
-- with changes still queued when it is dumped.
CREATE SCHEMA views_dump;
CREATE TABLE views_dump.customers (id int PRIMARY KEY, name text, phone text, email text,
								   channel text, created timestamptz);
CREATE TABLE views_dump.orders (id int PRIMARY KEY, customer int REFERENCES views_dump.customers,
								at timestamptz, amount numeric(10,2), status text);
CREATE TABLE views_dump.events (id int PRIMARY KEY, customer int, at timestamptz, kind text);
INSERT INTO views_dump.customers
SELECT i, CASE i % 3 WHEN 0 THEN 'Zhang San ' || i WHEN 1 THEN '张三' || i ELSE 'Bob Smith ' || i END,
	   '138 0013 ' || lpad(i::text, 4, '0'), 'user' || i || '@example.com',
	   (ARRAY['web', 'app', 'store'])[1 + i % 3], '2023-01-01 00:00+00'::timestamptz + i * interval '1 day'
  FROM generate_series(1, 40) i;
INSERT INTO views_dump.orders
SELECT i, 1 + (i * 7) % 40, '2024-01-01 12:00+00'::timestamptz + i * interval '29 hours',
	   CASE WHEN i % 11 = 0 THEN -(i % 50) ELSE 5 + (i * 13) % 200 END,
	   CASE WHEN i % 11 = 0 THEN 'refunded' ELSE 'paid' END
  FROM generate_series(1, 300) i;
INSERT INTO views_dump.events
SELECT i, 1 + (i * 3) % 40, '2024-01-01 08:00+00'::timestamptz + i * interval '17 hours',
	   (ARRAY['web_visit', 'email_open', 'call'])[1 + i % 3]
  FROM generate_series(1, 200) i;
SELECT crm.register_customers('views_dump.customers', name => 'name', phone => 'phone', email => 'email',
							  created_at => 'created', channel_column => 'channel');
SELECT crm.register_orders('views_dump.orders', 'customer', 'at', 'amount', status => 'status');
SELECT crm.register_events('views_dump.events', 'customer', 'at', 'kind');
SET crm_profile.views_as_of = '2024-12-31';
SELECT count(*) FROM crm.refresh();
-- left in the queue at dump time
INSERT INTO views_dump.orders VALUES (1001, 1, '2024-12-30 10:00+00', 42, 'paid');
UPDATE views_dump.orders SET amount = -amount, status = 'refunded' WHERE id = 5;
DELETE FROM views_dump.events WHERE id = 7;
