-- Today, as pipeline/core/clock.py says (INSERTION_TODAY, set on each connection by core.sql.set_today).
create or replace macro insertion_today() as coalesce(getvariable('insertion_today')::date, current_date);

-- Rates as France Compétences publishes them: integer percentages rounded half up, NULL on a zero
-- denominator. Exact integer arithmetic: floor(100 n / d + 1/2) = (200 n + d) // (2 d).
create or replace macro pct(n, d) as
    case when d > 0 then ((200 * n::bigint + d) // (2 * d::bigint))::integer end;

-- 95 % Wilson score interval, in percent with one decimal (z = 1.96). Computed in double precision:
-- national head-counts overflow 32-bit integers in d * d.
create or replace macro wilson_low(n, d) as
    case when d > 0 then round(100 * greatest(0,
        ((n::double / d) + 1.9208 / d - 1.96 * sqrt((n::double / d) * (1 - n::double / d) / d + 0.9604 / (d::double * d)))
        / (1 + 3.8416 / d)), 1) end;

create or replace macro wilson_high(n, d) as
    case when d > 0 then round(100 * least(1,
        ((n::double / d) + 1.9208 / d + 1.96 * sqrt((n::double / d) * (1 - n::double / d) / d + 0.9604 / (d::double * d)))
        / (1 + 3.8416 / d)), 1) end;

-- A dashboard filter: an empty list of choices keeps every value.
create or replace macro in_filter(choices, value) as (len(choices) = 0 or list_contains(choices, value));

-- The survey windows in force (settings window_6m, window_24m: months after the jury, min and max), one
-- row: what the quality checks apply to answers and what the survey campaigns plan.
create or replace macro survey_windows() as table
    select
        max(case when key = 'window_6m' then string_split(value, ',')[1]::integer end) as lo6,
        max(case when key = 'window_6m' then string_split(value, ',')[2]::integer end) as hi6,
        max(case when key = 'window_24m' then string_split(value, ',')[1]::integer end) as lo24,
        max(case when key = 'window_24m' then string_split(value, ',')[2]::integer end) as hi24
    from settings;

-- The state of a survey window on a day: 'à venir', 'ouverte' or 'close' (the campaigns' one rule).
create or replace macro window_state(opens, closes, day) as
    case when day < opens then 'à venir' when day <= closes then 'ouverte' else 'close' end;

-- Issue #16: a partner's key in the dashboard's filters: its SIRET, else « nom:<name> », else « aucun »
-- (no partner: the certifier itself).
create or replace macro partner_key(siret, name) as coalesce(siret, 'nom:' || name, 'aucun');
