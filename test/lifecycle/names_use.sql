-- names: use every kind of object of the names area (functions, operators,
-- the GIN operator class), so that DROP EXTENSION is shown to remove them.
CREATE TABLE public.names_use (name text);
INSERT INTO public.names_use VALUES ('Zhang San'), ('張三'), ('Bob Smith'), ('Robert Smith');
CREATE INDEX ON public.names_use USING gin (name crm.name_gin_ops);
SELECT crm.name_normalize(name), crm.name_pinyin(name), crm.name_phonetic(name),
       crm.jaro_winkler(name, 'x'), crm.levenshtein(name, 'x'), crm.levenshtein(name, 'x', 1),
       crm.damerau_levenshtein(name, 'x'), crm.damerau_levenshtein(name, 'x', 1),
       crm.name_similarity(name, 'Zhang San'), name OPERATOR(crm.%%) 'Zhang San',
       name OPERATOR(crm.<->) 'Zhang San'
  FROM public.names_use;
SET crm_profile.name_similarity_threshold = 0.9;
SELECT count(*) FROM public.names_use WHERE name OPERATOR(crm.%%) 'Robert Smith';
DROP TABLE public.names_use;
