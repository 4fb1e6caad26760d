-- Survey answers of the certified, with France Compétences' classification:
-- responded, neutralised (and why), employed, in the targeted occupation (and how that was decided).
create or replace table fct_survey_responses as
with matched as (
    -- the promotion an answer belongs to: the one given in the survey, else the latest certification
    -- of that person obtained before the answer
    select
        s.*,
        c.year,
        c.jury_date,
        c.access_route,
        c.site,
        row_number() over (
            partition by s.candidate_hash, s.certification_code, s.wave, coalesce(s.promotion, -1)
            order by
                (s.promotion is not null and c.year = s.promotion) desc,
                (s.answer_date is null or c.jury_date <= s.answer_date) desc,
                c.jury_date desc
        ) as match_rank
    from stg_survey_answers as s
    inner join fct_certified as c
        on c.candidate_hash = s.candidate_hash
        and c.certification_code = s.certification_code
        and (s.promotion is null or c.year = s.promotion)
),

international as (
    select certification_code from ref_certifications where international
),

classified as (
    select
        m.*,
        m.situation <> 'no_response' as responded,
        case
            when m.situation = 'further_study' then 'further_study'
            when m.situation = 'work_study' then 'work_study'
            when m.situation in ('employed', 'employed_abroad')
                and m.contract_type in ('apprenticeship', 'professionalisation') then 'work_study'
            when m.situation = 'unable_to_work' then 'unable_to_work'
            when m.situation in ('employed', 'employed_abroad')
                and m.work_location = 'abroad'
                and m.certification_code not in (select certification_code from international) then 'abroad'
        end as neutralisation_reason
    from matched as m
    where m.match_rank = 1
),

targets as (
    select distinct certification_code, rome_code from ref_target_jobs
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
    c.rome_code,
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
        and coalesce(c.target_decision = 'in', t.rome_code is not null) as in_target,
    case
        when c.target_decision is not null then 'decision'
        when c.rome_code is not null then 'rome_code'
        else 'none'
    end as target_method,
    c.target_decision,
    c.load_id,
    c.source_file,
    c.source_row
from classified as c
left join targets as t
    on t.certification_code = c.certification_code
    and t.rome_code = c.rome_code;
