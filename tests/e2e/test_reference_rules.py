"""The rules of issue #23 against the independent recomputation (tests/reference/recompute.py), each on tiny
files written here: a wrong promotion attached by its date (docs/methodology.md M6; R3), the setting
INSERTION_OUTSIDE_WINDOW (M7, M8; R4, R10) and every written form of a job title, titles of several ROME
codes included (M11, M12; R7), the last with the real ROME 4.0 appellation file.

Each case builds a warehouse with the real CLI (`insertion build`, in-process), checks that every file was
loaded (exit 0, no file rejected, no row set aside), then compares certification_statistics and
access_route_statistics cell by cell with the recomputation, and the hand-counted figures the methodology
implies with the recomputation (so that a failure says which side departs from the written rule). The
recomputation's own reading of written forms (M11; R7) and its code_ogr order are also checked alone, on
labels of the real ROME 4.0 file read by hand from the methodology.
"""

from __future__ import annotations

import csv
import io
import shutil
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from pipeline.cli import main
from tests.e2e.test_reference import TABLES, differences
from tests.reference.recompute import (
    ambiguous_titles,
    appellation_index,
    corrected_promotions,
    norm,
    outside_window,
    read_and_attach,
    recompute,
    title_candidates,
    title_forms,
)

REPO = Path(__file__).resolve().parents[2]
REFERENCE = REPO / "data" / "reference"
# real ROME 4.0 appellations (v460): every row of the codes the titles below meet (tests/fixtures/README.md),
# and the whole file when it is at hand
ROME_EXCERPT = REPO / "tests" / "fixtures" / "rome" / "unix_referentiel_appellation_v460_utf8.csv"
ROME_WHOLE = Path("/work/shared/data/rome-v460/unix_referentiel_appellation_v460_utf8.csv")
CERT = "RNCP99231"  # a fictional certification: its targeted ROME codes are written by each test
TODAY = "2026-11-30"  # the day dates are judged on (M33), fixed: every answer date below is usable

COHORT_HEADER = ["Référence candidat", "Code RNCP", "Date du jury", "Voie d'accès", "Résultat", "Site"]
SURVEY_HEADER = ["Identifiant", "Code RNCP", "Promotion", "Vague", "Date de réponse", "Situation actuelle",
                 "Intitulé du poste", "Code ROME", "Type de contrat"]  # fmt: skip


# ---------------------------------------------------------------- inputs and build
def write_csv(path: Path, header: list[str], rows: list[list]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, delimiter=";")
        writer.writerow(header)
        writer.writerows([["" if v is None else v for v in row] for row in rows])


def inputs(tmp: Path, cohort: list[list], survey: list[list], targets: list[str] = ()) -> tuple[Path, Path]:
    """(raw folder, reference folder): one cohort and one survey file; the shipped interim referential plus
    the targeted ROME codes of CERT."""
    raw, reference = tmp / "raw", tmp / "reference"
    write_csv(
        raw / "cohortes" / "jurys.csv", COHORT_HEADER, [[p, CERT, d, "FI", o, "Lyon"] for p, d, o in cohort]
    )
    write_csv(raw / "enquetes" / "reponses.csv", SURVEY_HEADER, [[r[0], CERT, *r[1:]] for r in survey])
    shutil.copytree(REFERENCE, reference)
    with open(reference / "certification_rome.csv", "a", encoding="utf-8") as f:
        f.writelines(f"{CERT},{code},\n" for code in targets)
    with open(reference / "certifications.csv", "a", encoding="utf-8") as f:
        f.write(f"{CERT},Certification de test,0,,,0\n")
    return raw, reference


def build(tmp: Path, raw: Path, reference: Path, **settings: str) -> Path:
    """`insertion build` in-process on a warehouse of its own in ``tmp``; ``settings``: INSERTION_* values
    (INSERTION_OUTSIDE_WINDOW unset unless given). Checks that every file was loaded whole."""
    env = {
        "INSERTION_WAREHOUSE": str(tmp / "w.duckdb"),
        "INSERTION_RAW_DIR": str(raw),
        "INSERTION_REFERENCE_DIR": str(reference),
        "INSERTION_KEY_FILE": str(tmp / "key"),
        "INSERTION_HEADER_MAPPING": str(tmp / "header_mapping.csv"),
        "INSERTION_WORKERS": "1",
        "INSERTION_TODAY": TODAY,
        **settings,
    }
    out, err = io.StringIO(), io.StringIO()
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("INSERTION_OUTSIDE_WINDOW", raising=False)
        for name, value in env.items():
            mp.setenv(name, value)
        with redirect_stdout(out), redirect_stderr(err):
            code = main(["build"])
    assert code == 0, f"insertion build failed:\n{out.getvalue()[-3000:]}\n{err.getvalue()[-3000:]}"
    warehouse = tmp / "w.duckdb"
    log = query(warehouse, "select file_name, status, message from load_log")
    assert sorted(log.loc[log["status"] == "loaded", "file_name"]) == sorted(
        p.name for p in raw.rglob("*") if p.is_file()
    ), f"files not loaded:\n{log.to_string()}"
    recorded = query(warehouse, "select value from settings where key = 'outside_window'")["value"]
    assert list(recorded) == [settings.get("INSERTION_OUTSIDE_WINDOW", "count")]  # M31
    return warehouse


def query(warehouse: Path, sql: str) -> pd.DataFrame:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql).df()
    finally:
        con.close()


def rows_set_aside(warehouse: Path) -> pd.DataFrame:
    return query(warehouse, "select file_name, source_row, reasons from quarantine where outcome = 'row'")


def figure_differences(warehouse: Path, raw: Path, reference: Path, outside: str = "count") -> list[str]:
    """Where certification_statistics and access_route_statistics differ from the recomputation."""
    report = []
    for (table, keys), expected in zip(TABLES.items(), recompute(raw, reference, outside), strict=True):
        lines = differences(expected, query(warehouse, f"select * from {table}"), keys)
        if lines:
            report.append(f"{table} ({outside}): {len(lines)} differing row(s)\n  " + "\n  ".join(lines))
    return report


def assert_same_figures(warehouse: Path, raw: Path, reference: Path, outside: str = "count") -> None:
    """certification_statistics and access_route_statistics equal the recomputation, cell by cell."""
    report = figure_differences(warehouse, raw, reference, outside)
    assert not report, "\n".join(report)


def issue_rows(warehouse: Path, issue: str) -> set[tuple]:
    frame = query(
        warehouse,
        "select certification_code, year, wave, source_file, source_row from quality_issues "
        f"where issue = '{issue}'",
    )
    return {
        (r[0], int(r[1]), str(r[2]).removesuffix("m") + "m", r[3], int(r[4])) for r in frame.itertuples(False)
    }


def oracle_rows(frame: pd.DataFrame) -> set[tuple]:
    return {(r.cert, int(r.year), r.wave, r.src_file, int(r.src_line)) for r in frame.itertuples()}


def figures(raw: Path, reference: Path, outside: str = "count") -> dict[int, dict]:
    """The recomputation's certification_statistics of CERT, per year."""
    overall = recompute(raw, reference, outside)[0]
    return {int(r["year"]): r for r in overall[overall["certification_code"] == CERT].to_dict("records")}


# ---------------------------------------------------------------- R3 / M6: a wrong promotion
# fmt: off
# person, jury date, outcome
PROMOTION_COHORT = [
    ("PROMO-01", "15/06/2021", "Certifié"),
    ("PROMO-02", "15/06/2020", "Certifié"),
    ("PROMO-02", "20/06/2022", "Certifié"),
    ("PROMO-03", "15/06/2020", "Certifié"),
    ("PROMO-03", "20/06/2022", "Certifié"),
    ("PROMO-04", "15/06/2021", "Certifié"),
    ("PROMO-05", "15/06/2020", "Certifié"),
    ("PROMO-05", "20/06/2022", "Certifié"),
    ("PROMO-06", "15/06/2021", "Certifié"),
    ("PROMO-07", "15/06/2021", "Ajourné"),  # never certified: its answer attaches nowhere
    ("PROMO-08", "15/06/2021", "Certifié"),
    ("PROMO-09", "15/06/2021", "Certifié"),  # no answer
]
# person, promotion, wave, answer date, situation, job title, ROME code, contract (the file's row = index + 2)
PROMOTION_SURVEY = [
    ["PROMO-01", 2020, "6 mois", "10/12/2021", "En emploi", "", "", "CDI"],  # 2: wrong -> 2021 by date
    ["PROMO-02", 2021, "6 mois", "15/01/2021", "En recherche d'emploi", "", "", ""],  # 3: wrong: 2020 by date
    ["PROMO-03", 2019, "6 mois", "10/01/2020", "Inactif", "", "", ""],  # 4: wrong, before every jury -> 2022
    ["PROMO-04", 2023, "2 ans", "", "En emploi", "", "", "CDD"],  # 5: wrong, no date -> 2021 (the latest)
    ["PROMO-05", 2020, "6 mois", "10/01/2023", "En emploi", "", "", "CDI"],  # 6: right promotion, kept
    ["PROMO-06", 2021, "6 mois", "01/11/2021", "En recherche d'emploi", "", "", ""],  # 7: superseded by row 8
    ["PROMO-06", 2019, "6 mois", "10/01/2022", "En emploi", "", "", "CDI"],  # 8: wrong -> 2021, later: counts
    ["PROMO-07", 2021, "6 mois", "10/12/2021", "En emploi", "", "", "CDI"],  # 9: not certified: never counts
    ["PROMO-08", 1985, "6 mois", "10/12/2021", "En emploi", "", "", "CDI"],  # 10: malformed: by date
]
# the answers whose promotion is corrected: (year attached, wave, file row)
CORRECTED = {(2021, "6m", 2), (2020, "6m", 3), (2022, "6m", 4), (2021, "24m", 5), (2021, "6m", 8)}
# fmt: on


def test_wrong_promotion_is_attached_by_its_date_and_reported(tmp_path):
    raw, reference = inputs(tmp_path, PROMOTION_COHORT, PROMOTION_SURVEY)
    # the recomputation follows the written rule (M6): every answer of a certified person counts
    expected = figures(raw, reference)
    assert {y: (r["certified"], r["respondents_6m"], r["employed_6m"], r["respondents_24m"]) for y, r in
            expected.items()} == {2020: (3, 2, 1, 0), 2021: (5, 3, 3, 1), 2022: (3, 1, 0, 0)}  # fmt: skip
    corrected = corrected_promotions(raw, reference)
    assert {(int(r.year), r.wave, int(r.src_line)) for r in corrected.itertuples()} == CORRECTED
    assert sorted(corrected["promotion"]) == [2019, 2019, 2020, 2021, 2023]

    warehouse = build(tmp_path, raw, reference)
    set_aside = rows_set_aside(warehouse)
    assert list(set_aside["source_row"]) == [], f"rows set aside:\n{set_aside.to_string()}"
    assert_same_figures(warehouse, raw, reference)
    assert issue_rows(warehouse, "promotion_corrected") == oracle_rows(corrected), (
        "one promotion_corrected row per answer whose promotion is not a year of the person (M6, M22)"
    )


# ---------------------------------------------------------------- R10 / M8: answers outside their window
# 6 months: jury 31/01/2024 -> 31/05/2024 .. 31/10/2024; jury 01/01/2024 -> 01/05/2024 .. 01/10/2024;
# 2 years: jury 01/01/2024 -> 01/09/2025 .. 01/07/2026
# fmt: off
WINDOW_COHORT = [
    ("WIN-01", "31/01/2024", "Certifié"),
    ("WIN-02", "31/01/2024", "Certifié"),
    ("WIN-03", "01/01/2024", "Certifié"),
    ("WIN-04", "01/01/2024", "Certifié"),
    ("WIN-05", "15/03/2024", "Certifié"),
    ("WIN-06", "01/01/2024", "Certifié"),
    ("WIN-07", "01/01/2024", "Certifié"),
    ("WIN-08", "01/01/2024", "Certifié"),
    ("WIN-09", "01/01/2024", "Certifié"),
    ("WIN-10", "01/01/2024", "Certifié"),
    ("WIN-11", "01/01/2024", "Certifié"),
]
WINDOW_SURVEY = [
    ["WIN-01", 2024, "6 mois", "31/05/2024", "En emploi", "", "", "CDI"],  # 2: the first day: inside
    ["WIN-02", 2024, "6 mois", "30/05/2024", "En emploi", "", "", "CDI"],  # 3: the day before it opens
    ["WIN-03", 2024, "6 mois", "01/10/2024", "En emploi", "", "", "CDI"],  # 4: the last day: inside
    ["WIN-04", 2024, "6 mois", "02/10/2024", "En emploi", "", "", "CDI"],  # 5: the day after it closes
    ["WIN-05", 2024, "6 mois", "01/03/2024", "En emploi", "", "", "CDI"],  # 6: before the jury
    ["WIN-06", 2024, "6 mois", "15/06/2024", "En recherche d'emploi", "", "", ""],  # 7: inside
    ["WIN-06", 2024, "6 mois", "15/12/2024", "En emploi", "", "", "CDI"],  # 8: after, later: wins under count
    ["WIN-07", 2024, "6 mois", "", "Inactif", "", "", ""],  # 9: no date: never excluded
    ["WIN-07", 2024, "6 mois", "15/12/2024", "En emploi", "", "", "CDI"],  # 10: after, dated: wins
    ["WIN-08", 2024, "6 mois", "15/06/2024", "", "", "", ""],  # 11: inside, no answer
    ["WIN-08", 2024, "6 mois", "15/12/2024", "En emploi", "", "", "CDI"],  # 12: after, a respondent: wins
    ["WIN-09", 2024, "2 ans", "01/07/2026", "En emploi", "", "", "CDI"],  # 13: the last day: inside
    ["WIN-10", 2024, "2 ans", "02/07/2026", "En emploi", "", "", "CDI"],  # 14: the day after it closes
    ["WIN-11", 2024, "2 ans", "31/08/2025", "En emploi", "", "", "CDI"],  # 15: the day before it opens
]
# fmt: on


@pytest.mark.parametrize("outside", ["count", "exclude"])
def test_answers_outside_their_window_follow_the_setting(tmp_path, outside):
    raw, reference = inputs(tmp_path, WINDOW_COHORT, WINDOW_SURVEY)
    # the written rule (M8): count keeps every answer; exclude ranks only those inside or undated (M7)
    r = figures(raw, reference, outside)[2024]
    measures = (
        "surveyed_6m",
        "respondents_6m",
        "employed_6m",
        "surveyed_24m",
        "respondents_24m",
        "employed_24m",
    )
    got = {k: r[k] for k in measures}
    assert got == {
        "count": dict(surveyed_6m=8, respondents_6m=8, employed_6m=8, surveyed_24m=3, respondents_24m=3,
                      employed_24m=3),
        "exclude": dict(surveyed_6m=5, respondents_6m=4, employed_6m=2, surveyed_24m=1, respondents_24m=1,
                        employed_24m=1),
    }[outside]  # fmt: skip

    settings = {"INSERTION_OUTSIDE_WINDOW": outside} if outside == "exclude" else {}
    warehouse = build(tmp_path, raw, reference, **settings)
    assert rows_set_aside(warehouse).empty
    assert_same_figures(warehouse, raw, reference, outside)
    # reported « hors fenêtre » under both settings: the answers dated after their jury and outside their
    # window (counted, or excluded); the one dated before its jury is reported apart (answer_before_jury)
    expected_out = oracle_rows(outside_window(raw, reference, outside))
    assert {row for _, _, _, _, row in expected_out} == {3, 5, 8, 10, 12, 14, 15}
    assert issue_rows(warehouse, "answer_outside_window") == expected_out


# ---------------------------------------------------------------- R7 / M11, M12: job titles
# the certification's targeted job codes; the ROME codes of the appellations named below are in the real
# ROME 4.0 file (v460): F1202 « Chef / Cheffe de chantier bâtiment » (12091), « … du BTP » (12093),
# « Chef de chantier principal / Cheffe de chantier principale » (12099); J1301 « Agent hospitalier /
# Agente hospitalière » (10741); A1504 « Vétérinaire praticien / Vétérinaire praticienne » (20680); F1702
# « Maçon / Maçonne Voiries et Réseaux Divers -VRD- » (16257); F1601 « Platrier / Platrière plaquiste »
# (488388, whose forms are also those of F1604's 17831 « Plâtrier-plaquiste / Plâtrière-plaquiste »); F1620
# « Monteur dépanneur / Monteuse dépanneuse frigoriste » (404952, also I1306's 16886 with hyphens); not
# targeted: H1208 « Technicien / Technicienne d'études instrumentaliste » (19965, also I1602's 488675, with
# « ’ »), F1203 « Chef / Cheffe de chantier de forage » (12092)
TARGETS = ["F1202", "J1301", "A1504", "F1702", "F1601", "F1620"]
# job title, the code M11 gives it ('' = none), whether M12 puts it in the targeted occupation
TITLES = [
    ("Cheffe de chantier bâtiment", "F1202", True),  # the feminine of a pair « A / B »
    ("Chef·fe de chantier du BTP", "F1202", True),  # inclusive « ·fe »: masculine reading
    ("Chef(fe) de chantier bâtiment", "F1202", True),  # inclusive « (fe) »
    ("Chef / Cheffe de chantier", "F1202", True),  # a pair typed by the person
    ("Cheffe de chantier principale", "F1202", True),
    ("Agente hospitalière", "J1301", True),  # pair of two-word sides: the feminine is B
    ("Agent hospitalier", "J1301", True),  # … the masculine is A
    ("Agent·e hospitalier·ère", "J1301", True),  # every inclusive word in one gender (« ère » on « -er »)
    ("Agent / Agente hospitalière", "J1301", True),  # « A / B » with B longer: the feminine is B
    ("Vétérinaire praticienne", "A1504", True),
    ("Maçonne voiries et réseaux divers", "F1702", True),  # the label's « -VRD- » dropped
    ("Plâtrière plaquiste", "F1601", True),  # two codes: the targeted one, though later in code_ogr order
    ("Monteuse dépanneuse frigoriste", "F1620", True),  # two codes: the targeted one (I1306 comes first)
    ("Technicienne d'études instrumentaliste", "H1208", False),  # two codes, none targeted: the first
    ("Cheffe de chantier de forage", "F1203", False),  # an exact match, not a targeted code
    ("Agent/Agente hospitalière", "", False),  # a slash without spaces is not a gender pair
    ("Agent hospitalière", "", False),  # one masculine and one feminine word: no reading has both
    ("Chef de chantier bâtiment junior", "", False),  # close (a fuzzy proposal at most): never a code
    ("Vétérinaire", "A1504", True),  # written as the appellation
]
IN_TARGET = sum(in_target for _, _, in_target in TITLES)


# a text, then its masculine and feminine readings, normalised (M11: a gender pair « A / B » aligns B's first
# word with the word of A it is the feminine of: the first word of A with the same four first letters that is
# not that same word; when there is none, A and B are read by the word count k = |A|: the masculine is A and
# the words of B after its first k, the feminine B, after the first k - |B| words of A when B is shorter); the
# as-written form is the text normalised
# fmt: off
FORMS = [
    ("Analyste Concepteur / Conceptrice informatique",  # B's first word is A's second: shared tail after it
     "analyste concepteur informatique", "analyste conceptrice informatique"),
    ("Auxiliaire Spécialisé / Spécialisée Vétérinaire -ASV-",  # the acronym dropped before counting words
     "auxiliaire specialise veterinaire", "auxiliaire specialisee veterinaire"),
    ("Agent hospitalier / Agente hospitalière",  # two gendered words, no shared tail
     "agent hospitalier", "agente hospitaliere"),
    ("Artiste Plasticien / Plasticienne",  # the words of A before the gendered one start the feminine
     "artiste plasticien", "artiste plasticienne"),
    ("Agent / Agente de propreté", "agent de proprete", "agente de proprete"),
    ("Chef / Cheffe de chantier", "chef de chantier", "cheffe de chantier"),  # « chef »: the whole word
    ("Chef de chantier principal / Cheffe de chantier principale",
     "chef de chantier principal", "cheffe de chantier principale"),
    ("Médecin Anesthésiste Réanimateur / Réanimatrice (MAR)",  # the third word of A
     "medecin anesthesiste reanimateur mar", "medecin anesthesiste reanimatrice mar"),
    # no word of A begins as B's first word (or only that same word): read by the word count k = |A|
    ("Acteur principal / Actrice principale",  # « acte » is not « actr »: k = 2, B as long as A
     "acteur principal", "actrice principale"),
    ("Vétérinaire praticien / Vétérinaire praticienne",  # « vétérinaire » is B's first word itself: k = 2
     "veterinaire praticien", "veterinaire praticienne"),
    ("Sound designer / Designer sonore",  # « designer » is that same word: not its masculine
     "sound designer", "designer sonore"),
    ("Steward / Hôtesse de l'air",  # k = 1: the masculine is A and B's words after its first
     "steward de l air", "hotesse de l air"),
    # several « / »: read at the first, then each reading again in its own gender (the rule as written; the
    # label is a pair then an alternative, so the readings are odd): the masculine « Professeur technique /
    # Chef de travaux » and the feminine « Professeure technique / Chef de travaux » are each read by the word
    # count (no word of A begins as « chef »), k = 2
    ("Professeur / Professeure technique / Chef de travaux",
     "professeur technique travaux", "chef de travaux"),
]
# inclusive endings (M11): a text, its masculine and its feminine readings, normalised
INCLUSIVE_FORMS = [
    ("Agent(e) administratif(tive)", "agent administratif", "agente administrative"),  # « -tif » -> « -tive »
    ("Ouvrier(ière) agricole", "ouvrier agricole", "ouvriere agricole"),  # « -ier » -> « -ière »
    ("Maître(sse) de maison", "maitre de maison", "maitresse de maison"),  # « sse » added
    ("Acheteur(teuse)", "acheteur", "acheteuse"),  # « -teur » -> « -teuse »
    ("Sportif(ve)", "sportif", "sportive"),  # « -f » -> « -ve »
    ("Responsable de site(s) de vente et de réparation cycles",  # « s » added (a real ROME short label)
     "responsable de site de vente et de reparation cycles",
     "responsable de sites de vente et de reparation cycles"),
]
# fmt: on


@pytest.mark.parametrize(("label", "masculine", "feminine"), FORMS, ids=[label for label, _, _ in FORMS])
def test_title_forms_read_a_gender_pair_at_the_word_b_is_the_feminine_of(label, masculine, feminine):
    forms = title_forms(label)
    assert {masculine, feminine} <= forms, sorted(forms)
    assert len(forms - {masculine, feminine}) == 1, sorted(forms)  # and the text as written


@pytest.mark.parametrize(
    ("label", "masculine", "feminine"), INCLUSIVE_FORMS, ids=[label for label, _, _ in INCLUSIVE_FORMS]
)
def test_title_forms_of_inclusive_endings(label, masculine, feminine):
    assert title_forms(label) == {masculine, feminine, norm(label)}


def test_title_forms_of_a_slash_without_spaces_or_an_inclusive_ending():
    assert title_forms("Agent/Agente hospitalière") == {"agent agente hospitaliere"}  # not a gender pair
    # as written, masculine, feminine
    chef = {"chef fe de chantier", "chef de chantier", "cheffe de chantier"}
    assert title_forms("Chef·fe de chantier") == chef


def test_appellations_of_one_form_are_in_numeric_code_ogr_order(tmp_path):
    """M11: the candidate codes of a title follow the appellations' code_ogr as numbers (9999 before 10000,
    which sorts first as text)."""
    rome = tmp_path / "unix_referentiel_appellation_v460_utf8.csv"
    rome.write_text(
        "code_ogr,libelle_appellation_long,libelle_appellation_court,code_rome\n"
        "10000,Agent / Agente de propreté,Agent / Agente de propreté,K2204\n"
        "9999,Agent de propreté,Agent de propreté,G1501\n",
        encoding="utf-8",
    )
    assert title_candidates("Agente de propreté", appellation_index(tmp_path)) == ["K2204"]
    assert title_candidates("Agent de propreté", appellation_index(tmp_path)) == ["G1501", "K2204"]


def test_job_titles_match_every_written_form_exactly(tmp_path):
    cohort = [(f"TITRE-{i:02}", "15/06/2024", "Certifié") for i in range(1, len(TITLES) + 1)]
    survey = [
        [f"TITRE-{i:02}", 2024, "6 mois", "15/12/2024", "En emploi", title, "", "CDI"]
        for i, (title, _, _) in enumerate(TITLES, start=1)
    ]
    raw, reference = inputs(tmp_path, cohort, survey, TARGETS)
    (raw / "rome").mkdir()
    shutil.copyfile(ROME_EXCERPT, raw / "rome" / ROME_EXCERPT.name)

    # the recomputation gives each title the code and the fit M11 and M12 imply, and reports the titles of
    # several ROME codes (M11, M22)
    _, _, answers = read_and_attach(raw, reference)
    codes = dict(zip(answers["src_line"], answers["rome_code"], strict=True))
    assert [codes[i] for i in range(2, len(TITLES) + 2)] == [code for _, code, _ in TITLES]
    r = figures(raw, reference)[2024]
    assert (r["employed_6m"], r["in_target_6m"]) == (len(TITLES), IN_TARGET) == (19, 14)
    ambiguous = ambiguous_titles(raw, reference)
    assert {int(r.src_line): r.codes for r in ambiguous.itertuples()} == {
        13: ["F1604", "F1601"],
        14: ["I1306", "F1620"],
        15: ["H1208", "I1602"],
    }

    warehouse = build(tmp_path, raw, reference)
    assert rows_set_aside(warehouse).empty
    jobs = query(
        warehouse, "select source_row, rome_code from fct_survey_responses where employed order by source_row"
    )
    got = {int(row): "" if pd.isna(code) else code for row, code in jobs.itertuples(False)}
    want = {i: code for i, (_, code, _) in enumerate(TITLES, start=2)}
    report = figure_differences(warehouse, raw, reference)
    wrong = [
        f"row {i} « {TITLES[i - 2][0]} »: expected {want[i] or 'none'} vs warehouse {got.get(i) or 'none'}"
        for i in want
        if got.get(i) != want[i]
    ]
    if wrong:
        report.append("ROME codes (M11):\n  " + "\n  ".join(wrong))
    assert not report, "\n".join(report)
    assert issue_rows(warehouse, "title_ambiguous") == oracle_rows(ambiguous), (
        "one title_ambiguous row per answer whose title is an appellation of several ROME codes (M11, M22)"
    )


def test_the_rome_excerpt_matches_the_titles_as_the_whole_file_does(tmp_path):
    """The excerpt the titles case loads gives each title the candidate codes the whole ROME 4.0 file gives
    (no appellation left out of it would match one of the titles)."""
    if not ROME_WHOLE.is_file():
        pytest.skip(f"the whole ROME 4.0 appellation file is not here: {ROME_WHOLE}")
    excerpt, whole = tmp_path / "excerpt", tmp_path / "whole"
    for folder, source in ((excerpt, ROME_EXCERPT), (whole, ROME_WHOLE)):
        folder.mkdir()
        shutil.copyfile(source, folder / source.name)
    in_excerpt, in_whole = appellation_index(excerpt), appellation_index(whole)
    for title, _, _ in TITLES:
        assert title_candidates(title, in_excerpt) == title_candidates(title, in_whole), title
