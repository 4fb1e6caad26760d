-- One row per candidate, certification, wave (and promotion when given); a later file wins.
create or replace view stg_survey_answers as
with latest as (
    -- ranked on the key columns only (narrow rows sort fast and within the memory limit), then joined back
    select load_id, source_row
    from landing_survey_answers
    qualify row_number() over (
        partition by candidate_hash, certification_code, wave, coalesce(promotion, -1)
        order by load_id desc, source_row desc
    ) = 1
),

ranked as (
    select l.* from landing_survey_answers as l semi join latest using (load_id, source_row)
)

select
    candidate_hash,
    certification_code,
    promotion,
    wave,
    answer_date,
    situation,
    job_title,
    rome_code,
    contract_type,
    working_time,
    employer_sector,
    coalesce(work_location, case when situation = 'employed_abroad' then 'abroad' end) as work_location,
    target_decision,
    load_id,
    source_file,
    source_row
from ranked;
