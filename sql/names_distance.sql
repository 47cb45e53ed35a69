-- names_distance: Jaro-Winkler, Levenshtein, Damerau-Levenshtein on code points.

-- Textbook values.
SELECT a, b,
       round(crm.jaro_winkler(a, b)::numeric, 6) AS jw,
       crm.levenshtein(a, b) AS lev,
       crm.damerau_levenshtein(a, b) AS dam
  FROM (VALUES
    ('MARTHA', 'MARHTA'),
    ('DWAYNE', 'DUANE'),
    ('DIXON', 'DICKSONX'),
    ('kitten', 'sitting'),
    ('ca', 'ac'),
    ('abc', 'abc'),
    ('', ''),
    ('', 'abc'),
    ('张三', '張三'),                  -- one code point, not three bytes
    ('José', 'Jose'),
    ('Zoë', 'Zoe'),
    ('😀a', 'a😀')
  ) v(a, b);

-- Jaro-Winkler is symmetric, in [0, 1].
SELECT count(*) AS asymmetric
  FROM (VALUES ('MARTHA', 'MARHTA'), ('DIXON', 'DICKSONX'), ('张三丰', '张三')) v(a, b)
 WHERE crm.jaro_winkler(a, b) <> crm.jaro_winkler(b, a);

-- The bit-parallel Jaro-Winkler (second string <= 64 characters) agrees with
-- the textbook loop (taken when the second string is longer).
SELECT count(*) AS pairs, count(*) FILTER (WHERE crm.jaro_winkler(a, b) <> crm.jaro_winkler(b, a)) AS paths_differ
  FROM (SELECT left(translate(repeat(md5(g::text), 4), '0123456789', 'abcabcabca'), 65 + g % 30) AS a,
               left(translate(repeat(md5((g + 7)::text), 4), '0123456789', 'abcabcabca'), 20 + g % 40) AS b
          FROM generate_series(1, 500) g) s;

-- Early exit: above max_d the result is max_d + 1.
SELECT crm.levenshtein('kitten', 'sitting', 3) AS at_limit,
       crm.levenshtein('kitten', 'sitting', 2) AS above_2,
       crm.levenshtein('kitten', 'sitting', 0) AS above_0,
       crm.levenshtein('a', 'abcdefgh', 2) AS length_gap,
       crm.damerau_levenshtein('abcdef', 'badcfe', 3) AS dam_at_limit,
       crm.damerau_levenshtein('abcdef', 'badcfe', 2) AS dam_above_2;

-- NULL max_d means no limit (the 3-argument forms are not STRICT).
SELECT crm.levenshtein('kitten', 'sitting', NULL) AS lev_no_limit,
       crm.damerau_levenshtein('ca', 'abc', NULL) AS dam_no_limit;
-- NULL strings give NULL.
SELECT crm.levenshtein(NULL, 'a') IS NULL AS l2,
       crm.levenshtein(NULL, 'a', 1) IS NULL AS l3,
       crm.levenshtein('a', NULL, NULL) IS NULL AS l3n,
       crm.damerau_levenshtein('a', NULL) IS NULL AS d2,
       crm.damerau_levenshtein(NULL, 'a', 2) IS NULL AS d3,
       crm.jaro_winkler(NULL, 'a') IS NULL AS jw;

-- Negative max_d is an error.
SELECT crm.levenshtein('a', 'b', -1);
SELECT crm.damerau_levenshtein('a', 'b', -5);
SELECT crm.levenshtein(repeat('a', 65), repeat('b', 65), -2147483648);
SELECT crm.damerau_levenshtein(repeat('a', 65), repeat('b', 65), -2147483648);

-- max_d up to INT_MAX on every path: the ASCII and decoded bit-parallel
-- paths (<= 64 characters) and the dynamic programme (> 64, where a band of
-- i + max_d used to overflow and crash the backend); a max_d at or above the
-- longer length is the same as no limit.
SELECT p.path, m.max_d,
       crm.levenshtein(p.a, p.b, m.max_d) AS lev,
       crm.damerau_levenshtein(p.a, p.b, m.max_d) AS dam
  FROM (VALUES ('ascii_10', repeat('a', 10), repeat('b', 10)),
               ('ascii_64', repeat('a', 64), repeat('b', 64)),
               ('utf8_64', repeat('é', 64), repeat('ü', 64)),
               ('ascii_65', repeat('a', 65), repeat('b', 65)),
               ('utf8_65', repeat('é', 65), repeat('ü', 65)),
               ('ascii_65_66', repeat('a', 65), repeat('b', 66)),
               ('ascii_300', repeat('ab', 150), repeat('ba', 150))) AS p(path, a, b)
 CROSS JOIN (VALUES (2147483647), (2147483646), (2147483583), (2147483582),
                    (300), (66), (65), (64), (1), (0)) AS m(max_d)
 ORDER BY p.path, m.max_d DESC;

-- Bit-parallel (<= 64 characters) and dynamic-programming paths agree with
-- fuzzystrmatch on ASCII, with and without max_d; lengths 0 to 160.
CREATE SCHEMA names_fz;
CREATE EXTENSION fuzzystrmatch SCHEMA names_fz;
CREATE TEMP TABLE lev_pairs AS
  SELECT g, left(translate(repeat(md5(g::text), 5), '0123456789', 'abcabcabca'), (g * 7) % 161) AS a,
            left(translate(repeat(md5((g / 2)::text), 5), '0123456789', 'abcabcabca'), (g * 13) % 161) AS b
    FROM generate_series(1, 400) g;
SELECT count(*) AS pairs,
       count(*) FILTER (WHERE crm.levenshtein(a, b) <> names_fz.levenshtein(a, b)) AS lev_differs,
       count(*) FILTER (WHERE crm.levenshtein(a, b, g % 20) <> least(names_fz.levenshtein(a, b), g % 20 + 1)) AS lev_max_differs,
       count(*) FILTER (WHERE crm.damerau_levenshtein(a, b) > crm.levenshtein(a, b)) AS dam_above_lev,
       count(*) FILTER (WHERE crm.damerau_levenshtein(a, b, g % 20) <> least(crm.damerau_levenshtein(a, b), g % 20 + 1)) AS dam_max_differs,
       count(*) FILTER (WHERE length(a) > 64 AND length(b) > 64) AS long_pairs
  FROM lev_pairs;
DROP TABLE lev_pairs;
DROP SCHEMA names_fz CASCADE;
SELECT crm.levenshtein(repeat('a', 100) || 'b', 'b' || repeat('a', 100)) AS long_dp,
       crm.levenshtein(repeat('a', 100) || 'b', 'b' || repeat('a', 100), 1) AS long_dp_band,
       crm.levenshtein(repeat('ab', 50), repeat('ba', 50)) AS long_alt,
       crm.damerau_levenshtein(repeat('ab', 50), repeat('ba', 50)) AS long_alt_dam,
       crm.levenshtein(repeat('x', 64), repeat('x', 63) || 'y') AS sixty_four,
       crm.levenshtein(repeat('é', 70), repeat('é', 69)) AS seventy;

-- Limits: 10000 characters per argument, then 54000.
SELECT crm.levenshtein(repeat('a', 10000), repeat('a', 9999) || 'b', 2) AS at_limit;
SELECT crm.levenshtein(repeat('a', 10001), 'a');
SELECT crm.jaro_winkler('a', repeat('ü', 10001));
