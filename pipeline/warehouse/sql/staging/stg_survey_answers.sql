-- Every survey answer loaded, canonical and pseudonymised, with its lineage. Which answers count (one per
-- person, certification, promotion and wave) is decided in marts/02_fct_survey_attachments.sql.
create or replace view stg_survey_answers as
select
    s.candidate_hash,
    s.certification_code,
    s.promotion,
    s.wave,
    s.answer_date,
    s.situation,
    s.situation <> 'no_response' as responded,
    s.job_title,
    s.rome_code,
    s.contract_type,
    s.working_time,
    s.employer_sector,
    s.work_location,
    s.target_decision,
    s.executive,
    s.pay_amount,
    s.pay_period,
    s.gross_annual_pay,
    -- what the person answered, as one value: the same answer loaded again (a cumulative survey export
    -- repeats the earlier answers, issue #24) has the same content; read by quality_issues and the checks
    struct_pack(
        s.promotion, s.answer_date, s.situation, s.job_title, s.rome_code, s.contract_type, s.working_time,
        s.employer_sector, s.work_location, s.target_decision, s.executive, s.pay_amount, s.pay_period,
        s.gross_annual_pay
    ) as answer_content,
    s.load_id,
    s.source_file,
    s.source_row
from landing_survey_answers as s;
