-- The analysts' contract: the fiche's table, one row per certification and year.
create or replace view certification_statistics as
select * exclude (access_route)
from statistics_by_route
where access_route = 'ALL';
