-- Issue #16: $6 the partners (values of partner_key(); an empty list means all).
-- Titles waiting for a reviewer (view titles_to_review), for the filters ($1 certifications, $2 years,
-- $3 routes, $4 sites, $5 wave 6 or 24): the same list as the renewal pack and `insertion titles --unmatched`.
select job_title, count(*)::integer as answers
from titles_to_review
where in_filters(
    $1::varchar[], $2::integer[], $3::varchar[], $4::varchar[], $6::varchar[],
    certification_code, year, access_route, site, partner_siret, partner_name
)
  and wave = $5
group by 1
order by 2 desc, 1;
