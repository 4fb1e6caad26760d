-- scope: certification_code (rows of one certification depend only on that certification's rows)
-- Employed respondents (answers that count) whose job has no ROME code and no adequacy decision: their
-- title matched no ROME appellation exactly. With a fuzzy match, the proposal waits for a reviewer
-- (`insertion review`); until then the job counts as employed, not in the targeted occupation.
-- The one list behind the dashboard's « sans code ROME » table, the renewal pack and `insertion titles`;
-- a table sorted by certification, so that the dashboard reads it without scanning every answer.
create or replace table titles_to_review as
select
    certification_code,
    year,
    wave,
    access_route,
    site,
    partner_siret,  -- issue #16
    partner_name,
    job_title,
    proposed_rome_code,
    match_score,
    case when proposed_rome_code is not null then 'proposal' else 'no_match' end as status
from fct_survey_responses
where employed and rome_code is null and target_decision is null and reviewer is null
  and job_title is not null
order by certification_code, year, wave, job_title;
