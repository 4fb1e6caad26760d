"""Declarations (issue #17): freeze the figures sent to a body (France Compétences…), prove them from the
records months later, and show how the current figures drifted since.

* :func:`declare` records, in append-only tables (``pipeline/warehouse/sql/schema/41_declarations.sql``: no command updates
  or deletes them, no build touches them, the snapshot copies them), the figures of the renewal pack
  (every rate with n/N and interval, per year and access route, and the conditions of employment), the
  input files (load ids, sha256), the pseudonymous people and answers counted, the settings and the code
  version; it writes the pack (XLSX, HTML) and a manifest (JSON) whose digest is the sha256 of the
  canonical serialisation of all of it (:func:`canonical`).
* :func:`verify` recomputes the declared figures from the recorded people and answers alone, through the
  same SQL models as the warehouse (``marts/04``, ``05``, ``40`` run in a private in-memory database), and
  compares them, the digest and each part's digest, and the records with the manifest file.
* :func:`drift` compares the declared figures with the current ones, and explains each difference by the
  answers that arrived, changed or left since (late answer, corrected file, reviewer decision).
"""

from __future__ import annotations

import hashlib
import json
import subprocess
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb
import pandas as pd

from pipeline.core import private
from pipeline.core.config import Settings
from pipeline.core.errors import InputError
from pipeline.core.sql import scalar
from pipeline.reports.declared import (
    FIGURE_COLUMNS,
    figure_key,
    figures,
    meta_of,
    plain_value,
    recorded_rows,
    records,
    sql_text,
)
from pipeline.warehouse.db import mark_unpublished, unpublished
from pipeline.warehouse.models import marts_of

ALGORITHM = (
    "sha256 of the UTF-8 JSON of the manifest's content (keys sorted, no spaces, rows sorted), "
    "digest and part_digests left out"
)
PARTS = ("declaration", "figures", "files", "people", "answers", "outputs")
ANSWER_KEY = ["candidate_hash", "year", "wave"]  # one answer per person, promotion and wave


# --- canonical serialisation ---------------------------------------------------------------------------


def canonical(content) -> bytes:
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def digest(content) -> str:
    return hashlib.sha256(canonical(content)).hexdigest()


# --- figures -------------------------------------------------------------------------------------------


def recompute(people: pd.DataFrame, answers: pd.DataFrame, code: str, years: list[int]) -> pd.DataFrame:
    """The figures recomputed from recorded people and answers alone, by the warehouse's own SQL models
    (:func:`pipeline.warehouse.models.marts_of`)."""
    with marts_of(people, answers) as mem:
        return figures(mem, code, years)


# --- recording -----------------------------------------------------------------------------------------


def code_version() -> str:
    """The package version and, in a git checkout, the commit (``+changes`` when the tree differs)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        text = version("insertion")
    except PackageNotFoundError:
        text = "unknown"
    here = Path(__file__).resolve().parents[1]  # the pipeline package
    try:
        commit = subprocess.run(
            ["git", "-C", str(here), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=10
        )
        if commit.returncode == 0:
            dirty = subprocess.run(
                ["git", "-C", str(here), "status", "--porcelain", "--untracked-files=no", "--", "."],
                capture_output=True,
                text=True,
                timeout=10,
            )
            text += f" ({commit.stdout.strip()}{'+changes' if dirty.stdout.strip() else ''})"
    except (OSError, subprocess.SubprocessError):
        pass
    return text


def settings_record(con, settings: Settings, code: str) -> dict:
    """The settings the figures depend on, and this certification's own settings."""
    from pipeline.core.config import RECORDED
    from pipeline.reports.settings import certification_settings

    out = {key: plain_value(getattr(settings, key)) for key in RECORDED}
    out.update(certification_settings(con, code))
    return out


@dataclass
class Declared:
    declaration_id: int
    digest: str
    folder: Path
    files: list[Path] = field(default_factory=list)


def declare(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    code: str,
    years: list[int],
    recipient: str,
    note: str | None = None,
    folder: Path | None = None,
) -> Declared:
    """Record a declaration (one transaction) and write its pack and manifest under ``folder`` (default:
    ``declarations/<code>-<id>/`` beside the warehouse). Raises :class:`InputError` when the
    certification has no figures for ``years``."""
    from pipeline.outputs import renewal

    if not recipient.strip():
        raise InputError(code, "--to : à qui les chiffres sont déclarés (p. ex. « France Compétences »)")
    pack = renewal.build(con, code, settings, years)  # raises for an unknown code or no data
    years = pack.years
    declared_at = datetime.now().replace(microsecond=0)
    con.execute("begin transaction")
    try:
        did = int(scalar(con, "select nextval('declaration_id_seq')"))
        folder = Path(folder or settings.warehouse.parent / "declarations" / f"{code}-{did}")
        params = {"code": code, "years": years}
        _insert(con, "declaration_figures", did, figures(con, code, years))
        for table, name in (
            ("declaration_files", "files"),
            ("declaration_people", "people"),
            ("declaration_answers", "answers"),
        ):
            con.execute(
                f"insert into {table} by name select $did::integer as declaration_id, * from ({sql_text(name)})",
                {**params, "did": did},
            )
        if not folder.exists():  # the manifest lists people and their answers: its owner's only
            private.folder(folder)
        xlsx, html = folder / f"renouvellement-{code}.xlsx", folder / f"renouvellement-{code}.html"
        renewal.write_xlsx(pack, xlsx)
        renewal.write_html(pack, html)
        outputs = pd.DataFrame(
            [(p.name, hashlib.sha256(p.read_bytes()).hexdigest()) for p in (xlsx, html)],
            columns=["file_name", "sha256"],
        )
        _insert(con, "declaration_outputs", did, outputs)
        meta = {
            "declaration_id": did,
            "certification_code": code,
            "years": years,
            "recipient": recipient.strip(),
            "note": note,
            "declared_at": declared_at.isoformat(timespec="seconds"),
            "code_version": code_version(),
            "settings": settings_record(con, settings, code),
        }
        content = _content(con, did, meta)
        parts = {part: digest(content[part]) for part in PARTS}
        total = digest(content)
        manifest = folder / "manifest.json"
        con.execute(
            "insert into declarations values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                did,
                code,
                years,
                meta["recipient"],
                note,
                declared_at,
                meta["code_version"],
                json.dumps(meta["settings"], sort_keys=True),
                total,
                json.dumps(parts, sort_keys=True),
                str(manifest),
            ],
        )
        # committed with the declaration, cleared by the snapshot's publication: a command killed in
        # between leaves it for the next one to publish (issue #24)
        mark_unpublished(con, "declaration", did)
        manifest.write_text(
            json.dumps(
                {"digest": total, "algorithm": ALGORITHM, "part_digests": parts, **content},
                ensure_ascii=False,
                indent=1,
                sort_keys=True,
            ),
            encoding="utf-8",
        )
        for path in (xlsx, html, manifest):
            private.file(path)
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    return Declared(did, total, folder, [xlsx, html, manifest])


def interrupted(con: duckdb.DuckDBPyConnection, code: str) -> list[dict]:
    """The declarations of ``code`` committed but not yet published (the command was killed in between):
    their metadata, oldest first. Re-running ``declare`` after such a kill would record a second one."""
    ids = [object_id for what, object_id in unpublished(con) if what == "declaration"]
    metas = [meta_of(con, did) for did in ids]
    return [meta for meta in metas if meta["certification_code"] == code]


def _insert(con, table: str, did: int, frame: pd.DataFrame) -> None:
    con.register("declaration_batch", frame)
    try:
        con.execute(
            f"insert into {table} by name select ?::integer as declaration_id, * from declaration_batch",
            [did],
        )
    finally:
        con.unregister("declaration_batch")


def _content(con, did: int, meta: dict) -> dict:
    """Everything a declaration holds, as plain data (the manifest without its digests)."""
    return {
        "declaration": {k: v for k, v in meta.items() if not k.startswith("_")},
        "figures": records(recorded_rows(con, "declaration_figures", did)),
        "files": records(recorded_rows(con, "declaration_files", did)),
        "people": records(recorded_rows(con, "declaration_people", did)),
        "answers": records(recorded_rows(con, "declaration_answers", did)),
        "outputs": records(recorded_rows(con, "declaration_outputs", did)),
    }


# --- verification --------------------------------------------------------------------------------------


@dataclass
class Verification:
    declaration_id: int
    digest_ok: bool
    figures_ok: bool
    changed_parts: list[str]
    figure_differences: list[str]
    record_changes: list[str]

    @property
    def ok(self) -> bool:
        return self.digest_ok and self.figures_ok and not self.record_changes

    def text(self) -> str:
        lines = [
            f"Déclaration n° {self.declaration_id} : "
            + (
                "vérifiée — les chiffres déclarés se recalculent exactement à partir des réponses et des "
                "personnes enregistrées, et l'empreinte du manifeste correspond."
                if self.ok
                else "NON VÉRIFIÉE."
            )
        ]
        if not self.digest_ok:
            lines.append(
                f"  empreinte sha256 différente : partie(s) modifiée(s) : {', '.join(self.changed_parts)}"
            )
        lines += [f"  chiffre : {d}" for d in self.figure_differences]
        lines += [f"  enregistrement : {c}" for c in self.record_changes]
        return "\n".join(lines)


def _describe(row: dict | None) -> str:
    if row is None:
        return "absent"
    value = "–" if row["value"] is None else f"{row['value']:g}"
    if row["numerator"] is not None and row["denominator"] is not None:
        value += f" ({row['numerator']}/{row['denominator']})"
    return value


def compare_figures(recorded: pd.DataFrame, other: pd.DataFrame) -> list[tuple[dict | None, dict | None]]:
    """Pairs (recorded, other) of the figures that differ (value, n or N)."""
    a = {figure_key(r): r for r in records(recorded[FIGURE_COLUMNS])}
    b = {figure_key(r): r for r in records(other[FIGURE_COLUMNS])}
    out = []
    for key in sorted(set(a) | set(b), key=str):
        x, y = a.get(key), b.get(key)
        if x is None or y is None or any(x[c] != y[c] for c in ("numerator", "denominator", "value")):
            out.append((x, y))
    return out


def verify(con: duckdb.DuckDBPyConnection, did: int, manifest: Path | None = None) -> Verification:
    """Prove a declaration from its records alone: the digest and each part's digest, the figures
    recomputed from the recorded people and answers, and (when the manifest file is at hand) every
    recorded row against the manifest's."""
    meta = meta_of(con, did)
    content = _content(con, did, meta)
    parts = {part: digest(content[part]) for part in PARTS}
    changed = [p for p in PARTS if parts[p] != meta["_parts"].get(p)]
    digest_ok = digest(content) == meta["_digest"] and not changed
    people, answers = (
        recorded_rows(con, "declaration_people", did),
        recorded_rows(con, "declaration_answers", did),
    )
    recorded = recorded_rows(con, "declaration_figures", did)
    again = recompute(people, answers, meta["certification_code"], meta["years"])
    differences = [
        f"{x['year'] if x else y['year']} {(x or y)['access_route']} {(x or y)['measure']} : "
        f"enregistré {_describe(x)}, recalculé à partir des enregistrements {_describe(y)}"
        for x, y in compare_figures(recorded, again)
    ]
    path = Path(manifest or meta["_manifest"] or "")
    changes = _record_changes(content, path) if path.is_file() else []
    return Verification(did, digest_ok, not differences, changed, differences, changes)


def _record_changes(content: dict, manifest: Path) -> list[str]:
    """Each recorded row that differs from the manifest written with the declaration: the part, the row's
    identity, and each field as written -> as now."""
    written = json.loads(manifest.read_text(encoding="utf-8"))
    keys = {
        "figures": ["year", "access_route", "measure"],
        "answers": ["candidate_hash", "year", "wave"],
        "people": ["candidate_hash", "year"],
        "files": ["load_id"],
        "outputs": ["file_name"],
    }
    out = []
    for part, key in keys.items():
        then = {tuple(r[k] for k in key): r for r in written.get(part, [])}
        now = {tuple(r[k] for k in key): r for r in content[part]}
        for identity in sorted(set(then) | set(now), key=str):
            a, b = then.get(identity), now.get(identity)
            name = f"{part} {'/'.join(str(v) for v in identity)}"
            if a is None:
                out.append(f"{name} : ajouté après la déclaration")
            elif b is None:
                out.append(f"{name} : supprimé après la déclaration")
            elif a != b:
                fields = ", ".join(
                    f"{k} {a.get(k)!r} → {b.get(k)!r}"
                    for k in sorted(set(a) | set(b))
                    if a.get(k) != b.get(k)
                )
                out.append(f"{name} : {fields}")
    if written.get("declaration") != content["declaration"]:
        out.append("declaration : métadonnées modifiées")
    return out


# --- drift ---------------------------------------------------------------------------------------------
