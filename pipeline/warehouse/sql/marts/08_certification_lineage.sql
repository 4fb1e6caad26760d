-- Predecessor and successor fiches of every certification, at any distance: distance < 0 for
-- predecessors (-1 = the fiche it replaced), > 0 for successors (1 = the fiche that replaced it).
create or replace view certification_lineage as
with recursive links as (
    select distinct old_code, new_code
    from rncp_lineage
    where old_code is not null and new_code is not null and old_code <> new_code
),

successors(certification_code, related_code, distance) as (
    select old_code, new_code, 1 from links
    union
    select s.certification_code, l.new_code, s.distance + 1
    from successors as s
    inner join links as l on l.old_code = s.related_code
    where s.distance < 30
),

predecessors(certification_code, related_code, distance) as (
    select new_code, old_code, -1 from links
    union
    select p.certification_code, l.old_code, p.distance - 1
    from predecessors as p
    inner join links as l on l.new_code = p.related_code
    where p.distance > -30
)

select certification_code, related_code, min(distance) as distance
from successors
group by all

union all

select certification_code, related_code, max(distance) as distance
from predecessors
group by all;

-- What is known of each certification: the RNCP fiche when loaded, else the interim file. Its codes come
-- from the marts, never from staging: the dashboard reads this view at every change of certification.
create or replace view certification_summary as
with codes as (
    select certification_code from rncp_fiches
    union select certification_code from ref_certifications
    union select distinct certification_code from mart_outcome_counts
)

select
    c.certification_code,
    coalesce(f.title, r.title) as title,
    coalesce(f.level, r.level) as level,
    f.active,
    coalesce(f.registration_end_date, r.registration_end_date) as registration_end_date,
    date_diff('day', insertion_today(), coalesce(f.registration_end_date, r.registration_end_date)) as days_left,
    coalesce(r.international, false) as international,
    case when f.certification_code is not null then 'rncp export' when r.certification_code is not null
        then 'interim file' end as source
from codes as c
left join rncp_fiches as f using (certification_code)
left join ref_certifications as r using (certification_code);
