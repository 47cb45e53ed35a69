-- names_similarity: crm.name_similarity, one rule per pair.
SELECT a, b, round(crm.name_similarity(a, b)::numeric, 4) AS similarity
  FROM (VALUES
    ('Ｊｏｓé  GARCÍA', 'Jose Garcia'),    -- normalisation
    ('Jose Garcia', 'garcia, jose'),       -- token order
    ('Zhang San', 'San Zhang'),
    ('张三', '張三'),                      -- traditional / simplified
    ('张三', 'Zhang San'),                 -- pinyin
    ('張三', 'San Zhang'),
    ('张小明', 'Xiaoming Zhang'),
    ('张小明', 'Xiao Ming Zhang'),         -- Western order, syllables split
    ('张小明', 'Xiao Ming Wang'),
    ('单雄信', 'Shan Xiongxin'),           -- surname reading
    ('欧阳修', 'Ouyang Xiu'),              -- compound surname
    ('张小明', '章小明'),                  -- same reading, other character
    ('张三', '李四'),
    ('Bob Smith', 'Robert Smith'),         -- nickname
    ('Peggy Jones', 'Margaret Jones'),
    ('Bill Gates', 'William Gates'),
    ('R. Smith', 'Robert Smith'),          -- initial
    ('J. R. R. Tolkien', 'John Ronald Reuel Tolkien'),
    ('Jon Smith', 'John Smith'),           -- typos
    ('Jonathan Smyth', 'Jonathon Smith'),
    ('McDonald', 'Mc Donald'),             -- split token
    ('Mr. John Smith', 'John Smith'),      -- title
    ('John Smith', 'Smith'),               -- missing token
    ('John Smith', 'Jane Doe'),            -- different people
    ('Robert Smith', 'Roberta Smithers'),
    ('', ''),                              -- an empty name matches nothing
    ('', 'John'),
    ('Mr', 'Mr')
  ) v(a, b);

-- Symmetric, and within [0, 1].
SELECT count(*) AS bad
  FROM (VALUES ('Bob Smith', 'Robert Smith'), ('张三', 'San Zhang'), ('R. Smith', 'Robert Smith'),
               ('McDonald', 'Mc Donald'), ('John Smith', 'Smith'), ('a b c d', 'd c b a e')) v(a, b)
 WHERE crm.name_similarity(a, b) <> crm.name_similarity(b, a)
    OR crm.name_similarity(a, b) NOT BETWEEN 0 AND 1;

-- Ranking: the true variant beats the look-alikes.
SELECT b, rank() OVER (ORDER BY crm.name_similarity('Robert Smith', b) DESC) AS rank
  FROM (VALUES ('Bob Smith'), ('Rob Smith'), ('Robert Smyth'), ('Roberta Smithers'), ('Albert Smith'), ('Robert Jones')) v(b)
 ORDER BY rank, b;

-- A missing part is not a mismatch: a one-token name lacks one of the two
-- parts of a full name, and each missing part fills 0.2 of the open score,
-- out of four parts: two lone names sharing nothing 0.1, a lone name against
-- a full name 0.05, two full names sharing nothing 0; Smith against
-- Paul Smith 10/14 + (4/14) * 0.05.
SELECT a, b, round(crm.name_similarity(a, b)::numeric, 4) AS similarity
  FROM (VALUES ('Smith', 'Jones'), ('Smith', 'Mary Jones'), ('Paul Smith', 'Mary Jones'),
               ('Smith', 'Paul Smith'), ('Smith', 'Smith'), ('张', '李四')) v(a, b);

SELECT crm.name_similarity(NULL, 'a') IS NULL AS null_gives_null;

-- Very long names: the first 16 tokens of at most 64 characters count.
SELECT round(crm.name_similarity(repeat('abc ', 10000), repeat('abc ', 20))::numeric, 4) AS long_tokens,
       round(crm.name_similarity(repeat('x', 100000), repeat('x', 64))::numeric, 4) AS long_token;
