-- The same per access route (FI, CA, FC, CQ, CL, VAE; NR when the cohort file did not give it).
create or replace view access_route_statistics as
select *
from statistics_by_route
where access_route <> 'ALL';
