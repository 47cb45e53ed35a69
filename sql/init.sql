-- init: create the extension once for the whole pg_regress run.
CREATE EXTENSION crm_profile;
SELECT extversion, extrelocatable FROM pg_extension WHERE extname = 'crm_profile';
