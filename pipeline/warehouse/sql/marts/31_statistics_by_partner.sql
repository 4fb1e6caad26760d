-- scope: certification_code (rows of one certification depend only on that certification's rows)
-- Issue #16: indicators per certification, year and partner (« organisme habilité »), overall
-- (access_route = 'ALL') and per access route, from the additive counts of mart_outcome_counts; the same
-- registry (@counts, @rates: pipeline/indicators/) and the same disclosure policy as statistics_by_route.
-- A partner is its SIRET (under its name in partner_names); rows without a valid SIRET are grouped by
-- the name they give; partner_siret and partner_name both NULL: no partner (the certifier itself).
create or replace table statistics_by_partner as
with named as (
    select m.* replace (coalesce(n.partner_name, m.partner_name) as partner_name)
    from mart_outcome_counts as m
    left join partner_names as n using (certification_code, partner_siret)
),

sums as (
    select
        certification_code,
        year,
        partner_siret,
        partner_name,
        coalesce(access_route, 'ALL') as access_route,
        /* @counts */
    from named
    group by grouping sets (
        (certification_code, year, partner_siret, partner_name),
        (certification_code, year, partner_siret, partner_name, access_route)
    )
),

rated as (
    select
        *,
        /* @rates */
    from sums
)

select * from rated
order by certification_code, year, partner_siret nulls last, partner_name nulls last, access_route;
