-- scope: certification_code (rows of one certification depend only on that certification's rows)
-- The answers that count (one per person, certification, promotion and wave: fct_survey_attachments),
-- with France Compétences' classification: responded, neutralised (and why), employed, in the targeted
-- occupation (and on what evidence). Definitions: docs/methodology.md M5, M8-M12.
create or replace table fct_survey_responses as
with kept as materialized (  -- forces the narrow join first (measured: 2x faster at national scale)
    select
        s.*,
        a.year,
        a.jury_date,
        a.access_route,
        a.site,
        a.partner_siret,
        a.partner_name,
        a.in_window
    from stg_survey_answers as s
    inner join fct_survey_attachments as a using (load_id, source_row)
    where a.answer_rank = 1
),

certification_settings as (
    select * from stg_certification_settings
),

reviews as (
    -- the latest decision of a reviewer per title, for one certification or for all
    select * from stg_title_reviews
),

target_lists as (
    -- the targeted job codes of each certification, for a title that is an appellation of several codes
    select certification_code, list(distinct rome_code) as codes from certification_target_jobs group by all
),

coded as (
    -- the ROME code of an answer: as given, else the reviewer's, else an exact match of its title on a
    -- ROME appellation. A fuzzy match is only a proposal (proposed_rome_code) until a reviewer decides.
    -- A title that is an appellation of several codes (rome_codes, in code_ogr order) gives the first of
    -- them that is a targeted job code of the certification, else the first (M11; reported:
    -- title_ambiguous).
    select
        k.*,
        jm.title_key,
        coalesce(rc.in_target, ra.in_target) as review_in_target,
        coalesce(rc.reviewer, ra.reviewer) as reviewer,
        coalesce(rc.decided_at, ra.decided_at) as reviewed_at,
        coalesce(
            k.rome_code,
            rc.rome_code,
            ra.rome_code,
            case when jm.method = 'exact' then coalesce(
                list_filter(jm.rome_codes, lambda code: list_contains(tl.codes, code))[1], jm.rome_code
            ) end
        ) as effective_rome_code,
        case
            when k.rome_code is not null then 'survey'
            when coalesce(rc.rome_code, ra.rome_code) is not null then 'reviewer'
            when jm.method = 'exact' then 'title_exact'
        end as rome_source,
        case when jm.method = 'fuzzy' then jm.rome_code end as proposed_rome_code,
        case when jm.method = 'fuzzy' then jm.score end as match_score,
        -- « En emploi à l'étranger » wins over a work-location column saying France (reported)
        case when k.situation = 'employed_abroad' then 'abroad' else k.work_location end as effective_location
    from kept as k
    left join job_title_matches as jm on jm.job_title = k.job_title
    left join reviews as rc on rc.title_key = jm.title_key and rc.certification_code = k.certification_code
    left join reviews as ra on ra.title_key = jm.title_key and ra.certification_code is null
    left join target_lists as tl on tl.certification_code = k.certification_code
),

classified as (
    select
        c.*,
        case
            when not c.responded then null
            when c.situation = 'further_study' then 'further_study'
            when c.situation = 'work_study' then 'work_study'
            when c.situation in ('employed', 'employed_abroad')
                and c.contract_type in ('apprenticeship', 'professionalisation', 'work_study') then 'work_study'
            when c.situation = 'unable_to_work' then 'unable_to_work'
            when c.situation in ('employed', 'employed_abroad')
                and c.effective_location = 'abroad'
                and not coalesce(cs.international, false) then 'abroad'
        end as neutralisation_reason,
        coalesce(cs.target_parent_codes, false) as target_parent_codes
    from coded as c
    left join certification_settings as cs using (certification_code)
),

targets as (
    select distinct certification_code, rome_code from certification_target_jobs
),

evidence as (
    select
        c.*,
        c.responded and c.neutralisation_reason is null
            and c.situation in ('employed', 'employed_abroad') as employed,
        t.rome_code is not null or (c.target_parent_codes and tp.rome_code is not null) as code_in_target
    from classified as c
    left join targets as t
        on t.certification_code = c.certification_code and t.rome_code = c.effective_rome_code
    left join rome_codes as p on p.rome_code = c.effective_rome_code
    left join targets as tp on tp.certification_code = c.certification_code and tp.rome_code = p.parent_code
)

select
    e.candidate_hash,
    e.certification_code,
    e.year,
    e.wave,
    e.jury_date,
    e.access_route,
    e.site,
    e.partner_siret,
    e.partner_name,
    e.answer_date,
    e.in_window,  -- dated within its wave's window, or undated (fct_survey_attachments: survey_window())
    e.situation,
    e.job_title,
    e.effective_rome_code as rome_code,
    e.rome_source,
    e.proposed_rome_code,
    e.match_score,
    e.contract_type,
    e.working_time,
    e.employer_sector,
    e.effective_location as work_location,
    e.situation = 'employed_abroad' and e.work_location = 'france' as location_conflict,
    e.responded,
    e.neutralisation_reason is not null as neutralised,
    e.neutralisation_reason,
    e.employed,
    e.employed and coalesce(e.target_decision = 'in', e.review_in_target, e.code_in_target) as in_target,
    case
        when not e.employed then null
        when e.target_decision is not null then 'decision'
        when e.review_in_target is not null or e.rome_source = 'reviewer' then 'reviewer'
        when e.rome_source = 'title_exact' then 'title_exact'
        when e.effective_rome_code is not null then 'rome_code'
        when e.proposed_rome_code is not null then 'title_fuzzy'
        else 'none'
    end as target_method,
    -- employed, no evidence either way, and a fuzzy title match waiting for a reviewer
    e.employed and e.target_decision is null and e.review_in_target is null
        and e.effective_rome_code is null and e.proposed_rome_code is not null as pending_review,
    e.target_decision,
    e.executive,
    e.pay_amount,
    e.pay_period,
    e.gross_annual_pay,
    e.reviewer,
    e.reviewed_at,
    e.load_id,
    e.source_file,
    e.source_row
from evidence as e;
