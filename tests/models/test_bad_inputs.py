"""The bad-input catalogue: each tiny file under tests/fixtures/bad/ with its expected outcome.

load: every row loads; quarantine: some rows are kept out, with the reason; field: a malformed field that
does not define the row is set aside (quarantined as a field) and the row loads; warn: loads with a warning
(file checks, or a rule the figures applied, reported after the refresh: see view quality_issues);
reject: nothing of the file is written, the message names the file (and row/column where they exist),
exit status 1, and the warehouse's data is unchanged.
"""

import pytest

from tests.helpers import FIXTURES, content_hash, table_rows

BAD = FIXTURES / "bad"

CASES = [
    # file, outcome, rows loaded, what the message or reason must say
    ("cp1252_semicolon.csv", "load", 2, []),
    ("utf16_tab.csv", "load", 1, []),
    ("header_row3_merged.xlsx", "load", 1, []),
    ("several_sheets.xlsx", "load", 2, []),
    ("excel_serial_dates.xlsx", "load", 1, []),
    ("extra_columns.csv", "load", 1, []),
    ("trailing_blank_rows.csv", "load", 1, []),
    ("quotity_percent.csv", "load", 2, []),
    ("excel_quoted_comma.csv", "load", 1, []),
    (
        "personal_data.csv",
        "load",
        1,
        ["colonnes de données personnelles supprimées : Nom, Prénom, E-mail, Portable"],
    ),
    ("respondent_unknown.csv", "warn", 1, ["Répondant non trouvé parmi les certifiés"]),
    ("outside_window.csv", "warn", 1, ["hors de la fenêtre d'enquête"]),
    ("employed_without_title.csv", "warn", 1, ["a job title for an employed respondent"]),
    ("impossible_date.csv", "quarantine", 1, ["row 2", "'Date du jury' = '2024-13-45'", "jj/mm/aaaa"]),
    ("same_person_twice.csv", "warn", 2, ["one answer per candidate", "Réponse en double"]),
    ("rome_e110.csv", "field", 1, ["'Code ROME' = 'E110'", "a letter A-N and 4 digits"]),
    ("rncp_rnc34007.csv", "quarantine", 0, ["'Code RNCP' = 'RNC34007'", "RNCP followed by 3 to 6 digits"]),
    ("unknown_situation.csv", "quarantine", 0, ["'Situation actuelle' = 'En vacances'", "one of employed"]),
    ("answer_before_jury.csv", "warn", 1, ["datée d'avant le jury"]),
    ("duplicate_candidate.csv", "warn", 3, ["one row per candidate, certification and jury date in a file"]),
    ("empty.csv", "reject", 0, ["empty.csv", "vide"]),
    ("only_separators.csv", "reject", 0, ["que des séparateurs"]),
    ("header_only.csv", "reject", 0, ["header_only.csv", "au moins une ligne de données"]),
    ("renamed_column.csv", "reject", 0, ["renamed_column.csv", "ligne 1", "colonne 'jury_date'"]),
    ("missing_column.csv", "reject", 0, ["ligne 1", "colonne 'access_route'"]),
    ("duplicated_headers.csv", "reject", 0, ["ligne 1", "en-tête(s) en double", "Code RNCP"]),
    ("truncated.csv", "quarantine", 1, ["row 3", "complete last row"]),  # cut short: that row only
    (
        "undetectable.csv",
        "reject",
        0,
        ["impossible de dire si c'est un fichier de résultats de jury ou d'enquête"],
    ),
    ("bom_but_latin1.csv", "reject", 0, ["marque UTF-8", "ligne 1"]),
    ("zip_named_csv.csv", "reject", 0, ["archive zip"]),
]


@pytest.mark.parametrize(("name", "outcome", "loaded", "says"), CASES, ids=[c[0] for c in CASES])
def test_bad_input(cli, settings, warehouse_after, name, outcome, loaded, says):
    warehouse_after(("ingest", FIXTURES / "cohort_ok.csv"))  # a loaded warehouse (a copy, made once per run)
    before = content_hash(settings.warehouse)
    code, out, err = cli("ingest", BAD / name)
    log = table_rows(
        settings.warehouse,
        "select status, rows_loaded, rows_quarantined, message from load_log order by load_id desc limit 1",
    )[0]
    if outcome == "reject":
        assert code == 1
        assert log[0] == "rejected"
        assert content_hash(settings.warehouse) == before
        text = err
    else:
        assert code == 0, err
        assert log[0] == "loaded" and log[1] == loaded
        if outcome in ("quarantine", "field"):
            assert (log[2] > 0) == (outcome == "quarantine")
            reasons = table_rows(
                settings.warehouse,
                "select reasons from quarantine where file_name = ? and outcome = ?",
                [name, "field" if outcome == "field" else "row"],
            )
            text = " ".join(r for row in reasons for r in row[0])
        else:
            assert log[2] == 0
            text = out + (log[3] or "")
            if outcome == "warn":
                assert "avertissement :" in out
    for fragment in says:
        assert fragment in text, f"{fragment!r} not in {text!r}"


def test_the_catalogue_covers_every_fixture():
    files = {p.name for p in BAD.iterdir() if p.suffix in {".csv", ".xlsx"}}
    assert files == {c[0] for c in CASES}
    assert len(CASES) >= 25
