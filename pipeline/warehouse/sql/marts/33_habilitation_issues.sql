-- scope: certification_code (rows of one certification depend only on that certification's rows)
-- Issue #16, habilitation check: every certified person (fct_certified, with the cohort row that
-- certified them) whose partner was not habilitated for the certification at the jury date, with the
-- finding (labels: pipeline/core/partners.py):
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
    -- the certified people (fct_certified: once per person, certification and year) with a partner that
    -- is not the certifier itself (which needs no habilitation)
    select
        c.candidate_hash, c.certification_code, c.year, c.jury_date, c.access_route, c.site, c.partner_siret,
        c.partner_name, c.assessed_by, c.source_file, c.source_row
    from fct_certified as c
    anti join (
        select distinct certification_code, siret from rncp_certifiers where siret is not null
    ) as k on k.certification_code = c.certification_code and k.siret = c.partner_siret
    where c.partner_siret is not null or c.partner_name is not null
),

checked as (
    -- each certified person against each habilitation of their partner for the certification
    select
        c.candidate_hash,
        c.certification_code,
        c.year,
        h.siret is not null as listed,
        coalesce(h.active_date > c.jury_date, false) as not_yet_active,
        coalesce(h.state, 'active') <> 'active' and (h.state_date is null or h.state_date <= c.jury_date)
            as ended,
        coalesce(h.habilitation_type = 'train' and coalesce(c.assessed_by, 'partner') = 'partner', false)
            as cannot_assess,
        h.habilitation_type,
        h.state,
        h.active_date,
        h.state_date
    from certified as c
    left join partner_habilitations as h
        on h.certification_code = c.certification_code and h.siret = c.partner_siret
),

verdicts as (
    -- fine when any habilitation holds at the jury date; else the finding of the one closest to holding
    -- (in time but of the wrong type, then not ended but not yet active, then ended)
    select
        candidate_hash,
        certification_code,
        year,
        bool_or(listed) as listed,
        bool_or(listed and not not_yet_active and not ended and not cannot_assess) as habilitated,
        bool_or(listed and not not_yet_active and not ended) as in_time,
        bool_or(listed and not ended) as not_ended,
        arg_max(
            struct_pack(habilitation_type, state, active_date, state_date),
            (not ended)::integer * 2 + (not ended and not not_yet_active)::integer
        ) as shown
    from checked
    group by candidate_hash, certification_code, year
)

select
    c.certification_code,
    c.year,
    c.jury_date,
    c.access_route,
    c.site,
    c.partner_siret,
    coalesce(n.partner_name, c.partner_name) as partner_name,
    case
        when c.partner_siret is null then 'no_siret'
        when not v.listed then 'unknown_siret'
        when v.in_time then 'train_only_assessing'
        when v.not_ended then 'not_yet_active'
        else 'withdrawn'
    end as issue,
    v.shown.habilitation_type,
    v.shown.state,
    v.shown.active_date,
    v.shown.state_date,
    c.assessed_by,
    c.source_file,
    c.source_row
from certified as c
inner join verdicts as v using (candidate_hash, certification_code, year)
left join partner_names as n on n.certification_code = c.certification_code and n.partner_siret = c.partner_siret
where not v.habilitated
order by c.certification_code, c.partner_siret nulls first, partner_name, c.jury_date, c.source_file, c.source_row;
