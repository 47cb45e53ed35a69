-- footer: statements that apply to the whole schema once every area's objects
-- exist; appended to the install script and to the upgrade script alike.

-- Analysts and applications call crm functions without being superusers:
-- functions are executable by PUBLIC unless an area revokes it (internal
-- SECURITY DEFINER helpers do), while tables keep their owner-only privileges.
GRANT USAGE ON SCHEMA crm TO PUBLIC;
