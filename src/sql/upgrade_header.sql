-- crm_profile upgrade script from 0.1.0.  Built by the Makefile from
-- src/sql/upgrade_header.sql and src/<area>/<area>.sql; do not edit.
\echo Use "ALTER EXTENSION crm_profile UPDATE" to load this file. \quit
SET LOCAL search_path TO pg_catalog, pg_temp;
