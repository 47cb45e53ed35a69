-- tags_io: text and binary input/output of crm.tagset.
SET search_path = crm, public;
\set SHOW_CONTEXT never

-- Text form: members in increasing order, duplicates and order ignored,
-- ranges lo-hi, white space allowed, the extremes 0 and 4294967295.
SELECT '{}'::tagset AS empty, ' { } '::tagset AS empty_spaced,
       '{5,1,3,1}'::tagset AS unsorted, '{ 1 , 2 ,3 }'::tagset AS spaced;
SELECT '{0,4294967295}'::tagset AS extremes, '{4294967290-4294967295}'::tagset AS top_range;
SELECT '{1-5,3,10-12,7-7}'::tagset AS ranges;
SELECT tagset_cardinality('{0-4294967295}') AS full_set,
       tagset_min('{0-4294967295}'), tagset_max('{0-4294967295}');
SELECT '{0-99999}'::tagset = tagset(ARRAY(SELECT generate_series(0, 99999))) AS range_equals_array;

-- Malformed literals: 22P02 with the position; out of range: 22003.
SELECT ''::tagset;
SELECT '1,2'::tagset;
SELECT '{1,2'::tagset;
SELECT '{1,,2}'::tagset;
SELECT '{1 2}'::tagset;
SELECT '{-1}'::tagset;
SELECT '{a}'::tagset;
SELECT '{1}x'::tagset;
SELECT '{1,}'::tagset;
SELECT '{5-3}'::tagset;
SELECT '{1-}'::tagset;
SELECT '{1.5}'::tagset;
SELECT '{4294967296}'::tagset;
SELECT '{99999999999999999999999}'::tagset;
SELECT '{"1"}'::tagset;
SELECT '{1,2}  '::tagset AS trailing_space_ok;
SELECT '{é}'::tagset;

-- Output round trip.
SELECT v::text::tagset = v AS text_round_trip
  FROM (VALUES ('{}'::tagset), ('{0}'), ('{4294967295}'), ('{1-70000,200000,300000-300005}')) t(v);

-- Binary form: version, flags, reserved, int64 cardinality, then the CRoaring
-- portable bytes.
SELECT tagset_send('{}') AS send_empty, tagset_send('{1,2,3}') AS send_run;
SELECT tagset_send('{0,4294967295}') AS send_extremes;

-- Binary input through COPY (FORMAT binary) of crafted bytes: a helper
-- writes a one-column binary COPY file and loads it.
CREATE TEMP TABLE recv_t (v tagset);
CREATE FUNCTION pg_temp.recv(payload bytea) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  lo oid;
  path text := 'crm_tags_recv.bin';  -- relative: in the data directory
  result text;
BEGIN
  lo := lo_from_bytea(0, '\x5047434f50590aff0d0a00'::bytea || '\x0000000000000000'::bytea
                          || '\x0001'::bytea || int4send(length(payload)) || payload || '\xffff'::bytea);
  PERFORM lo_export(lo, path);
  PERFORM lo_unlink(lo);
  TRUNCATE recv_t;
  EXECUTE format('COPY recv_t FROM %L (FORMAT binary)', path);
  SELECT v::text INTO result FROM recv_t;
  RETURN result;
END $$;
\set VERBOSITY terse
-- valid: the run-optimised form we send, and the same set as a plain array
-- container (cookie 12346 with offsets), which is stored canonically.
SELECT pg_temp.recv(tagset_send('{1,2,3}')) AS sent_form;
SELECT pg_temp.recv('\x010000000000000000000003' || '\x3a300000010000000000020010000000010002000300'::bytea) AS array_form;
SELECT v = '{1,2,3}' AS canonical, tagset_send(v) = tagset_send('{1,2,3}') AS same_bytes FROM recv_t;
SELECT pg_temp.recv(tagset_send('{}')) AS empty, pg_temp.recv(tagset_send('{0,4294967295}')) AS extremes;
SELECT pg_temp.recv(tagset_send('{0-100000,4294967295}')) = '{0-100000,4294967295}'::tagset::text AS big_round_trip;
\set VERBOSITY default
-- corrupted: every one is rejected with 22P03 and a reason.
SELECT pg_temp.recv('\x0100'::bytea);
SELECT pg_temp.recv('\x02' || substring(tagset_send('{1,2,3}') from 2));
SELECT pg_temp.recv('\x0101' || substring(tagset_send('{1,2,3}') from 3));
SELECT pg_temp.recv('\x01000001' || substring(tagset_send('{1,2,3}') from 5));
-- header cardinality 4 for three members; cardinality above 2^32
SELECT pg_temp.recv('\x0100000000000000000000' || '\x04'::bytea || substring(tagset_send('{1,2,3}') from 13));
SELECT pg_temp.recv('\x01000000' || '\x0000000100000001'::bytea || substring(tagset_send('{1,2,3}') from 13));
-- no payload, a truncated payload, a trailing byte, a bad cookie
SELECT pg_temp.recv('\x010000000000000000000003'::bytea);
SELECT pg_temp.recv(substring(tagset_send('{1,2,3}') from 1 for length(tagset_send('{1,2,3}')) - 1));
SELECT pg_temp.recv(tagset_send('{1,2,3}') || '\x00'::bytea);
SELECT pg_temp.recv('\x010000000000000000000003' || '\xdeadbeef01000000000002001000000001000200030000'::bytea);
-- unsorted and duplicate members in an array container
SELECT pg_temp.recv('\x010000000000000000000003' || '\x3a300000010000000000020010000000030001000200'::bytea);
SELECT pg_temp.recv('\x010000000000000000000003' || '\x3a300000010000000000020010000000010001000200'::bytea);
-- two containers with keys out of order
SELECT pg_temp.recv('\x010000000000000000000002' || '\x3a300000020000000100000000000000180000001a00000001000100'::bytea);
-- a run container whose run overflows its 65536-value chunk
SELECT pg_temp.recv('\x010000000000000000000006' || '\x3b30000001000005000100ffff0500'::bytea);
-- the same run kept inside its chunk is fine
SELECT pg_temp.recv('\x010000000000000000000006' || '\x3b30000001000005000100f9ff0500'::bytea) AS run_form;
-- a bitset container whose header cardinality lies
SELECT pg_temp.recv('\x010000000000000000001001' || '\x3a300000010000000000001010000000'::bytea || decode(repeat('ff', 8192), 'hex'));
SELECT pg_temp.recv('\x010000000000000000010000' || '\x3a300000010000000000ffff10000000'::bytea || decode(repeat('ff', 8192), 'hex')) = '{0-65535}'::tagset::text AS honest_bitset;

-- Binary COPY of a table round-trips every value exactly.
CREATE TEMP TABLE bin_src (id int, v tagset);
INSERT INTO bin_src VALUES (1, '{}'), (2, '{0}'), (3, '{4294967295}'), (4, '{1-100000}'),
  (5, tagset(ARRAY(SELECT g * 7 FROM generate_series(1, 5000) g))), (6, NULL);
CREATE FUNCTION pg_temp.bin_copy() RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  path text := 'crm_tags_bin.bin';  -- relative: in the data directory
BEGIN
  EXECUTE format('COPY bin_src TO %L (FORMAT binary)', path);
  CREATE TEMP TABLE bin_dst (LIKE bin_src);
  EXECUTE format('COPY bin_dst FROM %L (FORMAT binary)', path);
END $$;
SELECT pg_temp.bin_copy();
SELECT s.id, s.v IS NOT DISTINCT FROM d.v AS equal,
       tagset_send(s.v) IS NOT DISTINCT FROM tagset_send(d.v) AS same_bytes
  FROM bin_src s JOIN bin_dst d USING (id) ORDER BY s.id;

-- Storage: external (out of line, uncompressed: the payload is compressed already).
SELECT typstorage FROM pg_type WHERE oid = 'crm.tagset'::regtype;
