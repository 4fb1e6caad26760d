-- scope: certification_code (rows of one certification depend only on that certification's rows)
-- Survey answers of the certified, with France Compétences' classification:
-- responded, neutralised (and why), employed, in the targeted occupation (and how that was decided).
create or replace table fct_survey_responses as
with matches as (
    -- the promotion an answer belongs to: the one given in the survey, else the latest certification
    -- of that person obtained before the answer. Ranked on narrow rows (an answer is identified by its
    -- load and row), so that millions of answers sort within the memory limit.
    select s.load_id, s.source_row, c.year, c.jury_date, c.access_route, c.site
    from landing_survey_answers as s
    inner join fct_certified as c
        on c.candidate_hash = s.candidate_hash
        and c.certification_code = s.certification_code
        and (s.promotion is null or c.year = s.promotion)
    qualify row_number() over (
        partition by s.load_id, s.source_row
        order by
            (s.promotion is not null and c.year = s.promotion) desc,
            (s.answer_date is null or c.jury_date <= s.answer_date) desc,
            c.jury_date desc
    ) = 1
),

matched as (
    select s.*, m.year, m.jury_date, m.access_route, m.site
    from stg_survey_answers as s
    inner join matches as m using (load_id, source_row)
),

international as (
    select certification_code from ref_certifications where international
),

reviews as (
    -- the latest decision of a reviewer per title, for one certification or for all
    select *
    from title_reviews
    qualify row_number() over (
        partition by title_key, coalesce(certification_code, '*') order by decided_at desc, review_id desc
    ) = 1
),

coded as (
    -- the ROME code of an answer: as given, else the reviewer's, else the automatic title match
    select
        m.*,
        jm.title_key,
        coalesce(rc.in_target, ra.in_target) as review_in_target,
        coalesce(rc.reviewer, ra.reviewer) as reviewer,
        coalesce(rc.decided_at, ra.decided_at) as reviewed_at,
        coalesce(m.rome_code, rc.rome_code, ra.rome_code, jm.rome_code) as effective_rome_code,
        case
            when m.rome_code is not null then 'survey'
            when coalesce(rc.rome_code, ra.rome_code) is not null then 'reviewer'
            when jm.method in ('exact', 'fuzzy') then 'title_' || jm.method
        end as rome_source,
        case when m.rome_code is null and coalesce(rc.rome_code, ra.rome_code) is null then jm.score end
            as match_score
    from matched as m
    left join job_title_matches as jm on jm.job_title = m.job_title
    left join reviews as rc on rc.title_key = jm.title_key and rc.certification_code = m.certification_code
    left join reviews as ra on ra.title_key = jm.title_key and ra.certification_code is null
),

classified as (
    select
        c.*,
        c.situation <> 'no_response' as responded,
        case
            when c.situation = 'further_study' then 'further_study'
            when c.situation = 'work_study' then 'work_study'
            when c.situation in ('employed', 'employed_abroad')
                and c.contract_type in ('apprenticeship', 'professionalisation') then 'work_study'
            when c.situation = 'unable_to_work' then 'unable_to_work'
            when c.situation in ('employed', 'employed_abroad')
                and c.work_location = 'abroad'
                and c.certification_code not in (select certification_code from international) then 'abroad'
        end as neutralisation_reason
    from coded as c
),

targets as (
    select distinct certification_code, rome_code from certification_target_jobs
),

parents as (
    select rome_code, parent_code from rome_codes
)

select
    c.candidate_hash,
    c.certification_code,
    c.year,
    c.wave,
    c.jury_date,
    c.access_route,
    c.site,
    c.answer_date,
    c.situation,
    c.job_title,
    c.effective_rome_code as rome_code,
    c.rome_source,
    c.match_score,
    c.contract_type,
    c.working_time,
    c.employer_sector,
    c.work_location,
    c.responded,
    c.neutralisation_reason is not null as neutralised,
    c.neutralisation_reason,
    c.responded and c.neutralisation_reason is null
        and c.situation in ('employed', 'employed_abroad') as employed,
    c.responded and c.neutralisation_reason is null
        and c.situation in ('employed', 'employed_abroad')
        and coalesce(c.target_decision = 'in', c.review_in_target, t.rome_code is not null) as in_target,
    case
        when c.target_decision is not null then 'decision'
        when c.review_in_target is not null or c.rome_source = 'reviewer' then 'reviewer'
        when c.rome_source in ('title_exact', 'title_fuzzy') then c.rome_source
        when c.effective_rome_code is not null then 'rome_code'
        else 'none'
    end as target_method,
    c.target_decision,
    c.reviewer,
    c.reviewed_at,
    c.load_id,
    c.source_file,
    c.source_row
from classified as c
left join parents as p on p.rome_code = c.effective_rome_code
left join targets as t
    on t.certification_code = c.certification_code
    and t.rome_code in (c.effective_rome_code, p.parent_code);
