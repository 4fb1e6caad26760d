"""Issue #24: a file of any size loads in bounded memory, chunk by chunk; a file of bad rows is refused as a
file after its first rows; the quarantine keeps a bounded number of examples per check, every failing
row counted (pipeline/load/staging.py). The sizes are the tests' own, small: the figures for 200 MB files
come from `make bench` (scripts/bench.py --bounded)."""

import json
import random

import pytest

from tests.helpers import ENGLISH, FIXTURES, content_hash, table_rows

HEADER = "Identifiant;Code RNCP;Vague;Date de réponse;Situation actuelle;Intitulé du poste;Code ROME\n"
NNBSP = "\u202f"  # the thousands separator of French numbers (pipeline/indicators/formats.py)
WORDS = [
    "lorem",
    "ipsum",
    "dolor",
    "sit",
    "amet",
    "consectetur",
    "adipiscing",
    "elit",
    "sed",
    "do",
    "eiusmod",
    "tempor",
]


def garbage(n: int, seed: int = 1) -> str:
    """Lines of words with fewer fields than the header, as in the issue's 3.1 M-line file."""
    rng = random.Random(seed)
    return "".join(
        " ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 13))) + ";" * rng.randint(0, 3) + "\n"
        for _ in range(n)
    )


def answer(i: int, rnc: bool = False, rome: str = "M1706") -> str:
    code = f"RNC{34000 + i % 50}" if rnc else f"RNCP{34000 + i % 50}"
    return f"P{i:07d};{code};6 mois;{1 + i % 28:02d}/06/2020;En emploi;Chargée de communication;{rome}\n"


def survey(rows: int, bad_every: int = 0, field_every: int = 0) -> str:
    """``rows`` answers: every ``bad_every``-th a malformed RNCP code (the row is quarantined), every
    ``field_every``-th a malformed ROME code (the field is set aside, the answer loads)."""
    return HEADER + "".join(
        answer(
            i,
            rnc=bool(bad_every) and i % bad_every == 0,
            rome="E11" if field_every and i % field_every == 0 else "M1706",
        )
        for i in range(rows)
    )


def last_load(settings) -> tuple:
    return table_rows(
        settings.warehouse,
        "select load_id, status, rows_read, rows_loaded, rows_quarantined, message from load_log "
        "order by load_id desc limit 1",
    )[0]


def test_a_file_of_bad_rows_is_refused_after_its_first_rows(cli, settings, tmp_path, warehouse_after):
    warehouse_after(("ingest", FIXTURES / "cohort_ok.csv"))
    before = content_hash(settings.warehouse)
    path = tmp_path / "enquete_corrompue.csv"
    path.write_text(HEADER + garbage(120_000), encoding="utf-8")  # about 8 MB
    code, out, err = cli("ingest", path)
    assert code == 1
    assert "enquete_corrompue.csv, ligne 2, colonne 'Code RNCP'" in err  # the file, the first row, a column
    assert (
        "fichier refusé : 1 000 des 1 000 premières lignes de données sont en erreur (100 %".replace(
            " 0", NNBSP + "0"
        )
        in err
    )
    assert "INSERTION_MAX_BAD_SHARE" in err and "la lecture s'est arrêtée là" in err
    assert "colonne 'Vague' : attendu une vague" in err
    message = err.split("fichier refusé", 1)[1]
    assert not ENGLISH.search(message), message
    _, status, read, loaded, quarantined, _ = last_load(settings)
    assert (status, read, loaded) == ("rejected", 1000, 0)  # stopped after the sample, 120,000 not read
    assert content_hash(settings.warehouse) == before  # the quarantine included: nothing written
    assert table_rows(
        settings.warehouse, "select count(*) from quarantine where file_name = ?", [path.name]
    ) == [(0,)]
    runs = table_rows(
        settings.warehouse,
        "select r.success, max(v.element_count) from validation_runs r join validation_results v using (run_id) "
        "where r.load_id = (select max(load_id) from load_log) group by all",
    )
    assert runs == [(False, 1000)]  # the run of what was read is on record
    assert not list((settings.warehouse.parent / ".staging").glob("*/*"))  # nothing staged left


def test_a_file_whose_share_of_bad_rows_passes_the_threshold_later_is_refused_whole(
    cli, settings, tmp_path, monkeypatch
):
    monkeypatch.setenv("INSERTION_CHUNK_ROWS", "1000")
    path = tmp_path / "enquete.csv"
    path.write_text(survey(1000) + garbage(1500), encoding="utf-8")  # the sample is clean
    code, _, err = cli("ingest", path)
    assert code == 1
    # after 2,000 rows: 1,000 in error (50 %, not over); after the last 500: 1,500 of 2,500
    assert (
        "fichier refusé : 1 500 des 2 500 lignes de données sont en erreur (60 %".replace(" 5", NNBSP + "5")
        in err
    )
    assert "premières" not in err and "rien n'est chargé" in err
    assert table_rows(settings.warehouse, "select count(*) from landing_survey_answers") == [(0,)]
    assert last_load(settings)[1:3] == ("rejected", 2500)


def test_the_threshold_is_a_setting(cli, settings, tmp_path, monkeypatch):
    path = tmp_path / "enquete.csv"
    path.write_text(survey(1200, bad_every=2), encoding="utf-8")  # half the rows in error: not over 50 %
    code, out, err = cli("ingest", path)
    assert code == 0, err
    assert "600 lignes sur 1200" in out and "600 en quarantaine" in out
    monkeypatch.setenv("INSERTION_MAX_BAD_SHARE", "0,4")
    again = tmp_path / "enquete_bis.csv"
    again.write_text(survey(1200, bad_every=2).replace("Chargée", "Chargé"), encoding="utf-8")
    code, _, err = cli("ingest", again)
    assert (
        code == 1
        and "500 des 1 000 premières lignes".replace(" 0", NNBSP + "0") in err
        and "au-delà de 40 %" in err
    )
    monkeypatch.setenv("INSERTION_MAX_BAD_SHARE", "2")
    code, _, err = cli("ingest", again)
    assert code == 2 and "INSERTION_MAX_BAD_SHARE=2.0 : valeur attendue entre 0 (exclu) et 1" in err


def test_the_quarantine_keeps_examples_per_check_and_counts_every_row(cli, settings, tmp_path, monkeypatch):
    monkeypatch.setenv("INSERTION_CHUNK_ROWS", "1000")
    monkeypatch.setenv("INSERTION_QUARANTINE_EXAMPLES", "5")
    path = tmp_path / "enquete.csv"
    path.write_text(survey(3500, bad_every=3, field_every=7), encoding="utf-8")  # 4 chunks
    code, out, err = cli("ingest", path)
    assert code == 0, err
    bad = len(range(0, 3500, 3))  # 1,167 rows with a malformed RNCP code
    fields = len([i for i in range(3500) if i % 7 == 0 and i % 3])  # ROME set aside on rows that load
    assert f"{3500 - bad} lignes sur 3500" in out and f"{bad} en quarantaine" in out
    assert f"{fields} champ(s) mal formé(s) écarté(s)" in out
    load_id, _, read, loaded, quarantined, _ = last_load(settings)
    assert (read, loaded, quarantined) == (3500, 3500 - bad, bad)  # every row counted
    kept = table_rows(
        settings.warehouse, "select outcome, count(*), min(source_row) from quarantine group by 1 order by 1"
    )
    assert kept == [("field", 5, 9), ("row", 5, 2)]  # five examples per check, the first ones
    counts = dict(
        table_rows(
            settings.warehouse,
            "select v.column_name, v.unexpected_count from validation_results v join validation_runs r "
            "using (run_id) where r.load_id = ? and v.expectation_type = 'expect_column_values_to_match_regex'",
            [load_id],
        )
    )
    assert counts == {"certification_code": bad, "rome_code": len(range(0, 3500, 7))}
    elements = table_rows(
        settings.warehouse,
        "select distinct v.element_count from validation_results v join validation_runs r using (run_id) "
        "where r.load_id = ? and v.column_name = 'certification_code' and v.element_count is not null",
        [load_id],
    )
    assert elements == [(3500,)]  # the chunks' results are one run for the file
    assert table_rows(
        settings.warehouse,
        "select count(*), count(rome_code), min(source_row), max(source_row) from landing_survey_answers",
    ) == [(3500 - bad, 3500 - bad - fields, 3, 3501)]
    from pipeline.reports.quality import quarantine_counts
    from pipeline.warehouse.db import connect

    with connect(settings.warehouse, read_only=True) as con:
        counts = quarantine_counts(con)
    assert counts[["column", "outcome", "rows_failing", "examples_kept"]].values.tolist() == [
        ["certification_code", "row", bad, 5],
        ["rome_code", "field", len(range(0, 3500, 7)), 5],
    ]
    code, out, _ = cli("quality", "--quarantine")
    assert code == 0 and "par fichier, colonne et contrôle" in out and f"{bad}" in out
    # the counts and the examples kept name what a check did with one label each (core/quality_labels)
    counts_part, examples_part = out.split("\n\n", 1)
    for part in (counts_part, examples_part):
        assert "champ écarté, ligne conservée" in part and "ligne écartée" in part, part


def _mixed_file(path) -> None:
    """A Windows-1252 file whose only accented letter is in its last chunk, a NUL byte in a later chunk,
    blank lines across a chunk boundary, defects of every severity, a person's two answers in one chunk
    and in two, and a last row cut short."""
    lines = [HEADER.replace("é", "e")]
    for i in range(2600):
        rome = "E11" if i % 11 == 0 else "M1706"
        line = answer(i, rnc=i % 13 == 0, rome=rome).replace("é", "e").replace("Chargée", "Chargee")
        if i == 1500:
            line = line.replace("communication", "commu\x00nication")
        if i == 1998:
            line += "\n;;;\n\n"
        if i == 2550:
            line = line.replace("Chargee", "Chargée")
        if i in (30, 2200):  # a second answer of a person: in the same chunk, in another chunk
            line = answer(i - 10).replace("é", "e").replace("Chargée", "Chargee").replace("/06/", "/07/")
        lines.append(line)
    lines.append("P9999999;RNCP34001;6 mois")  # cut short, no line end
    path.write_bytes("".join(lines).encode("cp1252"))


def _content(settings) -> dict:
    landing = table_rows(
        settings.warehouse,
        "select * exclude (load_id) from landing_survey_answers order by source_row",
    )
    quarantine = table_rows(
        settings.warehouse,
        "select * exclude (load_id) from quarantine order by source_row, outcome",
    )
    results = table_rows(
        settings.warehouse,
        "select expectation_type, column_name, severity, success, unexpected_count from validation_results "
        "order by all",
    )
    log = table_rows(
        settings.warehouse,
        "select kind, status, rows_read, rows_loaded, rows_quarantined, rows_warned, encoding, delimiter "
        "from load_log",
    )
    return {"landing": landing, "quarantine": quarantine, "results": results, "log": log}


def test_a_file_read_in_chunks_loads_as_it_would_whole(cli, settings, tmp_path, monkeypatch):
    path = tmp_path / "enquete.csv"
    _mixed_file(path)
    monkeypatch.setenv("INSERTION_QUARANTINE_EXAMPLES", "100000")
    found = {}
    for chunk in ("100000", "1000"):  # one chunk (the sample as large), then three
        monkeypatch.setenv("INSERTION_CHUNK_ROWS", chunk)
        monkeypatch.setenv("INSERTION_BAD_ROWS_SAMPLE", chunk)
        settings.warehouse.unlink(missing_ok=True)
        code, out, err = cli("ingest", path)
        assert code == 0, err
        found[chunk] = _content(settings)
    whole, chunked = found["100000"], found["1000"]
    assert chunked == whole
    assert whole["log"][0][6] == "cp1252"  # told by the last chunk's accented letter
    assert whole["log"][0][5] == 4  # the two answers of two people: the file's rows with a warning
    unique = [r for r in whole["results"] if r[0] == "expect_compound_columns_to_be_unique"]
    assert unique == [
        (
            "expect_compound_columns_to_be_unique",
            "candidate_hash, certification_code, wave",
            "warning",
            False,
            4,
        )
    ]
    reasons = {row[1]: json.loads(row[5]) for row in whole["quarantine"]}
    assert reasons[1502]["Intitule du poste"] == "Chargee de commu\u2400nication"  # the NUL, shown as ␀
    assert any(r[1] == 2605 and r[6] == "row" for r in whole["quarantine"])  # cut short (3 blank lines above)


@pytest.mark.parametrize("rows", [999, 1000, 1001])
def test_row_numbers_across_chunk_boundaries(cli, settings, tmp_path, monkeypatch, rows):
    monkeypatch.setenv("INSERTION_CHUNK_ROWS", "1000")
    path = tmp_path / "enquete.csv"
    path.write_text(survey(rows + 1000, bad_every=rows), encoding="utf-8")
    code, _, err = cli("ingest", path)
    assert code == 0, err
    quarantined = [
        r for (r,) in table_rows(settings.warehouse, "select source_row from quarantine order by 1")
    ]
    assert quarantined == [i + 2 for i in range(0, rows + 1000, rows)]


def test_a_workbook_is_checked_in_chunks_too(cli, settings, tmp_path, monkeypatch):
    """A workbook is read whole by its reader (a sheet is bounded), then typed and validated in chunks:
    the same rows, row numbers of the sheet (a title above the header), examples bounded, counts whole."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Résultats de l'enquête"])  # a title row: the header is on row 2
    sheet.append(HEADER.strip().split(";"))
    for i in range(2500):
        sheet.append(answer(i, rnc=i % 5 == 0).strip().split(";"))
    path = tmp_path / "enquete.xlsx"
    book.save(path)
    monkeypatch.setenv("INSERTION_CHUNK_ROWS", "1000")
    monkeypatch.setenv("INSERTION_QUARANTINE_EXAMPLES", "3")
    code, out, err = cli("ingest", path)
    assert code == 0, err
    assert "2000 lignes sur 2500" in out and "500 en quarantaine" in out
    assert table_rows(settings.warehouse, "select source_row from quarantine order by 1") == [
        (3,),
        (8,),
        (13,),
    ]
    assert table_rows(
        settings.warehouse, "select min(source_row), max(source_row) from landing_survey_answers"
    ) == [(4, 2502)]
