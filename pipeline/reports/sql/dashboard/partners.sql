-- Issue #16: outcome sums per certification and partner for the dashboard's filters ($1 certifications,
-- $2 years, $3 access routes, $4 sites, $5 partners as partner_key(); an empty list means all), at two
-- grains: by year (grain 0) and by access route over the selected years (grain 1). The @counts and
-- @derived markers are the registry's select lists; Warehouse.sql_file adds the rates.
with filtered as (
    select m.* replace (coalesce(n.partner_name, m.partner_name) as partner_name),
        partner_key(m.partner_siret, m.partner_name) as partner
    from mart_outcome_counts as m
    left join partner_names as n using (certification_code, partner_siret)
    where in_filters(
        $1::varchar[], $2::integer[], $3::varchar[], $4::varchar[], $5::varchar[],
        certification_code, year, access_route, site, m.partner_siret, m.partner_name
    )
),

sums as (
    select
        certification_code,
        partner,
        any_value(partner_siret) as partner_siret,
        any_value(partner_name) as partner_name,
        year,
        access_route,
        grouping(year, access_route) - 1 as grain,
        /* @counts */
    from filtered
    group by grouping sets ((certification_code, partner, year), (certification_code, partner, access_route))
)

select
    *,
    /* @derived */
from sums
order by certification_code, partner_name nulls last, partner, grain, year desc, access_route;
