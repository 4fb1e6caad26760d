-- Issue #16: the partners offered by the Partenaires page's filter (one per partner_key, with the name
-- partner_names gives it, the first in alphabetical order across certifications), and how many
-- certified people each has.
select
    partner_key(m.partner_siret, m.partner_name) as value,
    m.partner_siret,
    min(coalesce(n.partner_name, m.partner_name)) as partner_name,
    sum(m.certified)::integer as certified
from mart_outcome_counts as m
left join partner_names as n using (certification_code, partner_siret)
group by all
order by partner_name nulls last, value;
