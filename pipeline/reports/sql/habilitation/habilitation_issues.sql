-- Issue #16: the certified people whose partner was not habilitated at the jury date, one per cohort row
-- ($1: the certifications to show, an empty list for all; $2: a partner's SIRET, NULL for every
-- partner), for the quality page and the renewal pack.
select
    certification_code,
    year,
    jury_date,
    access_route,
    partner_siret,
    partner_name,
    issue,
    habilitation_type,
    state,
    active_date,
    state_date,
    assessed_by,
    source_file,
    source_row
from habilitation_issues
where (len($1::varchar[]) = 0 or list_contains($1::varchar[], certification_code))
  and ($2::varchar[] is null or list_contains($2::varchar[], partner_siret))  -- issue #16: a partner's
order by certification_code, partner_name, jury_date, source_file, source_row;
