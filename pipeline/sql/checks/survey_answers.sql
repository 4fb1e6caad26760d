-- The survey answers in the warehouse, shaped as the survey suite expects (with the jury date of the
-- matching certification, as at ingestion).
with juries as (
    select
        s.load_id,
        s.source_row,
        max(c.jury_date) filter (where s.answer_date is null or c.jury_date <= s.answer_date) as before_answer,
        max(c.jury_date) as latest
    from stg_survey_answers as s
    inner join fct_certified as c
        on c.candidate_hash = s.candidate_hash
        and c.certification_code = s.certification_code
        and (s.promotion is null or c.year = s.promotion)
    group by all
)

select
    row_number() over (order by s.load_id, s.source_row)::bigint as source_row,
    s.candidate_hash::varchar as candidate_hash,
    s.certification_code,
    s.promotion,
    s.wave::varchar as wave,
    s.answer_date::timestamp as answer_date,
    null::varchar as answer_date_unparsed,
    s.situation,
    s.job_title,
    s.rome_code,
    s.contract_type,
    s.working_time,
    s.employer_sector,
    s.work_location,
    s.target_decision,
    coalesce(j.before_answer, j.latest)::timestamp as jury_date,
    date_diff('day', coalesce(j.before_answer, j.latest), s.answer_date) / 30.4375 as months_after_jury,
    j.latest is not null as known_in_cohorts
from stg_survey_answers as s
left join juries as j using (load_id, source_row)
