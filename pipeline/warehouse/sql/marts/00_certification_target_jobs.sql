-- The targeted ROME job codes of each certification: from its RNCP fiche when the export is loaded,
-- else from the interim file of data/reference/. Domain-level codes (A12, M18, A1500, …) never count.
create or replace table certification_target_jobs as
select certification_code, rome_code, rome_label, 'rncp export' as source
from rncp_rome
where is_job_code

union all

select certification_code, rome_code, rome_label, 'interim file' as source
from ref_target_jobs
where certification_code not in (select certification_code from rncp_rome)
  and is_job_code;
