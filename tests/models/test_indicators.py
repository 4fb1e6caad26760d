"""SQL models as input rows -> expected rows, with hand-computed figures (docs/methodology.md M1-M18)."""

import pandas as pd
import pytest

from pipeline.indicators.disclosure import disclose
from pipeline.warehouse import models

CERT = "RNCP99999"
COHORT_SQL = (  # md5: 128 bits; columns named, so that optional columns added later stay NULL
    "insert into landing_cohort_results (load_id, source_file, source_row, candidate_hash, certification_code, "
    "jury_date, access_route, outcome, blocks_validated, site) "
    "values (1, 'f.csv', ?, md5(?)::uuid, ?, ?, ?, ?, null, 'Siège')"
)
# the columns by name: the landing table gains optional columns over time (issue #17: pay, cadre status)
SURVEY_COLUMNS = (
    "(load_id, source_file, source_row, candidate_hash, certification_code, promotion, wave, answer_date, "
    "situation, job_title, rome_code, contract_type, working_time, employer_sector, work_location, target_decision)"
)
SURVEY_SQL = (
    f"insert into landing_survey_answers {SURVEY_COLUMNS} values (2, 's.csv', ?, md5(?)::uuid, ?, null, ?, null, "
    "?, 'titre', ?, ?, null, null, ?, ?)"
)


def add_people(con, year, n, route="FI", outcome="certified", start=0, cert=CERT):
    for i in range(start, start + n):
        con.execute(COHORT_SQL, [i + 2, f"p{year}-{i}", cert, f"{year}-06-15", route, outcome])


def answer(con, year, i, wave, situation, rome=None, contract=None, location=None, decision=None, cert=CERT):
    con.execute(
        SURVEY_SQL, [i + 2, f"p{year}-{i}", cert, wave, situation, rome, contract, location, decision]
    )


def stats(con, settings, cert=CERT):
    models.build_models(con, settings)
    cur = con.execute(
        "select * from certification_statistics where certification_code = ? order by year", [cert]
    )
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def test_neutralised_are_removed_from_numerator_and_denominator(con, settings):
    con.execute(
        "insert into ref_target_jobs values (?, 'M1706', 'Promotion des ventes', 'test', true)", [CERT]
    )
    add_people(con, 2020, 10)
    add_people(con, 2020, 2, outcome="partial", start=10)  # not certified: outside the population
    add_people(con, 2020, 1, outcome="failed", start=12)
    situations = [
        ("employed", "M1706", None),
        ("employed", "M1706", None),
        ("employed", "D1211", None),
        ("employed", "M1706", "apprenticeship"),  # work-study contract: neutralised
        ("further_study", None, None),
        ("unable_to_work", None, None),
        ("job_seeking", None, None),
        ("inactive", None, None),
        ("no_response", None, None),
    ]
    for i, (situation, rome, contract) in enumerate(situations):
        answer(con, 2020, i, 6, situation, rome, contract)
    [row] = stats(con, settings)
    # respondents 8, neutralised 3 -> denominator 5; employed 3 (60 %), in target 2 (40 %)
    assert (row["certified"], row["respondents_6m"], row["neutralised_6m"], row["denominator_6m"]) == (
        10,
        8,
        3,
        5,
    )
    assert (row["employed_6m"], row["in_target_6m"]) == (3, 2)
    assert (row["insertion_rate_6m"], row["target_job_rate_6m"], row["response_rate_6m"]) == (60, 40, 80)
    assert (row["insertion_rate_6m_low"], row["insertion_rate_6m_high"]) == (23.1, 88.2)
    assert disclose(pd.DataFrame([row]), "internal", settings.small_cohort_threshold)[
        "insertion_rate_6m_small"
    ][0]


def test_zero_denominator_is_null_not_zero(con, settings):
    add_people(con, 2021, 2)
    answer(con, 2021, 0, 6, "further_study")
    answer(con, 2021, 1, 6, "no_response")
    [row] = stats(con, settings)
    assert row["denominator_6m"] == 0
    assert row["insertion_rate_6m"] is None and row["target_job_rate_6m"] is None
    assert row["target_job_rate_24m"] is None and row["insertion_rate_6m_low"] is None
    assert row["response_rate_6m"] == 50


@pytest.mark.parametrize(
    ("employed", "denominator", "expected"),
    [(7, 8, 88), (1, 8, 13), (5, 8, 63), (2, 3, 67), (1, 3, 33), (29, 33, 88), (23, 33, 70)],
)
def test_rates_round_half_up(con, settings, employed, denominator, expected):
    add_people(con, 2019, denominator)
    for i in range(denominator):
        answer(con, 2019, i, 24, "employed" if i < employed else "job_seeking")
    [row] = stats(con, settings)
    assert row["insertion_rate_24m"] == expected


def test_reviewer_decision_wins_over_rome_code(con, settings):
    con.execute(
        "insert into ref_target_jobs values (?, 'M1706', 'Promotion des ventes', 'test', true)", [CERT]
    )
    add_people(con, 2022, 4)
    answer(con, 2022, 0, 6, "employed", "M1706")  # in target by ROME code
    answer(con, 2022, 1, 6, "employed", "M1706", decision="out")  # reviewer: not in target
    answer(con, 2022, 2, 6, "employed", None, decision="in")  # no code, reviewer: in target
    answer(con, 2022, 3, 6, "employed", "D1211")  # other code
    [row] = stats(con, settings)
    assert (row["employed_6m"], row["in_target_6m"], row["target_job_rate_6m"]) == (4, 2, 50)
    methods = con.execute("select target_method from fct_survey_responses order by source_row").fetchall()
    assert [m[0] for m in methods] == ["rome_code", "decision", "decision", "rome_code"]


def test_work_abroad_is_neutralised_unless_the_certification_is_international(con, settings):
    add_people(con, 2020, 2)
    answer(con, 2020, 0, 6, "employed_abroad")
    answer(con, 2020, 1, 6, "employed", location="abroad")
    [row] = stats(con, settings)
    assert (row["neutralised_6m"], row["denominator_6m"]) == (2, 0)
    con.execute(
        "insert into ref_certifications (certification_code, title, international, source) values (?, 'Internationale', true, 'test')",
        [CERT],
    )
    [row] = stats(con, settings)
    assert (row["neutralised_6m"], row["employed_6m"], row["insertion_rate_6m"]) == (0, 2, 100)


def test_vae_count_and_access_route_breakdown(con, settings):
    add_people(con, 2020, 3, route="VAE")
    add_people(con, 2020, 2, route="CA", start=3)
    answer(con, 2020, 3, 6, "employed")
    [row] = stats(con, settings)
    assert (row["certified"], row["certified_vae"]) == (5, 3)
    routes = con.execute(
        "select access_route, certified, certified_vae, respondents_6m from access_route_statistics "
        "order by access_route"
    ).fetchall()
    assert routes == [("CA", 2, 0, 1), ("VAE", 3, 3, 0)]


def test_respondents_outside_the_certified_population_do_not_count(con, settings):
    add_people(con, 2020, 1)
    add_people(con, 2020, 1, outcome="partial", start=1)
    answer(con, 2020, 0, 6, "employed")
    answer(con, 2020, 1, 6, "job_seeking")  # partial: not surveyed population
    answer(con, 2020, 7, 6, "job_seeking")  # unknown person
    [row] = stats(con, settings)
    assert (row["certified"], row["respondents_6m"], row["insertion_rate_6m"]) == (1, 1, 100)


def test_small_cohort_threshold_is_a_setting(con, settings):
    from dataclasses import replace

    add_people(con, 2020, 3)
    for i in range(3):
        answer(con, 2020, i, 6, "employed")

    def flagged(threshold):
        row = stats(con, replace(settings, small_cohort_threshold=threshold))[0]
        recorded = con.execute("select value::integer from settings where key = 'small_cohort_threshold'")
        return bool(
            disclose(pd.DataFrame([row]), "internal", recorded.fetchall()[0][0])["insertion_rate_6m_small"][0]
        )

    assert flagged(20) is True
    assert flagged(3) is False


def test_national_head_counts_do_not_overflow(con):
    # a wave of 62,916 respondents: d * d and 200 * n overflow 32-bit integers
    row = con.execute(
        "select pct(55000, 62916), wilson_low(55000, 62916), wilson_high(55000, 62916), "
        "pct(20000000, 25000000)"
    ).fetchall()[0]
    assert row[0] == 87 and 87.2 <= row[1] < row[2] <= 87.7 and row[3] == 80


def add_answer(con, person, wave=6, situation="employed", *, load=None, file="a.csv", row=2, **fields):
    """One survey answer written as a load would (any landing column by name); one load per file name
    unless ``load`` says otherwise ((load, row) identifies an answer)."""
    load = load if load is not None else 100 + ord(file[0])
    con.execute(  # the load it came from, as a real load logs it (duplicate rules order files by name)
        "insert into load_log (load_id, file_path, file_name, sha256, status, started_at, finished_at) "
        "select ?, ?, ?, md5(?), 'loaded', now(), now() where not exists (select 1 from load_log where load_id = ?)",
        [load, file, file, file, load],
    )
    values = {"situation": situation, "wave": wave, "certification_code": CERT, **fields}
    columns = ", ".join(["load_id", "source_file", "source_row", "candidate_hash", *values])
    marks = ", ".join(["?", "?", "?", "md5(?)::uuid", *["?"] * len(values)])
    con.execute(
        f"insert into landing_survey_answers ({columns}) values ({marks})",
        [load, file, row, person, *values.values()],
    )


def issues(con, issue):
    return con.execute(
        "select source_file, source_row from quality_issues where issue = ? order by all", [issue]
    ).fetchall()


def test_one_answer_per_person_promotion_and_wave_by_the_stated_rule(con, settings):
    add_people(con, 2020, 2)
    # p2020-0: with and without a promotion, in two files: the latest answer date counts, once
    add_answer(
        con, "p2020-0", situation="job_seeking", file="a.csv", promotion=2020, answer_date="2021-01-05"
    )
    add_answer(con, "p2020-0", situation="employed", file="b.csv", answer_date="2021-02-01")
    # p2020-1: a non-response line and an answer: the answer counts
    add_answer(con, "p2020-1", situation="no_response", file="z.csv")
    add_answer(con, "p2020-1", situation="employed", file="a.csv", row=3, answer_date="2021-01-10")
    [row] = stats(con, settings)
    assert (row["surveyed_6m"], row["respondents_6m"], row["employed_6m"]) == (2, 2, 2)
    assert issues(con, "answer_superseded") == [("a.csv", 2), ("z.csv", 2)]


def test_same_answer_date_the_file_name_decides_not_the_load_order(con, settings):
    add_people(con, 2020, 1)
    add_answer(con, "p2020-0", situation="employed", load=9, file="a.csv", answer_date="2021-01-05")
    add_answer(con, "p2020-0", situation="job_seeking", load=3, file="b.csv", answer_date="2021-01-05")
    [row] = stats(con, settings)
    assert (row["respondents_6m"], row["employed_6m"]) == (1, 0)  # b.csv sorts last, whatever loaded last


def test_an_answer_attaches_to_the_promotion_it_gives_or_by_its_date(con, settings):
    add_people(con, 2019, 1, start=0)
    con.execute(COHORT_SQL, [50, "p2019-0", CERT, "2020-06-15", "FI", "certified"])  # certified again in 2020
    add_answer(con, "p2019-0", row=2, answer_date="2020-01-10")  # after the 2019 jury only -> 2019
    add_answer(con, "p2019-0", wave=24, row=3, promotion=2020)  # given -> 2020
    # not certified in 2018: attached by its date (none: the latest promotion, 2020), reported (issue #23)
    add_answer(con, "p2019-0", wave=24, row=4, promotion=2018)
    rows = stats(con, settings)
    assert [(r["year"], r["respondents_6m"], r["respondents_24m"]) for r in rows] == [
        (2019, 1, 0),
        (2020, 0, 1),  # rows 3 and 4: one answer of the person and wave counts
    ]
    assert issues(con, "answer_not_attached") == []
    assert issues(con, "promotion_corrected") == [("a.csv", 4)]
    assert len(issues(con, "answer_superseded")) == 1
    assert len(issues(con, "certified_in_several_years")) == 2


def test_fuzzy_title_match_waits_for_a_review(con, settings):
    con.execute(
        "insert into ref_target_jobs values (?, 'M1706', 'Promotion des ventes', 'test', true)", [CERT]
    )
    con.execute(
        "insert into job_title_matches (job_title, title_key, rome_code, appellation, method, score, rome_version) "
        "values ('Chef promo ventes', 'chef promo ventes', 'M1706', 'Chef de promotion des ventes', 'fuzzy', 88, "
        "(select coalesce(max(version), '') from rome_appellations) || '/own-code')"
    )
    add_people(con, 2020, 1)
    add_answer(con, "p2020-0", job_title="Chef promo ventes")
    [row] = stats(con, settings)
    assert (row["employed_6m"], row["in_target_6m"], row["pending_review_6m"]) == (1, 0, 1)
    assert con.execute("select status, proposed_rome_code from titles_to_review").fetchall() == [
        ("proposal", "M1706")
    ]
    from pipeline.warehouse import matching

    matching.review(con, "Chef promo ventes", "C. Moreau", "même métier", rome_code="M1706")
    [row] = stats(con, settings)
    assert (row["in_target_6m"], row["pending_review_6m"]) == (1, 0)


def test_a_parent_rome_code_counts_only_with_the_certification_setting(con, settings):
    con.execute("insert into ref_target_jobs values (?, 'A1504', 'Santé animale', 'test', true)", [CERT])
    con.execute("insert into rome_codes values ('A1507', 'Soins aux animaux', 'A1504', 'test')")
    add_people(con, 2020, 1)
    add_answer(con, "p2020-0", rome_code="A1507")
    assert stats(con, settings)[0]["in_target_6m"] == 0
    con.execute(
        "insert into ref_certifications (certification_code, title, source, target_parent_codes) "
        "values (?, 'Élargie', 'test', true)",
        [CERT],
    )
    assert stats(con, settings)[0]["in_target_6m"] == 1


def test_employed_abroad_wins_over_a_french_work_location_and_is_reported(con, settings):
    add_people(con, 2020, 1)
    add_answer(con, "p2020-0", situation="employed_abroad", work_location="france")
    [row] = stats(con, settings)
    assert (row["neutralised_6m"], row["denominator_6m"]) == (1, 0)
    assert issues(con, "location_conflict") == [("a.csv", 2)]


def test_an_incremental_refresh_rebuilds_everything_when_a_global_input_changed(con, settings):
    other = "RNCP88888"
    add_people(con, 2020, 1)
    add_people(con, 2020, 1, cert=other)
    add_answer(con, "p2020-0", situation="employed_abroad")
    add_answer(con, "p2020-0", situation="employed_abroad", certification_code=other, file="b.csv")
    models.build_models(con, settings)
    con.execute(
        "insert into ref_certifications (certification_code, title, international, source) "
        "values (?, 'Internationale', true, 'test')",
        [other],
    )
    models.build_models(con, settings, scope=[CERT])  # a load that touched CERT only
    rows = con.execute(
        "select certification_code, employed_6m from certification_statistics order by 1"
    ).fetchall()
    assert rows == [(other, 1), (CERT, 0)]  # the other certification's flag was applied too
