-- One row per candidate, certification and jury date. When several rows repeat a decision (in one file or
-- in several), one is kept by a rule that depends on the set of loaded files, never on their load order:
-- the file whose name sorts last, then the last row of that file (then the file's content digest).
-- Issue #27 (docs/methodology.md M37): a certification with no jury file whose setting cdc_as_cohort is on
-- takes its certified from the CDC flux: each passage is a decision « certified » on its certificate date.
create or replace view stg_cohort_results as
with landing as (
    select
        load_id, source_file, source_row, candidate_hash, certification_code, jury_date, access_route, outcome,
        blocks_validated, site, partner_name, partner_siret, assessed_by
    from landing_cohort_results
    union all
    select
        load_id, source_file, source_row, candidate_hash, certification_code, certificate_date, access_route,
        'certified', null, null, null, null, null
    from landing_cdc_passages
    where certification_code in (
        select certification_code from stg_certification_sources where cohort_source = 'cdc_flux'
    )
),

files as (
    -- the files in name order (then content digest), as integers: cheaper to sort than names
    select load_id, row_number() over (order by file_name, sha256) as file_order
    from load_log where status = 'loaded'
),

latest as (
    -- ranked on the key columns only (narrow rows sort fast and within the memory limit), then joined back
    select c.load_id, c.source_row
    from landing as c
    left join files as f using (load_id)
    qualify row_number() over (
        partition by c.candidate_hash, c.certification_code, c.jury_date
        order by coalesce(f.file_order, 0) desc, c.source_row desc
    ) = 1
),

ranked as (
    select l.* from landing as l semi join latest using (load_id, source_row)
)

select
    candidate_hash,
    certification_code,
    jury_date,
    year(jury_date) as year,
    coalesce(access_route, 'NR') as access_route,  -- set aside at ingestion: « non renseignée »
    outcome,
    blocks_validated,
    coalesce(site, 'Non renseigné') as site,
    partner_siret,   -- issue #16: NULL when the file names no partner (the certifier) or no valid SIRET
    partner_name,
    assessed_by,     -- partner | certifier | NULL (not said: the partner is taken as the assessor)
    load_id,
    source_file,
    source_row
from ranked;
