-- Cross-source expectations, run in the warehouse. One query per check, separated by a line
-- "-- check: <name> | <severity> | <what is expected>"; each returns the rows that break it.

-- check: survey_respondents_are_certified | warning | every survey respondent is found certified for that certification (and promotion, when the answer gives one) in the cohort results
select certification_code, year, wave, source_file, source_row
from quality_issues where issue = 'answer_not_attached'
order by all;

-- check: one_answer_per_person_and_wave | warning | one answer per person, certification, promotion and wave (the others are set aside by the stated rule)
select certification_code, year, wave, source_file, source_row
from quality_issues where issue = 'answer_superseded'
order by all;

-- check: answers_after_the_jury | warning | every answer dated after the jury of its promotion
select certification_code, year, wave, source_file, source_row
from quality_issues where issue = 'answer_before_jury'
order by all;

-- check: answers_within_the_survey_windows | warning | every answer dated within its wave's window (settings window_6m, window_24m)
select certification_code, year, wave, source_file, source_row
from quality_issues where issue = 'answer_outside_window'
order by all;

-- check: work_location_agrees_with_situation | warning | no « En emploi à l'étranger » with a work location in France
select certification_code, year, wave, source_file, source_row
from quality_issues where issue = 'location_conflict'
order by all;

-- check: job_titles_reviewed | warning | no employed respondent whose title only has a fuzzy ROME match waiting for review
select certification_code, year, wave, source_file, source_row
from quality_issues where issue = 'pending_review'
order by all;

-- check: certified_once_per_certification | warning | a person certified once per certification (else counted in each year)
select certification_code, year, wave, source_file, source_row
from quality_issues where issue = 'certified_in_several_years'
order by all;

-- check: one_decision_per_jury | warning | one decision per person, certification and jury date
select certification_code, year, wave, source_file, source_row
from quality_issues where issue = 'cohort_conflict'
order by all;

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
