-- The cohort results in the warehouse, shaped as the cohort-results suite expects.
select
    row_number() over (order by load_id, source_row)::bigint as source_row,
    candidate_hash::varchar as candidate_hash,
    certification_code,
    jury_date::timestamp as jury_date,
    null::varchar as jury_date_unparsed,
    access_route,
    outcome,
    blocks_validated,
    site,
    partner_name,
    partner_siret,
    null::varchar as partner_siret_unparsed,
    assessed_by
from stg_cohort_results
