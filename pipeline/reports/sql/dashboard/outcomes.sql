-- Issue #16: $5 the partners (values of partner_key(); an empty list means all).
-- Outcome head-counts and rates for the dashboard's filters ($1 certifications, $2 years, $3 access
-- routes, $4 sites; an empty list means all), at three grains: overall (year and access_route null),
-- by year, and by year and access route. The @counts and @derived markers are the registry's select
-- lists; the rates and their intervals are added by pipeline.indicators.add_rates.
with filtered as (
    select *
    from mart_outcome_counts
    where in_filters(
        $1::varchar[], $2::integer[], $3::varchar[], $4::varchar[], $5::varchar[],
        certification_code, year, access_route, site, partner_siret, partner_name
    )
),

sums as (
    select
        year,
        access_route,
        grouping(year, access_route) as grain,
        /* @counts */
    from filtered
    group by grouping sets ((), (year), (year, access_route))
)

-- the derived counts from the registry (pipeline/indicators); Warehouse.sql_file adds the rates
select
    *,
    /* @derived */
from sums
where certified is not null
order by grain desc, year, access_route;
