-- Indicators per certification and year, overall (access_route = 'ALL') and per access route.
-- Definitions: design.md §2; every count and rate, its label and its formula: pipeline/indicators/.
-- The @counts and @rates markers below are replaced by the registry's select lists.
create or replace view statistics_by_route as
with sums as (
    select
        certification_code,
        year,
        coalesce(access_route, 'ALL') as access_route,
        /* @counts */
    from mart_outcome_counts
    group by grouping sets ((certification_code, year), (certification_code, year, access_route))
),

threshold as (
    select coalesce(max(value)::integer, 20) as small_cohort_threshold
    from settings where key = 'small_cohort_threshold'
),

rated as (
    select
        *,
        /* @rates */
    from sums
)

select
    r.*,
    t.small_cohort_threshold,
    r.denominator_6m < t.small_cohort_threshold as small_cohort_6m,
    r.denominator_24m < t.small_cohort_threshold as small_cohort_24m
from rated as r
cross join threshold as t;
