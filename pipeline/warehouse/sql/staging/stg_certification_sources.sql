-- Issue #27: where each certification's certified come from (docs/methodology.md M37): its jury files
-- ('jury'), or, for a certification with no jury file whose setting cdc_as_cohort is on
-- (data/reference/certifications.csv), the CDC flux ('cdc_flux'). One row per certification with jury rows
-- or passages; cohort_source NULL: passages only, setting off (the flux is reconciled, never counted).
create or replace view stg_certification_sources as
with jury as (select distinct certification_code from landing_cohort_results),
flux as (select distinct certification_code from landing_cdc_passages),
codes as (select certification_code from jury union select certification_code from flux)
select
    c.certification_code,
    j.certification_code is not null as has_jury,
    f.certification_code is not null as has_flux,
    coalesce(s.cdc_as_cohort, false) as cdc_as_cohort,
    case
        when j.certification_code is not null then 'jury'
        when coalesce(s.cdc_as_cohort, false) then 'cdc_flux'
    end as cohort_source
from codes as c
left join jury as j using (certification_code)
left join flux as f using (certification_code)
left join (
    select certification_code, coalesce(any_value(cdc_as_cohort), false) as cdc_as_cohort
    from ref_certifications group by certification_code
) as s using (certification_code);
