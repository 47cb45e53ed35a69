-- identity_model: comparison vectors, EM without labels, scores,
\set SHOW_CONTEXT never
-- explanations, connected components.

-- A helper turning a gamma into readable levels.
CREATE FUNCTION pg_temp.levels(g int4) RETURNS text LANGUAGE sql AS $$
  SELECT string_agg(field || '=' || level_name, ' ' ORDER BY ord)
    FROM crm.identity_contributions(g, (crm.identity_default_model()).m, (crm.identity_default_model()).u)
         WITH ORDINALITY c(field, level, level_name, m, u, weight, ord)
   WHERE level_name <> 'missing' $$;

-- identical records: every present field exact
SELECT pg_temp.levels(crm.identity_compare(f, f))
  FROM (SELECT crm.identity_features(NULL, 'John', 'Smith', '1980-02-03', '+86 138 0013 8000', '',
                                     'js@example.com', 'A123', '12 Baker St', 'London', 'NW1') AS f) x;
-- missing on either side: no level at all
SELECT pg_temp.levels(crm.identity_compare(ARRAY['john', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL],
                                           ARRAY['john', 'smith', '1980-02-03', NULL, NULL, NULL, NULL, NULL, NULL]));
-- typos, swapped names, swapped day and month, one edit in ids
SELECT a, b, pg_temp.levels(crm.identity_compare(a, b))
  FROM (VALUES
   (ARRAY['jonathan', 'smith', '1980-02-03', '+8613800138000', 'js@x.com', '1234567', '12 baker street', 'london', '2000'],
    ARRAY['jonathon', 'smyth', '1980-03-02', '+8613800138001', 'js@y.com', '1234576', '12 bakr street', 'londn', '2001']),
   (ARRAY['smith', 'john', '1980-02-03', NULL, NULL, NULL, NULL, NULL, NULL],
    ARRAY['john', 'smith', '1981-02-03', NULL, NULL, NULL, NULL, NULL, NULL]),
   (ARRAY['mary', 'jones', '1970-01-01', '+8613800138000', NULL, '1234567', '3 high road', 'perth', '6000'],
    ARRAY['peter', 'brown', '1990-05-06', '+14155552671', NULL, '7654321', '99 low lane', 'sydney', '2000']),
   (ARRAY['a', 'b', '1980-02-03', '+4420794600', NULL, NULL, NULL, NULL, NULL],
    ARRAY['a', 'b', '1980-02-13', '+8620794600', NULL, NULL, NULL, NULL, NULL])) v(a, b);
-- names go through the names area's comparator: Chinese against pinyin,
-- nicknames, traditional characters (normalised in the features)
SELECT pg_temp.levels(crm.identity_compare(ARRAY['伟', '张', NULL, NULL, NULL, NULL, NULL, NULL, NULL],
                                           ARRAY['wei', 'zhang', NULL, NULL, NULL, NULL, NULL, NULL, NULL])) AS han_pinyin,
       pg_temp.levels(crm.identity_compare(ARRAY['bob', 'smith', NULL, NULL, NULL, NULL, NULL, NULL, NULL],
                                           ARRAY['robert', 'smith', NULL, NULL, NULL, NULL, NULL, NULL, NULL])) AS nickname,
       pg_temp.levels(crm.identity_compare(ARRAY['娜娜', '欧阳', NULL, NULL, NULL, NULL, NULL, NULL, NULL],
                                           ARRAY['娜', '欧阳', NULL, NULL, NULL, NULL, NULL, NULL, NULL])) AS short_given;
SELECT crm.identity_features('張偉', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL) AS traditional,
       crm.identity_features(NULL, 'José', 'Müller', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL) AS accents;
SELECT crm.identity_compare(ARRAY['a'], ARRAY['a']);
SELECT crm.identity_compare('{{a,b},{c,d}}'::text[], '{{a,b},{c,d}}'::text[]);

-- the prior model and the parameters view
SELECT (crm.identity_default_model()).lambda, array_length((crm.identity_default_model()).m, 1) AS nparams;
SELECT field, count(*) AS levels, round(sum(m)::numeric, 6) AS sum_m, round(sum(u)::numeric, 6) AS sum_u
  FROM crm.identity_model_params GROUP BY field ORDER BY field;

-- weight = prior log-odds + sum of contributions; probability = 1/(1+2^-w)
WITH mo AS (SELECT * FROM crm.identity_default_model()),
     g AS (SELECT crm.identity_compare(ARRAY['john', 'smith', '1980-02-03', NULL, NULL, NULL, NULL, NULL, '2000'],
                                       ARRAY['john', 'smyth', '1980-02-03', NULL, NULL, NULL, NULL, NULL, '2000']) AS g)
SELECT round(crm.identity_weight(g, lambda, m, u)::numeric, 9) AS weight,
       round((log(2, (lambda / (1 - lambda))::numeric) +
              (SELECT sum(weight) FROM crm.identity_contributions(g, m, u))::numeric), 9) AS prior_plus_fields,
       round(crm.identity_score(g, lambda, m, u)::numeric, 9) AS probability,
       round((1 / (1 + 2 ^ (-crm.identity_weight(g, lambda, m, u))))::numeric, 9) AS from_weight
  FROM mo, g;
SELECT crm.identity_score(-1, 0.5, (crm.identity_default_model()).m, (crm.identity_default_model()).u);
SELECT crm.identity_score(3 << 6, 0.5, (crm.identity_default_model()).m, (crm.identity_default_model()).u);
SELECT crm.identity_score(0, 1.0, (crm.identity_default_model()).m, (crm.identity_default_model()).u);
SELECT crm.identity_score(0, 0.5, ARRAY[0.5]::float8[], (crm.identity_default_model()).u);
SELECT crm.identity_score(0, 0.5, NULL, (crm.identity_default_model()).u) IS NULL AS strict_null;

-- EM without labels.  100 pairs agree on everything they have, 900
-- disagree on everything: the fit finds 10% matches and m/u that separate
-- them; the given name is missing in half of the non-matches.
WITH g(gamma, n) AS (VALUES
       (crm.identity_compare(ARRAY['a', 'b', '1980-01-01', NULL, NULL, '1', 'x 1', 'c', '1'],
                             ARRAY['a', 'b', '1980-01-01', NULL, NULL, '1', 'x 1', 'c', '1']), 100.0),
       (crm.identity_compare(ARRAY['a', 'b', '1980-01-01', NULL, NULL, '1', 'x 1', 'c', '1'],
                             ARRAY['zz', 'yy', '1999-09-09', NULL, NULL, '99', 'qq 9', 'mm', '99']), 450.0),
       (crm.identity_compare(ARRAY[NULL, 'b', '1980-01-01', NULL, NULL, '1', 'x 1', 'c', '1'],
                             ARRAY['zz', 'yy', '1999-09-09', NULL, NULL, '99', 'qq 9', 'mm', '99']), 450.0)),
     fit AS (SELECT (crm.identity_em(array_agg(gamma), array_agg(n::float8),
                                     (crm.identity_default_model()).u, 200, false)).* FROM g)
SELECT round(lambda::numeric, 4) AS lambda, converged, iterations < 200 AS iterations_ok,
       round(m[1 * 8 + 3 + 1]::numeric, 4) AS m_family_exact, round(u[1 * 8 + 3 + 1]::numeric, 4) AS u_family_exact,
       round(m[0 * 8 + 3 + 1]::numeric, 4) AS m_given_exact, round(u[0 * 8 + 0 + 1]::numeric, 4) AS u_given_different
  FROM fit;
-- fix_u keeps u as given
SELECT (crm.identity_em(ARRAY[0], ARRAY[10.0::float8], (crm.identity_default_model()).u, 10, true)).u
       = (crm.identity_default_model()).u AS u_kept;
-- no pairs: the prior, zero iterations
SELECT (crm.identity_em('{}', '{}', (crm.identity_default_model()).u)).iterations;
SELECT crm.identity_em(ARRAY[0, 0], ARRAY[1.0::float8], (crm.identity_default_model()).u);
SELECT crm.identity_em(ARRAY[NULL::int4], ARRAY[1.0::float8], (crm.identity_default_model()).u);
SELECT crm.identity_em(ARRAY[0], ARRAY[-1.0::float8], (crm.identity_default_model()).u);
SELECT crm.identity_em(ARRAY[0], ARRAY[1.0::float8], (crm.identity_default_model()).u, 0);
SELECT crm.identity_em(ARRAY[1 << 30], ARRAY[1.0::float8], (crm.identity_default_model()).u);
SELECT crm.identity_em(ARRAY[0], ARRAY[1.0::float8], ARRAY[0.5, NULL]::float8[]);

-- u from random pairs: level shares with add-one smoothing
SELECT round(u[2 * 8 + 0 + 1]::numeric, 4) AS u_birth_different, round(u[2 * 8 + 2 + 1]::numeric, 4) AS u_birth_exact,
       u[3 * 8 + 2 + 1] = (crm.identity_default_model()).u[3 * 8 + 2 + 1] AS phone_keeps_prior
  FROM (SELECT crm.identity_u_estimate(ARRAY[
          crm.identity_compare(ARRAY[NULL, NULL, '1980-01-01', NULL, NULL, NULL, NULL, NULL, NULL],
                               ARRAY[NULL, NULL, '1990-05-06', NULL, NULL, NULL, NULL, NULL, NULL]),
          crm.identity_compare(ARRAY[NULL, NULL, '1980-01-01', NULL, NULL, NULL, NULL, NULL, NULL],
                               ARRAY[NULL, NULL, '1980-01-01', NULL, NULL, NULL, NULL, NULL, NULL])]) AS u) x;

-- connected components: transitive links, the smallest id names a component
SELECT * FROM crm.identity_components(ARRAY[1, 2, 10, 5, 7]::int8[], ARRAY[2, 3, 11, 3, 7]::int8[])
 ORDER BY node;
SELECT count(*) FROM crm.identity_components('{}', '{}');
SELECT * FROM crm.identity_components(ARRAY[1, 2]::int8[], ARRAY[2]::int8[]);
SELECT * FROM crm.identity_components(ARRAY[1, NULL]::int8[], ARRAY[2, 3]::int8[]);
