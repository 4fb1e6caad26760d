"""Issue #24 (4): one language. Every command's --help (its sub-commands' too, found by walking the real
parser, so that a new command is covered without touching this file) and the common errors read in
French: no English word of a short list, and never a traceback."""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys

import duckdb
import pytest

from pipeline.cli import _parser, main
from pipeline.core.quality_labels import OUTCOME_LABELS
from tests.helpers import ROOT

# English words a French user must never read (whole words, any case); kept short on purpose: words
# that only English texts use, and argparse's own
ENGLISH = [
    "usage",
    "error",
    "options:",  # argparse's English title (French puts a space before the colon)
    "positional arguments",
    "show this help message",
    "invalid choice",
    "invalid literal",
    "required",
    "loaded",
    "expected",
    "written",
    "unknown",
    "warning",
    "recorded",
    "days left",
    "no such",
    "not found",
    "cannot",
    "nothing",
    "level",
    "the",
    "and",
    "of",
    "with",
]
PATTERN = re.compile(r"(?<!\w)(" + "|".join(re.escape(w) for w in ENGLISH) + r")(?!\w)", re.IGNORECASE)
# names that are not prose: the environment variables, command and option names, file names, code
NOT_PROSE = re.compile(
    r"INSERTION_\w+|--?[\w-]+|\b\w+(?:-\w+)+\b|`[^`]*`|\b[\w./-]+\.(?:csv|xlsx|html|json|sql|pdf|duckdb)\b"
)


def english(text: str) -> list[str]:
    return sorted({m.group(0) for m in PATTERN.finditer(NOT_PROSE.sub(" ", text))})


def check(text: str, where: str) -> None:
    assert "Traceback" not in text, f"{where}: a traceback reaches the user:\n{text}"
    found = english(text)
    assert not found, f"{where}: English words {found} in:\n{text}"


def commands(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()):
    """Every (sub-)command of the parser, as the argv that reaches it."""
    yield path
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from commands(sub, path + (name,))


ALL = list(commands(_parser()))


def test_the_parser_has_every_command():
    names = {c[0] for c in ALL if c}
    assert {"build", "stats", "declare", "survey", "sql", "unload"} <= names
    assert any(len(c) == 2 and c[0] == "survey" for c in ALL)


@pytest.mark.parametrize("argv", ALL, ids=lambda c: " ".join(c) or "insertion")
def test_every_help_is_french(argv, capsys):
    with pytest.raises(SystemExit) as done:
        main([*argv, "--help"])
    out, err = capsys.readouterr()
    assert done.value.code == 0
    check(out + err, "insertion " + " ".join(argv) + " --help")


def test_the_detector_catches_english():
    assert english("usage: insertion [-h]\n\noptions:\n  -h, --help  show this help message and exit")
    assert english("error: argument COMMAND: invalid choice")
    assert not english("erreur : l'argument COMMANDE : choix invalide, --warehouse, INSERTION_WAREHOUSE")


@pytest.mark.parametrize(
    "argv",
    [
        ["nosuchcommand"],
        ["stats"],
        ["stats", "RNCP34179", "--format", "xml"],
        ["sql", "select 1", "--max-rows", "beaucoup"],
        ["declare", "RNCP34179", "--verify", "abc"],
    ],
    ids=" ".join,
)
def test_parser_errors_are_french(argv, capsys):
    with pytest.raises(SystemExit) as done:
        main(argv)
    out, err = capsys.readouterr()
    assert done.value.code == 2
    assert "erreur" in err
    check(out + err, " ".join(argv))


def run(*argv: str, env: dict | None = None, shell: str | None = None) -> subprocess.CompletedProcess:
    command = shell or [sys.executable, "-m", "pipeline.cli", *argv]
    return subprocess.run(
        command,
        shell=bool(shell),
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
    )


def sample_env(sample) -> dict:
    return {
        "INSERTION_WAREHOUSE": str(sample.warehouse),
        "INSERTION_KEY_FILE": str(sample.key_file),
        "INSERTION_REFERENCE_DIR": str(ROOT / "data" / "reference"),
        "INSERTION_RAW_DIR": str(ROOT / "data" / "raw"),
    }


def test_unknown_certification(sample_cli):
    code, out, err = sample_cli("certification", "RNCP00000")
    assert code == 1
    check(out + err, "certification RNCP00000")
    code, out, err = sample_cli("stats", "RNCP00000")
    assert code == 1
    check(out + err, "stats RNCP00000")


def test_bad_years(sample_copy, cli, tmp_path):
    code, out, err = cli(
        "declare", "RNCP34179", "--years", "abc", "--to", "France Compétences", "--out-dir", tmp_path / "pack"
    )
    assert code == 2
    assert "abc" in err
    check(out + err, "declare --years abc")
    code, out, err = cli("publish", "RNCP34179", "--years", "2017-x", "--out", tmp_path / "r.csv")
    assert code == 2
    check(out + err, "publish --years 2017-x")


def test_missing_warehouse(settings, cli, tmp_path):
    for argv in (["stats", "RNCP34179"], ["certification", "RNCP34179"], ["sql", "select 1"]):
        code, out, err = cli(*argv, "--warehouse", tmp_path / "nowhere" / "insertion.duckdb")
        assert code != 0
        check(out + err, " ".join(argv) + " (no warehouse)")


def test_a_missing_file_to_load(settings, cli, tmp_path):
    code, out, err = cli("ingest", tmp_path / "absent.csv")
    assert code != 0
    check(out + err, "ingest absent.csv")


def test_bad_file_path(settings, cli, tmp_path):
    code, out, err = cli("sql", "--file", tmp_path / "absent.sql")
    assert code != 0
    check(out + err, "sql --file absent.sql")


def test_a_closed_pipe_is_quiet(sample_warehouse):
    done = run(
        shell=f"{sys.executable} -m pipeline.cli stats RNCP34179 --lineage | head -1",
        env=sample_env(sample_warehouse),
    )
    assert done.returncode == 0
    assert done.stdout.strip()
    check(done.stderr, "stats | head -1")
    done = run(
        shell=f"{sys.executable} -m pipeline.cli sql 'select * from range(200000)' --max-rows 200000 | head -1",
        env=sample_env(sample_warehouse),
    )
    check(done.stderr, "sql | head -1")


def test_a_locked_warehouse(settings, con, cli):
    con.close()
    holder = duckdb.connect(str(settings.warehouse))  # another process would hold it the same way
    try:
        done = run("review", "Webmaster", "--rome", "E1101", "--by", "x", "--why", "y")
    finally:
        holder.close()
    assert done.returncode == 2
    text = done.stdout + done.stderr
    check(text, "review on a locked warehouse")
    assert "PID" not in text and ".pyenv" not in text and str(os.getpid()) not in text


def test_read_commands_speak_french(sample_cli):
    code, out, err = sample_cli("stats", "RNCP34179", "--compare")
    assert code == 0 and "Calculé" in out.splitlines()[0]
    check(out + err, "stats --compare")
    code, out, err = sample_cli("certification", "RNCP34179")
    assert code == 0 and "Niveau" in out
    check(out + err, "certification")


def test_the_quarantine_reasons_are_french(cli, settings):
    from tests.helpers import FIXTURES

    cli("ingest", FIXTURES / "cohort_bad_rows.csv")
    code, out, err = cli("quality", "--quarantine")
    assert code == 0 and "cohort_bad_rows.csv" in out and "ligne" in out
    assert not re.search(r"\bexpected\b", out), out


def test_the_pack_quality_sheet_is_french(sample_copy, cli, tmp_path):
    """The warehouse keeps the checks' codes and canonical texts; the pack reads them out in French."""
    import openpyxl

    from tests.helpers import FIXTURES

    for bad in ("cohort_bad_rows.csv", "survey_bad_rows.csv"):  # quarantined rows and failed checks
        assert cli("ingest", FIXTURES / bad)[0] == 0
    out = tmp_path / "pack.xlsx"
    code, _, err = cli("renewal", "RNCP34179", "--out", out)
    assert code == 0, err
    sheet = openpyxl.load_workbook(out)["Qualité"]
    rows = [r for r in sheet.iter_rows(min_row=7, values_only=True) if r[0]]
    rows = rows[: next(i for i, r in enumerate(rows) if r[1] is None)]  # the « Contrôles des données » table
    kinds = {r[0] for r in rows}
    # a quarantined row in the words of every face (the Qualité page, `insertion quality`)
    row = OUTCOME_LABELS["row"]
    assert {row[:1].upper() + row[1:], "Attente non satisfaite"} <= kinds, kinds
    check("\n".join(str(v) for r in rows for v in r if v is not None), "pack, sheet Qualité")


@pytest.mark.parametrize(
    ("query", "word"),
    [("select * from nowhere", "nowhere"), ("select nope from load_log", "nope"), ("selec 1", "selec")],
)
def test_sql_errors_are_french_and_point_at_the_word(sample_cli, query, word):
    """DuckDB's frequent sentences read in French; its line and caret kept, the caret still under the word."""
    code, out, err = sample_cli("sql", query)
    assert code != 0
    check(out + err, f"sql {query!r}")
    lines = err.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("LIGNE 1 :"))
    assert lines[at + 1].index("^") == lines[at].index(word), "\n".join(lines[at : at + 2])
