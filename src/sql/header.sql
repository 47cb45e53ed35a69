-- crm_profile install script.  Built by the Makefile from src/sql/header.sql,
-- src/sql/core.sql and src/<area>/<area>.sql; do not edit the built file.
\echo Use "CREATE EXTENSION crm_profile" to load this file. \quit
SET LOCAL search_path TO pg_catalog, pg_temp;

CREATE SCHEMA crm;
COMMENT ON SCHEMA crm IS 'crm_profile: CRM intelligence in PostgreSQL';
