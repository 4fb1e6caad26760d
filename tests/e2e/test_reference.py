"""The warehouse's statistics equal an independent recomputation from the raw files (tests/reference).

Builds warehouses with the real CLI (`insertion generate` and `insertion build`, in-process), then compares
certification_statistics and access_route_statistics cell by cell with tests.reference.recompute, which
reads the raw files itself and shares no code with the pipeline. The shipped sample is the one built once
per run (tests/conftest.py, by `insertion build` in a process of its own).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import shutil
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import duckdb
import openpyxl
import pandas as pd
import pytest

from pipeline.cli import main
from tests.reference.recompute import outside_window, parse_date, recompute

REPO = Path(__file__).resolve().parents[2]
RAW, REFERENCE = REPO / "data" / "raw", REPO / "data" / "reference"
EXACT = [
    f"{m}_{w}"
    for w in ("6m", "24m")
    for m in (
        "surveyed",
        "respondents",
        "neutralised",
        "denominator",
        "employed",
        "in_target",
        "insertion_rate",
        "target_job_rate",
        "response_rate",
    )
]
EXACT = ["certified", "certified_vae", *EXACT]
WILSON = [
    f"{r}_{w}_{b}"
    for w in ("6m", "24m")
    for r in ("insertion_rate", "target_job_rate")
    for b in ("low", "high")
]
TABLES = {
    "certification_statistics": ["certification_code", "year"],
    "access_route_statistics": ["certification_code", "year", "access_route"],
}


def run_cli(tmp: Path, *args: str, raw: Path = RAW, reference: Path = REFERENCE) -> None:
    """`insertion ARGS` in-process, on a warehouse of its own in ``tmp``."""
    env = {
        "INSERTION_WAREHOUSE": str(tmp / "w.duckdb"),
        "INSERTION_RAW_DIR": str(raw),
        "INSERTION_REFERENCE_DIR": str(reference),
        "INSERTION_KEY_FILE": str(tmp / "key"),
        "INSERTION_HEADER_MAPPING": str(
            REPO / "data" / "header_mapping.csv"
        ),  # the default, from the repository
        "INSERTION_WORKERS": "1",
    }
    out, err = io.StringIO(), io.StringIO()
    with pytest.MonkeyPatch.context() as mp:
        for name, value in env.items():
            mp.setenv(name, value)
        with redirect_stdout(out), redirect_stderr(err):
            code = main(list(args))
    assert code == 0, (
        f"insertion {' '.join(args)} failed:\n{out.getvalue()[-3000:]}\n{err.getvalue()[-3000:]}"
    )


OUTSIDE_WINDOW = (  # R10: the answers reported « hors fenêtre »
    "select certification_code as cert, year, wave, source_file as src_file, source_row as src_line "
    "from quality_issues where issue = 'answer_outside_window'"
)


def read_tables(warehouse: Path) -> dict[str, pd.DataFrame]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        tables = {t: con.execute(f"select * from {t}").df() for t in TABLES}
        tables["outside_window"] = con.execute(OUTSIDE_WINDOW).df()
        return tables
    finally:
        con.close()


def warehouse_tables(tmp: Path, raw: Path, reference: Path) -> dict[str, pd.DataFrame]:
    run_cli(tmp, "build", raw=raw, reference=reference)
    return read_tables(tmp / "w.duckdb")


def window_rows(frame: pd.DataFrame) -> set[tuple]:
    """(cert, year, wave as « 6m » | « 24m », file, row) of answers outside their window."""
    return {
        (r.cert, int(r.year), str(r.wave).removesuffix("m") + "m", r.src_file, int(r.src_line))
        for r in frame.itertuples()
    }


def _missing(v) -> bool:
    return v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v))


def differences(expected: pd.DataFrame, actual: pd.DataFrame, keys: list[str]) -> list[str]:
    """One line per differing row: its keys, then `column: expected X vs warehouse Y`."""
    actual = actual[[c for c in [*keys, *EXACT, *WILSON] if c in actual.columns]].copy()
    for df in (expected, actual):
        df["year"] = df["year"].astype(int)
    merged = expected.merge(actual, on=keys, how="outer", suffixes=("", "__wh"), indicator=True)
    lines = []
    for row in merged.sort_values(keys).to_dict("records"):
        key = " ".join(str(row[k]) for k in keys)
        if row["_merge"] != "both":
            lines.append(f"{key}: row only in {'reference' if row['_merge'] == 'left_only' else 'warehouse'}")
            continue
        diffs = []
        for col in EXACT + WILSON:
            exp, got = row[col], row.get(f"{col}__wh")
            if _missing(exp) and _missing(got):
                continue
            same = not (_missing(exp) or _missing(got)) and (
                abs(float(exp) - float(got)) <= 0.1 + 1e-9 if col in WILSON else float(exp) == float(got)
            )
            if not same:
                diffs.append(f"{col}: expected {exp} vs warehouse {got}")
        if diffs:
            lines.append(f"{key}: " + "; ".join(diffs))
    return lines


def assert_same(raw: Path, reference: Path, tmp: Path, tables: dict[str, pd.DataFrame] | None = None) -> None:
    """The warehouse built from ``raw`` (in ``tmp``, unless its ``tables`` are given) equals the
    recomputation."""
    tables = tables if tables is not None else warehouse_tables(tmp, raw, reference)
    expected = dict(zip(TABLES, recompute(raw, reference), strict=True))
    report = []
    for table, keys in TABLES.items():
        lines = differences(expected[table], tables[table], keys)
        if lines:
            report.append(f"{table}: {len(lines)} differing row(s)\n  " + "\n  ".join(lines[:80]))
    expected_out, actual_out = (
        window_rows(outside_window(raw, reference)),
        window_rows(tables["outside_window"]),
    )
    if expected_out != actual_out:
        report.append(
            "answers outside their window (R10): "
            f"only in reference {sorted(expected_out - actual_out)[:40]}, "
            f"only in warehouse {sorted(actual_out - expected_out)[:40]}"
        )
    assert not report, "\n".join(report)


def test_sample_matches_reference(sample_warehouse, tmp_path):
    assert_same(RAW, REFERENCE, tmp_path, read_tables(sample_warehouse.warehouse))


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> tuple[Path, Path]:
    """A small generated set with defects (~800 certified), plus the sample's ROME files."""
    tmp = tmp_path_factory.mktemp("gen")
    # fmt: off
    run_cli(tmp, "generate", "--certifications", "6", "--years", "2019-2022", "--defects", "0.02", "--seed", "7",
            "--target-certified", "800", "--out", str(tmp / "gen"))
    # fmt: on
    shutil.copytree(RAW / "rome", tmp / "gen" / "rome")
    return tmp / "gen", tmp / "gen-reference"


def test_generated_matches_reference(generated, tmp_path):
    raw, reference = generated
    assert_same(raw, reference, tmp_path)


# R10: (person, jury, wave, answer date): each window's first and last day (inside) and the day before
# or after (outside), month ends and a leap day included
WINDOW_EDGES = [
    ("EDGE-W1", "31/01/2020", "6 mois", dt.date(2020, 5, 31)),  # first day: 31/01 + 4 months
    ("EDGE-W2", "31/01/2020", "6 mois", dt.date(2020, 5, 30)),  # the day before
    ("EDGE-W3", "01/01/2020", "6 mois", dt.date(2020, 10, 1)),  # last day: 01/01 + 9 months
    ("EDGE-W4", "01/01/2020", "6 mois", dt.date(2020, 10, 2)),  # the day after
    ("EDGE-W5", "31/10/2019", "6 mois", dt.date(2020, 2, 29)),  # first day: 31/10 + 4 months, leap year
    ("EDGE-W6", "31/10/2019", "6 mois", dt.date(2020, 2, 28)),  # the day before
    ("EDGE-W7", "31/01/2020", "2 ans", dt.date(2021, 9, 30)),  # first day: 31/01 + 20 months
    ("EDGE-W8", "31/01/2020", "2 ans", dt.date(2021, 9, 29)),  # the day before
    ("EDGE-W9", "31/12/2019", "2 ans", dt.date(2022, 6, 30)),  # last day: 31/12 + 30 months
    ("EDGE-W10", "31/12/2019", "2 ans", dt.date(2022, 7, 1)),  # the day after
]


def add_edge_files(raw: Path, reference: Path) -> None:
    """Hand-made corrections and answers over the generated people, one per rule case (R1-R7, R10)."""
    with open(next(raw.glob("cohortes/*.csv")), encoding="utf-8") as f:
        cohort = list(csv.DictReader(f, delimiter=";"))
    targets = pd.read_csv(reference / "certification_rome.csv", dtype=str)
    app = pd.read_csv(next(raw.glob("rome/unix_referentiel_appellation_*.csv")), dtype=str)
    size = pd.Series([r["Code RNCP"] for r in cohort]).value_counts()
    counts = pd.Series([r["Référence candidat"] for r in cohort]).value_counts()

    def usable(group):  # an appellation "X / Xe ..." of a target code, and one of a child code (no widening)
        cert, codes = group
        direct = app[app.code_rome.isin(codes) & app.libelle_appellation_long.str.match(r"^(\w+) / \1e ")]
        child = app[app.code_rome_parent.isin(codes) & ~app.code_rome.isin(codes)]
        return cert, codes, direct, child

    def certified(cert):  # (person, jury date) of people with a single, valid cohort row
        return [
            (r["Référence candidat"], parse_date(r["Date du jury"]))
            for r in cohort
            if r["Code RNCP"] == cert
            and r["Résultat"] == "Certifié"
            and counts[r["Référence candidat"]] == 1
            and parse_date(r["Date du jury"])
        ]

    groups = sorted(targets.groupby("certification_code")["rome_code"], key=lambda t: -size.get(t[0], 0))
    cert, codes, direct, child = next(g for g in map(usable, groups) if len(g[2]) and len(g[3]))
    target, other = codes.iloc[0], "K1303" if "K1303" not in set(codes) else "K1304"
    title = direct.libelle_appellation_long.iloc[0]  # "Chargé / Chargée de ..."
    inclusive = title.split(" / ")[0] + "·e " + title.split(" / ")[1].split(" ", 1)[1]  # "Chargé·e de ..."
    p = certified(cert)
    failed = [r for r in cohort if r["Code RNCP"] == cert and r["Résultat"] != "Certifié"]
    y3, y21 = p[3][1].year, p[21][1].year

    def fr(d):
        return d.strftime("%d/%m/%Y")

    def later(i, months=11):
        return p[i][1] + dt.timedelta(days=30 * months)

    # fmt: off
    jury_rows = [
        [p[0][0], cert, fr(p[0][1]), "VAE", "Admis", "Nice"],  # same decision restated: file sorting last wins
        [p[1][0], cert, fr(p[1][1]), "Formation initiale", "Ajourné", "Nice"],
        [p[2][0], cert, f"30/11/{p[2][1].year}", "Formation continue", "Certifié", "Nice"],  # latest of the year
        [p[3][0], cert, f"15/06/{y3 + 1}", "Apprentissage", "Certifié", "Nice"],  # second promotion
        [p[4][0], cert, fr(p[4][1]), "Formation initiale", "Ajourné", "Nice"],
        [p[4][0], cert, fr(p[4][1]), "Candidature individuelle", "Certifié", "Nice"],  # last row wins
        [p[21][0], cert, f"15/06/{y21 + 2}", "Formation continue", "Certifié", "Nice"],
        ["EDGE-1", cert, "31/02/2020", "Formation initiale", "Certifié", "Nice"],  # not a date
        ["EDGE-2", "RNCP12", "20/06/2020", "Formation initiale", "Certifié", "Nice"],
        ["EDGE-3", cert, "20/06/2020", "Formation initiale", "", "Nice"],
        ["EDGE-4", cert, "43996", "Formation initiale", "Certifié", "Nice"],  # Excel serial
        ["EDGE-5", cert, "2020-06-14", "Contrat pro", "Certifié", "Nice"],
        ["EDGE-6", cert, "14/06/2020", "", "Certifié", "Nice"],  # no access route
        *[[ref, cert, jury, "Formation initiale", "Certifié", "Nice"] for ref, jury, _, _ in WINDOW_EDGES],
    ] + [[r["Référence candidat"], cert, r["Date du jury"], "VAE", "Certifié", "Nice"] for r in failed[:1]]
    with open(raw / "cohortes" / "zz_corrections_jurys.csv", "w", encoding="cp1252", newline="") as f:
        w = csv.writer(f, delimiter=",")
        w.writerow(["Matricule", "Numéro fiche", "Date de délibération", "Modalité d'accès", "Décision du jury",
                    "Centre"])
        w.writerows(jury_rows)

    # an international certification: working abroad is employment there
    cert2 = next(c for c in targets.certification_code.unique() if c != cert)
    code2 = targets.loc[targets.certification_code == cert2, "rome_code"].iloc[0]
    (reference / "certifications.csv").write_text(
        "certification_code,title,international,level,registration_end_date\n"
        f"{cert},Edge,0,,\n{cert2},Intl,1,,\n", encoding="utf-8")
    abroad = certified(cert2)
    survey = [  # person, certification, promotion, wave, date, situation, title, ROME, contract, location, adequacy
        [p[3][0], cert, y3 + 1, "6 mois", dt.date(y3 + 1, 12, 15), "En emploi", "", target, "CDI", "", ""],
        [p[3][0], cert, None, "2 ans", dt.date(y3 - 1, 1, 1), "En emploi", "", other, "CDI", "", ""],
        [p[5][0], cert, p[5][1].year + 3, "6 mois", later(5), "En emploi", "", target, "CDI", "", ""],
        [p[6][0], cert, "20x9", "6 mois", later(6), "En emploi à l'étranger", "", target, "CDI", "France", ""],
        [p[7][0], cert, None, "6 mois", later(7), "En emploi", "", target, "CDI", "Étranger", ""],
        [p[8][0], cert, None, "6 mois", later(8), "", "", "", "", "", ""],
        [p[9][0], cert, None, "6 mois", later(9), "En emploi", "", target, "Contrat de professionnalisation", "", ""],
        [p[10][0], cert, None, "6 mois", later(10), "En emploi", "", other, "CDD", "", "Oui"],
        [p[11][0], cert, None, "6 mois", later(11), "En emploi", "", target, "CDD", "", "Non"],
        [p[12][0], cert, None, "6 mois", later(12), "En emploi", inclusive, "E110", "CDD", "", ""],
        [p[13][0], cert, None, "6 mois", later(13), "En emploi", child.libelle_appellation_long.iloc[0], "", "CDD",
         "", ""],
        [p[14][0], cert, None, "6 mois", later(14), "En emploi", title + "s junior", "", "CDD", "", ""],  # fuzzy
        [p[15][0], cert, None, "6 mois", later(15), "Bof", "", target, "CDD", "", ""],
        [p[16][0], cert, None, "3 mois", later(16), "En emploi", "", target, "CDD", "", ""],
        [p[17][0], cert, None, "2 ans", "32/13/2020", "En emploi", "", target, "CDD", "", ""],
        [p[18][0], cert, None, "2 ans", later(18, 24), "Inactif", "", "", "", "", ""],
        [p[18][0], cert, None, "2 ans", later(18, 24), "En emploi", "", f" {target[:3]} {target[3:]} ", "CDI", "", ""],
        [p[21][0], cert, None, "6 mois", later(21, 13), "En emploi", "", target, "CDI", "", ""],  # between promotions
        [p[22][0], cert, None, "6 mois", (later(22) - dt.date(1899, 12, 30)).days, "En emploi", "",
         child.code_rome.iloc[0], "CDI", "", ""],  # Excel serial date; a child code of a target is not in target
        [p[23][0], cert, None, "6 mois", later(23, 12), "En emploi", "", target, "CDI", "", ""],
        # R10: the bounds of the windows (both days inclusive, calendar months), people answering once
        *[[ref, cert, None, wave, day, "En emploi", "", target, "CDI", "", ""] for ref, _, wave, day in WINDOW_EDGES],
        ["EDGE-4", cert, None, "6 mois", dt.date(2021, 1, 10), "En emploi", "", target, "CDI", "", ""],
        ["EDGE-6", cert, 2020, "6 mois", dt.date(2021, 1, 10), "En emploi", "", target, "CDI", "", ""],
        [abroad[0][0], cert2, None, "6 mois", dt.date(2030, 1, 1), "En emploi à l'étranger", "", code2, "CDI", "", ""],
        [abroad[1][0], cert2, None, "6 mois", dt.date(2030, 1, 1), "En emploi", "", code2, "CDI", "Hors de France", ""],
    ]
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Enquête complémentaire — relances téléphoniques"])
    sheet.append([])
    header = ["Identifiant", "Code RNCP", "Promotion", "Vague", "Date de réponse", "Situation actuelle",
              "Intitulé du poste", "Code ROME", "Type de contrat", "Lieu de travail", "Adéquation métier visé"]
    for row in [header, *survey]:
        sheet.append(row)
    # fmt: on
    book.save(raw / "enquetes" / "zz_enquete_complements.xlsx")
    lines = [  # UTF-16 TSV; p[23]: same date as in zz_enquete_complements.xlsx, whose name sorts last and wins
        "Identifiant\tCode RNCP\tVague\tDate de réponse\tSituation actuelle\tCode ROME",
        f"{p[19][0]}\t{cert}\t6 mois\t{later(19).isoformat()}\tPoursuite d'études\t",
        f"{p[20][0]}\t{cert}\t2 ans\t{later(20, 25).isoformat()}\tDans l'incapacité de travailler\t",
        f"{p[23][0]}\t{cert}\t6 mois\t{later(23, 12).isoformat()}\tEn recherche d'emploi\t",
    ]
    (raw / "enquetes" / "relances_utf16.tsv").write_text("\n".join(lines) + "\n", encoding="utf-16")


def test_generated_with_edge_cases_matches_reference(generated, tmp_path):
    raw, reference = tmp_path / "raw", tmp_path / "raw-reference"
    shutil.copytree(generated[0], raw)
    shutil.copytree(generated[1], reference)
    add_edge_files(raw, reference)
    assert_same(raw, reference, tmp_path)
