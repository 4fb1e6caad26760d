-- The reconciliation per certification and promotion ($codes: those certifications, empty: all), newest
-- promotion first (pipeline/reports/accrochage.py).
select *
from cdc_accrochage_summary
where len($codes::varchar[]) = 0 or list_contains($codes::varchar[], certification_code)
order by certification_code, year desc;
