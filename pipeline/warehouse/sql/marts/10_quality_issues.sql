-- What the figures set aside or decided, answer by answer, for the quality page, the renewal pack and
-- `insertion validate`: one row per issue (an answer or a cohort row may have several).
create or replace view quality_issues as
with answers as (
    select a.*, s.situation, s.answer_date,
        -- the same answer loaded again (a cumulative survey export repeats the earlier answers, issue #24):
        -- a superseded answer identical to one ranked before it is not reported (no news; M7, M22)
        answer_rank > 1 and row_number() over (
            partition by s.candidate_hash, a.certification_code, a.year, a.wave, s.answer_content
            order by a.answer_rank nulls last
        ) > 1 as repeated
    from fct_survey_attachments as a
    inner join stg_survey_answers as s using (load_id, source_row)
),

-- the answer of a person and wave that counts, or that the setting outside_window = 'exclude' left out
own as (
    select *, outside_window_excluded() as excluded from answers
    where answer_rank = 1 or (year is not null and answer_rank is null)
)

select
    'answer_superseded' as issue,
    'Réponse en double : une autre réponse de la même personne à cette vague est retenue' as label,
    certification_code, year, wave, source_file, source_row
from answers where answer_rank > 1 and not repeated

union all
select
    'answer_not_attached', 'Répondant non trouvé parmi les certifiés de cette certification',
    certification_code, promotion, wave, source_file, source_row
from answers where year is null

union all
select
    'promotion_corrected',
    'Promotion corrigée : la personne n''a pas été certifiée en ' || promotion
        || ' ; réponse rattachée à la promotion ' || year || ' (date de réponse)',
    certification_code, year, wave, source_file, source_row
from answers where promotion_corrected

union all
select
    'answer_before_jury',
    'Réponse datée d''avant le jury de sa promotion ('
        || case when excluded then 'exclue des chiffres' else 'comptée' end || ' ; date à vérifier)',
    certification_code, year, wave, source_file, source_row
from own where answer_date < jury_date

union all
select
    'answer_outside_window',
    'Réponse hors de la fenêtre d''enquête de sa vague ('
        || case when excluded then 'exclue des chiffres' else 'comptée' end || ', voir la méthodologie)',
    certification_code, year, wave, source_file, source_row
from own where not in_window and answer_date >= jury_date

union all
select
    'location_conflict',
    '« En emploi à l''étranger » avec un lieu de travail en France : la situation l''emporte (neutralisé)',
    certification_code, year, wave, source_file, source_row
from fct_survey_responses where location_conflict

union all
select
    'pending_review',
    'Emploi dont l''intitulé n''a qu''une correspondance approchée : hors métier visé tant qu''un relecteur n''a pas décidé',
    certification_code, year, wave, source_file, source_row
from fct_survey_responses where pending_review

union all
-- M11: a title that is an appellation of several ROME codes gave the job its code (issue #23)
select
    'title_ambiguous',
    'Intitulé ambigu : appellation ROME de plusieurs métiers (' || array_to_string(m.rome_codes, ', ')
        || '), code retenu ' || r.rome_code || ' ; un relecteur peut trancher (insertion review)',
    r.certification_code, r.year, r.wave, r.source_file, r.source_row
from fct_survey_responses as r
inner join job_title_matches as m using (job_title)
where r.employed and r.rome_source = 'title_exact' and len(m.rome_codes) > 1

union all
select
    'certified_in_several_years',
    'Personne certifiée plusieurs années pour cette certification : comptée dans chacune',
    c.certification_code, c.year, null, l.source_file, l.source_row
from fct_certified as c
inner join (
    select candidate_hash, certification_code from fct_certified group by all having count(*) > 1
) as twice using (candidate_hash, certification_code)
inner join landing_cohort_results as l using (candidate_hash, certification_code, jury_date)
where l.outcome = 'certified'

union all
select
    'certified_twice_in_year',
    'Personne certifiée par plusieurs jurys la même année : comptée une fois, sous le dernier jury ('
        || strftime(c.jury_date, '%d/%m/%Y') || ')',
    c.certification_code, c.year, null, s.source_file, s.source_row
from fct_certified as c
inner join stg_cohort_results as s
    on s.candidate_hash = c.candidate_hash and s.certification_code = c.certification_code
    and year(s.jury_date) = c.year and s.outcome = 'certified' and s.jury_date < c.jury_date

union all
select
    'cohort_conflict',
    'Décisions différentes pour la même personne et le même jury : la ligne du fichier au nom le plus récent est retenue',
    certification_code, year(jury_date), null, source_file, source_row
from landing_cohort_results
window w as (partition by candidate_hash, certification_code, jury_date)
qualify min(outcome || '/' || coalesce(access_route, 'NR')) over w
    <> max(outcome || '/' || coalesce(access_route, 'NR')) over w;
