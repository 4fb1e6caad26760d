-- scope: certification_code (rows of one certification depend only on that certification's rows)
-- Issue #27 (docs/methodology.md M34): every passage of the CDC fluxes loaded, linked to its person in the
-- jury results and attached to the certification it transmits.
-- The link: the passage's reference (idTechnique's digest, or the mapping file's reference) when the jury
-- files of the certification name that person; else the person whose jury row carries the same NIR digest;
-- else none (link_method NULL: the person is not in the jury results).
-- The attachment: of the person's certifications of that code (fct_certified), the one whose jury date is
-- the closest to the passage's certificate date (dateDebutValidite), the earlier on a tie.
create or replace table fct_cdc_passages as
with jury as (
    select distinct certification_code, candidate_hash from landing_cohort_results
),

jury_nir as (
    select certification_code, nir_hash, min(candidate_hash) as candidate_hash
    from landing_cohort_results
    where nir_hash is not null
    group by all
),

linked as (
    select
        p.*,
        case when j.candidate_hash is null then coalesce(n.candidate_hash, p.candidate_hash)
            else p.candidate_hash end as person_hash,
        case when j.candidate_hash is not null then p.link when n.candidate_hash is not null then 'nir' end
            as link_method
    from landing_cdc_passages as p
    left join jury as j on j.certification_code = p.certification_code and j.candidate_hash = p.candidate_hash
    left join jury_nir as n on n.certification_code = p.certification_code and n.nir_hash = p.nir_hash
),

attached as (
    select
        l.load_id, l.source_row,
        c.year, c.jury_date, c.access_route as jury_route, c.source_file as jury_file, c.source_row as jury_row
    from linked as l
    inner join fct_certified as c
        on c.certification_code = l.certification_code and c.candidate_hash = l.person_hash
    qualify row_number() over (
        partition by l.load_id, l.source_row
        order by abs(date_diff('day', c.jury_date, l.certificate_date)), c.jury_date
    ) = 1
),

decisions as (
    -- the person's latest decision of the certification in the jury files (for a passage of someone not
    -- certified: partial or failed)
    select certification_code, candidate_hash, arg_max(outcome, jury_date) as jury_outcome
    from landing_cohort_results
    group by all
)

select
    l.certification_code,
    l.person_hash as candidate_hash,
    l.link_method,
    l.load_id,
    l.source_file,
    l.source_row,
    l.source_line,
    l.flux_id,
    l.transmitted_on,
    l.transmitted_from,
    l.certificate_date,
    l.access_mode,
    l.access_route,
    a.year,
    a.jury_date,
    a.jury_route,
    a.jury_file,
    a.jury_row,
    d.jury_outcome
from linked as l
left join attached as a using (load_id, source_row)
left join decisions as d on d.certification_code = l.certification_code and d.candidate_hash = l.person_hash;
