-- Who must be surveyed, counted: per certification, promotion, wave, site and state of the window, the
-- certified who have not answered and whose window opens by $due_before, from mart_survey_waves (one row
-- per jury date, so each person's own window is judged). Parameters: $certification, $wave (null for
-- all), $due_before, $today.
with due as (
    select
        *,
        window_state(opens, closes, $today::date) as status
    from mart_survey_waves
    where opens <= $due_before
      and certified > answered
      and ($certification is null or certification_code = $certification)
      and ($wave is null or wave = $wave)
),

invited as (
    -- invited and not answered: the people of to_survey who already had an invitation
    select m.certification_code, m.promotion, m.wave, m.site, count(distinct m.candidate_hash) as invited
    from survey_mailings as m
    where m.kind = 'invitation'
      and ($certification is null or m.certification_code = $certification)
      and not exists (
          select 1 from fct_survey_responses as r
          where r.responded and r.candidate_hash = m.candidate_hash
            and r.certification_code = m.certification_code and r.year = m.promotion and r.wave = m.wave
      )
    group by all
)

select
    d.certification_code,
    d.promotion,
    d.wave,
    d.site,
    d.status,
    min(d.opens) as opens,
    max(d.closes) as closes,
    sum(d.certified - d.answered)::bigint as to_survey,
    coalesce(any_value(i.invited), 0)::bigint as invited
from due as d
left join invited as i using (certification_code, promotion, wave, site)
group by all
order by d.certification_code, d.promotion, d.wave, d.site, d.status
