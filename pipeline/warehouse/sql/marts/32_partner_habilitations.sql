-- Issue #16: every known habilitation of a partner for a certification, one row per record: the RNCP
-- export's partners (current state only: XML flow with state and dates, CSV part without) and the
-- certifier's own register (data/reference/partners.csv, table ref_partners), which can hold the past.
create or replace view partner_habilitations as
select
    certification_code,
    siret,
    name,
    habilitation_type,  -- train | assess | both (pipeline/core/partners.py)
    state,              -- active | inactive | withdrawn; NULL: not given (CSV part)
    active_date,        -- DATE_ACTIF
    state_date,         -- DATE_DERNIERE_MODIFICATION_ETAT
    'rncp export' as source
from rncp_partners
where siret is not null

union all

select certification_code, siret, name, habilitation_type, state, active_date, state_date, 'register'
from ref_partners;
