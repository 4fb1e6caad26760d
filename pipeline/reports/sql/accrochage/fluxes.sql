-- The CDC fluxes loaded: file, idFlux, day of transmission (and where it comes from), passages loaded per
-- certification.
select
    l.load_id, l.source_file, any_value(l.flux_id) as flux_id, any_value(l.transmitted_on) as transmitted_on,
    any_value(l.transmitted_from) as transmitted_from, count(*) as passages,
    string_agg(distinct l.certification_code, ', ' order by l.certification_code) as certifications
from landing_cdc_passages as l
group by l.load_id, l.source_file
order by transmitted_on, source_file;
