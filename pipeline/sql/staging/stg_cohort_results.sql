-- One row per candidate, certification and jury date; when a later file repeats a decision, it wins.
create or replace view stg_cohort_results as
with ranked as (
    select
        *,
        row_number() over (
            partition by candidate_hash, certification_code, jury_date
            order by load_id desc, source_row desc
        ) as version_rank
    from landing_cohort_results
)

select
    candidate_hash,
    certification_code,
    jury_date,
    year(jury_date) as year,
    access_route,
    outcome,
    blocks_validated,
    coalesce(site, 'Non renseigné') as site,
    load_id,
    source_file,
    source_row
from ranked
where version_rank = 1;
