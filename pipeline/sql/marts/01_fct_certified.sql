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
    candidate_hash,
    certification_code,
    year,
    jury_date,
    access_route,
    site,
    partner_siret,
    partner_name,
    assessed_by
from certified
where rank_in_year = 1;
