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
    select certification_code, promotion, wave, site, count(distinct candidate_hash) as invited
    from survey_mailings
    where kind = 'invitation'
      and ($certification is null or certification_code = $certification)
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
