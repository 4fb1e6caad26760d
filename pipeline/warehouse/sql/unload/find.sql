-- The loads a `insertion unload` target may name ($load_id, or a file: $sha256 of its content, $path as
-- given, $name its file name), every status, oldest first; pipeline/warehouse/unload.py picks the one.
select load_id, file_name, file_path, sha256, kind, status
from load_log
where load_id = $load_id
   or ($load_id is null and (sha256 = $sha256 or file_path = $path or file_name = $name))
order by (sha256 = $sha256) desc nulls last, load_id;
