-- scope: certification_code (rows of one certification depend only on that certification's rows)
-- Issue #16: indicators per certification, year and partner (« organisme habilité »), overall
-- (access_route = 'ALL') and per access route, from the additive counts of mart_outcome_counts; the same
-- registry (@counts, @rates: pipeline/indicators/) and the same disclosure policy as statistics_by_route.
-- A partner is its SIRET (named by the name its rows give most, then the first in order); rows without a
-- valid SIRET are grouped by the name they give, and partner_siret and partner_name both NULL means no
-- partner (the certifier itself).
create or replace table statistics_by_partner as
with names as (
    select certification_code, partner_siret, partner_name
    from mart_outcome_counts
    where partner_siret is not null and partner_name is not null
    group by certification_code, partner_siret, partner_name
    qualify row_number() over (
        partition by certification_code, partner_siret order by sum(certified) desc, partner_name
    ) = 1
),

named as (
    select m.* replace (
        case when m.partner_siret is null then m.partner_name else n.partner_name end as partner_name
    )
    from mart_outcome_counts as m
    left join names as n using (certification_code, partner_siret)
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
