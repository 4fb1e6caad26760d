-- Issue #16: $6 the partners (values of partner_key(); an empty list means all).
-- Titles waiting for a reviewer (view titles_to_review), for the filters ($1 certifications, $2 years,
-- $3 routes, $4 sites, $5 wave 6 or 24): the same list as the renewal pack and `insertion titles --unmatched`.
select job_title, count(*)::integer as answers
from titles_to_review
where in_filter($1::varchar[], certification_code)
  and in_filter($2::integer[], year)
  and in_filter($3::varchar[], access_route)
  and in_filter($4::varchar[], site)
  and in_filter($6::varchar[], partner_key(partner_siret, partner_name))  -- issue #16
  and wave = $5
group by 1
order by 2 desc, 1;
