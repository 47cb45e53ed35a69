-- views: register tables, capture changes, refresh and read every view;
-- dropping the application's schema unregisters its tables.
CREATE SCHEMA views_lc;
CREATE TABLE views_lc.customers (id int PRIMARY KEY, name text, phone text);
CREATE TABLE views_lc.orders (id int PRIMARY KEY, customer int, at timestamptz, amount numeric);
CREATE TABLE views_lc.events (id int PRIMARY KEY, customer int, at timestamptz, kind text);
INSERT INTO views_lc.customers VALUES (1, 'Zhang San', '13800138000'), (2, '张三', '+86 138 0013 8000');
INSERT INTO views_lc.orders VALUES (1, 1, '2024-01-01', 10), (2, 2, '2024-02-01', -3);
SELECT crm.register_customers('views_lc.customers', name => 'name', phone => 'phone', channel => 'web');
SELECT crm.register_orders('views_lc.orders', 'customer', 'at', 'amount');
SELECT crm.register_events('views_lc.events', 'customer', 'at', 'kind');
INSERT INTO views_lc.orders VALUES (3, 1, '2024-03-01', 7);
INSERT INTO views_lc.events VALUES (1, 1, '2024-03-01', 'visit');
TRUNCATE views_lc.events;
-- (the identity step is left out: its link builds temporary tables, whose
-- temporary schema the lifecycle check would count as left behind)
SELECT count(*) FROM crm.refresh(ARRAY['changes', 'rfm', 'churn', 'tags']);
SELECT count(*) FROM crm.customer_360;
SELECT count(*) FROM crm.segment_summary;
SELECT count(*) FROM crm.duplicate_candidates;
SELECT crm.resync();
DROP SCHEMA views_lc CASCADE;
