-- 20_identity: identity resolution on the sample shop (issue 4).  The same
-- people came in through the web shop, the app, the stores and the call
-- centre, spelled differently; crm_profile links them to golden customer
-- ids with a Fellegi-Sunter model it trains itself (no labels), keeps doing
-- it for new rows, explains its decisions and builds one golden record per
-- customer.  The truth file of the generator scores the result.
\set QUIET on
\echo
\echo '================================================================'
\echo ' 20 identity: duplicates across channels, golden customer ids'
\echo '================================================================'
\echo
\echo '== Standardised fields: phones to E.164 (libphonenumber, region AU), e-mail, address, date of birth'
SELECT c.channel, c.phone, (crm.identity_phone(c.phone, 'AU')).value AS e164,
       c.email, (crm.identity_email(c.email)).value AS email_std,
       c.address, (crm.identity_address(c.address)).value AS address_std
  FROM shop.customers c
 WHERE c.customer_id IN (SELECT min(customer_id) FROM shop.customers
                          WHERE phone IS NOT NULL AND email IS NOT NULL GROUP BY channel)
 ORDER BY c.channel;

\echo '== Link shop.customers: register the table (a trigger follows new rows), load, block, train m/u by EM, cluster'
SELECT records, candidate_pairs AS "candidate pairs", matched_pairs AS "matched pairs",
       clusters AS "golden customers", em_iterations AS "EM iterations", round(lambda::numeric, 4) AS lambda,
       round(seconds::numeric, 2) AS seconds
  FROM crm.identity_resolve('shop.customers', 'shop.customers', 'customer_id',
         '{"full_name": "full_name", "phone": "phone", "email": "email", "birth_date": "birth_date",
           "address": "address", "city": "city", "postcode": "postcode", "seen_at": "created_at"}', 'AU');

\echo '== What the model learnt (per field: weight of an exact agreement and of a disagreement, log2 m/u)'
SELECT field, round(max(weight) FILTER (WHERE level_name = 'exact')::numeric, 2) AS "exact",
       round(max(weight) FILTER (WHERE level = 0)::numeric, 2) AS "different"
  FROM crm.identity_model_params GROUP BY field ORDER BY "exact" DESC;

\echo '== Scored against the generator''s truth (test/data/sample/truth.csv): pairwise precision, recall, F1'
CREATE TEMP TABLE demo_truth (customer_id bigint, person_id text, source text);
\copy demo_truth FROM 'test/data/sample/truth.csv' WITH (FORMAT csv, HEADER true)
WITH r AS (SELECT m.golden_id, t.person_id FROM crm.identity_map m
             JOIN demo_truth t ON t.customer_id::text = m.source_key
            WHERE m.source = 'shop.customers'),
     s AS (SELECT (SELECT sum(n * (n - 1) / 2) FROM (SELECT count(*) n FROM r GROUP BY golden_id) x) AS pred,
                  (SELECT sum(n * (n - 1) / 2) FROM (SELECT count(*) n FROM r GROUP BY person_id) x) AS truth,
                  (SELECT sum(n * (n - 1) / 2) FROM (SELECT count(*) n FROM r GROUP BY golden_id, person_id) x) AS tp)
SELECT pred AS "predicted pairs", truth AS "true pairs", tp AS "correct",
       round(tp / pred, 4) AS precision, round(tp / truth, 4) AS recall, round(2 * tp / (pred + truth), 4) AS f1
  FROM s;

\echo '== The largest golden customers: one person, several channels and spellings'
SELECT m.golden_id, c.channel, c.full_name, c.phone, c.email, c.birth_date
  FROM crm.identity_map m JOIN shop.customers c ON c.customer_id::text = m.source_key
 WHERE m.source = 'shop.customers'
   AND m.golden_id IN (SELECT golden_id FROM crm.identity_golden ORDER BY records DESC, golden_id LIMIT 2)
 ORDER BY m.golden_id, c.created_at;

\echo '== Why did two differently spelled records of one of them match? (crm.identity_explain; the weights add up; names are compared crossed when given and family are swapped)'
CREATE TEMP TABLE demo_pair AS
SELECT p.record_a AS a, p.record_b AS b, p.probability
  FROM crm.identity_pairs p
  JOIN crm.identity_record ra ON ra.record_id = p.record_a
  JOIN crm.identity_record rb ON rb.record_id = p.record_b
 WHERE ra.golden_id = rb.golden_id AND ra.full_name <> rb.full_name
   AND ra.golden_id IN (SELECT golden_id FROM crm.identity_golden ORDER BY records DESC, golden_id LIMIT 2)
 ORDER BY p.probability DESC, p.record_a, p.record_b LIMIT 1;
SELECT e.field, e.value_a, e.value_b, e.level_name AS level, round(e.weight::numeric, 2) AS weight
  FROM demo_pair d, crm.identity_explain(d.a, d.b) e;
SELECT round(crm.identity_match_weight(a, b)::numeric, 2) AS "match weight (sum)",
       round(probability::numeric, 6) AS "match probability" FROM demo_pair;

\echo '== The golden record (survivorship: most frequent name, most recent phone, e-mail and address)'
SELECT golden_id, records, full_name, birth_date, phone, email, city
  FROM crm.identity_golden ORDER BY records DESC, golden_id LIMIT 3;

\echo '== A new sign-up is matched on insert, through the trigger: it gets the existing golden id'
INSERT INTO shop.customers (customer_id, channel, full_name, phone, email, birth_date, address, city, postcode, created_at)
SELECT 999001, 'app', upper(full_name), phone, email, birth_date, NULL, city, postcode, now()
  FROM shop.customers
 WHERE customer_id = (SELECT min(source_key::bigint) FROM crm.identity_map
                       WHERE golden_id = (SELECT golden_id FROM crm.identity_golden ORDER BY records DESC, golden_id LIMIT 1));
SELECT m.source_key AS customer_id, m.golden_id,
       m.golden_id = (SELECT golden_id FROM crm.identity_golden ORDER BY records DESC, golden_id LIMIT 1) AS "joined the known customer"
  FROM crm.identity_map m WHERE m.source_key = '999001';

\echo '== Split one record off by hand, and the merge log that records every change'
SELECT crm.identity_unmerge((SELECT record_id FROM crm.identity_map WHERE source_key = '999001')) AS "new golden id";
SELECT log_id, record_id, old_golden_id, new_golden_id, action, detail
  FROM crm.identity_merge_log ORDER BY log_id DESC LIMIT 3;
DELETE FROM shop.customers WHERE customer_id = 999001;
