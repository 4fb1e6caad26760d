-- The input files behind the figures of one certification and its promotions: the cohort and survey
-- files of those promotions and the referentials (RNCP, ROME), as load_log holds them. The one owner of
-- « which files »: the pack's Méthodologie and Qualité sheets and the declarations read it.
create or replace macro files_used(code, years) as table
select l.load_id, l.file_name, l.kind, l.sha256, l.finished_at
from load_log as l
where l.status = 'loaded' and (
    l.load_id in (select load_id from landing_cohort_results where certification_code = code
                  and list_contains(years, year(jury_date)))
    or l.load_id in (select load_id from fct_survey_attachments where certification_code = code
                     and list_contains(years, year))
    or l.kind in ('rncp', 'rome_codes', 'rome_appellations'));
