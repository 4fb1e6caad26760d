-- Outcome head-counts and rates over everything the filters keep ($1 certifications, $2 years, $3 access
-- routes, $4 sites; an empty list means all): one row (the overall grain of outcomes.sql, without its
-- breakdowns). The @counts and @rates markers are the registry's select lists.
with sums as (
    select
        /* @counts */
    from mart_outcome_counts
    where in_filter($1::varchar[], certification_code)
      and in_filter($2::integer[], year)
      and in_filter($3::varchar[], access_route)
      and in_filter($4::varchar[], site)
)

select
    *,
    /* @rates */
from sums
where certified is not null;
