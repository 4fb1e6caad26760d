-- scope: certification_code (rows of one certification depend only on that certification's rows)
-- Issue #17: conditions of employment (contract, working time, cadre status, pay) and other systems'
-- rates, per certification, year and wave, from the answers that count (fct_survey_responses).
-- Every label and one-sentence definition: pipeline/indicators/conditions.py. The @condition_rates
-- marker is replaced by its rates (pct, wilson_low, wilson_high: 20_macros.sql).
create or replace table mart_employment_conditions as
with counts as (
    select
        certification_code,
        year,
        wave,
        count(*) filter (where responded)::bigint as respondents,
        count(*) filter (where responded and not neutralised)::bigint as fc_denominator,
        -- the jobs France Compétences counts: in a job, not neutralised
        count(*) filter (where employed)::bigint as employed,
        count(*) filter (where employed and contract_type is not null)::bigint as contract_known,
        count(*) filter (where employed and contract_type = 'permanent')::bigint as permanent_contract,
        count(*) filter (where employed and contract_type in ('permanent', 'civil_servant'))::bigint as stable_job,
        count(*) filter (where employed and working_time is not null)::bigint as working_time_known,
        count(*) filter (where employed and working_time = 'full_time')::bigint as full_time,
        count(*) filter (where employed and executive is not null)::bigint as executive_known,
        count(*) filter (where employed and executive = 'yes')::bigint as executive,
        count(*) filter (
            where employed and working_time = 'full_time' and gross_annual_pay is not null
        )::bigint as pay_answers,
        quantile_cont(gross_annual_pay, 0.25) filter (where employed and working_time = 'full_time') as q1,
        quantile_cont(gross_annual_pay, 0.5) filter (where employed and working_time = 'full_time') as q2,
        quantile_cont(gross_annual_pay, 0.75) filter (where employed and working_time = 'full_time') as q3,
        -- InserJeunes / InserSup's way: continuing studies (work-study contracts included) leave the base
        count(*) filter (
            where responded and neutralisation_reason in ('further_study', 'work_study')
        )::bigint as continuing,
        count(*) filter (
            where employed and coalesce(work_location, 'france') <> 'abroad'
            and coalesce(contract_type, '') <> 'self_employed'
        )::bigint as salaried_france,
        -- the ministry's graduate surveys: employed (anywhere, any status but work-study) or job seeking
        count(*) filter (
            where responded and situation in ('employed', 'employed_abroad')
            and coalesce(neutralisation_reason, '') <> 'work_study'
        )::bigint as employed_any,
        count(*) filter (where responded and situation = 'job_seeking')::bigint as job_seeking
    from fct_survey_responses
    where year is not null
    group by certification_code, year, wave
),

based as (
    select
        * exclude (q1, q2, q3),
        respondents - continuing as ij_denominator,
        employed_any + job_seeking as mesr_denominator,
        -- pay quartiles only from MIN_PAY_ANSWERS answers up, for every audience (disclosure.py), rounded to
        -- PAY_QUARTILE_STEP euros (pipeline/core/pay.py)
        case when pay_answers >= /* @min_pay_answers */
            then round(q1 / /* @pay_quartile_step */) * /* @pay_quartile_step */ end as pay_q1,
        case when pay_answers >= /* @min_pay_answers */
            then round(q2 / /* @pay_quartile_step */) * /* @pay_quartile_step */ end as pay_median,
        case when pay_answers >= /* @min_pay_answers */
            then round(q3 / /* @pay_quartile_step */) * /* @pay_quartile_step */ end as pay_q3
    from counts
)

select
    *,
    /* @condition_rates */
from based
order by certification_code, year, wave;
