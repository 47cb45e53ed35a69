-- names_distance_paths: every path of the distance functions gives the exact
-- value: the ASCII byte path, the decoded code-point path, the early exits
-- (length difference, common prefix and suffix, equal strings, Ukkonen's
-- diagonal cut-off under max_d) and the dynamic programmes (> 64 characters),
-- checked against fuzzystrmatch and against plain PL/pgSQL references on
-- random strings.

CREATE SCHEMA names_paths;
CREATE EXTENSION fuzzystrmatch SCHEMA names_paths;

-- References, on code points, as the textbooks write them.
CREATE FUNCTION names_paths.osa(a text, b text) RETURNS int
  LANGUAGE plpgsql IMMUTABLE STRICT AS $$
DECLARE
  x text[] := string_to_array(a, NULL);
  y text[] := string_to_array(b, NULL);
  n int := coalesce(array_length(x, 1), 0);
  m int := coalesce(array_length(y, 1), 0);
  w int := m + 1;
  d int[];
  v int;
BEGIN
  -- d[i * w + j + 1] is the distance of the first i and first j characters
  d := array_fill(0, ARRAY[(n + 1) * w]);
  FOR i IN 0..n LOOP d[i * w + 1] := i; END LOOP;
  FOR j IN 0..m LOOP d[j + 1] := j; END LOOP;
  FOR i IN 1..n LOOP
    FOR j IN 1..m LOOP
      v := least(d[(i - 1) * w + j + 1] + 1, d[i * w + j] + 1,
                 d[(i - 1) * w + j] + CASE WHEN x[i] = y[j] THEN 0 ELSE 1 END);
      IF i > 1 AND j > 1 AND x[i] = y[j - 1] AND x[i - 1] = y[j] THEN
        v := least(v, d[(i - 2) * w + j - 1] + 1);
      END IF;
      d[i * w + j + 1] := v;
    END LOOP;
  END LOOP;
  RETURN d[(n + 1) * w];
END $$;

CREATE FUNCTION names_paths.jaro_winkler(a text, b text) RETURNS float8
  LANGUAGE plpgsql IMMUTABLE STRICT AS $$
DECLARE
  x text[] := string_to_array(a, NULL);
  y text[] := string_to_array(b, NULL);
  n int := coalesce(array_length(x, 1), 0);
  m int := coalesce(array_length(y, 1), 0);
  win int := greatest(greatest(n, m) / 2 - 1, 0);
  mx bool[] := array_fill(false, ARRAY[greatest(n, 1)]);
  my bool[] := array_fill(false, ARRAY[greatest(m, 1)]);
  matches int := 0;
  t int := 0;
  k int := 1;
  l int := 0;
  jaro float8;
BEGIN
  IF n = 0 AND m = 0 THEN RETURN 1; END IF;
  IF n = 0 OR m = 0 THEN RETURN 0; END IF;
  FOR i IN 1..n LOOP
    FOR j IN greatest(1, i - win)..least(m, i + win) LOOP
      IF NOT my[j] AND x[i] = y[j] THEN
        mx[i] := true; my[j] := true; matches := matches + 1;
        EXIT;
      END IF;
    END LOOP;
  END LOOP;
  IF matches = 0 THEN RETURN 0; END IF;
  FOR i IN 1..n LOOP
    CONTINUE WHEN NOT mx[i];
    WHILE NOT my[k] LOOP k := k + 1; END LOOP;
    IF x[i] <> y[k] THEN t := t + 1; END IF;
    k := k + 1;
  END LOOP;
  jaro := (matches::float8 / n + matches::float8 / m + (matches - t / 2.0::float8) / matches) / 3.0;
  IF jaro <= 0.7 THEN RETURN jaro; END IF;
  WHILE l < 4 AND l < n AND l < m AND x[l + 1] = y[l + 1] LOOP l := l + 1; END LOOP;
  RETURN jaro + l * 0.1 * (1.0 - jaro);
END $$;

-- Random pairs: a of 0 to 40 letters over a 4-letter alphabet, b = a with
-- random deletions, substitutions and insertions (so most distances are
-- small, around max_d), plus a fifth of unrelated pairs; u and v are the
-- same pairs with the letters mapped to code points of 1 to 4 UTF-8 bytes
-- (decoded path), s and t mapped to letters whose UTF-8 forms share their
-- first byte (é è ë) or their last (é ©), so that the common prefix and
-- suffix, compared on bytes, must be cut back to whole characters; a
-- against v mixes an ASCII string with a decoded one; ascii_inside wraps a
-- and b in non-ASCII letters, which the common prefix and suffix remove,
-- leaving ASCII to compare.
SELECT setseed(0.25);
CREATE TABLE names_paths.pairs AS
  SELECT g, a, b, g % 5 AS max_d,
         translate(a, 'abcd', 'aé張😀') AS u, translate(b, 'abcd', 'aé張😀') AS v,
         translate(a, 'abcd', 'éè©ë') AS s, translate(b, 'abcd', 'éè©ë') AS t
    FROM (SELECT g, a,
                 CASE WHEN g % 5 = 4 THEN
                   (SELECT string_agg(substr('abcd', 1 + floor(random() * 4)::int, 1), '')
                      FROM generate_series(1, floor(random() * 41)::int + g * 0))
                 ELSE
                   (SELECT coalesce(string_agg(CASE WHEN r < 0.08 THEN ''
                                                    WHEN r < 0.16 THEN substr('abcd', 1 + floor(r * 400)::int % 4, 1)
                                                    WHEN r < 0.22 THEN c || substr('abcd', 1 + floor(r * 400)::int % 4, 1)
                                                    ELSE c END, '' ORDER BY k), '')
                      FROM (SELECT c, k, random() AS r
                              FROM unnest(string_to_array(a, NULL)) WITH ORDINALITY AS u(c, k)) e)
                 END AS b
            FROM (SELECT g, (SELECT coalesce(string_agg(substr('abcd', 1 + floor(random() * 4)::int, 1), ''), '')
                               FROM generate_series(1, floor(random() * 41)::int + g * 0)) AS a
                    FROM generate_series(1, 2000) g) s) t;
-- Long pairs (the dynamic programmes): 60 to 140 letters, a few edits apart.
INSERT INTO names_paths.pairs
  SELECT 10000 + g, a, b, (g % 4) * 3, translate(a, 'abcd', 'aé張😀'), translate(b, 'abcd', 'aé張😀'),
         translate(a, 'abcd', 'éè©ë'), translate(b, 'abcd', 'éè©ë')
    FROM (SELECT g, a, overlay(overlay(a placing 'dd' from 1 + g % 50 for g % 3) placing 'c' from 55 for 1) AS b
            FROM (SELECT g, (SELECT string_agg(substr('abcd', 1 + floor(random() * 4)::int, 1), '')
                               FROM generate_series(1, 60 + floor(random() * 81)::int + g * 0)) AS a
                    FROM generate_series(1, 40) g) s) t;
ALTER TABLE names_paths.pairs ADD COLUMN lev int, ADD COLUMN osa int, ADD COLUMN jw float8;
UPDATE names_paths.pairs SET lev = names_paths.levenshtein(a, b), osa = names_paths.osa(a, b),
                             jw = names_paths.jaro_winkler(a, b);

-- The spread of the test data: short and long pairs, small distances.
SELECT count(*) AS pairs,
       count(*) FILTER (WHERE length(a) > 64 AND length(b) > 64) AS long_pairs,
       count(*) FILTER (WHERE a = b) AS equal,
       count(*) FILTER (WHERE a = '' OR b = '') AS an_empty,
       count(*) FILTER (WHERE lev <= max_d) AS within_max_d,
       count(*) FILTER (WHERE lev = max_d + 1) AS just_above,
       count(*) FILTER (WHERE osa < lev) AS transposition_helps
  FROM names_paths.pairs;

-- Levenshtein: ASCII, decoded and mixed paths, with and without max_d.
SELECT count(*) FILTER (WHERE crm.levenshtein(a, b) <> lev) AS ascii,
       count(*) FILTER (WHERE crm.levenshtein(u, v) <> lev) AS decoded,
       count(*) FILTER (WHERE crm.levenshtein(s, t) <> lev) AS shared_bytes,
       count(*) FILTER (WHERE crm.levenshtein('ü' || a || '張', 'ü' || b || '張', max_d) <> least(lev, max_d + 1)) AS ascii_inside,
       count(*) FILTER (WHERE crm.levenshtein(a, v) <> names_paths.levenshtein(a, v)) AS mixed,
       count(*) FILTER (WHERE crm.levenshtein(a, b, max_d) <> least(lev, max_d + 1)) AS ascii_max,
       count(*) FILTER (WHERE crm.levenshtein(u, v, max_d) <> least(lev, max_d + 1)) AS decoded_max,
       count(*) FILTER (WHERE crm.levenshtein(s, t, max_d) <> least(lev, max_d + 1)) AS shared_max,
       count(*) FILTER (WHERE crm.levenshtein(a, b, 0) <> least(lev, 1)) AS ascii_max_0,
       count(*) FILTER (WHERE crm.levenshtein(u, v, 0) <> least(lev, 1)) AS decoded_max_0,
       count(*) FILTER (WHERE crm.levenshtein(a, b, NULL) <> lev) AS null_max_d,
       count(*) FILTER (WHERE crm.levenshtein(b, a, max_d) <> crm.levenshtein(a, b, max_d)) AS asymmetric
  FROM names_paths.pairs;

-- Damerau-Levenshtein (optimal string alignment) against the PL/pgSQL reference.
SELECT count(*) FILTER (WHERE crm.damerau_levenshtein(a, b) <> osa) AS ascii,
       count(*) FILTER (WHERE crm.damerau_levenshtein(u, v) <> osa) AS decoded,
       count(*) FILTER (WHERE crm.damerau_levenshtein(s, t) <> osa) AS shared_bytes,
       count(*) FILTER (WHERE crm.damerau_levenshtein('ü' || a || '張', 'ü' || b || '張') <> osa) AS ascii_inside,
       count(*) FILTER (WHERE crm.damerau_levenshtein(a, b, max_d) <> least(osa, max_d + 1)) AS ascii_max,
       count(*) FILTER (WHERE crm.damerau_levenshtein(u, v, max_d) <> least(osa, max_d + 1)) AS decoded_max,
       count(*) FILTER (WHERE crm.damerau_levenshtein(s, t, max_d) <> least(osa, max_d + 1)) AS shared_max,
       count(*) FILTER (WHERE crm.damerau_levenshtein(u, v, 0) <> least(osa, 1)) AS decoded_max_0,
       count(*) FILTER (WHERE crm.damerau_levenshtein(b, a) <> osa) AS asymmetric
  FROM names_paths.pairs;

-- Jaro-Winkler against the PL/pgSQL textbook loop: the ASCII byte path and
-- the decoded path (second string <= 64 characters: bit masks; longer: the C
-- textbook loop).
SELECT count(*) FILTER (WHERE abs(crm.jaro_winkler(a, b) - jw) > 1e-12) AS ascii,
       count(*) FILTER (WHERE abs(crm.jaro_winkler(u, v) - jw) > 1e-12) AS decoded,
       count(*) FILTER (WHERE crm.jaro_winkler(a, b) <> crm.jaro_winkler(u, v)) AS paths_differ,
       count(*) FILTER (WHERE crm.jaro_winkler(s, t) <> crm.jaro_winkler(u, v)) AS shared_bytes,
       count(*) FILTER (WHERE abs(crm.jaro_winkler(b, a) - names_paths.jaro_winkler(b, a)) > 1e-12) AS swapped
  FROM names_paths.pairs;

-- Edge cases on each path (ASCII / decoded): empty strings, one empty, equal
-- strings, max_d 0, a common prefix or suffix only, length difference just
-- within and just beyond max_d.
SELECT a, b, m AS max_d,
       crm.levenshtein(a, b) AS lev, crm.levenshtein(a, b, m) AS lev_max,
       crm.damerau_levenshtein(a, b) AS dam, crm.damerau_levenshtein(a, b, m) AS dam_max,
       round(crm.jaro_winkler(a, b)::numeric, 6) AS jw
  FROM (VALUES ('', '', 0), ('', 'abc', 0), ('', 'abc', 3), ('abc', '', 2), ('ü', '', 0),
               ('Smith', 'Smith', 0), ('Zoë', 'Zoë', 0), ('Smith', 'Smyth', 0), ('Zoë', 'Zoe', 0),
               ('Johnson', 'Johnsen', 1), ('Johnson', 'Jonson', 1), ('Jöhnson', 'Jönson', 1),
               ('abcdef', 'abcdefgh', 2), ('abcdef', 'abcdefghi', 2), ('張三豐', '張三豐李四', 1),
               ('xabcdef', 'abcdefx', 1), ('xabcdef', 'abcdefx', 2), ('ab', 'ba', 0),
               ('ab', 'ba', 1), ('ab', 'ba', 2), ('abcdefgh', 'badcfehg', 3),
               ('é', 'è', 0), ('aéb', 'aèb', 1), ('é', '©', 1), ('x😀y', 'x😁y', 1), ('😀😁', '😁😀', 1),
               ('張三豐', '張三丰', 0), ('éé', 'é', 0), ('éé', 'é', 1),
               ('Zoë Smith', 'Zoë Smyth', 0), ('Zoë Smiht', 'Zoë Smith', 1)) AS t(a, b, m);

-- Strings past 64 characters mixing ASCII and other scripts: an edit in the
-- middle of a long common prefix and suffix; a long and a short string.
SELECT crm.levenshtein(repeat('ab', 40) || 'x' || repeat('cd', 40), repeat('ab', 40) || 'é' || repeat('cd', 40)) AS lev_long_mid,
       crm.levenshtein(repeat('ab', 40) || 'x' || repeat('cd', 40), repeat('ab', 40) || 'é' || repeat('cd', 40), 0) AS lev_long_mid_0,
       crm.damerau_levenshtein(repeat('張', 70) || 'ab' || repeat('z', 70), repeat('張', 70) || 'ba' || repeat('z', 70), 1) AS dam_long_swap,
       crm.levenshtein(repeat('a', 100), 'a', 98) AS long_short_gap,
       crm.levenshtein(repeat('a', 100), 'a', 99) AS long_short_exact,
       crm.levenshtein(repeat('aé', 50), repeat('éa', 50)) AS long_alternating,
       round(crm.jaro_winkler(repeat('ab', 40), repeat('ab', 39) || 'ba')::numeric, 6) AS jw_long;

DROP SCHEMA names_paths CASCADE;
