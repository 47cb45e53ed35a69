-- core: the extension and its version are restored.
SELECT extname, extversion FROM pg_extension WHERE extname = 'crm_profile';
SELECT split_part(crm.version(), ' ', 2);
