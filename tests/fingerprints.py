"""Layout-independent fingerprints of a warehouse: one sha256 per table and view of its main schema.

A fingerprint covers a relation's column names and types, then its rows, sorted and rendered canonically
(floats rounded to 9 significant digits, NULL, NaN and -0.0 written one way, JSON re-serialised with
sorted keys), so that it depends on what the warehouse holds and on nothing else: not on the code's
module layout, not on the folder the build ran in, not on the clock. Columns that legitimately differ
from one run to the next are left out (their names and types still count): see ``EXCLUDED``.

``tests/e2e/test_fingerprints.py`` builds two data sets through the public ``insertion`` command and
compares every relation with the baseline committed in ``tests/fixtures/fingerprints/`` (computed from
the code before the package refactor): a refactor that moves modules must not change any figure.

Usage (from the repository root, with the project's virtualenv)::

    .venv/bin/python tests/fingerprints.py WAREHOUSE.duckdb > out.json    # one warehouse, sorted JSON
    .venv/bin/python tests/fingerprints.py --columns WAREHOUSE.duckdb     # per column, to find what moved
    .venv/bin/python tests/fingerprints.py --build sample DIR             # build one set into DIR
    .venv/bin/python -m pytest -m fingerprints                            # the check itself

Regenerating the baseline (deliberately, never to make the check pass)::

    .venv/bin/python tests/fingerprints.py --update            # both sets
    .venv/bin/python tests/fingerprints.py --update generated  # one set (sample | generated)

It builds the sets exactly as the test does and rewrites ``tests/fixtures/fingerprints/<set>.json``.
Regenerate only when a change of figures is intended (a fixed bug, a new column, a new rule), and
justify it in the commit message: which relations changed and why the new figures are the right ones.
A refactor (moving modules, renaming packages) must never need it.

When the check fails, find the columns concerned: build the set at the commit of the baseline (in a
worktree of that commit: ``--build generated /tmp/before``), then compare ``--columns`` of that
warehouse with ``--columns`` of the warehouse the failing test names.

Both sets are deterministic: built four times each in fresh folders (two working directories, at
different times), they gave the same fingerprints. The generated set depends on NumPy's seeded random
generator: a NumPy upgrade that changes its streams would change it (not a refactor).

This module imports nothing from the project (only DuckDB and the standard library) and drives the
project through its console script, so it keeps working whatever the refactor moves.
"""

from __future__ import annotations

import argparse
import datetime as dt
import decimal
import hashlib
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]
BASELINE_DIR = ROOT / "tests" / "fixtures" / "fingerprints"
# the sample is built with the LimeSurvey sample's demonstration key, as tests/conftest.py builds the shared
# sample (whose warehouse the test fingerprints), the generated set with a key of its own
SAMPLE_KEY = ROOT / "data" / "exemples" / "limesurvey" / "cle_demo.key"
KEY_FILE = (
    BASELINE_DIR / "pseudonymisation.key"
)  # 64 hex characters, as pipeline/load/pseudonymise.py reads it
TODAY = "2026-11-30"  # INSERTION_TODAY: the validation suites' "today" (dates not after today)

# relation -> column -> why it is left out. Only columns whose values legitimately differ from one run to
# the next (clock, durations, absolute paths of the build's folders); their names and types still count.
EXCLUDED: dict[str, dict[str, str]] = {
    "load_log": {
        "file_path": "absolute path of the raw file: depends on the folder the build ran in (file_name stays)",
        "started_at": "wall-clock time the load started",
        "finished_at": "wall-clock time the load finished",
        "duration_s": "how long the load took",
    },
    "validation_runs": {
        "started_at": "wall-clock time the validation run started",
    },
    "job_title_matches": {
        "matched_at": "wall-clock time of the matching (every build rematches)",
    },
    "certification_summary": {
        "days_left": "view computed when read against insertion_today() (the reading connection's day): changes every day",
    },
    "cdc_reconciliation": {
        "overdue": "view computed when read against insertion_today(): a missing transmission becomes overdue with the days (issue #27)",
    },
    "cdc_accrochage_summary": {
        "overdue": "counts cdc_reconciliation.overdue, judged on the reading day",
        "not_yet_due": "counts the transmissions still due on the reading day",
    },
    "title_reviews": {
        "decided_at": "wall-clock time of a reviewer's decision (empty after a build)",
    },
    "fct_survey_responses": {
        "reviewed_at": "copy of title_reviews.decided_at, a wall-clock time (NULL after a build)",
    },
    "survey_mailings": {
        "sent_at": "wall-clock time a participants file was written (empty after a build)",
    },
    "declarations": {
        "declared_at": "wall-clock time of the declaration (empty after a build)",
        "code_version": "version of the code that declared (empty after a build)",
        "manifest_path": "absolute path the pack was written to (empty after a build)",
    },
}

FLOAT_DIGITS = 9  # significant digits kept of a float: enough for every figure, blind to last-bit noise


# --- fingerprints ----------------------------------------------------------------------------------------


def relations(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The user tables and views of the main schema of the open database (no system or temporary ones)."""
    rows = con.execute(
        """
        select table_name from duckdb_tables()
        where database_name = current_database() and schema_name = 'main' and not internal and not temporary
        union
        select view_name from duckdb_views()
        where database_name = current_database() and schema_name = 'main' and not internal and not temporary
        order by 1
        """
    ).fetchall()
    return [name for (name,) in rows]


def columns(con: duckdb.DuckDBPyConnection, relation: str) -> list[tuple[str, str]]:
    """(name, type) of each column of ``relation``, in order."""
    return con.execute(
        """
        select column_name, data_type from information_schema.columns
        where table_catalog = current_database() and table_schema = 'main' and table_name = ?
        order by ordinal_position
        """,
        [relation],
    ).fetchall()


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def canonical(value, json_text: bool = False):
    """``value`` as a JSON-serialisable value that is the same for the same content, whatever its origin."""
    if json_text and isinstance(value, str):
        return canonical(json.loads(value))
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        return "f:" + format(value or 0.0, f".{FLOAT_DIGITS}g")  # -0.0 -> 0
    if isinstance(value, decimal.Decimal):
        return "d:" + str(value)
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return f"td:{value.days}:{value.seconds}:{value.microseconds}"
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return "b:" + bytes(value).hex()
    if isinstance(value, dict):
        return {str(k): canonical(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, (list, tuple)):
        return [canonical(v) for v in value]
    raise TypeError(f"no canonical form for {type(value).__name__}: {value!r}")


def _rows(con: duckdb.DuckDBPyConnection, relation: str, kept: list[tuple[str, str]]) -> list[str]:
    """The rows of the kept columns, each as one canonical JSON line, sorted."""
    if not kept:
        (count,) = con.execute(f"select count(*) from {_quote(relation)}").fetchone()
        return ["[]"] * count
    select = ", ".join(_quote(name) for name, _ in kept)
    result = con.execute(f"select {select} from {_quote(relation)} order by all nulls first").fetchall()
    is_json = [kind == "JSON" for _, kind in kept]
    lines = [
        json.dumps(
            [canonical(v, j) for v, j in zip(row, is_json, strict=True)],
            ensure_ascii=False,
            separators=(",", ":"),
        )
        for row in result
    ]
    # ORDER BY ALL reads the rows in a fixed order; sorting the rendered lines too makes that order
    # blind to float noise beyond FLOAT_DIGITS (two rows equal once rounded may come out either way).
    return sorted(lines)


def relation_fingerprint(con: duckdb.DuckDBPyConnection, relation: str) -> str:
    cols = columns(con, relation)
    excluded = EXCLUDED.get(relation, {})
    digest = hashlib.sha256()
    for name, kind in cols:
        digest.update(f"column\t{name}\t{kind}{chr(9) + 'excluded' if name in excluded else ''}\n".encode())
    for line in _rows(con, relation, [(n, k) for n, k in cols if n not in excluded]):
        digest.update(b"row\t" + line.encode() + b"\n")
    return digest.hexdigest()


def fingerprints(db_path) -> dict[str, str]:
    """sha256 of the canonical content of every table and view of the warehouse at ``db_path``."""
    with duckdb.connect(str(db_path), read_only=True) as con:
        return {relation: relation_fingerprint(con, relation) for relation in relations(con)}


def column_fingerprints(db_path) -> dict[str, dict[str, str]]:
    """Per relation, a sha256 per column (its sorted canonical values): a diagnosis aid that says which
    columns of a relation whose fingerprint changed are concerned."""
    out: dict[str, dict[str, str]] = {}
    with duckdb.connect(str(db_path), read_only=True) as con:
        for relation in relations(con):
            excluded = EXCLUDED.get(relation, {})
            out[relation] = {
                name: (
                    "excluded"
                    if name in excluded
                    else hashlib.sha256(
                        (kind + "\n" + "\n".join(_rows(con, relation, [(name, kind)]))).encode()
                    ).hexdigest()
                )
                for name, kind in columns(con, relation)
            }
    return out


def differences(expected: dict[str, str], actual: dict[str, str]) -> list[str]:
    """One line (French, for the person reading the failure) per relation whose content differs, that
    appeared or that disappeared; empty when all are equal."""
    lines = []
    for name in sorted(expected.keys() | actual.keys()):
        if name not in actual:
            lines.append(f"disparue : {name}")
        elif name not in expected:
            lines.append(f"apparue  : {name}")
        elif expected[name] != actual[name]:
            lines.append(f"modifiée : {name}")
    return lines


# --- the two data sets, built through the public command -------------------------------------------------

# `insertion generate` options of the generated set: 130 fictional certifications over 3 years scaled to
# about 2,000 certified give 6 groups of files (12 CSV files, one group in Windows-1252), about 3,200
# cohort rows and 5,100 survey answers; 1% defective rows (bad RNCP code, impossible jury date, unknown
# situation, malformed ROME code) go to the quarantine or set fields aside. Fixed seed; an empty
# --calibrate-from keeps the built-in calibration, so the files do not depend on the working folder.
GENERATE_OPTIONS = [
    "--certifications", "130",
    "--years", "2021-2023",
    "--target-certified", "2000",
    "--defects", "0.01",
    "--seed", "7",
    "--calibrate-from",
]  # fmt: skip


def insertion_command() -> Path:
    """The console script installed beside the running interpreter (the project's virtualenv)."""
    return Path(sys.executable).parent / "insertion"


def _environment(workdir: Path, raw_dir: Path, reference_dir: Path, key: Path = KEY_FILE) -> dict[str, str]:
    """The caller's environment without any INSERTION_* setting, then this build's own settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("INSERTION_")}
    env.update(
        INSERTION_WAREHOUSE=str(workdir / "warehouse" / "insertion.duckdb"),
        INSERTION_RAW_DIR=str(raw_dir),
        INSERTION_KEY_FILE=str(key),
        INSERTION_TODAY=TODAY,
        INSERTION_REFERENCE_DIR=str(reference_dir),
        INSERTION_ACCOUNTS=str(workdir / "accounts" / "accounts.json"),
        INSERTION_HEADER_MAPPING=str(workdir / "header_mapping.csv"),  # absent: no custom headers
        INSERTION_CONTACTS_DIR=str(workdir / "contacts"),  # absent: no contact files
    )
    return env


def _run(args: list[str], env: dict[str, str], cwd: Path) -> None:
    command = insertion_command()
    if not command.exists():
        raise RuntimeError(
            f"commande introuvable : {command} (lancez avec le Python du virtualenv du projet, "
            "créé par « make setup » : .venv/bin/python)"
        )
    done = subprocess.run([str(command), *args], env=env, cwd=cwd, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(
            f"« insertion {' '.join(args)} » a échoué (code {done.returncode}) :\n{done.stdout}\n{done.stderr}"
        )


def build_sample(workdir: Path) -> Path:
    """`insertion build` over the shipped sample (data/raw, data/reference); returns the warehouse."""
    env = _environment(workdir, ROOT / "data" / "raw", ROOT / "data" / "reference", SAMPLE_KEY)
    _run(["build"], env, cwd=workdir)
    return Path(env["INSERTION_WAREHOUSE"])


def build_generated(workdir: Path) -> Path:
    """`insertion generate` (GENERATE_OPTIONS) plus the shipped ROME referential (so that the generated
    job titles are matched), then `insertion build`; returns the warehouse."""
    raw = workdir / "raw"
    env = _environment(workdir, raw, workdir / "raw-reference")  # generate writes <out>-reference/
    _run(["generate", "--out", str(raw), *GENERATE_OPTIONS], env, cwd=workdir)
    shutil.copytree(ROOT / "data" / "raw" / "rome", raw / "rome")
    _run(["build"], env, cwd=workdir)
    return Path(env["INSERTION_WAREHOUSE"])


SETS = {"sample": build_sample, "generated": build_generated}


def baseline_path(name: str) -> Path:
    return BASELINE_DIR / f"{name}.json"


def load_baseline(name: str) -> dict[str, str]:
    return json.loads(baseline_path(name).read_text(encoding="utf-8"))


def dump(prints: dict) -> str:
    return json.dumps(prints, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def build_and_fingerprint(name: str) -> tuple[dict[str, str], float]:
    """Build set ``name`` in a fresh temporary folder; its fingerprints and the build's seconds."""
    with tempfile.TemporaryDirectory(prefix=f"fingerprints-{name}-") as tmp:
        started = time.perf_counter()
        warehouse = SETS[name](Path(tmp))
        seconds = time.perf_counter() - started
        return fingerprints(warehouse), seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="tests/fingerprints.py",
        description="Empreintes du contenu d'un entrepôt (une par table et vue), ou régénération de la "
        "référence (--update : à justifier dans le message de commit).",
    )
    parser.add_argument("warehouse", nargs="?", type=Path, help="fichier DuckDB à lire (en lecture seule)")
    parser.add_argument("--columns", action="store_true", help="une empreinte par colonne (diagnostic)")
    parser.add_argument(
        "--build",
        nargs=2,
        metavar=("SET", "DIR"),
        help="construire le jeu SET (sample | generated) dans le dossier DIR (vide ou absent) et afficher "
        "le chemin de son entrepôt",
    )
    parser.add_argument(
        "--update",
        nargs="*",
        choices=sorted(SETS),
        metavar="SET",
        help="reconstruire ces jeux (défaut : tous) et réécrire tests/fixtures/fingerprints/<jeu>.json",
    )
    args = parser.parse_args(argv)
    if args.build:
        name, folder = args.build
        if name not in SETS:
            parser.error(f"jeu inconnu : {name} (choisir parmi {', '.join(sorted(SETS))})")
        folder = Path(folder).resolve()
        if folder.exists() and any(folder.iterdir()):
            parser.error(f"le dossier {folder} n'est pas vide")
        folder.mkdir(parents=True, exist_ok=True)
        print(SETS[name](folder))
        return 0
    if args.update is not None:
        if args.warehouse:
            parser.error("--update ne prend pas de fichier d'entrepôt")
        for name in args.update or sorted(SETS):
            prints, seconds = build_and_fingerprint(name)
            path = baseline_path(name)
            before = json.loads(path.read_text(encoding="utf-8")) if path.exists() else None
            path.write_text(dump(prints), encoding="utf-8")
            changed = differences(before, prints) if before is not None else []
            state = "nouvelle référence" if before is None else "modifiée" if changed else "inchangée"
            print(
                f"{name} : {len(prints)} relations, construit en {seconds:.1f} s, "
                f"{path.relative_to(ROOT)} : {state}",
                file=sys.stderr,
            )
            for line in changed:
                print(f"  {line}", file=sys.stderr)
        print("Justifiez toute régénération dans le message de commit.", file=sys.stderr)
        return 0
    if not args.warehouse:
        parser.error("indiquez un fichier d'entrepôt, ou --update")
    if not args.warehouse.exists():
        parser.error(f"fichier introuvable : {args.warehouse}")
    sys.stdout.write(
        dump(column_fingerprints(args.warehouse) if args.columns else fingerprints(args.warehouse))
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
