-- The cases to act on, one line per person ($codes: those certifications, empty: all): certified and not
-- transmitted (overdue first), transmitted late, date or route mismatch, transmitted without being
-- certified, certification without jury file. Not the certified transmitted on time without mismatch, nor
-- those certified before the fluxes' period.
select
    certification_code, year, finding, overdue, late, date_mismatch, route_mismatch,
    candidate_hash::varchar as candidate_hash,
    jury_date, jury_route, jury_file, jury_row, deadline,
    first_transmitted_on, transmitted_from, certificate_date, cdc_route, cdc_access_mode, link_method,
    flux_file, flux_passage, flux_line
from cdc_reconciliation
where (len($codes::varchar[]) = 0 or list_contains($codes::varchar[], certification_code))
  and (finding not in ('transmitted', 'before_flux') or late or date_mismatch or route_mismatch)
order by
    certification_code, year desc,
    case finding when 'not_transmitted' then 0 when 'transmitted' then 1 else 2 end,
    overdue desc, jury_file, jury_row, flux_file, flux_passage;
