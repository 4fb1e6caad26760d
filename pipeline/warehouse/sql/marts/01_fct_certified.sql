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
)

select
    c.candidate_hash,
    c.certification_code,
    c.year,
    c.jury_date,
    c.access_route,
    c.site,
    c.partner_siret,  -- issue #16. NULL: no partner named (the certifier itself) or no valid SIRET
    c.partner_name,   -- as the cohort row writes it (one name per SIRET: table partner_names)
    c.assessed_by,
    c.source_file,    -- the cohort row, for the lists that name it (habilitation_issues)
    c.source_row
from certified as c
where c.rank_in_year = 1;
