-- churn_summary: from raw orders to the model inputs (crm.purchase_summary),
-- the calibration/holdout check, early-warning rules and the per-customer
-- churn scores, on the CDNOW 1/10 sample transactions.
SET extra_float_digits = 0;
CREATE TABLE churn_test.orders (customer_id int, ordered_at date, amount numeric(10,2));
\copy churn_test.orders FROM PROGRAM 'tr -d "\r" < test/data/cdnow/CDNOW_sample.txt | awk "{print \$2\",\"\$3\",\"\$5}"' CSV
SELECT count(*) AS orders, count(DISTINCT customer_id) AS customers, min(ordered_at), max(ordered_at) FROM churn_test.orders;

-- Summaries in weeks, calibration to 1997-09-30 (the published set-up).
CREATE TABLE churn_test.summary AS
SELECT customer_id, crm.purchase_summary(ordered_at, amount, '1997-09-30', '1 week', '13 weeks') AS s
  FROM churn_test.orders GROUP BY customer_id;
SELECT customer_id, (s).* FROM churn_test.summary WHERE customer_id IN (1, 2, 3) ORDER BY 1;

-- They reproduce the published summary for all 2,357 customers: frequency
-- counts distinct repeat purchase days, t_x and T (rounded to 2 decimals as
-- in the CSV), and zbar (mean repeat spend, the first purchase excluded).
SELECT count(*) AS customers,
       count(*) FILTER (WHERE (s).x = r.x) AS x_equal,
       count(*) FILTER (WHERE round((s).t_x::numeric, 2) = r.t_x) AS t_x_equal,
       count(*) FILTER (WHERE round((s)."T"::numeric, 2) = r."T") AS t_equal,
       count(*) FILTER (WHERE round((s).mean_spend::numeric, 2) = round(r.zbar::numeric, 2)) AS zbar_equal
  FROM churn_test.summary JOIN churn_test.cdnow_gg r ON r.id = customer_id;
-- Fitting on these summaries gives the published model again.
SELECT round((m).r::numeric, 3) AS r, round((m).alpha::numeric, 3) AS alpha,
       round((m).a::numeric, 3) AS a, round((m).b::numeric, 3) AS b, round((m).log_likelihood::numeric, 1) AS ll
  FROM (SELECT crm.bgnbd_fit((s).x, (s).t_x, (s)."T") AS m FROM churn_test.summary) f;
-- numeric amounts (the usual money type, read without a text round trip)
-- give exactly the summaries of float8 amounts
SELECT count(*) AS differing FROM churn_test.summary q
  JOIN (SELECT customer_id, crm.purchase_summary(ordered_at, amount::float8, '1997-09-30', '1 week', '13 weeks') AS s
          FROM churn_test.orders GROUP BY customer_id) f USING (customer_id)
 WHERE q.s IS DISTINCT FROM f.s;
SELECT a, (crm.purchase_summary('2020-01-01', a, '2020-01-01', '1 day', '1 day')).total_spend = a::float8 AS exact
  FROM unnest('{0, -0.01, 123456789012.34, 0.0001, 1e-7, 12345678901234567890, 3.14159265358979323846, -1.23456e12, 65535.9999}'::numeric[]) a
 GROUP BY a ORDER BY a;
SELECT crm.purchase_summary('2020-01-01', 'NaN'::numeric, '2020-01-01', '1 day', '1 day');
-- The fitting aggregates also take the summaries directly (same models).
SELECT crm.bgnbd_fit(s) = (SELECT crm.bgnbd_fit((s).x, (s).t_x, (s)."T") FROM churn_test.summary) AS bgnbd_same,
       crm.gammagamma_fit(s) = (SELECT crm.gammagamma_fit((s).x, (s).mean_spend) FROM churn_test.summary) AS gammagamma_same,
       (crm.bgnbd_fit(s)).customers
  FROM churn_test.summary;
-- customers without calibration purchases (NULL fields) and NULL rows are skipped
SELECT (crm.bgnbd_fit(s)).customers
  FROM (SELECT s FROM churn_test.summary
        UNION ALL SELECT NULL::crm.purchase_summary
        UNION ALL SELECT ROW(NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 2, 10, 7)::crm.purchase_summary) q;
-- the summaries of one fit must share a time unit (t_x and T are in it),
-- and it must be a positive number (QA C6)
SELECT crm.bgnbd_fit(s) FROM (VALUES (ROW('2023-01-01','2023-01-01',5,10,20,10,10,1,1,1,1,1,1,0,0,7)::crm.purchase_summary),
                                     (ROW('2023-01-01','2023-01-01',5,10,20,10,10,1,1,1,1,1,1,0,0,1)::crm.purchase_summary)) v(s);
SELECT crm.bgnbd_fit(ROW('2023-01-01','2023-01-01',5,10,20,10,10,1,1,1,1,1,1,0,0,'NaN')::crm.purchase_summary) FROM generate_series(1,3);
SELECT crm.bgnbd_fit(ROW('2023-01-01','2023-01-01',5,10,20,10,10,1,1,1,1,1,1,0,0,-7)::crm.purchase_summary) FROM generate_series(1,3);
SELECT crm.bgnbd_fit(ROW('2023-01-01','2023-01-01',5,10,20,10,10,1,1,1,1,1,1,0,0,NULL)::crm.purchase_summary) FROM generate_series(1,3);
SELECT crm.gammagamma_fit(ROW('2023-01-01','2023-01-01',5,10,20,10,10,1,1,1,1,1,1,0,0,0)::crm.purchase_summary) FROM generate_series(1,3);
-- In days, the same customers (t_x and T are 7 times larger).
SELECT (s).x, (s).t_x, (s)."T", (s).time_unit_days
  FROM (SELECT crm.purchase_summary(ordered_at, amount, '1997-09-30', '1 day', '90 days') AS s
          FROM churn_test.orders WHERE customer_id = 1) d;

-- Parallel partial aggregation gives the same summaries.
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET parallel_leader_participation = off;
SET enable_hashagg = off;
EXPLAIN (COSTS OFF)
SELECT customer_id, crm.purchase_summary(ordered_at, amount, '1997-09-30', '1 week', '13 weeks')
  FROM churn_test.orders GROUP BY customer_id;
SELECT count(*) AS differing FROM (
  SELECT customer_id, crm.purchase_summary(ordered_at, amount, '1997-09-30', '1 week', '13 weeks') AS s
    FROM churn_test.orders GROUP BY customer_id) p
  JOIN churn_test.summary q USING (customer_id)
 WHERE p.s IS DISTINCT FROM q.s;
RESET enable_hashagg;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
RESET parallel_leader_participation;

-- Edge cases: same-day orders merge, a customer who starts after the
-- calibration end has only holdout fields, NULL days are skipped, a NULL
-- amount counts 0.
SELECT (s).* FROM (SELECT crm.purchase_summary(d, a, '2024-01-31', '1 day', '10 days') AS s
  FROM (VALUES ('2024-01-01'::date, 10::float8), ('2024-01-01', 5), ('2024-01-11', 20), ('2024-01-21', NULL),
               (NULL, 99), ('2024-02-05', 7)) v(d, a)) q;
SELECT (s).* FROM (SELECT crm.purchase_summary(d, 1, '2024-01-31', '1 day', '10 days') AS s
  FROM (VALUES ('2024-02-01'::date), ('2024-02-03')) v(d)) q;
SELECT crm.purchase_summary(d, 1, '2024-01-31', '1 day', '10 days') IS NULL AS empty_is_null
  FROM (VALUES (NULL::date)) v(d);
-- Orders in any arrival order give the same summary as plain SQL: a
-- shuffled customer (400 orders on 360 days, crossing calibration_end),
-- one in time order with 3 orders a day, one in reverse time order, one
-- with 3 orders (inside the state), one nearly in order.  Amounts are
-- multiples of 0.25, so every sum is exact whatever the order of addition.
CREATE TABLE churn_test.shuffled AS
SELECT customer_id, d, a FROM (
  SELECT 1 AS customer_id, date '2023-01-01' + (i * 7) % 360 AS d, ((i * 37) % 40) * 0.25 AS a, (i * 7919) % 401 AS seq
    FROM generate_series(1, 400) i
  UNION ALL SELECT 2, date '2023-01-01' + i / 3, (i % 9) * 0.25, i FROM generate_series(1, 300) i
  UNION ALL SELECT 3, date '2023-10-31' - i / 2, (i % 7) * 0.5, i FROM generate_series(1, 200) i
  UNION ALL SELECT 4, d, 1.25, i FROM unnest('{2023-05-03, 2023-05-01, 2023-05-03}'::date[]) WITH ORDINALITY u(d, i)
  UNION ALL SELECT 5, date '2023-01-01' + i + (i % 5) * 3, 2.75, i FROM generate_series(1, 300) i) o
 ORDER BY seq, customer_id;
CREATE VIEW churn_test.shuffled_expected AS
WITH days AS (SELECT customer_id, d, sum(a)::float8 AS amt FROM churn_test.shuffled GROUP BY 1, 2),
c AS (SELECT customer_id,
             min(d) FILTER (WHERE d <= '2023-09-30') AS f, max(d) FILTER (WHERE d <= '2023-09-30') AS l,
             count(*) FILTER (WHERE d <= '2023-09-30') AS n, sum(amt) FILTER (WHERE d <= '2023-09-30') AS tot,
             count(*) FILTER (WHERE d <= '2023-09-30' AND d > date '2023-09-30' - 30) AS rn,
             coalesce(sum(amt) FILTER (WHERE d <= '2023-09-30' AND d > date '2023-09-30' - 30), 0) AS rs,
             count(*) FILTER (WHERE d <= date '2023-09-30' - 30) AS en,
             coalesce(sum(amt) FILTER (WHERE d <= date '2023-09-30' - 30), 0) AS es,
             count(*) FILTER (WHERE d > '2023-09-30') AS hn,
             coalesce(sum(amt) FILTER (WHERE d > '2023-09-30'), 0) AS hs
        FROM days GROUP BY 1)
SELECT customer_id, n AS days,
       ROW(f, l, n - 1, (l - f)::float8, (date '2023-09-30' - f)::float8,
           CASE WHEN n > 1 THEN (tot - (SELECT amt FROM days d2 WHERE d2.customer_id = c.customer_id AND d2.d = c.f)) / (n - 1) ELSE 0 END,
           tot, rn, rs, en, es, greatest((date '2023-09-30' - 30) - f, 0)::float8, 30::float8, hn, hs, 1::float8)::crm.purchase_summary AS s
  FROM c;
SELECT customer_id, days, (s).x, (s).holdout_x, (s).total_spend FROM churn_test.shuffled_expected ORDER BY 1;
-- hashed, then sorted (rows of a customer in another order), then parallel
SELECT count(*) AS customers, count(*) FILTER (WHERE p.s IS DISTINCT FROM e.s) AS differing
  FROM (SELECT customer_id, crm.purchase_summary(d, a, '2023-09-30', '1 day', '30 days') AS s
          FROM churn_test.shuffled GROUP BY 1) p
  JOIN churn_test.shuffled_expected e USING (customer_id);
SET enable_hashagg = off;
SELECT count(*) AS customers, count(*) FILTER (WHERE p.s IS DISTINCT FROM e.s) AS differing
  FROM (SELECT customer_id, crm.purchase_summary(d, a, '2023-09-30', '1 day', '30 days') AS s
          FROM churn_test.shuffled GROUP BY 1) p
  JOIN churn_test.shuffled_expected e USING (customer_id);
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET parallel_leader_participation = off;
SELECT count(*) AS customers, count(*) FILTER (WHERE p.s IS DISTINCT FROM e.s) AS differing
  FROM (SELECT customer_id, crm.purchase_summary(d, a, '2023-09-30', '1 day', '30 days') AS s
          FROM churn_test.shuffled GROUP BY 1) p
  JOIN churn_test.shuffled_expected e USING (customer_id);
RESET enable_hashagg;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
RESET parallel_leader_participation;
-- as a running window aggregate (the final function is called again on a
-- growing state and must leave it unchanged): the last row is the summary
SELECT customer_id, count(*) AS rows, bool_and((w.s).x <= (e.s).x) AS never_above,
       (array_agg(w.s ORDER BY w.ord DESC))[1] IS NOT DISTINCT FROM e.s AS last_equal
  FROM (SELECT customer_id, ctid AS ord,
               crm.purchase_summary(d, a, '2023-09-30', '1 day', '30 days')
                 OVER (PARTITION BY customer_id ORDER BY ctid) AS s
          FROM churn_test.shuffled) w
  JOIN churn_test.shuffled_expected e USING (customer_id)
 GROUP BY customer_id, e.s ORDER BY 1;
-- the same orders at 23:30 local time, as timestamptz (New York: the 2023
-- DST changes fall inside the orders), give the same summaries
SET TimeZone = 'America/New_York';
SELECT count(*) AS customers, count(*) FILTER (WHERE p.s IS DISTINCT FROM e.s) AS differing
  FROM (SELECT customer_id, crm.purchase_summary((d + time '23:30')::timestamptz, a, '2023-09-30', '1 day', '30 days') AS s
          FROM churn_test.shuffled GROUP BY 1) p
  JOIN churn_test.shuffled_expected e USING (customer_id);
RESET TimeZone;
DROP VIEW churn_test.shuffled_expected;
DROP TABLE churn_test.shuffled;

-- Over timestamptz order times, each order's day is ordered_at::date in the
-- session time zone, in every zone: DST changes, half-hour and historical
-- (seconds) offsets, a skipped day (Pacific/Apia, 2011-12-30), times before
-- 1970 and after the zones' last listed transition; rows in time order
-- (sorted grouping) and shuffled (hashed).
CREATE TABLE churn_test.times AS
SELECT t FROM (
  SELECT t FROM generate_series(timestamptz '1890-01-01 00:00+00', '2040-01-01', '7 days 3 hours 7 minutes 13.5 seconds') t
  UNION ALL SELECT t FROM generate_series(timestamptz '2011-12-28 00:00+00', '2012-01-03', '47 minutes') t
  UNION ALL SELECT t FROM generate_series(timestamptz '2100-03-01 00:00+00', '2100-12-01', '5 hours 1 minute') t
  UNION ALL VALUES ('4713-01-01 00:00+00 BC'::timestamptz), ('294276-12-31 23:59:59+00')) u
 ORDER BY md5(t::text);
CREATE FUNCTION churn_test.tstz_days(z text, h boolean)
  RETURNS TABLE (zone text, hashed boolean, times bigint, differing bigint)
  LANGUAGE plpgsql SET TimeZone FROM CURRENT SET enable_hashagg FROM CURRENT SET enable_sort FROM CURRENT
AS $f$
BEGIN
  PERFORM set_config('TimeZone', z, true);
  PERFORM set_config('enable_hashagg', h::text, true);
  PERFORM set_config('enable_sort', (NOT h)::text, true);
  RETURN QUERY
  SELECT z, h, count(*), count(*) FILTER (WHERE q.f IS DISTINCT FROM q.t::date)
    FROM (SELECT t, (crm.purchase_summary(t, 1::numeric, '300000-01-01', '1 day', '1 day')).first_purchase AS f
            FROM churn_test.times GROUP BY t) q;
END
$f$;
SELECT r.* FROM unnest('{UTC, America/New_York, Europe/Berlin, Europe/Dublin, Australia/Lord_Howe,
                         Asia/Kolkata, Asia/Tehran, Pacific/Apia, America/St_Johns, EST5EDT, <+0330>-03:30}'::text[]) z,
       LATERAL (VALUES (false), (true)) h(hashed), LATERAL churn_test.tstz_days(z, h.hashed) r
 ORDER BY r.hashed, r.zone;
DROP FUNCTION churn_test.tstz_days(text, boolean);
DROP TABLE churn_test.times;
-- an infinite time is rejected, a NULL one skipped
SELECT crm.purchase_summary(t, 1, '2024-01-31', '1 day', '10 days') FROM (VALUES ('infinity'::timestamptz)) v(t);
SELECT (crm.purchase_summary(t, 1::float8, '2024-01-31', '1 day', '10 days')).x
  FROM (VALUES ('2024-01-01 10:00+00'::timestamptz), (NULL), ('2024-01-02 10:00+00')) v(t);
-- bad settings
SELECT crm.purchase_summary(d, 1, NULL, '1 day', '10 days') FROM (VALUES ('2024-01-01'::date)) v(d);
SELECT crm.purchase_summary(d, 1, '2024-01-31', '0 days', '10 days') FROM (VALUES ('2024-01-01'::date)) v(d);
SELECT crm.purchase_summary(d, 1, c, '1 day', '10 days')
  FROM (VALUES ('2024-01-01'::date, '2024-01-31'::date), ('2024-01-02', '2024-02-01')) v(d, c);
SELECT crm.purchase_summary(d, 'NaN', '2024-01-31', '1 day', '10 days') FROM (VALUES ('2024-01-01'::date)) v(d);
-- amounts whose sums overflow float8: 22003, never Infinity (QA C3)
SELECT crm.purchase_summary(d, 1e308, '2024-01-01', '7 days', '90 days')
  FROM (VALUES ('2023-01-01'::date), ('2023-02-01'), ('2023-03-01')) v(d);
SELECT crm.purchase_summary(d, -1e308, '2023-01-15', '7 days', '90 days')
  FROM (VALUES ('2023-01-01'::date), ('2023-02-01'), ('2023-03-01')) v(d);
SELECT (s).total_spend, (s).mean_spend
  FROM (SELECT crm.purchase_summary(d, 1e307, '2024-01-01', '7 days', '90 days') AS s
          FROM (VALUES ('2023-01-01'::date), ('2023-02-01'), ('2023-03-01')) v(d)) q;
-- the time unit and the recent window must not change between rows (QA C6);
-- equal lengths written differently are the same unit
SELECT crm.purchase_summary(d, a, '2024-01-01', u, '90 days')
  FROM (VALUES ('2023-01-01'::date, 1::float8, '7 days'::interval), ('2023-02-01', 2, '1 day')) v(d, a, u);
SELECT crm.purchase_summary(d, a, '2024-01-01', '1 day', w)
  FROM (VALUES ('2023-01-01'::date, 1::float8, '90 days'::interval), ('2023-02-01', 2, '30 days')) v(d, a, w);
SELECT (s).x, (s).time_unit_days, (s).recent_window
  FROM (SELECT crm.purchase_summary(d, a, '2024-01-01', u, '13 weeks') AS s
          FROM (VALUES ('2023-01-01'::date, 1::float8, '7 days'::interval), ('2023-02-01', 2, '1 week')) v(d, a, u)) q;
SELECT crm.purchase_summary(d, 1, '2024-01-31', '-1 day', '10 days') FROM (VALUES ('2024-01-01'::date)) v(d);
SELECT crm.purchase_summary(d, 1, '2024-01-31', '1 day', '10 days') FROM (VALUES ('infinity'::date)) v(d);

-- Calibration/holdout: fit on weeks 1-39, predict weeks 40-78 per customer
-- and in total, against the actual repeat purchase days.
SELECT count(*) AS customers, round(sum(predicted)::numeric, 1) AS predicted, sum(actual) AS actual,
       round(corr(predicted, actual)::numeric, 3) AS correlation
  FROM crm.churn_holdout('churn_test.orders', '1997-09-30', '1998-06-30');
SELECT customer_id, x, round(t_x::numeric, 2) AS t_x, round("T"::numeric, 2) AS "T",
       round(p_alive::numeric, 4) AS p_alive, round(predicted::numeric, 4) AS predicted, actual
  FROM crm.churn_holdout('churn_test.orders', '1997-09-30', '1998-06-30') WHERE customer_id <= 3;
-- predicted and actual by calibration frequency (the classic check)
SELECT least(x, 7) AS x, count(*) AS customers, round(avg(predicted)::numeric, 2) AS predicted,
       round(avg(actual)::numeric, 2) AS actual
  FROM crm.churn_holdout('churn_test.orders', '1997-09-30', '1998-06-30')
 GROUP BY 1 ORDER BY 1;
SELECT * FROM crm.churn_holdout('churn_test.orders', '1997-09-30', '1997-09-01');

-- Early-warning rules: the defaults while crm.churn_rules is empty.
SELECT rule, kind, threshold, severity FROM crm.churn_default_rules() ORDER BY rule;
SELECT w.* FROM crm.churn_warnings(
  ROW('2023-01-01', '2023-12-01', 10, 48, 52, 50, 600, 0, 0, 9, 500, 39, 13, 0, 0, 7)::crm.purchase_summary, 0.2) w;
SELECT w.* FROM crm.churn_warnings(
  ROW('2023-01-01', '2023-12-20', 10, 50, 52, 50, 600, 3, 150, 7, 450, 39, 13, 0, 0, 7)::crm.purchase_summary, 0.9) w;
-- new customer: the spend and activity rules need an earlier period; NULL p_alive skips its rule
SELECT w.* FROM crm.churn_warnings(
  ROW('2023-12-01', '2023-12-01', 0, 0, 4, 0, 50, 1, 50, 0, 0, 0, 13, 0, 0, 7)::crm.purchase_summary, NULL) w;
-- repeat purchases on the first day only (t_x = 0): no usual gap, overdue cannot fire;
-- a NULL summary gives NULL
SELECT w.* FROM crm.churn_warnings(
  ROW('2023-12-01', '2023-12-01', 1, 0, 4, 0, 50, 1, 50, 0, 0, 0, 13, 0, 0, 7)::crm.purchase_summary, 0.5) w;
SELECT crm.churn_warnings(NULL, 0.5) IS NULL AS null_summary;
-- p_alive must be a probability, and the summary one crm.purchase_summary
-- could produce (QA C5); P(alive) 0 and 1 are accepted
SELECT crm.churn_warnings(crm.purchase_summary('2023-01-01', 10, '2024-01-01', '7 days', '90 days'), -1);
SELECT crm.churn_warnings(crm.purchase_summary('2023-01-01', 10, '2024-01-01', '7 days', '90 days'), 2);
SELECT crm.churn_warnings(crm.purchase_summary('2023-01-01', 10, '2024-01-01', '7 days', '90 days'), 'NaN');
SELECT 0 AS p_alive, (w).* FROM (SELECT crm.churn_warnings(crm.purchase_summary('2023-01-01', 10, '2024-01-01', '7 days', '90 days'), 0) AS w) q;
SELECT 1 AS p_alive, (w).* FROM (SELECT crm.churn_warnings(crm.purchase_summary('2023-01-01', 10, '2024-01-01', '7 days', '90 days'), 1) AS w) q;
SELECT crm.churn_warnings(ROW('2023-01-01','2023-01-01',-5,-1,-1,'NaN','NaN',-1,'NaN',-1,'NaN','NaN','NaN',-1,'NaN','NaN')::crm.purchase_summary, 0.5);
SELECT crm.churn_warnings(ROW('2023-01-01', '2023-12-01', 10, 48, 52, 50, 600, 0, 0, -9, 500, 39, 13, 0, 0, 7)::crm.purchase_summary, 0.5);
SELECT crm.churn_warnings(ROW('2023-01-01', '2023-12-01', 10, 48, 52, 50, 600, 0, 0, 9, 500, 39, 13, -1, 0, 7)::crm.purchase_summary, 0.5);
SELECT crm.churn_warnings(ROW('2023-01-01', '2023-12-01', 10, -48, 52, 50, 600, 0, 0, 9, 500, 39, 13, 0, 0, 7)::crm.purchase_summary, 0.5);
SELECT crm.churn_warnings(ROW('2023-01-01', '2023-12-01', 10, 48, 'Infinity', 50, 600, 0, 0, 9, 500, 39, 13, 0, 0, 7)::crm.purchase_summary, 0.5);
SELECT crm.churn_warnings(ROW('2023-01-01', '2023-12-01', 10, 48, 52, 50, 600, 0, 0, 9, 500, 'NaN', 13, 0, 0, 7)::crm.purchase_summary, 0.5);
SELECT crm.churn_warnings(ROW('2023-01-01', '2023-12-01', 10, 48, 52, 50, 600, 0, 0, 9, 500, 39, 13, 0, 0, 0)::crm.purchase_summary, 0.5);
SELECT crm.churn_warnings(ROW('2023-01-01', '2023-12-01', 10, 48, 52, 'NaN', 600, 0, 0, 9, 500, 39, 13, 0, 0, 7)::crm.purchase_summary, 0.5);
SELECT crm.churn_warnings(ROW('2023-01-01', '2023-12-01', 10, 48, 52, 50, 600, 0, '-Infinity', 9, 500, 39, 13, 0, 0, 7)::crm.purchase_summary, 0.5);
-- refunds can make spends negative: accepted
SELECT w.* FROM crm.churn_warnings(
  ROW('2023-01-01', '2023-12-01', 10, 48, 52, -5, -50, 0, -10, 9, 500, 39, 13, 0, -1, 7)::crm.purchase_summary, 0.5) w;
-- the business's own rules replace the defaults
INSERT INTO crm.churn_rules VALUES
  ('quiet', 'overdue', 1.5, 'low', true, 'a little overdue'),
  ('drop', 'spend_drop', 0.8, 'low', true, NULL),
  ('off', 'low_p_alive', 0.99, 'high', false, 'disabled');
SELECT w.* FROM crm.churn_warnings(
  ROW('2023-01-01', '2023-12-01', 10, 48, 52, 50, 600, 0, 0, 9, 500, 39, 13, 0, 0, 7)::crm.purchase_summary, 0.2) w;
INSERT INTO crm.churn_rules VALUES ('bad', 'nonsense', 1, 'low', true, NULL);
INSERT INTO crm.churn_rules VALUES ('bad', 'overdue', -1, 'low', true, NULL);
DELETE FROM crm.churn_rules;

-- The per-customer churn view over the orders table.
SELECT customer_id, x, round(t_x::numeric, 2) AS t_x, round("T"::numeric, 2) AS "T",
       round(mean_spend::numeric, 2) AS mean_spend, round(p_alive::numeric, 4) AS p_alive,
       round(expected_purchases::numeric, 4) AS expected, round(clv::numeric, 2) AS clv, reasons, risk_band
  FROM crm.churn_scores('churn_test.orders', as_of => '1997-09-30')
 WHERE customer_id IN (1, 2, 3, 6) ORDER BY customer_id;
SELECT risk_band, count(*) FROM crm.churn_scores('churn_test.orders', as_of => '1997-09-30')
 GROUP BY 1 ORDER BY 1;
-- with given models, in days, and the scores agree with the functions
SELECT count(*) AS customers,
       bool_and(abs(p_alive - crm.bgnbd_p_alive(crm.bgnbd_model(0.243, 4.414 * 7, 0.793, 2.426), x, t_x, "T")) < 1e-12) AS p_alive_agrees
  FROM crm.churn_scores('churn_test.orders', as_of => '1997-09-30', time_unit => '1 day',
                        bgnbd => crm.bgnbd_model(0.243, 4.414 * 7, 0.793, 2.426),
                        gammagamma => crm.gammagamma_model(6.25, 3.74, 15.44));
SELECT * FROM crm.churn_scores('churn_test.orders', as_of => NULL);
SELECT * FROM crm.churn_scores('churn_test.orders', customer_column => 'no_such_column');
-- the horizon is checked as the user wrote it, in months
SELECT * FROM crm.churn_scores('churn_test.orders', as_of => '1997-09-30', horizon_months => -1);

DROP SCHEMA churn_test CASCADE;
