-- crm_profile 0.1.0 install script: released, frozen; never edit.
\echo Use "CREATE EXTENSION crm_profile" to load this file. \quit
SET LOCAL search_path TO pg_catalog, pg_temp;

CREATE SCHEMA crm;
COMMENT ON SCHEMA crm IS 'crm_profile: CRM intelligence in PostgreSQL';
-- core: objects of the first release (0.1.0).  Frozen: anything new goes in
-- an area file, so that the 0.1.0 -> current upgrade stays the area files.

CREATE FUNCTION crm.version() RETURNS text
  LANGUAGE C STABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'crm_version';
COMMENT ON FUNCTION crm.version() IS
  'crm_profile version and the CRoaring, ICU and PostgreSQL versions it was built with';
