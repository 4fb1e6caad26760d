-- Remove one load's rows everywhere (issue #24, `insertion unload`), in the caller's transaction; the
-- load is getvariable('unload_load_id'), who and why getvariable('unload_by') / ('unload_why').
-- 1. the log first, while the rows it counts are still there (append-only: 42_unloads.sql)
insert into unload_log
select
    nextval('unload_id_seq'),
    l.load_id,
    l.file_name,
    l.sha256,
    l.kind,
    (select count(*) from landing_cohort_results where load_id = l.load_id)
        + (select count(*) from landing_survey_answers where load_id = l.load_id)
        + (select count(*) from landing_cdc_passages where load_id = l.load_id),
    (select count(*) from quarantine where load_id = l.load_id),
    (select coalesce(list_sort(list(distinct certification_code)), []::varchar[]) from (
        select certification_code from landing_cohort_results where load_id = l.load_id
        union all
        select certification_code from landing_survey_answers where load_id = l.load_id
        union all
        select certification_code from landing_cdc_passages where load_id = l.load_id)),
    (select coalesce(list_sort(list(distinct declaration_id)), []::integer[]) from declaration_files
     where load_id = l.load_id),
    getvariable('unload_by'),
    now()::timestamp,
    getvariable('unload_why')
from load_log as l
where l.load_id = getvariable('unload_load_id');

-- 2. the certifications to recompute, committed with the removal: a command killed before the refresh
--    leaves them for the next one (pending_refresh, 00_audit.sql)
insert into pending_refresh
select distinct load_id, certification_code from landing_cohort_results
where load_id = getvariable('unload_load_id')
union
select distinct load_id, certification_code from landing_survey_answers
where load_id = getvariable('unload_load_id')
union
select distinct load_id, certification_code from landing_cdc_passages
where load_id = getvariable('unload_load_id');

-- 3. the rows: landing, quarantine (rows and fields set aside)
delete from landing_cohort_results where load_id = getvariable('unload_load_id');
delete from landing_survey_answers where load_id = getvariable('unload_load_id');
delete from landing_cdc_passages where load_id = getvariable('unload_load_id');  -- issue #27
delete from quarantine where load_id = getvariable('unload_load_id');

-- 4. the automatic matches of job titles no answer holds any more (as if the file had never come)
delete from job_title_matches
where job_title not in (select job_title from landing_survey_answers where job_title is not null);

-- 5. the load's line stays, marked: its file is no longer « already loaded » (it may come again)
update load_log set status = 'unloaded' where load_id = getvariable('unload_load_id');
