-- Issue #16: a partner's France Compétences table — statistics_by_partner (the same counts, the same
-- registry) summed over the partner's SIRET ($2) for one certification ($1): overall ($3 true: the
-- rows access_route = 'ALL') or per access route ($3 false). Additive counts are summed, the derived
-- counts follow from the sums (@derived), the rates are added by pipeline.indicators.add_rates: a rate is
-- never averaged over SIRET.
with sums as (
    select
        certification_code,
        year,
        access_route,
        /* @counts */
    from statistics_by_partner
    where certification_code = $1
      and list_contains($2::varchar[], partner_siret)
      and (access_route = 'ALL') = $3
    group by certification_code, year, access_route
)

select
    *,
    /* @derived */
from sums
order by year desc, access_route;
