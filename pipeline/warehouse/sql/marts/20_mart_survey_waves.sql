-- scope: certification_code (rows of one certification depend only on that certification's rows)
-- The survey waves of each jury: per certification, promotion, wave, site, partner and jury date, the window in
-- which the wave's answer is expected (macro survey_window(): the one window rule, the one the facts'
-- in_window applies), the certified and those of them who answered. Sorted by certification, so that the
-- campaigns' status and plan (pipeline/reports/sql/campaigns/) read a few rows, not the facts.
create or replace table mart_survey_waves as
with answers as (
    select distinct candidate_hash, certification_code, year, wave
    from fct_survey_responses
    where responded
),

waves as (
    select
        c.certification_code,
        c.year as promotion,
        w.wave,
        coalesce(c.site, '') as site,
        c.partner_siret,  -- so that a partner's account reads its own people's waves (dashboard/scoping.py)
        c.jury_date,
        count(*) as certified,
        count(a.candidate_hash) as answered
    from fct_certified as c
    cross join (values (6), (24)) as w (wave)
    left join answers as a
        on a.candidate_hash = c.candidate_hash and a.certification_code = c.certification_code
        and a.year = c.year and a.wave = w.wave
    group by all
),

windowed as (
    select *, survey_window(jury_date, wave) as survey_window from waves
)

select
    certification_code,
    promotion,
    wave,
    site,
    partner_siret,
    jury_date,
    survey_window.opens as opens,
    survey_window.closes as closes,
    certified,
    answered
from windowed
order by all;
