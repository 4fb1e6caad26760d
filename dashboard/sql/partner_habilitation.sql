-- Issue #16: certified people whose partner was not habilitated at the jury date (habilitation_issues),
-- counted per certification, partner (partner_key) and year, for the same filters as partners.sql.
select certification_code, partner_key(partner_siret, partner_name) as partner, year, count(*)::integer as n
from habilitation_issues
where in_filter($1::varchar[], certification_code)
  and in_filter($2::integer[], year)
  and in_filter($3::varchar[], access_route)
  and in_filter($4::varchar[], site)
  and in_filter($5::varchar[], partner_key(partner_siret, partner_name))
group by all;
