-- Indicators per certification and year, overall (access_route = 'ALL') and per access route.
-- Definitions: design.md §2. Denominator of a wave = respondents - neutralised.
create or replace view statistics_by_route as
with sums as (
    select
        certification_code,
        year,
        coalesce(access_route, 'ALL') as access_route,
        sum(certified)::integer as certified,
        sum(certified_vae)::integer as certified_vae,
        sum(surveyed_6m)::integer as surveyed_6m,
        sum(respondents_6m)::integer as respondents_6m,
        sum(neutralised_6m)::integer as neutralised_6m,
        sum(employed_6m)::integer as employed_6m,
        sum(in_target_6m)::integer as in_target_6m,
        sum(surveyed_24m)::integer as surveyed_24m,
        sum(respondents_24m)::integer as respondents_24m,
        sum(neutralised_24m)::integer as neutralised_24m,
        sum(employed_24m)::integer as employed_24m,
        sum(in_target_24m)::integer as in_target_24m
    from mart_outcome_counts
    group by grouping sets ((certification_code, year), (certification_code, year, access_route))
),

threshold as (
    select coalesce(max(value)::integer, 20) as small_cohort_threshold
    from settings where key = 'small_cohort_threshold'
),

denominators as (
    select
        *,
        respondents_6m - neutralised_6m as denominator_6m,
        respondents_24m - neutralised_24m as denominator_24m
    from sums
)

select
    d.certification_code,
    d.year,
    d.access_route,
    d.certified,
    d.certified_vae,
    pct(d.employed_6m, d.denominator_6m) as insertion_rate_6m,
    pct(d.in_target_6m, d.denominator_6m) as target_job_rate_6m,
    pct(d.employed_24m, d.denominator_24m) as insertion_rate_24m,
    pct(d.in_target_24m, d.denominator_24m) as target_job_rate_24m,
    d.surveyed_6m,
    d.respondents_6m,
    d.neutralised_6m,
    d.denominator_6m,
    d.employed_6m,
    d.in_target_6m,
    pct(d.respondents_6m, d.certified) as response_rate_6m,
    wilson_low(d.employed_6m, d.denominator_6m) as insertion_rate_6m_low,
    wilson_high(d.employed_6m, d.denominator_6m) as insertion_rate_6m_high,
    wilson_low(d.in_target_6m, d.denominator_6m) as target_job_rate_6m_low,
    wilson_high(d.in_target_6m, d.denominator_6m) as target_job_rate_6m_high,
    d.surveyed_24m,
    d.respondents_24m,
    d.neutralised_24m,
    d.denominator_24m,
    d.employed_24m,
    d.in_target_24m,
    pct(d.respondents_24m, d.certified) as response_rate_24m,
    wilson_low(d.employed_24m, d.denominator_24m) as insertion_rate_24m_low,
    wilson_high(d.employed_24m, d.denominator_24m) as insertion_rate_24m_high,
    wilson_low(d.in_target_24m, d.denominator_24m) as target_job_rate_24m_low,
    wilson_high(d.in_target_24m, d.denominator_24m) as target_job_rate_24m_high,
    t.small_cohort_threshold,
    d.denominator_6m < t.small_cohort_threshold as small_cohort_6m,
    d.denominator_24m < t.small_cohort_threshold as small_cohort_24m
from denominators as d
cross join threshold as t;

-- The analysts' contract: the fiche's table, one row per certification and year.
create or replace view certification_statistics as
select * exclude (access_route)
from statistics_by_route
where access_route = 'ALL';

-- The same per access route (FI, CA, FC, CQ, CL, VAE).
create or replace view access_route_statistics as
select *
from statistics_by_route
where access_route <> 'ALL';
