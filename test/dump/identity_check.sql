-- identity: what must be identical after restore.
SELECT source, relation, key_column, mapping, region, priority FROM crm.identity_source ORDER BY source;
SELECT source, source_key, record_id, golden_id, locked, features, block_keys
  FROM crm.identity_record ORDER BY record_id;
SELECT record_id, old_golden_id, new_golden_id, action, detail FROM crm.identity_merge_log ORDER BY log_id;
SELECT lambda, m, u, iterations, converged, pairs FROM crm.identity_model;
SELECT * FROM crm.identity_survivorship ORDER BY field;
SELECT rule, expression, enabled, builtin FROM crm.identity_blocking_rule ORDER BY rule;
SELECT golden_id, records, sources, full_name, phone, email FROM crm.identity_golden ORDER BY golden_id;
SELECT last_value FROM crm.identity_golden_seq;
SELECT last_value FROM crm.identity_record_seq;
SELECT last_value FROM crm.identity_merge_log_seq;
SELECT tgname FROM pg_trigger WHERE tgrelid = 'dump_identity.customers'::regclass;
