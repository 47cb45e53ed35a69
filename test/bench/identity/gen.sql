-- test/bench/identity/gen.sql: psql -v n=100000 -f gen.sql (after bench.sql).
--
-- gen.sql: n febrl-like records.  Entity e takes each field from a
-- different shipped record (so names, streets and suburbs are real febrl
-- values but their combinations are new), a new date of birth, street
-- number and id number.  70% of entities have no duplicate, 15% one, 10%
-- two, 5% three.  A duplicate has, independently: per name, address and
-- suburb a typo (20%) or a missing value (5%); given and family name
-- swapped (5%); day and month swapped (10%) or a digit typo (10%) in the
-- date of birth; a digit typo in the id number (15%) or postcode (10%).
\set QUIET on
SET client_min_messages = warning;
DROP TABLE IF EXISTS bench.big;
DROP TABLE IF EXISTS bench.gsrc;
CREATE TABLE bench.gsrc AS
  SELECT row_number() OVER (ORDER BY rec_id) - 1 AS i, given_name, surname,
         substring(address FROM '[a-z].*') AS street, suburb, postcode
    FROM bench.people;
CREATE TABLE bench.big AS
  WITH e0 AS (
         SELECT e, (SELECT count(*) FROM bench.gsrc) AS c FROM generate_series(1, ceil(:n / 1.5)::int8 + 100) e),
       ent AS (
         SELECT e0.e, s1.given_name AS g, s2.surname AS s,
                (bench.pick(e0.e * 16 + 3, 300) + 1)::text || ' ' || s4.street AS a,
                ARRAY[s5.suburb, s5.postcode] AS sp,
                to_char(date '1920-01-01' + bench.pick(e0.e * 16 + 6, 30000)::int, 'YYYYMMDD') AS d,
                (1000000 + bench.pick(e0.e * 16 + 7, 9000000))::text AS id,
                CASE WHEN bench.rnd(e0.e * 16 + 8) < 0.70 THEN 0 WHEN bench.rnd(e0.e * 16 + 8) < 0.85 THEN 1
                     WHEN bench.rnd(e0.e * 16 + 8) < 0.95 THEN 2 ELSE 3 END AS k
           FROM e0
           JOIN bench.gsrc s1 ON s1.i = bench.pick(e0.e * 16 + 1, e0.c)
           JOIN bench.gsrc s2 ON s2.i = bench.pick(e0.e * 16 + 2, e0.c)
           JOIN bench.gsrc s4 ON s4.i = bench.pick(e0.e * 16 + 4, e0.c)
           JOIN bench.gsrc s5 ON s5.i = bench.pick(e0.e * 16 + 5, e0.c)),
       rec AS (
         SELECT e, c, g, s, a, sp[1] AS sub, sp[2] AS pc, d, id, e * 64 + c * 16 AS z
           FROM ent, generate_series(0, k) c)
  SELECT 'gen' AS ds, 'gen:rec-' || e || '-' || c AS rec_id,
         CASE WHEN c = 0 THEN g WHEN bench.rnd(z + 1) < 0.05 THEN s
              WHEN bench.rnd(z + 2) < 0.05 THEN NULL WHEN bench.rnd(z + 3) < 0.2 THEN bench.typo(g, z + 4) ELSE g END AS given_name,
         CASE WHEN c = 0 THEN s WHEN bench.rnd(z + 1) < 0.05 THEN g
              WHEN bench.rnd(z + 5) < 0.05 THEN NULL WHEN bench.rnd(z + 6) < 0.2 THEN bench.typo(s, z + 7) ELSE s END AS surname,
         CASE WHEN c = 0 THEN a WHEN bench.rnd(z + 8) < 0.05 THEN NULL WHEN bench.rnd(z + 9) < 0.2 THEN bench.typo(a, z + 10) ELSE a END AS address,
         CASE WHEN c = 0 THEN sub WHEN bench.rnd(z + 11) < 0.05 THEN NULL WHEN bench.rnd(z + 12) < 0.2 THEN bench.typo(sub, z + 13) ELSE sub END AS suburb,
         CASE WHEN c = 0 THEN pc WHEN bench.rnd(z + 14) < 0.1 THEN bench.typo(pc, z + 15, true) ELSE pc END AS postcode,
         CASE WHEN c = 0 THEN d WHEN bench.rnd(z + 16) < 0.1 AND substr(d, 7, 2) <= '12' THEN substr(d, 1, 4) || substr(d, 7, 2) || substr(d, 5, 2)
              WHEN bench.rnd(z + 17) < 0.1 THEN overlay(d PLACING chr(48 + bench.pick(z + 18, 10)::int) FROM 5 + bench.pick(z + 19, 4)::int FOR 1)
              ELSE d END AS date_of_birth,
         CASE WHEN c = 0 THEN id WHEN bench.rnd(z + 20) < 0.15 THEN bench.typo(id, z + 21, true) ELSE id END AS soc_sec_id,
         'gen:' || e AS entity
    FROM rec
   ORDER BY e, c
   LIMIT :n;
-- Each row is one identity record: crm.identity_register requires a unique key.
ALTER TABLE bench.big ADD PRIMARY KEY (rec_id);

