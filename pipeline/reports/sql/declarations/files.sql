-- The input files behind the declared figures ($code, $years): the marts' macro files_used.
select load_id, file_name, kind, sha256 from files_used($code, $years) order by load_id
