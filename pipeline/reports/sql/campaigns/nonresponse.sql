-- Non-response check: per promotion and wave, each access route and each site compared with the whole
-- promotion. A group's response rate (respondents ÷ certified, macro pct) $gap points or more away from
-- its promotion's flags a risk of bias (groups of $min_group certified or more). Parameters:
-- $certification, $years (null = all), $gap, $min_group; the waves of waves.sql are inlined below.
with survey_waves as (
/* waves */
),

scoped as (
    select * from survey_waves
    where $years::integer[] is null or list_contains($years::integer[], promotion)
),

promotions as (
    select promotion, wave, count(*) as certified, count(*) filter (where answered) as respondents
    from scoped
    group by all
),

groups as (
    select promotion, wave, 'Voie d''accès' as dimension, access_route as grp, count(*) as certified,
        count(*) filter (where answered) as respondents
    from scoped group by all
    union all
    select promotion, wave, 'Site', coalesce(nullif(site, ''), 'Non renseigné'), count(*),
        count(*) filter (where answered)
    from scoped group by all
)

select
    g.promotion,
    g.wave,
    g.dimension,
    g.grp as "group",
    g.certified,
    g.respondents,
    g.certified - g.respondents as non_respondents,
    pct(g.respondents, g.certified) as response_rate,
    pct(p.respondents, p.certified) as promotion_response_rate,
    pct(g.respondents, g.certified) - pct(p.respondents, p.certified) as gap_points,
    pct(g.certified, p.certified) as share_of_certified,
    pct(g.respondents, p.respondents) as share_of_respondents,
    p.certified as promotion_certified,
    p.respondents as promotion_respondents,
    g.certified >= $min_group
        and abs(pct(g.respondents, g.certified) - pct(p.respondents, p.certified)) >= $gap as flagged
from groups as g
join promotions as p using (promotion, wave)
order by g.promotion desc, g.wave, g.dimension desc, g.grp
