-- test/app/schema.sql: the sample "existing application", a small shop.
-- Its own schema "shop": customers from four channels, orders (refunds are
-- negative amounts), and interactions; filled from test/data/sample/ (see
-- its PROVENANCE.md).  psql runs from the repository root, so the \copy
-- paths are relative to it.  Used by the demo (test/demo/00_load.sql), the
-- views suites and the views benchmark; it knows nothing of crm_profile.
CREATE SCHEMA shop;
CREATE TABLE shop.customers (
	customer_id bigint PRIMARY KEY,
	channel text,				-- web|app|store|callcenter
	full_name text,
	phone text,
	email text,
	birth_date date,
	address text,
	city text,
	postcode text,
	created_at timestamptz
);
CREATE TABLE shop.orders (
	order_id bigint PRIMARY KEY,
	customer_id bigint REFERENCES shop.customers,
	ordered_at timestamptz,
	amount numeric(12,2),		-- refunds negative
	status text					-- paid|refunded
);
CREATE TABLE shop.events (
	event_id bigint PRIMARY KEY,
	customer_id bigint,
	happened_at timestamptz,
	kind text
);
CREATE INDEX ON shop.orders (customer_id);
CREATE INDEX ON shop.events (customer_id);

\copy shop.customers FROM 'test/data/sample/customers.csv' WITH (FORMAT csv, HEADER true)
\copy shop.orders FROM 'test/data/sample/orders.csv' WITH (FORMAT csv, HEADER true)
\copy shop.events FROM 'test/data/sample/events.csv' WITH (FORMAT csv, HEADER true)
ANALYZE shop.customers, shop.orders, shop.events;
