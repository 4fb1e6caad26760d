-- scope: certification_code (rows of one certification depend only on that certification's rows)
-- Issue #16, habilitation check: every certified person (fct_certified, with the cohort row that
-- certified them) whose partner was not habilitated for the certification at the jury date, with the
-- finding (labels: pipeline/partners.py):
-- * no_siret: the row names a partner without a valid SIRET (missing, or set aside as malformed);
-- * unknown_siret: the SIRET is neither among the certification's partners nor its certifiers;
-- * withdrawn: every habilitation was withdrawn (Supprimé) or ended (Inactif) on or before the jury date,
--   or ended at a date the export does not give;
-- * not_yet_active: the habilitation became active (DATE_ACTIF) only after the jury date;
-- * train_only_assessing: habilitated to train only, while it organised the assessment (cohort column
--   « Évaluation organisée par »; when the file does not say, the partner named on the row did).
-- A habilitation with no state and no dates (the CSV part) holds at any date.
create or replace table habilitation_issues as
with certified as (
    -- the certified people (fct_certified: once per person, certification and year) with a partner
    select
        candidate_hash, certification_code, year, jury_date, access_route, site, partner_siret, partner_name,
        assessed_by, source_file, source_row
    from fct_certified
    where partner_siret is not null or partner_name is not null
),

certifiers as (
    select distinct certification_code, siret from rncp_certifiers where siret is not null
),

checked as (
    select
        c.*,
        h.habilitation_type,
        h.state,
        h.active_date,
        h.state_date,
        h.siret is not null as listed,
        h.active_date is not null and h.active_date > c.jury_date as not_yet_active,
        coalesce(h.state, 'active') <> 'active' and (h.state_date is null or h.state_date <= c.jury_date)
            as ended,
        h.habilitation_type = 'train' and coalesce(c.assessed_by, 'partner') = 'partner' as cannot_assess
    from certified as c
    left join partner_habilitations as h
        on h.certification_code = c.certification_code and h.siret = c.partner_siret
    where not exists (  -- the certifier itself needs no habilitation
        select 1 from certifiers as k
        where k.certification_code = c.certification_code and k.siret = c.partner_siret
    )
),

judged as (
    -- one row per cohort row: fine when any of its habilitations holds at the jury date; else the
    -- finding of the habilitation closest to holding (timing right but wrong type, then not yet active)
    select
        * exclude (listed, not_yet_active, ended, cannot_assess),
        case
            when partner_siret is null then 'no_siret'
            when not listed then 'unknown_siret'
            when not ended and not not_yet_active and cannot_assess then 'train_only_assessing'
            when not ended and not_yet_active then 'not_yet_active'
            else 'withdrawn'
        end as issue,
        bool_or(listed and not not_yet_active and not ended and not coalesce(cannot_assess, false)) over (
            partition by candidate_hash, certification_code, year
        ) as habilitated
    from checked
    qualify row_number() over (
        partition by candidate_hash, certification_code, year
        order by (not ended and not not_yet_active) desc, (not ended) desc, active_date desc nulls last
    ) = 1
)

select
    certification_code,
    year,
    jury_date,
    access_route,
    site,
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
from judged
where not coalesce(habilitated, false)
order by certification_code, partner_siret nulls first, partner_name, jury_date, source_file, source_row;
