-- core: the skeleton every area stands on.

-- crm.version() names the extension and the libraries it was built with.
SELECT crm.version() ~ '^crm_profile 0\.2\.0 \(CRoaring 0\.2\.66, ICU [0-9.]+, PostgreSQL 1[4-9][0-9.]*( \(.*\))?\)$' AS version_ok;
SELECT split_part(crm.version(), ' ', 2) = extversion AS library_matches_script
  FROM pg_extension WHERE extname = 'crm_profile';

-- The library reserves the crm_profile.* settings: a typo is an error.
LOAD 'crm_profile';
SET crm_profile.no_such_setting = 1;

-- Every member of the extension lives in schema crm (an unqualified CREATE
-- would land in pg_catalog) and carries a comment.
SELECT pg_describe_object(classid, objid, 0) AS outside_crm
  FROM pg_depend d
 WHERE refclassid = 'pg_extension'::regclass
   AND refobjid = (SELECT oid FROM pg_extension WHERE extname = 'crm_profile')
   AND deptype = 'e'
   AND CASE classid
         WHEN 'pg_proc'::regclass THEN (SELECT pronamespace FROM pg_proc WHERE oid = objid)
         WHEN 'pg_type'::regclass THEN (SELECT typnamespace FROM pg_type WHERE oid = objid)
         WHEN 'pg_class'::regclass THEN (SELECT relnamespace FROM pg_class WHERE oid = objid)
         WHEN 'pg_operator'::regclass THEN (SELECT oprnamespace FROM pg_operator WHERE oid = objid)
         WHEN 'pg_opclass'::regclass THEN (SELECT opcnamespace FROM pg_opclass WHERE oid = objid)
         WHEN 'pg_opfamily'::regclass THEN (SELECT opfnamespace FROM pg_opfamily WHERE oid = objid)
         ELSE 'crm'::regnamespace
       END <> 'crm'::regnamespace
 ORDER BY 1;

SELECT pg_describe_object(classid, objid, 0) AS without_comment
  FROM pg_depend d
 WHERE refclassid = 'pg_extension'::regclass
   AND refobjid = (SELECT oid FROM pg_extension WHERE extname = 'crm_profile')
   AND deptype = 'e'
   AND classid IN ('pg_proc'::regclass, 'pg_type'::regclass, 'pg_class'::regclass,
                   'pg_namespace'::regclass, 'pg_operator'::regclass)
   AND obj_description(objid, classid::regclass::text) IS NULL
   AND NOT (classid = 'pg_type'::regclass AND EXISTS
            (SELECT 1 FROM pg_type t WHERE t.oid = objid AND (t.typrelid <> 0 OR t.typelem <> 0 AND t.typlen = -1)))
 ORDER BY 1;

-- Every C function states its volatility and parallel safety deliberately:
-- none is left at the defaults (VOLATILE and PARALLEL UNSAFE together) unless
-- it writes, which its comment must say.
SELECT p.oid::regprocedure AS default_labels
  FROM pg_proc p
 WHERE p.pronamespace = 'crm'::regnamespace
   AND p.provolatile = 'v' AND p.proparallel = 'u'
   AND coalesce(obj_description(p.oid, 'pg_proc'), '') !~* '(writes|modifies|changes|refresh|register|apply|trigger|updates|inserts|deletes)'
 ORDER BY 1;

-- A function planted earlier in the search path does not capture ours.
CREATE FUNCTION public.version() RETURNS text LANGUAGE sql AS $$ SELECT 'impostor' $$;
SET search_path = public, crm;
SELECT crm.version() <> 'impostor' AS qualified_call_is_ours;
RESET search_path;
DROP FUNCTION public.version();

-- Any role may use the schema (functions are callable by PUBLIC, tables are not).
SELECT has_schema_privilege('public', 'crm', 'USAGE') AS public_usage;
