-- Cross-source expectations, run in the warehouse. One query per check, separated by a line
-- "-- check: <name> | <severity> | <what is expected>"; each returns the rows that break it.
-- The rules applied to the figures (view quality_issues) are checks too: pipeline/reports/quality.py ISSUE_CHECKS.

-- check: cohort_certifications_in_referential | error | every certification of the cohort results is in the referential (once one is loaded)
select distinct c.certification_code
from stg_cohort_results as c
where exists (select 1 from ref_certifications)
  and c.certification_code not in (select certification_code from ref_certifications)
order by all;

-- check: rates_within_0_100 | error | every published rate lies within [0, 100]
select certification_code, year, access_route
from statistics_by_route
where not (
    coalesce(insertion_rate_6m, 0) between 0 and 100 and coalesce(target_job_rate_6m, 0) between 0 and 100
    and coalesce(insertion_rate_24m, 0) between 0 and 100 and coalesce(target_job_rate_24m, 0) between 0 and 100
    and coalesce(response_rate_6m, 0) between 0 and 100 and coalesce(response_rate_24m, 0) between 0 and 100
)
order by all;

-- check: numerators_within_denominators | error | in target <= employed <= denominator <= respondents <= certified, for each wave
select certification_code, year, access_route
from statistics_by_route
where not (
    in_target_6m <= employed_6m and employed_6m <= denominator_6m and denominator_6m <= respondents_6m
    and respondents_6m <= certified
    and in_target_24m <= employed_24m and employed_24m <= denominator_24m and denominator_24m <= respondents_24m
    and respondents_24m <= certified
)
order by all;

-- check: partners_habilitated | warning | every certified person's partner habilitated for the certification at the jury date (one line per partner and finding, with its count; table habilitation_issues)
select certification_code, partner_siret, partner_name, issue, count(*) as certified
from habilitation_issues
group by all
order by all;
