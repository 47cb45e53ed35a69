-- test/app/pgbench_setup.sql: id sequences for test/app/pgbench_writes.sql
-- (part of the application, not of crm_profile).
CREATE SEQUENCE IF NOT EXISTS shop.bench_order_id START 10000000;
CREATE SEQUENCE IF NOT EXISTS shop.bench_event_id START 10000000;
CREATE SEQUENCE IF NOT EXISTS shop.bench_customer_id START 10000000;
