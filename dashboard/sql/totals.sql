-- Issue #16: $5 the partners (values of partner_key(); an empty list means all).
-- Outcome head-counts and rates over everything the filters keep ($1 certifications, $2 years, $3 access
-- routes, $4 sites; an empty list means all): one row (the overall grain of outcomes.sql, without its
-- breakdowns). The @counts and @derived markers are the registry's select
-- lists; the rates and their intervals are added by pipeline.indicators.add_rates.
with sums as (
    select
        /* @counts */
    from mart_outcome_counts
    where in_filter($1::varchar[], certification_code)
      and in_filter($2::integer[], year)
      and in_filter($3::varchar[], access_route)
      and in_filter($4::varchar[], site)
      and in_filter($5::varchar[], partner_key(partner_siret, partner_name))  -- issue #16
)

select
    *,
    /* @derived */
from sums
where certified is not null;
