-- test/bench/identity/bench.sql: helpers of the identity benchmark (run.sh).
-- Loads the febrl files, generates the febrl-like large set, scores a
-- clustering against the entity numbers in the record ids.
\set QUIET on
SET client_min_messages = warning;
DROP SCHEMA IF EXISTS bench CASCADE;
CREATE SCHEMA bench;

CREATE TABLE bench.raw (ds text, rec_id text, given_name text, surname text, street_number text,
                        address_1 text, address_2 text, suburb text, postcode text, state text,
                        date_of_birth text, soc_sec_id text);
\set f1 'sed 1d ' :datadir '/dataset1.csv | sed "s/, /,/g; s/^/ds1,/"'
\set f2 'sed 1d ' :datadir '/dataset2.csv | sed "s/, /,/g; s/^/ds2,/"'
COPY bench.raw FROM PROGRAM :'f1' WITH (FORMAT csv);
COPY bench.raw FROM PROGRAM :'f2' WITH (FORMAT csv);

-- one shape for every data set: name parts, address line, suburb,
-- postcode, date of birth, id number, and the true entity
CREATE TABLE bench.people (ds text, rec_id text PRIMARY KEY, given_name text, surname text,
                           address text, suburb text, postcode text, date_of_birth text,
                           soc_sec_id text, entity text);
INSERT INTO bench.people
SELECT ds, ds || ':' || rec_id, nullif(given_name, ''), nullif(surname, ''),
       nullif(btrim(concat_ws(' ', nullif(street_number, ''), nullif(address_1, ''))), ''),
       nullif(suburb, ''), nullif(postcode, ''), nullif(date_of_birth, ''), nullif(soc_sec_id, ''),
       ds || ':' || substring(rec_id FROM 'rec-(\d+)')
  FROM bench.raw;

-- deterministic pseudo-random numbers in [0, 1) and [0, n)
CREATE FUNCTION bench.rnd(seed int8) RETURNS float8 LANGUAGE sql IMMUTABLE
  RETURN (hashint8(seed) & 2147483647)::float8 / 2147483648.0;
CREATE FUNCTION bench.pick(seed int8, n int8) RETURNS int8 LANGUAGE sql IMMUTABLE
  RETURN (hashint8(seed) & 2147483647) % n;

-- one typing error: substitution, deletion, insertion or transposition
CREATE FUNCTION bench.typo(s text, seed int8, digits boolean DEFAULT false) RETURNS text
  LANGUAGE sql IMMUTABLE
  RETURN CASE WHEN s IS NULL OR length(s) < 2 THEN s
    ELSE (SELECT CASE op
             WHEN 0 THEN overlay(s PLACING ch FROM p FOR 1)
             WHEN 1 THEN overlay(s PLACING '' FROM p FOR 1)
             WHEN 2 THEN overlay(s PLACING ch FROM p FOR 0)
             ELSE overlay(s PLACING substr(s, p + 1, 1) || substr(s, p, 1) FROM p FOR 2) END
            FROM (SELECT bench.pick(seed, 4) AS op, (1 + bench.pick(seed + 1, length(s) - 1))::int AS p,
                         CASE WHEN digits THEN chr(48 + bench.pick(seed + 2, 10)::int)
                              ELSE chr(97 + bench.pick(seed + 2, 26)::int) END AS ch) x)
  END;

-- bench.score(source): pairwise precision, recall and F1 of the golden ids
-- of a source against the entities.
CREATE FUNCTION bench.score(src text, tab regclass, OUT pred int8, OUT truth int8, OUT tp int8,
                            OUT prec numeric, OUT rec numeric, OUT f1 numeric)
LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format($q$
    WITH r AS (SELECT m.golden_id, p.entity FROM crm.identity_map m JOIN %s p ON p.rec_id = m.source_key
                WHERE m.source = %L),
         cl AS (SELECT golden_id, entity, count(*) AS n FROM r GROUP BY 1, 2)
    SELECT (SELECT coalesce(sum(n * (n - 1) / 2), 0) FROM (SELECT count(*) AS n FROM r GROUP BY golden_id) x),
           (SELECT coalesce(sum(n * (n - 1) / 2), 0) FROM (SELECT count(*) AS n FROM r GROUP BY entity) x),
           (SELECT coalesce(sum(n * (n - 1) / 2), 0) FROM cl)$q$, tab, src)
    INTO pred, truth, tp;
  prec := round(tp::numeric / nullif(pred, 0), 4);
  rec := round(tp::numeric / nullif(truth, 0), 4);
  f1 := round(2 * tp::numeric / nullif(pred + truth, 0), 4);
END;
$$;

-- bench.score_pairs(pairs table with a, b rec ids): the same for a peer's pairs.
CREATE FUNCTION bench.score_pairs(pairs regclass, tab regclass, dsname text, OUT pred int8, OUT truth int8,
                                  OUT tp int8, OUT prec numeric, OUT rec numeric, OUT f1 numeric)
LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format($q$
    SELECT (SELECT count(*) FROM %1$s),
           (SELECT coalesce(sum(n * (n - 1) / 2), 0) FROM (SELECT count(*) AS n FROM %2$s WHERE ds = %3$L GROUP BY entity) x),
           (SELECT count(*) FROM %1$s q JOIN %2$s x ON x.rec_id = q.a JOIN %2$s y ON y.rec_id = q.b
             WHERE x.entity = y.entity)$q$, pairs, tab, dsname)
    INTO pred, truth, tp;
  prec := round(tp::numeric / nullif(pred, 0), 4);
  rec := round(tp::numeric / nullif(truth, 0), 4);
  f1 := round(2 * tp::numeric / nullif(pred + truth, 0), 4);
END;
$$;
