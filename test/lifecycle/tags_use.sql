-- tags: use every kind of object, then DROP EXTENSION must leave nothing.
CREATE TABLE public.tags_life (v crm.tagset);
INSERT INTO public.tags_life VALUES ('{1,2}'), ('{3}');
CREATE INDEX ON public.tags_life USING gin (v);
SELECT crm.tagset_union_agg(v), crm.tagset_agg(1) FROM public.tags_life;
INSERT INTO crm.tags (name) VALUES ('vip');
SELECT crm.tag_customer(1, 'vip');
SELECT crm.audience_count('!vip');
DROP TABLE public.tags_life;
