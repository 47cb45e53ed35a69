-- test/app/register.sql: what a DBA runs once to give the shop crm_profile's
-- views.  No statement of the application changes.
CREATE EXTENSION IF NOT EXISTS crm_profile;
SELECT crm.register_customers('shop.customers',
	id => 'customer_id', name => 'full_name', phone => 'phone', email => 'email',
	birth_date => 'birth_date', address => 'address', city => 'city',
	postcode => 'postcode', created_at => 'created_at', channel_column => 'channel');
SELECT crm.register_orders('shop.orders',
	customer => 'customer_id', at => 'ordered_at', amount => 'amount', status => 'status');
SELECT crm.register_events('shop.events',
	customer => 'customer_id', at => 'happened_at', kind => 'kind');
-- audiences over the refreshed profile (golden customer ids)
INSERT INTO crm.tags (name, category, description, rule, rule_source, rule_key) VALUES
	('big_spender_360', 'value', 'net purchases above 1000 (refreshed profile)',
	 'monetary > 1000', 'crm.profile', 'golden_id'),
	('at_risk_360', 'lifecycle', 'high churn risk (refreshed profile)',
	 'risk_band = ''high''', 'crm.profile', 'golden_id');
