-- The answers counted in the figures of one certification and its promotions ($code, $years): every row
-- of fct_survey_responses (one per person, promotion and wave), with the fields the figures read.
select
    candidate_hash, certification_code, year, wave, access_route, site, answer_date, situation, rome_code,
    target_method, contract_type, working_time, executive, gross_annual_pay, work_location, responded,
    neutralised, neutralisation_reason, employed, in_target, pending_review, load_id, source_file, source_row
from fct_survey_responses
where certification_code = $code and list_contains($years, year)
