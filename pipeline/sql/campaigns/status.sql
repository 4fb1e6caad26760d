-- Where each wave of each promotion stands, per site and for the whole promotion (site null), from the
-- person-level rows of waves.sql. The response rate is the indicators' own
-- (respondents ÷ certified, macro pct). Projection at the close of the window: the answers received so far,
-- at the pace observed since the wave started (its window's opening or its first invitation, whichever
-- is later), over the whole window, never more than the certified. Parameters: $today, $threshold (%),
-- and those of waves.sql, inlined below.
with survey_waves as (
/* waves */
),

grouped as (
    select
        certification_code,
        promotion,
        wave,
        site,
        count(*) as certified,
        count(invited_at) as invited,
        count(*) filter (where answered) as answered,
        count(*) filter (where not answered and invited_at is not null) as to_remind,
        min(opens) as opens,
        max(closes) as closes,
        greatest(min(opens), min(invited_at)::date) as started
    from survey_waves
    group by grouping sets ((certification_code, promotion, wave, site), (certification_code, promotion, wave))
),

paced as (
    select
        *,
        pct(answered, certified) as response_rate,
        case
            when $today < opens then 'à venir'
            when $today <= closes then 'ouverte'
            else 'close'
        end as status,
        greatest(closes - $today::date, 0) as days_left,
        case
            when $today > closes then answered
            when started is null or $today <= started then null
            else least(certified, round(answered * (closes - started) / (($today::date - started)), 0))::bigint
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
