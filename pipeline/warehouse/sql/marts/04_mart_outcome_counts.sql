-- scope: certification_code (rows of one certification depend only on that certification's rows)
-- Additive head-counts at the finest grain the dashboard filters on (certification, year, access route,
-- site, partner: its SIRET, NULL when the cohort file names none, and the name it gives). Every rate
-- is a ratio of sums of these counts, so any filter combination stays exact.
create or replace table mart_outcome_counts as
with certified as (
    select
        certification_code, year, access_route, site, partner_siret, partner_name,
        count(*) as certified,
        count(*) filter (where access_route = 'VAE') as certified_vae
    from fct_certified
    group by all
),

answers as (
    select
        certification_code, year, access_route, site, partner_siret, partner_name,
        count(*) filter (where wave = 6) as surveyed_6m,
        count(*) filter (where wave = 6 and responded) as respondents_6m,
        count(*) filter (where wave = 6 and responded and neutralised) as neutralised_6m,
        count(*) filter (where wave = 6 and employed) as employed_6m,
        count(*) filter (where wave = 6 and in_target) as in_target_6m,
        count(*) filter (where wave = 6 and pending_review) as pending_review_6m,
        count(*) filter (where wave = 24) as surveyed_24m,
        count(*) filter (where wave = 24 and responded) as respondents_24m,
        count(*) filter (where wave = 24 and responded and neutralised) as neutralised_24m,
        count(*) filter (where wave = 24 and employed) as employed_24m,
        count(*) filter (where wave = 24 and in_target) as in_target_24m,
        count(*) filter (where wave = 24 and pending_review) as pending_review_24m
    from fct_survey_responses
    group by all
)

select
    c.certification_code,
    c.year,
    c.access_route,
    c.site,
    c.partner_siret,
    c.partner_name,
    c.certified,
    c.certified_vae,
    coalesce(a.surveyed_6m, 0) as surveyed_6m,
    coalesce(a.respondents_6m, 0) as respondents_6m,
    coalesce(a.neutralised_6m, 0) as neutralised_6m,
    coalesce(a.employed_6m, 0) as employed_6m,
    coalesce(a.in_target_6m, 0) as in_target_6m,
    coalesce(a.pending_review_6m, 0) as pending_review_6m,
    coalesce(a.surveyed_24m, 0) as surveyed_24m,
    coalesce(a.respondents_24m, 0) as respondents_24m,
    coalesce(a.neutralised_24m, 0) as neutralised_24m,
    coalesce(a.employed_24m, 0) as employed_24m,
    coalesce(a.in_target_24m, 0) as in_target_24m,
    coalesce(a.pending_review_24m, 0) as pending_review_24m
from certified as c
-- a partner without SIRET (or without name) is NULL there: "is not distinct from" keeps its answers
left join answers as a
    on a.certification_code = c.certification_code and a.year = c.year and a.access_route = c.access_route
    and a.site = c.site and a.partner_siret is not distinct from c.partner_siret
    and a.partner_name is not distinct from c.partner_name
order by all;
