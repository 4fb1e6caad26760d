-- Issue #27 (docs/methodology.md M34–M36): the certified of the jury results beside the CDC fluxes, one row
-- per finding, once a flux is loaded. A view, read on the day insertion_today() says (what is overdue
-- depends on it; the period of the fluxes on every flux loaded).
--   transmitted                certified in the jury results and transmitted (late: first transmission
--                              after the jury + 3 months; date / route mismatch: the latest passage's)
--   not_transmitted            certified, no passage (overdue once the jury + 3 months is past)
--   before_flux                certified, no passage, jury before the earliest certificate of the fluxes
--   transmitted_failed         transmitted, but the jury results give a partial or failed decision
--   transmitted_not_certified  transmitted, the person is not in the certification's jury results
--   no_jury_file               transmitted, the certification has no jury file (and does not take its
--                              certified from the flux: stg_certification_sources)
-- A certification whose certified come from the flux itself (cohort_source 'cdc_flux') is not reconciled.
create or replace view cdc_reconciliation as
with period as (
    select min(certificate_date) as starts from landing_cdc_passages
),

sources as (
    select certification_code, cohort_source from stg_certification_sources
),

per_certified as (
    select
        certification_code, candidate_hash, year,
        count(*) as passages,
        min(transmitted_on) as first_transmitted_on,
        arg_min(transmitted_from, transmitted_on) as transmitted_from,
        arg_max(
            {
                'certificate_date': certificate_date, 'access_route': access_route, 'access_mode': access_mode,
                'source_file': source_file, 'source_row': source_row, 'source_line': source_line,
                'link_method': link_method
            },
            (transmitted_on, source_file, source_row)
        ) as latest
    from fct_cdc_passages
    where year is not null
    group by all
),

certified as (
    select
        c.certification_code, c.year, c.candidate_hash,
        case
            when p.candidate_hash is not null then 'transmitted'
            when c.jury_date < period.starts then 'before_flux'
            else 'not_transmitted'
        end as finding,
        c.jury_date, c.access_route as jury_route, c.source_file as jury_file, c.source_row as jury_row,
        (c.jury_date + to_months(3))::date as deadline,
        p.passages, p.first_transmitted_on, p.transmitted_from,
        p.latest.certificate_date as certificate_date, p.latest.access_route as cdc_route,
        p.latest.access_mode as cdc_access_mode, p.latest.link_method as link_method,
        p.latest.source_file as flux_file, p.latest.source_row as flux_passage,
        p.latest.source_line as flux_line
    from fct_certified as c
    cross join period
    inner join sources as s on s.certification_code = c.certification_code and s.cohort_source = 'jury'
    left join per_certified as p
        on p.certification_code = c.certification_code and p.candidate_hash = c.candidate_hash and p.year = c.year
    where period.starts is not null
),

unattached as (
    select
        f.certification_code, f.candidate_hash,
        any_value(f.jury_outcome) as jury_outcome,
        any_value(s.cohort_source) as cohort_source,
        count(*) as passages,
        min(f.transmitted_on) as first_transmitted_on,
        arg_min(f.transmitted_from, f.transmitted_on) as transmitted_from,
        arg_max(
            {
                'certificate_date': f.certificate_date, 'access_route': f.access_route,
                'access_mode': f.access_mode, 'source_file': f.source_file, 'source_row': f.source_row,
                'source_line': f.source_line, 'link_method': f.link_method
            },
            (f.transmitted_on, f.source_file, f.source_row)
        ) as latest
    from fct_cdc_passages as f
    left join sources as s using (certification_code)
    where f.year is null and s.cohort_source is distinct from 'cdc_flux'
    group by all
)

select
    certification_code, year, candidate_hash, finding, jury_date, jury_route, jury_file, jury_row, deadline,
    passages, first_transmitted_on, transmitted_from, certificate_date, cdc_route, cdc_access_mode,
    link_method, flux_file, flux_passage, flux_line,
    finding = 'transmitted' and first_transmitted_on > deadline as late,
    finding = 'transmitted' and certificate_date <> jury_date as date_mismatch,
    finding = 'transmitted' and jury_route <> 'NR' and cdc_route is not null and cdc_route <> jury_route
        as route_mismatch,
    finding = 'not_transmitted' and insertion_today() > deadline as overdue
from certified

union all

select
    certification_code,
    year(latest.certificate_date) as year,
    candidate_hash,
    case
        when cohort_source is null then 'no_jury_file'
        when jury_outcome in ('partial', 'failed') then 'transmitted_failed'
        else 'transmitted_not_certified'
    end as finding,
    null::date as jury_date, null as jury_route, null as jury_file, null::integer as jury_row,
    null::date as deadline,
    passages, first_transmitted_on, transmitted_from,
    latest.certificate_date, latest.access_route, latest.access_mode, latest.link_method,
    latest.source_file, latest.source_row, latest.source_line,
    false, false, false, false
from unattached;
