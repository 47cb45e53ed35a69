-- test/app/pgbench_cross.sql: one transaction ordering for two customers in
-- random order (two clients may do A-then-B and B-then-A at once): the
-- application's rows never conflict, and crm_profile must not add a lock
-- that could.
\set a random(100001, 108261)
\set b random(100001, 108261)
BEGIN;
INSERT INTO shop.orders (order_id, customer_id, ordered_at, amount, status)
VALUES (nextval('shop.bench_order_id'), :a, '2024-12-05', 10, 'paid');
INSERT INTO shop.orders (order_id, customer_id, ordered_at, amount, status)
VALUES (nextval('shop.bench_order_id'), :b, '2024-12-05', 20, 'paid');
END;
