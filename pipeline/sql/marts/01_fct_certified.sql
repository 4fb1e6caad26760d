-- scope: certification_code (rows of one certification depend only on that certification's rows)
-- The certified of each year: people whose jury decision awarded the whole certification.
create or replace table fct_certified as
with certified as (
    select
        *,
        row_number() over (
            partition by candidate_hash, certification_code, year order by jury_date desc
        ) as rank_in_year
    from stg_cohort_results
    where outcome = 'certified'
),

-- issue #16: one name per partner SIRET and certification, the one its certified rows give most (then
-- the first in alphabetical order), so that every mart groups a partner by its SIRET under one name
partner_names as (
    select certification_code, partner_siret, partner_name
    from certified
    where partner_siret is not null and partner_name is not null
    group by certification_code, partner_siret, partner_name
    qualify row_number() over (
        partition by certification_code, partner_siret order by count(*) desc, partner_name
    ) = 1
)

select
    c.candidate_hash,
    c.certification_code,
    c.year,
    c.jury_date,
    c.access_route,
    c.site,
    c.partner_siret,  -- NULL: no partner named (the certifier itself) or no valid SIRET
    case when c.partner_siret is null then c.partner_name else n.partner_name end as partner_name,
    c.assessed_by,
    c.source_file,  -- issue #16: the cohort row, for the lists that name it (habilitation_issues)
    c.source_row
from certified as c
left join partner_names as n using (certification_code, partner_siret)
where c.rank_in_year = 1;
