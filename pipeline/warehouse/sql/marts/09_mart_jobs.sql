-- scope: certification_code (rows of one certification depend only on that certification's rows)
-- Employed respondents by certification, year, wave, access route, site, ROME code and job title: what
-- the dashboard's jobs page and the renewal pack aggregate.
create or replace table mart_jobs as
select
    r.certification_code,
    r.year,
    r.wave,
    r.access_route,
    r.site,
    r.partner_siret,  -- issue #16
    r.partner_name,
    r.rome_code,
    coalesce(c.label, t.rome_label) as rome_label,
    r.job_title,
    r.in_target,
    r.target_method,
    count(*)::integer as employed
from fct_survey_responses as r
left join rome_codes as c on c.rome_code = r.rome_code
left join (
    select rome_code, any_value(rome_label) as rome_label from certification_target_jobs group by rome_code
) as t on t.rome_code = r.rome_code
where r.employed
group by all
order by all;
