-- Issue #16: $6 the partners (values of partner_key(); an empty list means all).
-- Job titles of employed respondents for the filters, with how their ROME code and fit were decided
-- (one line per title and fit: a title can be in target for some answers and not for others).
select
    job_title,
    any_value(rome_code) as rome_code,
    any_value(rome_label) as rome_label,
    in_target,
    any_value(target_method) as target_method,
    sum(employed)::integer as employed
from mart_jobs
where in_filters(
    $1::varchar[], $2::integer[], $3::varchar[], $4::varchar[], $6::varchar[],
    certification_code, year, access_route, site, partner_siret, partner_name
)
  and wave = $5
  and job_title is not null
group by job_title, in_target
order by employed desc, job_title, in_target desc
limit 50;
