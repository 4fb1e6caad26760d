-- Issue #16: the habilitation check's findings counted per certification, partner and finding ($1: the
-- certifications to show, an empty list for all; $2: a partner's SIRET, NULL for every
-- partner), for `insertion validate`, the quality page and the pack.
select
    certification_code,
    partner_siret,
    partner_name,
    issue,
    count(*)::integer as certified,
    min(jury_date) as first_jury,
    max(jury_date) as last_jury
from habilitation_issues
where (len($1::varchar[]) = 0 or list_contains($1::varchar[], certification_code))
  and ($2::varchar[] is null or list_contains($2::varchar[], partner_siret))  -- issue #16: a partner's
group by all
order by certification_code, certified desc, partner_name, issue;
