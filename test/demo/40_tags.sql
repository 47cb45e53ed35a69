-- 40_tags: tags with rules over a customer profile, per-tag audience bitmaps,
-- and audience counts by tag, all on the sample shop.
\set QUIET on
\echo
\echo '================================================================'
\echo ' Tags and audiences (crm.tagset, crm.tags, crm.tag_apply_rules, crm.audience)'
\echo '================================================================'
-- A customer profile the rules read: one row per shop customer.  "Today" is
-- the day of the last order, so the demo gives the same answer every run.
CREATE SCHEMA tags_demo;
CREATE VIEW tags_demo.profile AS
WITH today AS (SELECT max(ordered_at) AS t FROM shop.orders)
SELECT c.customer_id, c.channel,
       count(o.order_id) FILTER (WHERE o.status = 'paid') AS frequency,
       coalesce(sum(o.amount), 0) AS monetary,
       count(o.order_id) FILTER (WHERE o.status = 'refunded') AS refunds,
       (SELECT t FROM today) - max(o.ordered_at) AS since_last_order,
       (SELECT count(*) FROM shop.events e WHERE e.customer_id = c.customer_id AND e.kind = 'app_open') AS app_opens,
       (SELECT count(*) FROM shop.events e WHERE e.customer_id = c.customer_id AND e.kind = 'support_ticket') AS tickets
  FROM shop.customers c LEFT JOIN shop.orders o USING (customer_id)
 GROUP BY c.customer_id, c.channel;

INSERT INTO crm.tags (name, category, description, rule, rule_source) VALUES
  ('vip',        'value',     'spent over 2000 net',          'monetary > 2000',                        'tags_demo.profile'),
  ('frequent',   'behaviour', '5 or more paid orders',        'frequency >= 5',                         'tags_demo.profile'),
  ('lapsed',     'lifecycle', 'no order for a year',          $$since_last_order > interval '365 days'$$, 'tags_demo.profile'),
  ('never',      'lifecycle', 'no order at all',              'frequency = 0',                          'tags_demo.profile'),
  ('refunder',   'behaviour', 'asked for a refund',           'refunds > 0',                            'tags_demo.profile'),
  ('app_user',   'behaviour', 'opened the app 3 times or more', 'app_opens >= 3',                       'tags_demo.profile'),
  ('complainer', 'behaviour', '2 or more support tickets',    'tickets >= 2',                           'tags_demo.profile'),
  ('store',      'basic',     'registered in a store',        $$channel = 'store'$$,                    'tags_demo.profile'),
  ('web',        'basic',     'registered on the web',        $$channel = 'web'$$,                      'tags_demo.profile');

\echo '== A bad rule is rejected when saved (nothing is stored)'
\set VERBOSITY terse
DO $$
BEGIN
  UPDATE crm.tags SET rule = 'monetary >> 2000' WHERE name = 'vip';
EXCEPTION WHEN others THEN
  RAISE NOTICE 'rejected (SQLSTATE %): %', SQLSTATE, SQLERRM;
END $$;
\set VERBOSITY default

\echo '== crm.tag_apply_rules(): every rule at once, what changed'
SELECT tag, added, removed FROM crm.tag_apply_rules() ORDER BY tag_id;

\echo '== Audience counts by tag (from the per-tag bitmaps the triggers keep)'
SELECT t.category, t.name AS tag, crm.tagset_cardinality(m.members) AS customers, t.description
  FROM crm.tags t JOIN crm.tag_members m USING (tag_id)
 ORDER BY t.category, customers DESC;

\echo '== Audiences: tag expressions with & | ! and parentheses'
SELECT expression, crm.audience_count(expression) AS customers
  FROM (VALUES ('vip & frequent & !lapsed'),
               ('vip & lapsed'),
               ('app_user & !refunder'),
               ('(store | web) & frequent'),
               ('!vip & !never')) e(expression);

\echo '== Win-back list: VIP customers who lapsed (first 5 of the audience)'
SELECT c.customer_id, c.full_name, c.channel, crm.tag_names(ct.tags) AS tags
  FROM crm.tagset_unnest(crm.audience('vip & lapsed')) a(id)
  JOIN shop.customers c ON c.customer_id = a.id
  JOIN crm.customer_tags ct ON ct.customer_id = a.id
 ORDER BY c.customer_id LIMIT 5;
