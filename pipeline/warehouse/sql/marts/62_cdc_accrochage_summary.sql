-- Issue #27: the reconciliation counted per certification and promotion (view cdc_reconciliation), the
-- figures of the « Accrochage CDC » section, `insertion accrochage` and the readiness alerts.
create or replace view cdc_accrochage_summary as
select
    certification_code,
    year,
    count(*) filter (where finding in ('transmitted', 'not_transmitted', 'before_flux')) as certified,
    count(*) filter (where finding = 'before_flux') as before_flux,
    count(*) filter (where finding = 'transmitted') as transmitted,
    count(*) filter (where finding = 'transmitted' and not late) as on_time,
    count(*) filter (where late) as late,
    count(*) filter (where finding = 'not_transmitted') as not_transmitted,
    count(*) filter (where overdue) as overdue,
    count(*) filter (where finding = 'not_transmitted' and not overdue) as not_yet_due,
    count(*) filter (where date_mismatch) as date_mismatch,
    count(*) filter (where route_mismatch) as route_mismatch,
    count(*) filter (where finding = 'transmitted_failed') as transmitted_failed,
    count(*) filter (where finding = 'transmitted_not_certified') as transmitted_not_certified,
    count(*) filter (where finding = 'no_jury_file') as no_jury_file
from cdc_reconciliation
group by certification_code, year;
