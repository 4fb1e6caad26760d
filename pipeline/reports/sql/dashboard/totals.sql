-- Issue #16: $5 the partners (values of partner_key(); an empty list means all).
-- Outcome head-counts and rates over everything the filters keep ($1 certifications, $2 years, $3 access
-- routes, $4 sites; an empty list means all): one row (the overall grain of outcomes.sql, without its
-- breakdowns). The @counts and @derived markers are the registry's select
-- lists; the rates and their intervals are added by pipeline.indicators.add_rates.
with sums as (
    select
        /* @counts */
    from mart_outcome_counts
    where in_filters(
        $1::varchar[], $2::integer[], $3::varchar[], $4::varchar[], $5::varchar[],
        certification_code, year, access_route, site, partner_siret, partner_name
    )
)

select
    *,
    /* @derived */
from sums
where certified is not null;
