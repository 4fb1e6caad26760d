-- The latest decision of a reviewer on each job title, for one certification or for all (certification_code
-- null): the one view of reviewers' decisions. The facts take the certification's own decision first, then
-- the one for all (marts/03_fct_survey_responses.sql); `insertion titles` lists them.
create or replace view stg_title_reviews as
select *
from title_reviews
qualify row_number() over (
    partition by title_key, coalesce(certification_code, '*') order by decided_at desc, review_id desc
) = 1;
