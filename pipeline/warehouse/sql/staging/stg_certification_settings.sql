-- A certification's own settings (data/reference/certifications.csv): international (working abroad is
-- then not neutralised) and target_parent_codes (a domain-level ROME code of the fiche also targets its
-- job codes). The one reading of them: the facts, the pack's Méthodologie and the declarations.
create or replace view stg_certification_settings as
select
    certification_code,
    coalesce(any_value(international), false) as international,
    coalesce(any_value(target_parent_codes), false) as target_parent_codes
from ref_certifications
group by certification_code;
