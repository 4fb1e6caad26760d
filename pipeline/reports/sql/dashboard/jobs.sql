-- Issue #16: $6 the partners (values of partner_key(); an empty list means all).
-- Employed respondents by ROME code and fit with the targeted occupations, for the filters
-- ($1 certifications, $2 years, $3 routes, $4 sites, $5 wave 6 or 24). A code can appear twice when a
-- reviewer's decision put some of its jobs out of (or into) the targeted occupations.
select
    rome_code,
    any_value(rome_label) as rome_label,
    in_target,
    sum(employed)::integer as employed
from mart_jobs
where in_filters(
    $1::varchar[], $2::integer[], $3::varchar[], $4::varchar[], $6::varchar[],
    certification_code, year, access_route, site, partner_siret, partner_name
)
  and wave = $5
group by rome_code, in_target
order by employed desc, rome_code nulls last, in_target desc;
