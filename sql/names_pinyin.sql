-- names_pinyin: toneless pinyin with surname readings, and the phonetic key.
SELECT input, crm.name_pinyin(input) AS pinyin
  FROM (VALUES
    ('张三'),
    ('張三'),                -- traditional reads the same
    ('单雄信'),              -- surname 单 = shan (ICU says dan)
    ('曾国藩'),              -- zeng, not ceng
    ('解缙'), ('仇英'), ('区嘉雯'), ('朴槿惠'), ('查良镛'), ('盖聂'),
    ('尉迟恭'),              -- compound surname yuchi (ICU: wei chi)
    ('欧阳修'), ('歐陽修'), ('司马光'), ('诸葛亮'), ('万俟卨'), ('长孙无忌'),
    ('单单'),                -- second 单 is read dan
    ('Tom 张三'),            -- mixed scripts kept
    ('Tom张三Lee'),
    ('李 Lee'),
    ('abc'),
    ('')
  ) v(input);

SELECT crm.name_pinyin(NULL) IS NULL AS null_gives_null;

-- A combining mark with no letter to sit on is dropped, as name_normalize
-- drops it; a mark on a letter is kept (other text is kept as it is).
SELECT input, crm.name_pinyin(input) AS pinyin, crm.name_normalize(input) AS normalized
  FROM (VALUES
    (U&'\0301'), (U&'\0301\0308'), (U&'a \0301b'), (U&'张\0301三'),
    (U&'e\0301'), (U&'Jose\0301 张三')
  ) v(input);

-- Phonetic keys: spelling variants agree, token order does not matter.
SELECT input, crm.name_phonetic(input) AS phonetic
  FROM (VALUES
    ('Stephen Smith'), ('Steven Smyth'), ('smith, steven'),
    ('Philip Knight'), ('Filip Nite'),
    ('Catherine Schmidt'), ('Katherine Shmidt'),
    ('张三'), ('Zhang San'), ('張三'),
    ('Mr'), (''), ('Wright'), ('Xavier Thompson'), ('Ｊｏｓé GARCÍA')
  ) v(input);
SELECT crm.name_phonetic(NULL) IS NULL AS null_gives_null;
