-- scope: certification_code (rows of one certification depend only on that certification's rows)
-- Every survey answer, attached to the promotion it belongs to, and whether it is the one that counts.
-- Rules (docs/methodology.md M6, M7 and M8; stated in the renewal pack's methodology):
-- * promotion: the one the answer gives, if the person was certified that year; else (no promotion, or
--   one that is not a year of theirs: promotion_corrected, reported) the latest certification obtained on
--   or before the answer date; else (no date, or dated before every jury) the person's latest
--   certification. An answer of a person not certified attaches nowhere.
-- * in_window: dated within its wave's window (survey_window(), both days inclusive), or without a date.
-- * one answer per person, certification, promotion and wave: respondents first, then the latest answer
--   date, then the file whose name sorts last, then the last row (then the file's content digest).
--   The others stay here with answer_rank > 1 and are reported (quality_issues). With the setting
--   outside_window = 'exclude', only the answers in their window are ranked: the others have no rank.
-- Narrow rows are ranked, so that millions of answers sort within the memory limit.
create or replace table fct_survey_attachments as
with files as (
    -- the files in name order (then content digest), as integers: cheaper to sort than names
    select load_id, row_number() over (order by file_name, sha256) as file_order
    from load_log where status = 'loaded'
),

answers as (
    select
        s.load_id, s.source_row, s.source_file, s.candidate_hash, s.certification_code, s.promotion, s.wave,
        s.answer_date, s.responded, coalesce(f.file_order, 0) as file_order
    from stg_survey_answers as s
    left join files as f using (load_id)
),

matches as (
    select
        a.load_id, a.source_row, c.year, c.jury_date, c.access_route, c.site, c.partner_siret, c.partner_name
    from answers as a
    inner join fct_certified as c
        on c.candidate_hash = a.candidate_hash
        and c.certification_code = a.certification_code
    qualify row_number() over (
        partition by a.load_id, a.source_row
        order by c.year = a.promotion desc nulls last,
            (a.answer_date is null or c.jury_date <= a.answer_date) desc, c.jury_date desc
    ) = 1
),

attached as (
    select
        a.*, m.year, m.jury_date, m.access_route, m.site, m.partner_siret, m.partner_name,
        a.promotion is not null and m.year <> a.promotion as promotion_corrected,
        survey_window(m.jury_date, a.wave) as answer_window  -- the one window rule (macro, 20_macros.sql)
    from answers as a
    left join matches as m using (load_id, source_row)
),

ranked as (
    select
        * exclude (answer_window),
        answer_date is null or answer_date between answer_window.opens and answer_window.closes as in_window,
        year is not null and (in_window or not outside_window_excluded()) as rankable
    from attached
)

select
    load_id,
    source_row,
    source_file,
    certification_code,
    wave,
    year,
    jury_date,
    access_route,
    site,
    partner_siret,  -- issue #16: the partner of the certification the answer is attached to
    partner_name,
    promotion,
    promotion_corrected,
    in_window,
    case when rankable then row_number() over (
        partition by candidate_hash, certification_code, year, wave, rankable
        order by responded desc, answer_date desc nulls last, file_order desc, source_row desc
    ) end as answer_rank
from ranked;
