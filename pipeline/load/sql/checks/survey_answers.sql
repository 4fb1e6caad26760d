-- The survey answers in the warehouse, shaped as the survey suite expects. Checks that need the cohort
-- results (answer after the jury, windows, respondent certified) are in cross_source.sql.
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
    s.executive,
    s.pay_period,
    s.gross_annual_pay,
    null::varchar as gross_annual_pay_unparsed
from stg_survey_answers as s
-- an answer loaded again as it was (a cumulative survey export repeats the earlier answers, issue #24) is
-- checked once: the same answer twice is not two answers of one person (quality_issues does the same)
qualify row_number() over (
    partition by s.candidate_hash, s.certification_code, s.wave, s.answer_content
    order by s.load_id, s.source_row
) = 1
