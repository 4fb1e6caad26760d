-- The passages that passed the suite (the others were deleted from cdc_parts, their set-aside fields set to
-- NULL), into the landing table as load $load_id of file $file.
insert into landing_cdc_passages by name
select
    $load_id::integer as load_id,
    $file as source_file,
    source_row,
    source_line,
    $flux_id as flux_id,
    $transmitted_on::date as transmitted_on,
    $transmitted_from as transmitted_from,
    certifier_id,
    contract_id,
    certification_code,
    nature_deposant,
    passage_hash::uuid as passage_hash,
    candidate_hash::uuid as candidate_hash,
    $link as link,
    nir_hash::uuid as nir_hash,
    identification,
    obtention,
    certified_data = 'true' as certified_data,
    certificate_date::date as certificate_date,
    valid_until::date as valid_until,
    access_mode,
    access_route,
    vae_route,
    enrolment_initiative
from cdc_parts;
