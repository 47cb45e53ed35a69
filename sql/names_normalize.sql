-- names_normalize: crm.name_normalize, one rule per line, in Latin and Chinese.
SELECT input, crm.name_normalize(input) AS normalized
  FROM (VALUES
    ('Ｊｏｓé  GARCÍA'),            -- full-width, accents, case, spacing
    ('Jose Garcia'),
    ('garcia, jose'),                 -- punctuation becomes a space
    ('  GARCÍA--José  '),
    ('Mr. Bob O''Brien'),             -- title dropped, apostrophe dropped
    ('Dr Jane Doe-Smith'),
    ('Prof. Dr. Hans Müller'),
    ('Mrs'),                          -- a title alone is kept
    ('Søren Łukasz Æbelø'),           -- letters without a decomposition
    ('Straße'),                       -- case folding: ß = ss
    ('ＡＢＣ　１２３'),                 -- full-width letters, digits, ideographic space
    ('张三'),
    ('張三'),                         -- traditional to simplified
    ('张 三'),                        -- Han runs joined
    ('張三先生'),                     -- Chinese titles
    ('王小姐'),
    ('李四 女士'),
    ('先生'),                         -- a title alone is kept
    ('歐陽修'),
    ('Tom张三'),                      -- scripts separated
    ('Владимир Путин'),               -- other scripts kept, folded
    ('김민준'),                       -- Hangul recomposed after accent removal
    ('x'),
    (''),
    ('  ,. ')
  ) v(input);

-- NULL in, NULL out (STRICT).
SELECT crm.name_normalize(NULL) IS NULL AS null_gives_null;

-- Very long input: linear time, no limit of its own.
SELECT length(crm.name_normalize(repeat('Ａé-', 100000))) AS long_length;

-- Idempotent: normalising twice changes nothing.
SELECT count(*) AS not_idempotent
  FROM (VALUES ('Ｊｏｓé  GARCÍA'), ('張三先生'), ('Mr. Bob O''Brien'), ('Søren Æbelø')) v(x)
 WHERE crm.name_normalize(crm.name_normalize(x)) <> crm.name_normalize(x);

-- Accents are removed only where marks are accents (Latin, including
-- Vietnamese, Greek, Cyrillic, Hebrew/Arabic pointing); Indic and Thai vowel
-- signs and viramas are letters and stay (Rahul is not Rahal).
SELECT input, crm.name_normalize(input) AS normalized,
       crm.name_normalize(input) = input AS unchanged
  FROM (VALUES
    ('राहुल'), ('राहल'), ('राहुल शर्मा'), ('प्रिया'),    -- Hindi: vowel signs, virama
    ('কৃষ্ণ'),                                           -- Bengali
    ('กิตติ'), ('สมชาย ใจดี'),                          -- Thai vowel signs
    ('Nguyễn Văn Đức'), ('Trần Thị Thu Hương'),           -- Vietnamese (stacked accents)
    ('François Lefèvre'), ('Zoë Hélène Dupré'),           -- French
    ('Ἀλέξανδρος'), ('Йёрг'),                             -- Greek, Cyrillic
    ('שָׁלוֹם'), ('مُحَمَّد'),                              -- Hebrew, Arabic pointing
    ('がくと'),                                           -- kana voicing marks kept
    (U&'\0301'), (U&'a \0301b'), (U&'1\0301'),           -- marks with no letter
    (U&'张\0301三'), (U&'김\0301민준')                    -- stray marks on Han, Hangul
  ) v(input);
SELECT crm.name_similarity('राहुल शर्मा', 'राहल शरमा') < 1 AS rahul_is_not_rahal,
       crm.name_similarity('राहुल शर्मा', 'शर्मा राहुल') AS hindi_order,
       crm.name_similarity('กิตติ', 'กตต') < 1 AS thai_vowels_count,
       crm.name_similarity('Nguyễn Văn Đức', 'Nguyen Van Duc') AS vietnamese,
       crm.name_similarity('François Lefèvre', 'francois lefevre') AS french;
