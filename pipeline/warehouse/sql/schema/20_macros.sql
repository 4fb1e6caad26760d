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
-- row. Read only by survey_window() below.
create or replace macro survey_windows() as table
    select
        max(case when key = 'window_6m' then string_split(value, ',')[1]::integer end) as lo6,
        max(case when key = 'window_6m' then string_split(value, ',')[2]::integer end) as hi6,
        max(case when key = 'window_24m' then string_split(value, ',')[1]::integer end) as lo24,
        max(case when key = 'window_24m' then string_split(value, ',')[2]::integer end) as hi24
    from settings;

-- THE survey window rule, its one definition: the window of a wave (6 | 24) for a jury date, as
-- {opens, closes}, both days inclusive: the jury date plus the settings' min and max (window_6m,
-- window_24m) in calendar months; a day the shorter month lacks is its last day (31/01 + 4 months =
-- 31/05; 31/10 + 4 months = 28/02, or 29/02 in a leap year). With the default settings: jury + 4 months
-- to jury + 9 months, and jury + 20 months to jury + 30 months. Read by the facts (in_window), hence
-- the quality issues, by the campaigns (waves, plan, status, mart_survey_waves) and for the tokens'
-- last valid day (the close).
create or replace macro survey_window(jury_date, wave) as (
    select {
        'opens': (jury_date + to_months(case when wave = 6 then lo6 else lo24 end))::date,
        'closes': (jury_date + to_months(case when wave = 6 then hi6 else hi24 end))::date
    }
    from survey_windows()
);

-- Whether answers dated outside their window are left out of the figures (setting outside_window =
-- 'exclude'; default 'count': counted and reported). Read by fct_survey_attachments (docs/methodology.md M8).
create or replace macro outside_window_excluded() as (
    select coalesce(max(value) = 'exclude', false) from settings where key = 'outside_window'
);

-- The state of a survey window on a day: 'à venir', 'ouverte' or 'close' (the campaigns' one rule).
create or replace macro window_state(opens, closes, day) as
    case when day < opens then 'à venir' when day <= closes then 'ouverte' else 'close' end;

-- Issue #16: a partner's key in the dashboard's filters: its SIRET, else « nom:<name> », else « aucun »
-- (no partner: the certifier itself).
create or replace macro partner_key(siret, name) as coalesce(siret, 'nom:' || name, 'aucun');

-- The dashboard's filters on a row (certifications, years, access routes, sites, partners as values of
-- partner_key; an empty list means all): the one predicate every filtered query of dashboard/sql/ applies.
create or replace macro in_filters(certifications, years, routes, sites, partners,
                                   certification_code, year, access_route, site, partner_siret, partner_name) as (
    in_filter(certifications, certification_code) and in_filter(years, year) and in_filter(routes, access_route)
    and in_filter(sites, site) and in_filter(partners, partner_key(partner_siret, partner_name))
);
