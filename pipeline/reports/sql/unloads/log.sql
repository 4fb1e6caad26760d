-- The unloads (`insertion unload`, table unload_log), newest first: who, when, why, what was removed and
-- recomputed, the declarations that had counted the file (still verifiable from their own records).
select
    unload_id,
    load_id,
    file_name,
    kind,
    rows_removed,
    quarantine_removed,
    array_to_string(certifications, ', ') as certifications,
    array_to_string(declarations::varchar[], ', ') as declarations,
    unloaded_by,
    unloaded_at,
    reason
from unload_log
order by unload_id desc;
