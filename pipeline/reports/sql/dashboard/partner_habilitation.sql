-- Issue #16: certified people whose partner was not habilitated at the jury date (habilitation_issues),
-- counted per certification, partner (partner_key) and year, for the same filters as partners.sql.
select certification_code, partner_key(partner_siret, partner_name) as partner, year, count(*)::integer as n
from habilitation_issues
where in_filters(
    $1::varchar[], $2::integer[], $3::varchar[], $4::varchar[], $5::varchar[],
    certification_code, year, access_route, site, partner_siret, partner_name
)
group by all;
