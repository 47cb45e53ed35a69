-- identity: use the identity store, then leave nothing that would block
-- DROP EXTENSION (the source trigger goes with crm.identity_unregister).
CREATE TABLE lifecycle_identity (id int PRIMARY KEY, name text, phone text);
SELECT crm.identity_register('lc', 'lifecycle_identity', 'id', '{"full_name": "name", "phone": "phone"}', 'CN');
INSERT INTO lifecycle_identity VALUES (1, '张伟', '138 0013 8000'), (2, '张伟', '13800138000');
SELECT * FROM crm.identity_link();
SELECT * FROM crm.identity_golden;
SELECT crm.identity_unmerge(min(record_id)) FROM crm.identity_record;
SELECT * FROM crm.identity_explain(1, 2);
SELECT crm.identity_unregister('lc');
DROP TABLE lifecycle_identity;
