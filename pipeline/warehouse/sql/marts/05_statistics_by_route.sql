-- scope: certification_code (rows of one certification depend only on that certification's rows)
-- Indicators per certification and year, overall (access_route = 'ALL') and per access route; a table,
-- sorted by certification, so that the dashboard's Certification page reads a few rows, not the marts.
-- Definitions: docs/methodology.md M13-M18; every count and rate, its label and its formula:
-- pipeline/indicators/.
-- The @counts and @rates markers below are replaced by the registry's select lists.
create or replace table statistics_by_route as
with sums as (
    select
        certification_code,
        year,
        coalesce(access_route, 'ALL') as access_route,
        /* @counts */
    from mart_outcome_counts
    group by grouping sets ((certification_code, year), (certification_code, year, access_route))
),

rated as (
    select
        *,
        /* @rates */
    from sums
)

-- Small cohorts are flagged or suppressed per audience by pipeline/indicators/disclosure.py (the one
-- owner of that rule); analysts' SQL gets the raw figures.
select * from rated
order by certification_code, year, access_route;
