-- scope: certification_code (rows of one certification depend only on that certification's rows)
-- Issue #16: one name per partner SIRET and certification, the one its certified people's rows give most
-- (then the first in alphabetical order), so that a partner is shown under one name wherever it is
-- grouped by its SIRET (statistics_by_partner, habilitation_issues, the dashboard). Read from the
-- additive counts, so that it costs nothing at national scale.
create or replace table partner_names as
select certification_code, partner_siret, partner_name
from mart_outcome_counts
where partner_siret is not null and partner_name is not null
group by certification_code, partner_siret, partner_name
qualify row_number() over (
    partition by certification_code, partner_siret order by sum(certified) desc, partner_name
) = 1
order by certification_code, partner_siret;
