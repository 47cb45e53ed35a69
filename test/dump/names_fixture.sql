-- names: user data that depends on the names area survives dump and restore:
-- a generated column, an expression index, a GIN index of crm.name_gin_ops
-- and a GiST index of crm.name_gist_ops.
CREATE SCHEMA names_dump;
CREATE TABLE names_dump.people (
  id int PRIMARY KEY,
  name text,
  name_key text GENERATED ALWAYS AS (crm.name_normalize(name)) STORED
);
INSERT INTO names_dump.people (id, name) VALUES
  (1, 'Zhang San'), (2, '張三'), (3, 'San Zhang'), (4, 'Robert Smith'), (5, 'Bob Smith'),
  (6, 'R. Smith'), (7, 'Ｊｏｓé GARCÍA'), (8, 'garcia, jose'), (9, '单雄信先生'), (10, NULL);
CREATE INDEX people_phonetic ON names_dump.people (crm.name_phonetic(name));
CREATE INDEX people_name_gin ON names_dump.people USING gin (name crm.name_gin_ops);
CREATE INDEX people_name_gist ON names_dump.people USING gist (name crm.name_gist_ops);
CREATE VIEW names_dump.similar_pairs AS
  SELECT a.id AS a, b.id AS b, round(crm.name_similarity(a.name, b.name)::numeric, 4) AS similarity
    FROM names_dump.people a JOIN names_dump.people b ON a.id < b.id AND a.name OPERATOR(crm.%%) b.name;
