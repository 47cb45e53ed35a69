-- One order per transaction: the write most sensitive to trigger overhead.
\set cid random(100001, 108261)
\set r random(1, 100)
INSERT INTO shop.orders (order_id, customer_id, ordered_at, amount, status)
VALUES (nextval('shop.bench_order_id'), :cid, '2024-12-01'::timestamptz + (:r || ' hours')::interval, :r * 1.25, 'paid');
