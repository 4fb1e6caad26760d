-- Issue #16: the partners offered by the Partenaires page's filter (one per partner_key, with the name
-- its rows give most), and how many certified people each has.
select partner_key(partner_siret, partner_name) as value, partner_siret, any_value(partner_name) as partner_name,
       sum(certified)::integer as certified
from mart_outcome_counts
group by all
order by partner_name nulls last, value;
