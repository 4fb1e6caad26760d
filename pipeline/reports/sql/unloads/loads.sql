-- Every load with its id, newest first (`insertion loads`, the Qualité page): file, kind, rows, date,
-- status and the certifications its rows touch (none once unloaded; when and by whom: log.sql).
-- $status: one status or null for all; $limit: how many.
with touched as (
    select load_id, list_sort(list(distinct certification_code)) as certifications
    from (
        select load_id, certification_code from landing_cohort_results
        union all
        select load_id, certification_code from landing_survey_answers
        union all
        select load_id, certification_code from landing_cdc_passages  -- issue #27
    )
    group by load_id
)

select
    l.load_id,
    l.file_name,
    l.kind,
    l.status,
    l.rows_read,
    l.rows_loaded,
    l.rows_quarantined,
    l.finished_at as loaded_at,
    coalesce(array_to_string(t.certifications, ', '), '') as certifications
from load_log as l
left join touched as t using (load_id)
where $status::varchar is null or l.status = $status::varchar
order by l.load_id desc
limit $limit;
