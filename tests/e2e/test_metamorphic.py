"""Metamorphic tests: transformations of the input that must not change the figures (docs/methodology.md).

"Order does not matter" (M21), "One answer per person and wave" (M7) and "A defect in one field sets that
field aside, not the person" (M19), checked on the shipped sample (data/raw/) through the real CLI, run
in-process.
The figures compared are every row of the views ``certification_statistics`` and
``access_route_statistics``, read from the warehouse file (read-only) after the command.

Every scenario has its own warehouse under one module-wide folder and shares one pseudonymisation key,
the one of the shared sample (tests/conftest.py), whose figures are those of the clean build: the only
difference between two warehouses is the transformation under test. The loads that several scenarios
begin with (the referentials; the referentials then the cohorts) are made once and copied.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
import re
import shutil
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import duckdb
import pytest

from pipeline.cli import main

ROOT = Path(__file__).resolve().parents[2]
RAW = ROOT / "data" / "raw"
VIEWS = ("certification_statistics", "access_route_statistics")
ROW_KEY = ("certification_code", "year", "access_route")

# The referentials in the order `insertion build` loads them (RNCP, ROME codes, ROME appellations).
REFERENTIALS = [
    *sorted(p for p in (RAW / "rncp").iterdir() if p.suffix.lower() in {".csv", ".xml", ".zip"}),
    *sorted((RAW / "rome").glob("unix_referentiel_code_rome_*.csv")),
    *sorted((RAW / "rome").glob("unix_referentiel_appellation_*.csv")),
]
COHORTS = sorted((RAW / "cohortes").iterdir())
SURVEYS = sorted((RAW / "enquetes").iterdir())
SURVEY_6M = RAW / "enquetes" / "RNCP34179_enquete_6_mois.csv"  # UTF-8, ',' , no Promotion column


# --------------------------------------------------------------------------------------------- helpers


def run(*args) -> tuple[int, str, str]:
    """The CLI in-process: (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main([str(a) for a in args])
    return code, out.getvalue(), err.getvalue()


def ok(*args) -> str:
    code, out, err = run(*args)
    assert code == 0, f"insertion {' '.join(map(str, args))} exited {code}:\n{out}\n{err}"
    assert "REFUSÉ" not in out + err, f"a file was rejected:\n{out}\n{err}"
    return out


def build(warehouse: Path, raw_dir: Path = RAW) -> str:
    return ok("build", "--warehouse", warehouse, "--raw-dir", raw_dir)


def ingest(warehouse: Path, *files: Path) -> str:
    return ok("ingest", "--warehouse", warehouse, *files)


def query(warehouse: Path, sql: str, params=None) -> list[dict]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        cursor = con.execute(sql, params or [])
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    finally:
        con.close()


def figures(warehouse: Path) -> dict[str, list[dict]]:
    """Every row of the two statistics views."""
    return {view: query(warehouse, f"select * from {view} order by all") for view in VIEWS}


def diff_rows(a: list[dict], b: list[dict], key=ROW_KEY) -> list[str]:
    """The differences between two lists of rows, matched by certification_code/year/access_route:
    one line per row present on one side only, and ``key: column: a vs b`` per differing value."""

    def index(rows):
        keyed: dict[tuple, dict] = {}
        for row in rows:
            k = tuple(row.get(c) for c in key if c in row)
            assert k not in keyed, f"two rows with the key {k}"
            keyed[k] = row
        return keyed

    ia, ib = index(a), index(b)
    lines = []
    for k in sorted(ia.keys() | ib.keys(), key=repr):
        if k not in ib:
            lines.append(f"{k}: only in a: {ia[k]}")
        elif k not in ia:
            lines.append(f"{k}: only in b: {ib[k]}")
        else:
            for column in ia[k].keys() | ib[k].keys():
                va, vb = ia[k].get(column), ib[k].get(column)
                if va != vb:
                    lines.append(f"{k}: {column}: {va!r} vs {vb!r}")
    return lines


def assert_same_figures(a: dict[str, list[dict]], b: dict[str, list[dict]], what: str, columns=None) -> None:
    """Both views identical (or only ``columns`` of them, when given); the differences printed otherwise."""
    report = []
    for view in VIEWS:
        ra, rb = a[view], b[view]
        if columns is not None:
            keep = [*ROW_KEY, *columns]
            ra = [{c: r[c] for c in keep if c in r} for r in ra]
            rb = [{c: r[c] for c in keep if c in r} for r in rb]
        lines = diff_rows(ra, rb)
        if lines:
            report.append(f"{view} ({len(lines)} difference(s), a vs b):")
            report.extend("  " + line for line in lines)
    if report:
        text = f"{what}: the figures differ\n" + "\n".join(report)
        print(text)
        pytest.fail(text)


def read_csv(path: Path, encoding: str, delimiter: str) -> list[list[str]]:
    with path.open(encoding=encoding, newline="") as f:
        return list(csv.reader(f, delimiter=delimiter))


def write_csv(path: Path, rows: list[list[str]], encoding: str, delimiter: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding=encoding, newline="") as f:
        csv.writer(f, delimiter=delimiter, lineterminator="\n").writerows(rows)
    return path


def raw_copy(folder: Path) -> Path:
    """A private copy of data/raw/ to transform."""
    shutil.copytree(RAW, folder)
    return folder


# -------------------------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def home(tmp_path_factory, sample_warehouse):
    """One folder, one key (the shared sample's), no header mapping, one worker: the environment of every
    scenario."""
    folder = tmp_path_factory.mktemp("metamorphic")
    (folder / "secret").mkdir()
    shutil.copyfile(sample_warehouse.key_file, folder / "secret" / "key")
    (folder / "secret" / "key").chmod(0o600)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("INSERTION_KEY_FILE", str(folder / "secret" / "key"))
        mp.setenv("INSERTION_WAREHOUSE", str(folder / "unused" / "insertion.duckdb"))
        mp.setenv("INSERTION_REFERENCE_DIR", str(ROOT / "data" / "reference"))
        mp.setenv("INSERTION_RAW_DIR", str(RAW))
        mp.setenv("INSERTION_HEADER_MAPPING", str(folder / "header_mapping.csv"))
        mp.setenv("INSERTION_WORKERS", "1")
        yield folder


@pytest.fixture(scope="module")
def clean(home, sample_warehouse) -> dict[str, list[dict]]:
    """The figures of a plain `insertion build` of the shipped sample: the shared sample's (read only)."""
    warehouse = sample_warehouse.warehouse
    result = figures(warehouse)
    assert result["certification_statistics"] and result["access_route_statistics"]
    assert query(warehouse, "select * from quality_issues") == [], (
        "the clean sample is expected without issues"
    )
    assert query(warehouse, "select * from quarantine") == [], (
        "the clean sample is expected without quarantine"
    )
    return result


@pytest.fixture(scope="module")
def loaded_first(home):
    """``loaded_first(warehouse, *steps)``: a new warehouse at ``warehouse`` as the `insertion ingest` of
    each step (a list of files) leaves it, from a copy of one made once for the module."""
    made: dict[tuple, Path] = {}

    def start(warehouse: Path, *steps: tuple[Path, ...]) -> Path:
        if steps not in made:
            first = home / f"first-{len(made)}" / "insertion.duckdb"
            for files in steps:
                ingest(first, *files)
            made[steps] = first
        shutil.copytree(made[steps].parent, warehouse.parent)  # warehouse, snapshot, Data Docs
        return warehouse

    return start


# ------------------------------------------------------------------------------------------ 1. order


def _permutations() -> list[tuple[str, list[Path]]]:
    files = COHORTS + SURVEYS
    surveys_first = random.Random(1).sample(SURVEYS, len(SURVEYS)) + random.Random(2).sample(
        COHORTS, len(COHORTS)
    )
    return [
        ("surveys-before-cohorts", surveys_first),
        ("seed-3", random.Random(3).sample(files, len(files))),
        ("seed-4", random.Random(4).sample(files, len(files))),
    ]


@pytest.mark.parametrize("name,order", _permutations(), ids=[n for n, _ in _permutations()])
def test_load_order_file_by_file_gives_the_figures_of_a_build(home, clean, loaded_first, name, order):
    """Referentials first, then one `insertion ingest` per cohort/survey file in a shuffled order."""
    warehouse = loaded_first(home / f"order-{name}" / "insertion.duckdb", tuple(REFERENTIALS))
    for path in order:
        ingest(warehouse, path)
    loaded = query(warehouse, "select count(*) as n from load_log where status = 'loaded'")[0]["n"]
    assert loaded == len(REFERENTIALS) + len(order)
    assert_same_figures(
        figures(warehouse), clean, f"ingest in the order {[p.name for p in order]} (a) vs build (b)"
    )


# ---------------------------------------------------------------------------------- 2. build after ingest


def test_build_after_ingesting_the_surveys_alone(home, clean):
    warehouse = home / "surveys-then-build" / "insertion.duckdb"
    ingest(warehouse, *SURVEYS)
    out = build(warehouse)
    assert out.count("déjà chargé") == len(SURVEYS), out
    assert_same_figures(figures(warehouse), clean, "surveys ingested, then build (a) vs build (b)")


# ---------------------------------------------------------------------------------- 3. split a file


def test_splitting_the_6_month_survey_in_two_files(home, clean):
    raw = raw_copy(home / "split-raw")
    data = SURVEY_6M.read_bytes()
    assert not data.startswith(b"\xef\xbb\xbf") and b"\r" not in data and b'"' not in data  # plain lines
    header, *lines = data.decode("utf-8").splitlines(keepends=True)
    half = len(lines) // 2
    target = raw / "enquetes" / SURVEY_6M.name
    target.unlink()
    first = raw / "enquetes" / "RNCP34179_enquete_6_mois_partie1.csv"
    second = raw / "enquetes" / "RNCP34179_enquete_6_mois_partie2.csv"
    first.write_bytes((header + "".join(lines[:half])).encode("utf-8"))
    second.write_bytes((header + "".join(lines[half:])).encode("utf-8"))

    warehouse = home / "split" / "insertion.duckdb"
    build(warehouse, raw)
    rows = query(
        warehouse,
        "select file_name, rows_loaded from load_log where kind = 'survey_answers' and file_name like 'RNCP34179_enquete_6%' order by 1",
    )
    assert rows == [
        {"file_name": first.name, "rows_loaded": half},
        {"file_name": second.name, "rows_loaded": len(lines) - half},
    ]
    assert_same_figures(figures(warehouse), clean, "6-month survey split in two files (a) vs whole file (b)")


# ------------------------------------------------------------------------------------ 4. re-encoding


def _xlsx_copy(source: Path, encoding: str, delimiter: str, target: Path) -> Path:
    """The same table as a workbook: headers in row 1, answer dates as real Excel dates."""
    from openpyxl import Workbook

    header, *rows = read_csv(source, encoding, delimiter)
    book = Workbook()
    sheet = book.active
    sheet.title = "Réponses"
    sheet.append(header)
    for row in rows:
        cells = []
        for value in row:
            if re.fullmatch(r"\d{2}/\d{2}/\d{4}", value):
                cells.append(dt.datetime.strptime(value, "%d/%m/%Y").date())
            else:
                cells.append(value if value != "" else None)
        sheet.append(cells)
    book.save(target)
    return target


def test_re_encoded_copies_of_loaded_surveys_change_nothing(home, clean):
    warehouse = home / "re-encoded" / "insertion.duckdb"
    build(warehouse)
    before = figures(warehouse)
    assert_same_figures(before, clean, "build (a) vs build (b)")

    copies = home / "re-encoded-copies"
    cp1252 = write_csv(  # UTF-8 ',' → Windows-1252 ';'
        copies / "RNCP34179_enquete_6_mois_cp1252.csv", read_csv(SURVEY_6M, "utf-8", ","), "cp1252", ";"
    )
    source_35809 = RAW / "enquetes" / "RNCP35809_enquetes.csv"  # Windows-1252 ';' → UTF-16 (BOM) TAB
    utf16 = write_csv(
        copies / "RNCP35809_enquetes_utf16.csv", read_csv(source_35809, "cp1252", ";"), "utf-16", "\t"
    )
    assert utf16.read_bytes()[:2] in (b"\xff\xfe", b"\xfe\xff")
    source_40344 = RAW / "enquetes" / "RNCP40344_enquetes.tsv"  # UTF-8 TAB → .xlsx
    xlsx = _xlsx_copy(source_40344, "utf-8", "\t", copies / "RNCP40344_enquetes.xlsx")

    ingest(warehouse, cp1252, utf16, xlsx)

    # the copies were really loaded, every row of them (else this test would prove nothing)
    log = {
        r["file_name"]: r
        for r in query(
            warehouse, "select file_name, status, rows_read, rows_loaded, encoding, delimiter from load_log"
        )
    }
    for copy, original in [(cp1252, SURVEY_6M), (utf16, source_35809), (xlsx, source_40344)]:
        assert log[copy.name]["status"] == "loaded", log[copy.name]
        assert log[copy.name]["rows_loaded"] == log[original.name]["rows_loaded"], (
            log[copy.name],
            log[original.name],
        )
    # each answer of a copy met its original: one of the two counts, never both (the figures below); an
    # identical answer again is not news (methodology M7): no « Réponse en double » is reported for them
    attached = query(
        warehouse,
        "select count(*) as n from fct_survey_attachments where year is not null and source_file in (?, ?, ?)",
        [cp1252.name, utf16.name, xlsx.name],
    )[0]["n"]
    superseded = query(
        warehouse, "select count(*) as n from quality_issues where issue = 'answer_superseded'"
    )[0]["n"]
    assert attached > 0 and superseded == 0, (attached, superseded)

    assert_same_figures(figures(warehouse), before, "after ingesting re-encoded copies (a) vs before (b)")


# ------------------------------------------------------------------------- 5. malformed non-defining field


def _plain_contract(value: str) -> bool:
    return value.strip().upper() in {"CDD", "CDI", "INTÉRIM", "FONCTIONNAIRE"}


def test_malformed_rome_code_and_contract_keep_the_respondent(home, clean):
    raw = raw_copy(home / "malformed-raw")
    target = raw / "enquetes" / SURVEY_6M.name
    header, *rows = read_csv(SURVEY_6M, "utf-8", ",")
    situation, rome, contract = (
        header.index(c) for c in ("Situation actuelle", "Code ROME", "Type de contrat")
    )
    employed = [i for i, r in enumerate(rows) if r[situation] == "En emploi" and r[rome]]
    # a contract that cannot make the answer work-study, so that only the field is at stake
    plain = [i for i in employed if _plain_contract(rows[i][contract])]
    bad_contract = plain[0]
    bad_rome = next(i for i in employed if i != bad_contract)
    rows[bad_rome][rome] = "E110"
    rows[bad_contract][contract] = "Bidule"
    write_csv(target, [header, *rows], "utf-8", ",")

    warehouse = home / "malformed" / "insertion.duckdb"
    build(warehouse, raw)
    assert_same_figures(
        figures(warehouse),
        clean,
        "malformed ROME code and contract (a) vs clean (b)",
        columns=["respondents_6m", "denominator_6m", "employed_6m"],
    )
    # the other certifications are not touched at all
    after = figures(warehouse)
    assert_same_figures(
        {v: [r for r in after[v] if r["certification_code"] != "RNCP34179"] for v in VIEWS},
        {v: [r for r in clean[v] if r["certification_code"] != "RNCP34179"] for v in VIEWS},
        "other certifications, malformed file (a) vs clean (b)",
    )
    quarantined = query(
        warehouse, "select source_row, outcome from quarantine where file_name = ? order by 1", [target.name]
    )
    assert quarantined == sorted(
        [
            {"source_row": bad_rome + 2, "outcome": "field"},
            {"source_row": bad_contract + 2, "outcome": "field"},
        ],
        key=lambda r: r["source_row"],
    ), quarantined


# ------------------------------------------------------------------- 6. two answers of one person and wave

PERSON = "FO-2017-0011"  # certified in 2017 only; employed at 6 months, answered 29/04/2018


def _second_answer(folder: Path) -> Path:
    """The same person's 6-month answer again, a week later, in a file WITH a Promotion column."""
    header, *rows = read_csv(SURVEY_6M, "utf-8", ",")
    row = next(r for r in rows if r[0] == PERSON)
    date = header.index("Date de réponse")
    assert row[date] == "29/04/2018" and "Promotion" not in header
    later = (dt.datetime.strptime(row[date], "%d/%m/%Y") + dt.timedelta(days=7)).strftime("%d/%m/%Y")
    row = [*row[:date], later, *row[date + 1 :]]
    return write_csv(
        folder / "RNCP34179_relance_6_mois.csv", [header + ["Promotion"], row + ["2017"]], "utf-8", ","
    )


def _superseded(warehouse: Path) -> list[dict]:
    return query(
        warehouse,
        "select issue, certification_code, year, wave, source_file, source_row from quality_issues order by all",
    )


def test_two_answers_of_one_person_and_wave_count_once(home, clean, loaded_first):
    raw = raw_copy(home / "twice-raw")
    second = _second_answer(raw / "enquetes")
    warehouse = home / "twice" / "insertion.duckdb"
    build(warehouse, raw)
    built = figures(warehouse)
    assert_same_figures(built, clean, "second answer added (a) vs clean (b)", columns=["respondents_6m"])
    assert_same_figures(built, clean, "second answer added (a) vs clean (b)")  # same content: nothing moves

    issues = _superseded(warehouse)
    # the file's line of the person's first answer (the header is line 1)
    line = next(n for n, r in enumerate(read_csv(SURVEY_6M, "utf-8", ","), start=1) if r[0] == PERSON)
    assert len(issues) == 1, issues
    assert {k: v for k, v in issues[0].items() if k != "wave"} == {
        "issue": "answer_superseded",
        "certification_code": "RNCP34179",
        "year": 2017,
        "source_file": SURVEY_6M.name,  # the earlier answer gives way to the later one
        "source_row": line,
    }, issues
    assert str(issues[0]["wave"]).lower() in {"6m", "6", "6 mois", "6_months", "m6"}, issues
    kept = query(
        warehouse, "select count(*) as n from fct_survey_responses where source_file = ?", [second.name]
    )
    assert kept == [{"n": 1}], kept

    # the two files in both orders, one `insertion ingest` each: identical tables and issues
    results = {}
    for name, pair in [("original-first", [SURVEY_6M, second]), ("second-first", [second, SURVEY_6M])]:
        wh = loaded_first(home / f"twice-{name}" / "insertion.duckdb", tuple(REFERENTIALS), tuple(COHORTS))
        for path in pair:
            ingest(wh, path)
        ingest(wh, *(s for s in SURVEYS if s != SURVEY_6M))
        results[name] = (figures(wh), _superseded(wh))
    (fa, ia), (fb, ib) = results["original-first"], results["second-first"]
    assert_same_figures(fa, fb, "original file first (a) vs second answer first (b)")
    assert ia == ib, (ia, ib)
    assert ia == issues, (ia, issues)
    assert_same_figures(fa, built, "ingested file by file (a) vs build (b)")
