-- One row per certified person and survey wave: the window in which the wave's answer is expected (macro
-- survey_window(): the one window rule, the one the facts' in_window and the quality checks apply),
-- whether the person answered (a respondent of fct_survey_responses), and the invitations and reminders
-- sent (survey_mailings), and the state of the window on $today. Parameters: $certification, $wave
-- (6 | 24) — null for all — and $today.
with windows as (
    select
        c.candidate_hash,
        c.certification_code,
        c.year as promotion,
        coalesce(c.site, '') as site,
        c.partner_siret,
        c.access_route,
        c.jury_date,
        w.wave,
        survey_window(c.jury_date, w.wave) as survey_window
    from fct_certified as c
    cross join (values (6), (24)) as w (wave)
    where ($certification is null or c.certification_code = $certification)
      and ($wave is null or w.wave = $wave)
),

people as (
    select * exclude (survey_window), survey_window.opens as opens, survey_window.closes as closes
    from windows
),

answers as (
    select candidate_hash, certification_code, year as promotion, wave, min(answer_date) as answer_date
    from fct_survey_responses
    where responded
      and ($certification is null or certification_code = $certification)
    group by all
),

mailings as (
    select
        candidate_hash,
        certification_code,
        wave,
        min(sent_at) filter (where kind = 'invitation') as invited_at,
        max(sent_at) filter (where kind = 'relance') as reminded_at,
        count(*) filter (where kind = 'relance') as reminders
    from survey_mailings
    where ($certification is null or certification_code = $certification)
    group by all
)

select
    p.*,
    window_state(p.opens, p.closes, $today::date) as status,
    a.candidate_hash is not null as answered,
    a.answer_date,
    m.invited_at,
    m.reminded_at,
    coalesce(m.reminders, 0) as reminders
from people as p
left join answers as a using (candidate_hash, certification_code, promotion, wave)
left join mailings as m using (candidate_hash, certification_code, wave)
