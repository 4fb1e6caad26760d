-- Where each wave of each promotion stands, per site and for the whole promotion (site null), from
-- mart_survey_waves and the invitations of survey_mailings. The response rate is the indicators' own
-- (respondents ÷ certified, macro pct). Projection at the close of the window: the answers received so far,
-- at the pace observed since the window opened, over the whole window, never more than the certified. Parameters: $certifications (a list), $wave
-- (null for all), $today, $threshold (%), $open_only (only the windows open on $today).
with invited as (
    select certification_code, promotion, wave, site,
        count(distinct candidate_hash) as invited
    from survey_mailings
    where kind = 'invitation'
      and ($certifications::varchar[] is null or list_contains($certifications::varchar[], certification_code))
    group by all
),

grouped as (
    select
        w.certification_code,
        w.promotion,
        w.wave,
        w.site,
        sum(w.certified)::bigint as certified,
        coalesce(sum(i.invited), 0)::bigint as invited,
        sum(w.answered)::bigint as answered,
        min(w.opens) as opens,
        max(w.closes) as closes
    from (
        select certification_code, promotion, wave, site, sum(certified) as certified,
            sum(answered) as answered, min(opens) as opens, max(closes) as closes
        from mart_survey_waves
        where ($certifications::varchar[] is null or list_contains($certifications::varchar[], certification_code))
          and ($wave is null or wave = $wave)
          and (not $open_only or (certification_code, promotion, wave) in (
              select (certification_code, promotion, wave) from mart_survey_waves
              group by all having min(opens) <= $today and max(closes) >= $today))
        group by all
    ) as w
    left join invited as i using (certification_code, promotion, wave, site)
    group by grouping sets ((w.certification_code, w.promotion, w.wave, w.site),
                            (w.certification_code, w.promotion, w.wave))
),

paced as (
    select
        *,
        pct(answered, certified) as response_rate,
        window_state(opens, closes, $today::date) as status,
        greatest(closes - $today::date, 0) as days_left,
        case
            when $today > closes then answered
            when $today <= opens then null
            else least(certified, round(answered * (closes - opens) / ($today::date - opens), 0))::bigint
        end as projected_answered
    from grouped
)

select
    *,
    pct(projected_answered, certified) as projected_rate,
    case
        when status = 'close' and pct(answered, certified) < $threshold then 'close sous le seuil'
        when status = 'ouverte' and invited = 0 then 'aucune invitation envoyée'
        when status = 'ouverte' and pct(projected_answered, certified) < $threshold then 'finira sous le seuil'
    end as alert
from paced
-- a promotion taught on one site only: its site row would repeat the whole promotion's
qualify site is null or count(*) over (partition by certification_code, promotion, wave) > 2
order by certification_code, promotion desc, wave, site nulls first
