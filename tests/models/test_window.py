"""The survey window: one rule (the SQL macro ``survey_window()``) read by the facts, the quality issues,
the campaigns and the tokens.

The window of the 6-month wave runs from jury + 4 months to jury + 9 months, the 2-year wave's from
jury + 20 months to jury + 30 months, both days inclusive, in calendar months (a day the shorter month
lacks is its last day). A tiny cohort of RNCP34179, three juries on three sites:

* Nice, 31/01/2024: 6 months 31/05/2024 – 31/10/2024; 2 years 30/09/2025 – 31/07/2026;
* Lyon, 01/01/2024: 6 months 01/05/2024 – 01/10/2024; 2 years 01/09/2025 – 01/07/2026;
* Paris, 31/10/2023: 6 months 29/02/2024 – 31/07/2024 (leap year); 2 years 30/06/2025 – 30/04/2026;

each with one person answering on each bound (inside) and one a day beyond it (outside), and one person
who never answers (so that the campaigns plan them).
"""

from __future__ import annotations

import datetime as dt
import io
from contextlib import redirect_stderr, redirect_stdout

import pytest

from pipeline.cli import main
from pipeline.core import tokens
from pipeline.core.config import Settings
from pipeline.load.pseudonymise import load_key
from pipeline.outputs import participants
from pipeline.reports import campaigns
from pipeline.warehouse import db as warehouse
from tests.helpers import ROOT
from tests.reference.recompute import add_months

D = dt.date
CODE = "RNCP34179"
JURIES = {"Nice": D(2024, 1, 31), "Lyon": D(2024, 1, 1), "Paris": D(2023, 10, 31)}
WINDOWS = {  # (site, wave): (first day, last day), both inclusive, written out by hand
    ("Nice", 6): (D(2024, 5, 31), D(2024, 10, 31)),
    ("Nice", 24): (D(2025, 9, 30), D(2026, 7, 31)),
    ("Lyon", 6): (D(2024, 5, 1), D(2024, 10, 1)),
    ("Lyon", 24): (D(2025, 9, 1), D(2026, 7, 1)),
    ("Paris", 6): (D(2024, 2, 29), D(2024, 7, 31)),
    ("Paris", 24): (D(2025, 6, 30), D(2026, 4, 30)),
}
DAY = dt.timedelta(days=1)
# person: (site, wave, answer date, inside the window)
ANSWERS = {
    "W-NICE-FIRST": ("Nice", 6, D(2024, 5, 31), True),  # the day the campaign's window opens
    "W-NICE-BEFORE": ("Nice", 6, D(2024, 5, 30), False),
    "W-NICE-LAST": ("Nice", 6, D(2024, 10, 31), True),
    "W-LYON-LAST": ("Lyon", 6, D(2024, 10, 1), True),  # the window's last day
    "W-LYON-AFTER": ("Lyon", 6, D(2024, 10, 2), False),
    "W-LYON-FIRST": ("Lyon", 6, D(2024, 5, 1), True),
    "W-PARIS-FIRST": ("Paris", 6, D(2024, 2, 29), True),
    "W-PARIS-BEFORE": ("Paris", 6, D(2024, 2, 28), False),
    "W-NICE-24-FIRST": ("Nice", 24, D(2025, 9, 30), True),
    "W-NICE-24-BEFORE": ("Nice", 24, D(2025, 9, 29), False),
    "W-NICE-24-LAST": ("Nice", 24, D(2026, 7, 31), True),
    "W-NICE-24-AFTER": ("Nice", 24, D(2026, 8, 1), False),
    "W-LYON-24-FIRST": ("Lyon", 24, D(2025, 9, 1), True),
    "W-LYON-24-BEFORE": ("Lyon", 24, D(2025, 8, 31), False),
    "W-LYON-24-LAST": ("Lyon", 24, D(2026, 7, 1), True),
    "W-LYON-24-AFTER": ("Lyon", 24, D(2026, 7, 2), False),
}
SILENT = {site: f"W-{site.upper()}-SILENT" for site in JURIES}  # certified, never answer
TODAY = "2027-01-01"  # every answer date is in the past


def run(*args) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main([str(a) for a in args])
    return code, out.getvalue() + err.getvalue()


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The tiny cohort and answers built into a temporary warehouse (default: answers outside counted)."""
    yield from build(tmp_path_factory.mktemp("window"))


@pytest.fixture(scope="module")
def built_excluding(tmp_path_factory):
    """The same files built with INSERTION_OUTSIDE_WINDOW=exclude (docs/methodology.md M8)."""
    yield from build(tmp_path_factory.mktemp("window-exclude"), INSERTION_OUTSIDE_WINDOW="exclude")


def build(folder, **environment):
    raw = folder / "raw"
    (raw / "cohortes").mkdir(parents=True)
    (raw / "enquetes").mkdir()
    people = [*ANSWERS, *SILENT.values()]
    site_of = {**{p: a[0] for p, a in ANSWERS.items()}, **{p: s for s, p in SILENT.items()}}
    cohort = ["Référence candidat;Code RNCP;Date du jury;Voie d'accès;Résultat;Site"] + [
        f"{p};{CODE};{JURIES[site_of[p]]:%d/%m/%Y};Formation initiale;Certifié;{site_of[p]}" for p in people
    ]
    (raw / "cohortes" / "fenetre_jurys.csv").write_text("\n".join(cohort) + "\n", encoding="utf-8")
    survey = [
        "Identifiant;Code RNCP;Vague;Date de réponse;Situation actuelle;Intitulé du poste;Code ROME"
    ] + [
        f"{p};{CODE};{'6 mois' if wave == 6 else '2 ans'};{day:%d/%m/%Y};En emploi;Rédacteur web;E1104"
        for p, (_, wave, day, _) in ANSWERS.items()
    ]
    (raw / "enquetes" / "fenetre_reponses.csv").write_text("\n".join(survey) + "\n", encoding="utf-8")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("INSERTION_KEY_FILE", str(folder / "secret" / "key"))
        mp.setenv("INSERTION_WAREHOUSE", str(folder / "warehouse" / "insertion.duckdb"))
        mp.setenv("INSERTION_REFERENCE_DIR", str(ROOT / "data" / "reference"))
        mp.setenv("INSERTION_RAW_DIR", str(raw))
        mp.setenv("INSERTION_HEADER_MAPPING", str(folder / "header_mapping.csv"))
        mp.setenv("INSERTION_WORKERS", "1")
        mp.setenv("INSERTION_TODAY", TODAY)
        for name, value in environment.items():
            mp.setenv(name, value)
        code, out = run("build")
        assert code == 0, out
        yield Settings.load()


def rows_by_person(settings: Settings, sql: str) -> dict[str, tuple]:
    """``sql``'s rows keyed by the person of the answer's file row (row 2 is the first answer)."""
    people = list(ANSWERS)
    with warehouse.connect(settings.warehouse, read_only=True) as con:
        return {people[r[0] - 2]: r[1:] for r in con.execute(sql).fetchall()}


def test_the_macro_gives_the_windows_written_by_hand(built):
    with warehouse.connect(built.warehouse, read_only=True) as con:
        for (site, wave), window in WINDOWS.items():
            got = con.execute("select survey_window(?::date, ?)", [JURIES[site], wave]).fetchone()[0]
            assert (got["opens"], got["closes"]) == window, (site, wave)


def test_answers_on_the_bounds_are_inside_and_a_day_beyond_is_outside(built):
    facts = rows_by_person(
        built,
        "select source_row, in_window, responded, employed, answer_date from fct_survey_responses "
        f"where certification_code = '{CODE}'",
    )
    assert set(facts) == set(ANSWERS)  # every answer is counted in the facts, inside or outside
    for person, (_, _, day, inside) in ANSWERS.items():
        in_window, responded, employed, answer_date = facts[person]
        assert answer_date == day and responded and employed, person
        assert in_window is inside, f"{person} answered on {day:%d/%m/%Y}: in_window {in_window}"

    flagged = rows_by_person(
        built, "select source_row, issue from quality_issues where source_file = 'fenetre_reponses.csv'"
    )
    assert set(flagged) == {p for p, a in ANSWERS.items() if not a[3]}  # « hors fenêtre », nothing else
    assert set(flagged.values()) == {("answer_outside_window",)}


def test_every_answer_still_counts_in_the_statistics(built):
    with warehouse.connect(built.warehouse, read_only=True) as con:
        stats = {
            r[0]: r[1:]
            for r in con.execute(
                "select year, certified, respondents_6m, employed_6m, respondents_24m, employed_24m "
                f"from certification_statistics where certification_code = '{CODE}'"
            ).fetchall()
        }
    assert stats == {2024: (16, 6, 6, 8, 8), 2023: (3, 2, 2, 0, 0)}


def test_the_setting_can_exclude_the_answers_outside_their_window(built_excluding, tmp_path):
    """With INSERTION_OUTSIDE_WINDOW=exclude, only the answers on or within the bounds count; the people
    who answered a day beyond are non-respondents; every answer outside is still reported, as excluded."""
    with warehouse.connect(built_excluding.warehouse, read_only=True) as con:
        stats = {
            r[0]: r[1:]
            for r in con.execute(
                "select year, certified, respondents_6m, employed_6m, respondents_24m, employed_24m "
                f"from certification_statistics where certification_code = '{CODE}'"
            ).fetchall()
        }
        recorded = con.execute("select value from settings where key = 'outside_window'").fetchone()
    # 2024 (Nice, Lyon): 4 answers on or within the bounds per wave; 2023 (Paris): 1 at 6 months
    assert stats == {2024: (16, 4, 4, 4, 4), 2023: (3, 1, 1, 0, 0)}
    assert recorded == ("exclude",)
    facts = rows_by_person(
        built_excluding,
        f"select source_row, in_window from fct_survey_responses where certification_code = '{CODE}'",
    )
    assert set(facts) == {p for p, a in ANSWERS.items() if a[3]}
    flagged = rows_by_person(
        built_excluding,
        "select source_row, issue, label from quality_issues where source_file = 'fenetre_reponses.csv'",
    )
    assert set(flagged) == {p for p, a in ANSWERS.items() if not a[3]}
    assert {(issue, "exclue des chiffres" in label) for issue, label in flagged.values()} == {
        ("answer_outside_window", True)
    }
    # the pack's Méthodologie states the setting in force
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("INSERTION_KEY_FILE", str(built_excluding.key_file))
        mp.setenv("INSERTION_WAREHOUSE", str(built_excluding.warehouse))
        mp.setenv("INSERTION_TODAY", TODAY)
        code, out = run("renewal", CODE, "--out", tmp_path / "pack.xlsx", "--html", tmp_path / "pack.html")
    assert code == 0, out
    html = (tmp_path / "pack.html").read_text(encoding="utf-8")
    assert "INSERTION_OUTSIDE_WINDOW=exclude" in html and "Exclues des chiffres" in html


def test_the_campaigns_windows_are_the_facts_windows(built):
    """The person-level waves, mart_survey_waves, the plan and the status give each jury's window."""
    with warehouse.connect(built.warehouse, read_only=True) as con:
        waves = campaigns.waves(con, CODE, today=D(2024, 6, 15))
        mart = con.execute(
            "select site, wave, opens, closes from mart_survey_waves where certification_code = ?", [CODE]
        ).fetchall()
        plan = campaigns.plan_counts(con, CODE, due_before=D(2030, 1, 1), today=D(2024, 6, 15))
        status = campaigns.status(con, built, CODE, today=D(2024, 6, 15))
    site_of_jury = {jury: site for site, jury in JURIES.items()}
    for r in waves.itertuples():
        window = WINDOWS[(site_of_jury[r.jury_date.date()], r.wave)]
        assert (r.opens.date(), r.closes.date()) == window, r
    assert {(site, wave): (opens, closes) for site, wave, opens, closes in mart} == WINDOWS
    assert len(plan) == len(WINDOWS)  # every site and wave has somebody (the silent) to survey
    for r in plan.itertuples():
        assert (r.opens.date(), r.closes.date()) == WINDOWS[(r.site, r.wave)], r
    by_site = status[status["site"].notna()]
    assert len(by_site) == 4  # the 2024 promotion: Nice and Lyon, two waves (Paris is alone in 2023)
    for r in by_site.itertuples():
        assert (r.opens.date(), r.closes.date()) == WINDOWS[(r.site, r.wave)], r
    paris = status[(status["promotion"] == 2023)]
    assert {(r.wave, r.opens.date(), r.closes.date()) for r in paris.itertuples()} == {
        (wave, *WINDOWS[("Paris", wave)]) for wave in (6, 24)
    }
    # the facts judge each answer by the window the campaigns planned for that person
    facts = rows_by_person(
        built,
        f"select source_row, answer_date, in_window from fct_survey_responses where certification_code = '{CODE}'",
    )
    for person, (site, wave, _, _) in ANSWERS.items():
        opens, closes = WINDOWS[(site, wave)]
        day, in_window = facts[person]
        assert in_window is (opens <= day <= closes), person


def test_the_status_on_the_first_and_last_days(built):
    """« ouverte » from the first day to the last day of the window, both included."""
    opens, closes = WINDOWS[("Lyon", 6)]
    with warehouse.connect(built.warehouse, read_only=True) as con:
        for day, state in (
            (opens - DAY, "à venir"),
            (opens, "ouverte"),
            (closes, "ouverte"),
            (closes + DAY, "close"),
        ):
            waves = campaigns.waves(con, CODE, 6, today=day)
            lyon = waves[waves["site"] == "Lyon"]
            assert set(lyon["status"]) == {state}, (day, state)


def test_the_token_is_valid_until_the_close_of_the_window(built, tmp_path):
    contacts = tmp_path / "contacts.csv"
    contacts.write_text(
        "Référence candidat;E-mail\n" + "".join(f"{p};{p.lower()}@example.org\n" for p in SILENT.values()),
        encoding="utf-8",
    )
    key = load_key(built.key_file)
    with warehouse.connect(built.warehouse, read_only=True) as con:
        for wave, today in ((6, D(2024, 6, 15)), (24, D(2025, 10, 15))):
            invited = participants.participants(con, built, key, CODE, wave, [contacts], today=today)
            assert len(invited.frame) == 3, invited.frame  # each site's silent person
            sites = dict(zip(invited.frame["email"], invited.frame["site"], strict=True))
            for email, token, opens, closes in invited.frame[
                ["email", "token", "opens", "closes"]
            ].itertuples(index=False):
                window = WINDOWS[(sites[email], wave)]
                assert (opens.date(), closes.date()) == window
                assert tokens.read(key, token, CODE, wave).valid_until == window[1]


@pytest.mark.parametrize("wave,months", [(6, (4, 9)), (24, (20, 30))])
def test_the_macro_is_calendar_months_on_every_day(built, wave, months):
    """Every jury day of 2019-2025 (month ends, 29/02/2020 and 29/02/2024 included) against the
    independent recomputation's month arithmetic (tests/reference/recompute.py)."""
    days = [D(2019, 1, 1) + dt.timedelta(days=i) for i in range((D(2025, 12, 31) - D(2019, 1, 1)).days + 1)]
    with warehouse.connect(built.warehouse, read_only=True) as con:
        got = con.execute(
            "select d, survey_window(d, ?) from unnest(?::date[]) as t (d) order by d", [wave, days]
        ).fetchall()
    assert [g[0] for g in got] == days
    for day, window in got:
        assert (window["opens"], window["closes"]) == (add_months(day, months[0]), add_months(day, months[1]))
