-- Values offered by the filters: every certification, year, access route and site with certified people.
select distinct 'certification' as filter, c.certification_code as value,
       c.certification_code || coalesce(' – ' || s.title, '') as label
from mart_outcome_counts as c
left join certification_summary as s using (certification_code)
union all
select distinct 'year', year::varchar, year::varchar from mart_outcome_counts
union all
select distinct 'access_route', access_route, access_route from mart_outcome_counts
union all
select distinct 'site', site, site from mart_outcome_counts
order by filter, value;
