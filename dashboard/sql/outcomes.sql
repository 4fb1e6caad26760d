-- Outcome head-counts and rates for the dashboard's filters ($1 certifications, $2 years, $3 access
-- routes, $4 sites; an empty list means all), at three grains: overall (year and access_route null),
-- by year, and by year and access route.
with filtered as (
    select *
    from mart_outcome_counts
    where in_filter($1::varchar[], certification_code)
      and in_filter($2::integer[], year)
      and in_filter($3::varchar[], access_route)
      and in_filter($4::varchar[], site)
),

sums as (
    select
        year,
        access_route,
        grouping(year, access_route) as grain,
        sum(certified)::integer as certified,
        sum(certified_vae)::integer as certified_vae,
        sum(surveyed_6m)::integer as surveyed_6m,
        sum(respondents_6m)::integer as respondents_6m,
        sum(neutralised_6m)::integer as neutralised_6m,
        sum(respondents_6m - neutralised_6m)::integer as denominator_6m,
        sum(employed_6m)::integer as employed_6m,
        sum(in_target_6m)::integer as in_target_6m,
        sum(surveyed_24m)::integer as surveyed_24m,
        sum(respondents_24m)::integer as respondents_24m,
        sum(neutralised_24m)::integer as neutralised_24m,
        sum(respondents_24m - neutralised_24m)::integer as denominator_24m,
        sum(employed_24m)::integer as employed_24m,
        sum(in_target_24m)::integer as in_target_24m
    from filtered
    group by grouping sets ((), (year), (year, access_route))
)

select
    *,
    pct(respondents_6m, certified) as response_rate_6m,
    pct(respondents_24m, certified) as response_rate_24m,
    pct(employed_6m, denominator_6m) as insertion_rate_6m,
    wilson_low(employed_6m, denominator_6m) as insertion_rate_6m_low,
    wilson_high(employed_6m, denominator_6m) as insertion_rate_6m_high,
    pct(in_target_6m, denominator_6m) as target_job_rate_6m,
    wilson_low(in_target_6m, denominator_6m) as target_job_rate_6m_low,
    wilson_high(in_target_6m, denominator_6m) as target_job_rate_6m_high,
    pct(employed_24m, denominator_24m) as insertion_rate_24m,
    pct(in_target_24m, denominator_24m) as target_job_rate_24m,
    wilson_low(in_target_24m, denominator_24m) as target_job_rate_24m_low,
    wilson_high(in_target_24m, denominator_24m) as target_job_rate_24m_high
from sums
where certified is not null
order by grain desc, year, access_route;
