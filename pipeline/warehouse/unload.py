"""Undo a load (issue #24, ``insertion unload``): a wrong cohort file, a wrong mapping or a junk file
leaves the warehouse as if it had never come.

:func:`unload` finds the load (its id, or its file: content sha256, path or name), removes its rows
everywhere — landing rows, quarantine rows (rows and fields set aside), the job-title matches no answer
holds any more — and records who, when and why in the append-only ``unload_log``
(``sql/schema/42_unloads.sql``), in one transaction that also marks the certifications it touched in
``pending_refresh``. The caller then recomputes them and publishes the snapshot (``insertion unload``:
:func:`pipeline.cli.common.finish`); a command killed in between leaves the mark, and the next command
finishes the refresh. The load's line in ``load_log`` stays, with status ``unloaded``: the same file may be
loaded again (only a load with status ``loaded`` makes a file « already loaded »).

Decisions (README, docs/warehouse.md):

* Only cohort results and survey answers are unloaded. A referential load (RNCP export, ROME files)
  **replaced** the rows of the earlier one, which are gone: removing it would not bring them back but
  leave the fiches without referential. It is refused; load the right export, which replaces it.
* A load counted by a declaration is unloaded all the same. A declaration is proven from its own recorded
  people and answers (``declaration_*``), never from the landing, so it still verifies; refusing would keep
  a wrong file in the figures for ever, precisely when they were sent out. The declarations concerned are
  named in the log and by the command, and the drift beside the current figures says the answers left
  with their file.
* The validation runs of the load (``validation_runs``, ``validation_results``, Data Docs) stay: they are
  the history of what was checked, shown with the load's status « retiré ».
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import duckdb

from pipeline.core.errors import InputError

SQL = Path(__file__).with_name("sql") / "unload"
UNLOADABLE = {
    "cohort_results": "résultats de jury",
    "survey_answers": "réponses d'enquête",
    "cdc_flux": "flux d'accrochage CDC",  # issue #27
}
REFERENTIALS = {"rncp": "export RNCP", "rome_codes": "codes ROME", "rome_appellations": "appellations ROME"}


@dataclass
class Unloaded:
    """What one unload removed (a row of ``unload_log``)."""

    unload_id: int
    load_id: int
    file_name: str
    kind: str
    rows_removed: int
    quarantine_removed: int
    certifications: list[str]
    declarations: list[int]

    def summary(self) -> str:
        what = UNLOADABLE.get(self.kind, self.kind)
        text = (
            f"Chargement n° {self.load_id} retiré ({self.file_name}, {what}) : {self.rows_removed} ligne(s) "
            f"et {self.quarantine_removed} ligne(s) de quarantaine supprimées"
        )
        if self.certifications:
            return text + f" ; certifications recalculées : {', '.join(self.certifications)}."
        return text + " ; aucune certification à recalculer."


def _sha256(path: Path) -> str | None:
    try:
        digest = hashlib.sha256()
        with path.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
        return digest.hexdigest()
    except OSError:
        return None


def find(con: duckdb.DuckDBPyConnection, target: str) -> tuple:
    """The load ``target`` names: a load id, or a file (its content's sha256 when it exists, else its
    path as loaded, else its name); (load_id, file_name, file_path, sha256, kind, status). Raises
    :class:`InputError` (French) when none, or several loaded ones, match."""
    target = str(target).strip()
    if target.isdigit():
        params = {"load_id": int(target), "sha256": None, "path": None, "name": None}
    else:
        path = Path(target)
        params = {"load_id": None, "sha256": _sha256(path), "path": target, "name": path.name}
    rows = con.execute((SQL / "find.sql").read_text(encoding="utf-8"), params).fetchall()
    if not rows:
        raise InputError(
            target, "aucun chargement ne correspond (numéro ou fichier) ; la liste : insertion loads"
        )
    loaded = [r for r in rows if r[5] == "loaded"]
    if params["sha256"] is not None and any(r[3] == params["sha256"] for r in loaded):
        loaded = [r for r in loaded if r[3] == params["sha256"]]  # this very content first
    if len(loaded) > 1:
        listed = ", ".join(f"n° {r[0]} ({r[1]})" for r in loaded)
        raise InputError(
            target, f"plusieurs chargements correspondent : {listed} ; indiquez le numéro (insertion loads)"
        )
    return loaded[0] if loaded else rows[-1]


def check(load: tuple) -> None:
    """Refuse what cannot be unloaded (see the module's decisions), in French."""
    load_id, file_name, _, _, kind, status = load
    where = f"chargement n° {load_id} ({file_name})"
    if status == "unloaded":
        raise InputError(where, "déjà retiré (insertion loads, ou la page Qualité : « Fichiers retirés »)")
    if status != "loaded":
        raise InputError(where, "fichier rejeté au chargement : aucune ligne n'est entrée, rien à retirer")
    if kind in REFERENTIALS:
        raise InputError(
            where,
            f"un référentiel ({REFERENTIALS[kind]}) ne se retire pas : son chargement a remplacé les lignes "
            "du précédent, qu'il ne peut pas rendre ; chargez l'export voulu, qui remplacera celui-ci",
        )
    if kind not in UNLOADABLE:
        raise InputError(where, f"type de chargement inconnu ({kind}) : rien à retirer")


def unload(con: duckdb.DuckDBPyConnection, target: str, by: str, why: str) -> Unloaded:
    """Remove the rows of the load ``target`` names (see the module docstring) in one transaction and
    record it; the caller then recomputes ``certifications`` and publishes the snapshot."""
    if not (by or "").strip() or not (why or "").strip():
        raise InputError("insertion unload", "indiquez qui retire le fichier (--by) et pourquoi (--why)")
    load = find(con, target)
    check(load)
    con.execute("begin transaction")
    try:
        con.execute("set variable unload_load_id = ?::integer", [load[0]])
        con.execute("set variable unload_by = ?::varchar", [by.strip()])
        con.execute("set variable unload_why = ?::varchar", [why.strip()])
        con.execute((SQL / "remove.sql").read_text(encoding="utf-8"))
        row = con.execute(
            "select unload_id, load_id, file_name, kind, rows_removed, quarantine_removed, certifications, "
            "declarations from unload_log where load_id = ? order by unload_id desc limit 1",
            [load[0]],
        ).fetchall()[0]
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    finally:
        for name in ("unload_load_id", "unload_by", "unload_why"):
            con.execute(f"reset variable {name}")
    return Unloaded(*row[:6], list(row[6]), list(row[7]))
