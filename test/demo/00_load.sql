-- 00_load: create crm_profile in the demo database.  (The sample shop data
-- is loaded here too once test/data/sample/ exists.)
\set QUIET on
CREATE EXTENSION crm_profile;
\echo
\echo '================================================================'
\echo ' crm_profile demo'
\echo '================================================================'
SELECT crm.version() AS "crm_profile";
