-- identity_std: the field standardisers, valid, invalid and edge cases.
\set SHOW_CONTEXT never

-- Phone numbers: libphonenumber, E.164, region from the argument or from
-- crm_profile.default_region.
SELECT raw, region, (p).value, (p).valid, (p).note
  FROM (VALUES ('138 0013 8000', 'CN'), ('+86-138-0013-8000', 'CN'), ('008613800138000', 'CN'),
               ('13800138000', 'cn'), ('(010) 6552 9988', 'CN'), ('1380013800', 'CN'),
               ('(415) 555-2671', 'US'), ('+1 415 555 2671', 'GB'), ('1-800-555-0199', 'US'),
               ('020 7946 0018', 'GB'), ('+44 20 7946 0958', ''), ('07700 900123', 'GB'),
               ('００８６ １３８ ００１３ ８０００', 'CN'), ('138 0013 8000', ''),
               ('12345', 'CN'), ('abc', 'CN'), ('', 'US'), ('+999 1234', ''),
               ('008613800138000', 'US')) v(raw, region),
       LATERAL (SELECT crm.identity_phone(raw, region) AS p) x;
SELECT crm.identity_phone('138 0013 8000', 'China');
SELECT crm.identity_phone('138 0013 8000', '1X');
SELECT crm.identity_phone(NULL, 'CN') IS NULL AS strict_null;
-- the one-argument form reads the setting
SHOW crm_profile.default_region;
SELECT (crm.identity_phone('138 0013 8000')).*;
SET crm_profile.default_region = 'cn';
SHOW crm_profile.default_region;
SELECT (crm.identity_phone('138 0013 8000')).*;
SET crm_profile.default_region = 'CHN';
RESET crm_profile.default_region;

-- E-mail: case, spaces, full-width forms, provider rules.
SELECT raw, (e).value, (e).valid, (e).note
  FROM (VALUES (' John.Smith+News@GMail.com '), ('j.o.h.n.smith@googlemail.com'),
               ('john.smith+x@outlook.com'), ('John.Smith@Example.COM'), ('a+b@example.com'),
               ('user@me.com'), ('mailto:<Li.Lei@QQ.com>'), ('李雷＠１６３。com'),
               ('+tag@gmail.com'), ('no-at-sign'), ('two@@example.com'), ('a@b@c.com'),
               ('.dot@example.com'), ('a..b@example.com'), ('a@localhost'), ('a@-x.com'),
               ('a@x..com'), ('a@example.123'), ('a b@example.com'), ('"q"@example.com'),
               (''), ('   ')) v(raw),
       LATERAL (SELECT crm.identity_email(raw) AS e) x;
SELECT (crm.identity_email(repeat('a', 65) || '@example.com')).note;
SELECT (crm.identity_email('a@' || repeat('b', 64) || '.com')).note;
SELECT (crm.identity_email(repeat('a', 60) || '@' || repeat('b', 63) || '.' || repeat('c', 63) || '.' || repeat('d', 63) || '.com')).note;

-- Addresses: abbreviations, punctuation, Chinese unit tokens.
SELECT raw, (a).value, (a).valid, (a).note
  FROM (VALUES ('12 Tullaroop St.'), ('12 tullaroop street'), ('Flat 3, No. 7 Baker Rd'),
               ('#5 Main Ave'), ('100 Cambridge Cres, Apt 4'), ('上海市浦东新区世纪大道100号'),
               ('上海市浦東新區世紀大道１００號'), ('北京市朝阳区建国路八十八号'),
               ('广州市天河区 体育西路 191号 中石化大厦 B塔 32楼'), ('Tullaroop Street'),
               ('12'), ('  ,.; '), ('No more')) v(raw),
       LATERAL (SELECT crm.identity_address(raw) AS a) x;

-- Dates of birth: formats, day/month swaps, invalid dates.
SELECT raw, (d).value, (d).valid, (d).note
  FROM (VALUES ('19081209'), ('1908-12-09'), ('1908/12/09'), ('09/12/1908'), ('12/25/1980'),
               ('25/12/1980'), ('05.06.1990'), ('1990年5月12日'), ('19801325'), ('1980-13-25'),
               ('2000-02-29'), ('1900-02-29'), ('1980-02-30'), ('1850-01-01'), ('2101-01-01'),
               ('1980-02-03 00:00:00'), ('12/05/80'), ('1980'), ('unknown'), ('')) v(raw),
       LATERAL (SELECT crm.identity_birth_date(raw) AS d) x;

-- Chinese resident identity numbers: checksum, birth date, legacy 15 digits.
SELECT raw, (i).value, (i).valid, (i).note
  FROM (VALUES ('11010519491231002X'), ('11010519491231002x'), ('110105 19491231 002X'),
               ('110105194912310021'), ('110105491231002'), ('11010519491331002X'),
               ('91010519491231002X'), ('1101051949123100X2'), ('11010519491231'),
               ('1101051949123100211'), ('11010A19491231002X'), ('１１０１０５１９４９１２３１００２Ｘ'),
               ('')) v(raw),
       LATERAL (SELECT crm.identity_cn_id(raw) AS i) x;
SELECT crm.identity_national_id('11010519491231002x'), crm.identity_national_id(' ab-123 456 '),
       crm.identity_national_id('--');

-- Names: cleaning, splitting, blocking key.
SELECT raw, crm.identity_name_clean(raw) AS clean, (crm.identity_name_split(raw)).*
  FROM (VALUES ('  John  SMITH '), ('Smith, John'), ('O''Brien, Mary-Jane'), ('张伟'),
               ('欧阳娜娜'), ('歐陽娜娜'), ('Zhang Wei'), ('Ｊｏｈｎ　Ｓｍｉｔｈ'), ('Madonna'),
               ('欧阳'), ('...'), ('')) v(raw);
SELECT n, crm.identity_name_key(n)
  FROM (VALUES ('smith'), ('Smyth'), ('ashcraft'), ('tymczak'), ('pfister'), ('张伟'), ('9lives'), ('')) v(n);

-- Features: the standardised comparison vector input of a record.
SELECT crm.identity_features('Zhang Wei', NULL, NULL, '03/02/1980', '138 0013 8000', 'CN',
                             'Z.Wei+shop@gmail.com', '11010519491231002x', '中山路1号', ' Shanghai ', ' 200 000 ');
SELECT crm.identity_features('Zhang Wei', 'Wei', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
SELECT crm.identity_features(NULL, NULL, NULL, NULL, '138 0013 8000', NULL, NULL, NULL, NULL, NULL, NULL);
