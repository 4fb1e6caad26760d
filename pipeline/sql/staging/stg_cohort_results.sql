-- One row per candidate, certification and jury date; when a later file repeats a decision, it wins.
create or replace view stg_cohort_results as
with latest as (
    -- ranked on the key columns only (narrow rows sort fast and within the memory limit), then joined back
    select load_id, source_row
    from landing_cohort_results
    qualify row_number() over (
        partition by candidate_hash, certification_code, jury_date
        order by load_id desc, source_row desc
    ) = 1
),

ranked as (
    select l.* from landing_cohort_results as l semi join latest using (load_id, source_row)
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
from ranked;
