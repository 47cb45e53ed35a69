-- identity: a registered source with its trigger, linked golden ids, a
-- trained model, an unmerge, survivorship and blocking configuration, all
-- of which must survive pg_dump and restore.
CREATE SCHEMA dump_identity;
CREATE TABLE dump_identity.customers (id int PRIMARY KEY, name text, phone text, email text, dob text);
SELECT crm.identity_register('dump_web', 'dump_identity.customers', 'id',
  '{"full_name": "name", "phone": "phone", "email": "email", "birth_date": "dob"}', 'CN', 10);
INSERT INTO dump_identity.customers VALUES
  (1, '张伟', '138 0013 8000', 'zw@example.com', '1980-02-03'),
  (2, '张伟', '+86 138 0013 8000', NULL, '1980-02-03'),
  (3, 'Li Lei', '139 1234 5678', 'll@example.com', '1990-05-06'),
  (4, 'Lei Li', '139 1234 5678', NULL, NULL),
  (5, 'Wang Fang', '136 5555 0000', NULL, '1985-07-08');
SELECT * FROM crm.identity_link(train => true);
SELECT crm.identity_unmerge(crm_r.record_id)
  FROM crm.identity_record crm_r WHERE crm_r.source_key = '4';
INSERT INTO crm.identity_survivorship VALUES ('phone', 'source_priority', ARRAY['dump_web']);
INSERT INTO crm.identity_blocking_rule (rule, expression) VALUES ('email_local', 'split_part(f[5], ''@'', 1)');
SELECT crm.identity_rebuild_keys();
