-- test/app/pgbench_writes.sql: the shop's write traffic for pgbench (the
-- views concurrency test and benchmark): an order with a visit, sometimes a
-- refund of the customer's latest order, sometimes a profile edit, sometimes
-- a new customer.  Needs the sequences of test/app/pgbench_setup.sql.
\set cid random(100001, 108261)
\set r random(1, 100)
BEGIN;
INSERT INTO shop.orders (order_id, customer_id, ordered_at, amount, status)
VALUES (nextval('shop.bench_order_id'), :cid, '2024-12-01'::timestamptz + (:r || ' hours')::interval, :r * 1.25, 'paid');
INSERT INTO shop.events (event_id, customer_id, happened_at, kind)
VALUES (nextval('shop.bench_event_id'), :cid, '2024-12-01'::timestamptz + (:r || ' hours')::interval, 'web_visit');
UPDATE shop.orders SET status = 'refunded', amount = -amount
 WHERE :r <= 10 AND order_id = (SELECT max(order_id) FROM shop.orders WHERE customer_id = :cid AND status = 'paid');
UPDATE shop.customers SET phone = '0400 000 ' || :r WHERE :r > 95 AND customer_id = :cid;
INSERT INTO shop.customers (customer_id, channel, full_name, phone, created_at)
SELECT nextval('shop.bench_customer_id'), 'web', 'Bench Customer ' || :r, '0400 111 ' || :r, '2024-12-01'
 WHERE :r = 50;
END;
