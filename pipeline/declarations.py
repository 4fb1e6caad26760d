"""Declarations (issue #17): freeze the figures sent to a body (France Compétences…), prove them from the
records months later, and show how the current figures drifted since.

* :func:`declare` records, in append-only tables (``sql/schema/41_declarations.sql``: no command updates
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
import math
import subprocess
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import duckdb
import pandas as pd

from .config import Settings
from .errors import InputError
from .indicators import RATE, RATES, WAVES
from .indicators import conditions as C
from .indicators.formats import fr_date, fr_int, fr_pct
from .warehouse import SQL_DIR, scalar

SQL = SQL_DIR / "declarations"
ALGORITHM = (
    "sha256 of the UTF-8 JSON of the manifest's content (keys sorted, no spaces, rows sorted), "
    "digest and part_digests left out"
)
PARTS = ("declaration", "figures", "files", "people", "answers", "outputs")
FIGURE_COLUMNS = ["year", "access_route", "measure", "numerator", "denominator", "value", "low", "high"]
ANSWER_KEY = ["candidate_hash", "year", "wave"]  # one answer per person, promotion and wave


def _sql(name: str) -> str:
    return (SQL / f"{name}.sql").read_text(encoding="utf-8")


# --- canonical serialisation ---------------------------------------------------------------------------


def _plain(value):
    """A JSON-able value: missing -> None, numbers as int or float, dates ISO, uuids as text."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, float):
        return int(value) if value.is_integer() else round(value, 6)
    if isinstance(value, (datetime, pd.Timestamp)):
        return value.isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _rows(frame: pd.DataFrame) -> list[dict]:
    """Rows as plain dicts, in a deterministic order (sorted by their own JSON)."""
    rows = [{k: _plain(v) for k, v in r.items()} for r in frame.to_dict(orient="records")]
    return sorted(rows, key=lambda r: json.dumps(r, sort_keys=True, ensure_ascii=False))


def canonical(content) -> bytes:
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def digest(content) -> str:
    return hashlib.sha256(canonical(content)).hexdigest()


# --- figures -------------------------------------------------------------------------------------------


def figures(con: duckdb.DuckDBPyConnection, code: str, years: list[int]) -> pd.DataFrame:
    """Every figure of the pack, one row per year, access route and measure: the counts and rates of
    ``statistics_by_route`` (France Compétences' registry) and those of ``mart_employment_conditions``
    (per wave, every route). The same function reads the warehouse and the recomputation."""
    rows: list[tuple] = []
    stats = con.execute(
        "select * from statistics_by_route where certification_code = ? and list_contains(?, year)",
        [code, years],
    ).df()
    for r in stats.to_dict(orient="records"):
        year, route = int(r["year"]), r["access_route"]
        for key in ("certified", "certified_vae"):
            rows.append((year, route, key, r[key], None, r[key], None, None))
        for rate in RATES:
            rows.append(
                (year, route, rate.key, r[rate.numerator], r[rate.denominator], r[rate.key])
                + (r[f"{rate.key}_low"], r[f"{rate.key}_high"])
            )
    cond = con.execute(
        "select * from mart_employment_conditions where certification_code = ? and list_contains(?, year)",
        [code, years],
    ).df()
    for r in cond.to_dict(orient="records"):
        year, w = int(r["year"]), f"{int(r['wave'])}m"
        for rate in C.RATES:
            rows.append(
                (year, "ALL", f"{rate.key}_{w}", r[rate.numerator], r[rate.denominator], r[rate.key])
                + (r[f"{rate.key}_low"], r[f"{rate.key}_high"])
            )
        for key in C.PAY_KEYS:
            rows.append((year, "ALL", f"{key}_{w}", r["pay_answers"], None, r[key], None, None))
    frame = pd.DataFrame(rows, columns=FIGURE_COLUMNS)
    for column in ("numerator", "denominator"):
        frame[column] = pd.array([_plain(v) for v in frame[column]], dtype="Int64")
    for column in ("value", "low", "high"):
        frame[column] = pd.array([_plain(v) for v in frame[column]], dtype="Float64")
    return frame.sort_values(["year", "access_route", "measure"]).reset_index(drop=True)


PARTNER_COLUMNS = ("partner_siret", "partner_name")


def recompute(people: pd.DataFrame, answers: pd.DataFrame, code: str, years: list[int]) -> pd.DataFrame:
    """The figures recomputed from recorded people and answers alone, by the warehouse's own SQL models
    (macros, ``marts/04``, ``05`` and ``40``) in a private in-memory database."""
    from .indicators import expand

    mem = duckdb.connect()
    try:
        mem.execute("create table settings (key varchar primary key, value varchar)")  # read by macros
        mem.execute((SQL_DIR / "schema" / "20_macros.sql").read_text(encoding="utf-8"))
        # the identities are not needed to count (and uuid objects do not round-trip through pandas)
        mem.register("people_rows", people.drop(columns=["candidate_hash"]))
        mem.register("answer_rows", answers.drop(columns=["candidate_hash"]))
        # the partner is part of the marts' grain (issue #16) but not of the declared figures (summed over
        # partners): recorded rows without it count as one partner
        for table, rows, frame in (
            ("fct_certified", "people_rows", people),
            ("fct_survey_responses", "answer_rows", answers),
        ):
            missing = [c for c in PARTNER_COLUMNS if c not in frame.columns]
            extra = "".join(f", null::varchar as {c}" for c in missing)
            mem.execute(f"create table {table} as select *{extra} from {rows}")
        for name in (
            "04_mart_outcome_counts",
            "05_statistics_by_route",
            "40_mart_employment_conditions",
        ):
            mem.execute(expand((SQL_DIR / "marts" / f"{name}.sql").read_text(encoding="utf-8")))
        return figures(mem, code, years)
    finally:
        mem.close()


# --- recording -----------------------------------------------------------------------------------------


def code_version() -> str:
    """The package version and, in a git checkout, the commit (``+changes`` when the tree differs)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        text = version("insertion")
    except PackageNotFoundError:
        text = "unknown"
    here = Path(__file__).resolve().parent
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
    from .warehouse import SETTINGS_KEYS

    out = {key: _plain(getattr(settings, key)) for key in (*SETTINGS_KEYS, "pay_floor", "pay_ceiling")}
    cert = con.execute(
        "select coalesce(any_value(international), false), coalesce(any_value(target_parent_codes), false) "
        "from ref_certifications where certification_code = ?",
        [code],
    ).fetchall()[0]
    out["international"], out["target_parent_codes"] = bool(cert[0]), bool(cert[1])
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
    from . import renewal

    if not recipient.strip():
        raise InputError(code, "--to: to whom the figures are declared (e.g. « France Compétences »)")
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
                f"insert into {table} by name select $did::integer as declaration_id, * from ({_sql(name)})",
                {**params, "did": did},
            )
        folder.mkdir(parents=True, exist_ok=True)
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
        manifest.write_text(
            json.dumps(
                {"digest": total, "algorithm": ALGORITHM, "part_digests": parts, **content},
                ensure_ascii=False,
                indent=1,
                sort_keys=True,
            ),
            encoding="utf-8",
        )
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    return Declared(did, total, folder, [xlsx, html, manifest])


def _insert(con, table: str, did: int, frame: pd.DataFrame) -> None:
    con.register("declaration_batch", frame)
    try:
        con.execute(
            f"insert into {table} by name select ?::integer as declaration_id, * from declaration_batch",
            [did],
        )
    finally:
        con.unregister("declaration_batch")


def _recorded(con, table: str, did: int) -> pd.DataFrame:
    return con.execute(f"select * exclude (declaration_id) from {table} where declaration_id = ?", [did]).df()


def _meta(con, did: int) -> dict:
    rows = con.execute(
        "select declaration_id, certification_code, years, recipient, note, declared_at, code_version, "
        "settings, digest, part_digests, manifest_path from declarations where declaration_id = ?",
        [did],
    ).fetchall()
    if not rows:
        raise InputError(f"declaration {did}", "no such declaration (insertion declare --list)")
    r = rows[0]
    return {
        "declaration_id": r[0],
        "certification_code": r[1],
        "years": list(r[2]),
        "recipient": r[3],
        "note": r[4],
        "declared_at": r[5].isoformat(timespec="seconds"),
        "code_version": r[6],
        "settings": json.loads(r[7]),
        "_digest": r[8],
        "_parts": json.loads(r[9]),
        "_manifest": r[10],
    }


def _content(con, did: int, meta: dict) -> dict:
    """Everything a declaration holds, as plain data (the manifest without its digests)."""
    return {
        "declaration": {k: v for k, v in meta.items() if not k.startswith("_")},
        "figures": _rows(_recorded(con, "declaration_figures", did)),
        "files": _rows(_recorded(con, "declaration_files", did)),
        "people": _rows(_recorded(con, "declaration_people", did)),
        "answers": _rows(_recorded(con, "declaration_answers", did)),
        "outputs": _rows(_recorded(con, "declaration_outputs", did)),
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


def _figure_key(row: dict) -> tuple:
    return (row["year"], row["access_route"], row["measure"])


def _describe(row: dict | None) -> str:
    if row is None:
        return "absent"
    value = "–" if row["value"] is None else f"{row['value']:g}"
    if row["numerator"] is not None and row["denominator"] is not None:
        value += f" ({row['numerator']}/{row['denominator']})"
    return value


def compare_figures(recorded: pd.DataFrame, other: pd.DataFrame) -> list[tuple[dict | None, dict | None]]:
    """Pairs (recorded, other) of the figures that differ (value, n or N)."""
    a = {_figure_key(r): r for r in _rows(recorded[FIGURE_COLUMNS])}
    b = {_figure_key(r): r for r in _rows(other[FIGURE_COLUMNS])}
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
    meta = _meta(con, did)
    content = _content(con, did, meta)
    parts = {part: digest(content[part]) for part in PARTS}
    changed = [p for p in PARTS if parts[p] != meta["_parts"].get(p)]
    digest_ok = digest(content) == meta["_digest"] and not changed
    people, answers = _recorded(con, "declaration_people", did), _recorded(con, "declaration_answers", did)
    recorded = _recorded(con, "declaration_figures", did)
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


def listing(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return con.execute(
        """
        select d.declaration_id as "N°", d.certification_code as "Fiche",
               array_to_string(d.years::varchar[], ', ') as "Promotions",
               d.recipient as "Destinataire", strftime(d.declared_at, '%d/%m/%Y %H:%M') as "Déclaré le",
               d.note as "Note", (select count(*) from declaration_answers as a
                                  where a.declaration_id = d.declaration_id and a.responded) as "Réponses",
               left(d.digest, 16) as "Empreinte (début)"
        from declarations as d order by d.declaration_id
        """
    ).df()


# --- drift ---------------------------------------------------------------------------------------------

# the rates whose drift is shown beside the current figures (stats, dashboard, pack): the fiche's and
# the response rates; `insertion validate` warns on every recorded rate
SHOWN = [r.key for r in RATES if r.official or r.key.startswith("response_rate")] + ["insertion_rate_24m"]


@dataclass
class Drift:
    declaration_id: int
    declared_at: datetime
    recipient: str
    year: int
    access_route: str
    measure: str
    declared: dict
    current: dict | None
    causes: list[str]

    @property
    def points(self) -> float | None:
        if self.current is None or self.current["value"] is None or self.declared["value"] is None:
            return None
        return self.current["value"] - self.declared["value"]

    def label(self) -> str:
        if self.measure in RATE:
            return RATE[self.measure].short
        base, _, wave = self.measure.rpartition("_")
        try:
            return f"{C.label(base).removesuffix(' (en %)')} à {WAVES[wave][1]}"
        except KeyError:
            return self.measure

    def text(self) -> str:
        def cell(row):
            if row is None or row["value"] is None:
                return "–"
            return f"{fr_pct(row['value'])} ({fr_int(row['numerator'])}/{fr_int(row['denominator'])})"

        points = self.points
        diff = "inchangé" if not points else f"écart {points:+g} point{'s' if abs(points) >= 2 else ''}"
        because = f" — {'; '.join(self.causes)}" if self.causes else ""
        return (
            f"{self.year} {self.label()} : actuel {cell(self.current)}, déclaré le {fr_date(self.declared_at)} "
            f"{cell(self.declared)} ({diff}){because}"
        )


def latest(con: duckdb.DuckDBPyConnection, code: str) -> int | None:
    if not _has_declarations(con):
        return None
    return scalar(con, "select max(declaration_id) from declarations where certification_code = ?", [code])


def _has_declarations(con) -> bool:
    return bool(
        scalar(
            con,
            "select count(*) from information_schema.tables where table_name = 'declarations' "
            "and table_catalog = current_database()",
        )
    )


def drift(con: duckdb.DuckDBPyConnection, did: int, measures: list[str] | None = None) -> list[Drift]:
    """The recorded figures of a declaration (every access route) beside the current ones, with the
    causes of each difference (see :func:`causes`)."""
    meta = _meta(con, did)
    code, years = meta["certification_code"], meta["years"]
    recorded = _recorded(con, "declaration_figures", did)
    current = {_figure_key(r): r for r in _rows(figures(con, code, years))}
    reasons = causes(con, did, code, years)
    declared_at = datetime.fromisoformat(meta["declared_at"])
    out = []
    for row in _rows(recorded):
        if row["denominator"] is None or (measures is not None and row["measure"] not in measures):
            continue
        now = current.get(_figure_key(row))
        wave = _wave_of(row["measure"])
        why = reasons.get((row["year"], wave), []) if now is None or _differs(row, now) else []
        out.append(
            Drift(
                did,
                declared_at,
                meta["recipient"],
                row["year"],
                row["access_route"],
                row["measure"],
                row,
                now,
                why,
            )
        )
    return sorted(out, key=lambda d: (-d.year, d.access_route != "ALL", d.access_route, d.measure))


def _differs(a: dict, b: dict) -> bool:
    return any(a[c] != b[c] for c in ("numerator", "denominator", "value"))


def _wave_of(measure: str) -> int | None:
    for w, (months, _) in WAVES.items():
        if measure.endswith(f"_{w}"):
            return months
    return None


def causes(con, did: int, code: str, years: list[int]) -> dict[tuple, list[str]]:
    """Per (year, wave): why the answers counted now differ from the declared ones — answers that
    arrived since (late answers), came from another file (a corrected file), or changed their fit after a
    reviewer's decision; answers that left; and (per year, wave None) certified people added or removed."""
    then = _recorded(con, "declaration_answers", did)
    now = con.execute(_sql("answers"), {"code": code, "years": years}).df()
    loads = dict(con.execute("select load_id, strftime(finished_at, '%d/%m/%Y') from load_log").fetchall())
    key = lambda r: (str(r["candidate_hash"]), int(r["year"]), int(r["wave"]))  # noqa: E731
    a = {key(r): r for r in then.to_dict(orient="records")}
    b = {key(r): r for r in now.to_dict(orient="records")}
    found: dict[tuple, dict[str, list]] = {}

    def note(year, wave, kind, what):
        found.setdefault((year, wave), {}).setdefault(kind, []).append(what)

    for k in sorted(set(a) | set(b)):
        x, y = a.get(k), b.get(k)
        _, year, wave = k
        if x is None:
            if y["responded"]:
                note(year, wave, "late", (y["source_file"], loads.get(y["load_id"])))
        elif y is None:
            note(year, wave, "gone", (x["source_file"], None))
        elif not x["responded"] and y["responded"]:  # silent when declared, an answer arrived since
            note(year, wave, "late", (y["source_file"], loads.get(y["load_id"])))
        elif (x["load_id"], x["source_row"]) != (y["load_id"], y["source_row"]):
            if _plain(x["responded"]) != _plain(y["responded"]) or any(
                _plain(x[c]) != _plain(y[c]) for c in ("employed", "in_target", "neutralised", "situation")
            ):
                note(year, wave, "corrected", (y["source_file"], loads.get(y["load_id"])))
        elif _plain(x["in_target"]) != _plain(y["in_target"]):
            kind = "review" if y["target_method"] in ("reviewer", "decision") else "rule"
            note(year, wave, kind, (None, None))
        elif any(_plain(x[c]) != _plain(y[c]) for c in ("employed", "neutralised", "responded")):
            note(year, wave, "rule", (None, None))
    people_then = _recorded(con, "declaration_people", did)
    people_now = con.execute(_sql("people"), {"code": code, "years": years}).df()
    pk = lambda r: (str(r["candidate_hash"]), int(r["year"]))  # noqa: E731
    p1 = {pk(r) for r in people_then.to_dict(orient="records")}
    p2 = {pk(r) for r in people_now.to_dict(orient="records")}
    for _, year in p2 - p1:
        note(year, None, "certified_added", (None, None))
    for _, year in p1 - p2:
        note(year, None, "certified_removed", (None, None))
    words = {
        "late": "réponse(s) tardive(s)",
        "corrected": "réponse(s) remplacée(s) par un fichier corrigé",
        "review": "décision(s) d'un relecteur",
        "rule": "classement modifié (référentiel ou réglage)",
        "gone": "réponse(s) retirée(s)",
        "certified_added": "certifié(s) ajouté(s) (résultats de jury)",
        "certified_removed": "certifié(s) retiré(s) (résultats de jury)",
    }
    out: dict[tuple, list[str]] = {}
    for (year, wave), kinds in found.items():
        texts = []
        for kind, items in kinds.items():
            sign = "−" if kind in ("gone", "certified_removed") else "+"
            files = sorted({f"{f} chargé le {d}" if d else f for f, d in items if f})
            texts.append(f"{sign}{len(items)} {words[kind]}" + (f" ({', '.join(files)})" if files else ""))
        out[(year, wave)] = texts
    # a change of the certified moves every wave's response rate: report it with each wave too
    for (year, wave), texts in list(out.items()):
        if wave is None:
            for months, _ in WAVES.values():
                out.setdefault((year, months), []).extend(texts)
    return out


def drift_lines(con: duckdb.DuckDBPyConnection, code: str, changed_only: bool = False) -> list[str]:
    """French lines for the latest declaration of ``code`` (every route 'ALL' figure shown in the fiche's
    table), for `insertion stats`, the dashboard and the pack; empty when nothing was declared."""
    did = latest(con, code)
    if did is None:
        return []
    rows = [d for d in drift(con, did, SHOWN) if d.access_route == "ALL"]
    if changed_only:
        rows = [d for d in rows if d.points or d.causes]
    meta = _meta(con, did)
    head = (
        f"Déclaré le {fr_date(datetime.fromisoformat(meta['declared_at']))} à {meta['recipient']} "
        f"(déclaration n° {did}, promotions {', '.join(map(str, meta['years']))}) :"
    )
    return [head] + [f"  {d.text()}" for d in rows]


def drift_table(con: duckdb.DuckDBPyConnection, code: str) -> pd.DataFrame | None:
    """The pack's « Déclarations » sheet: the latest declaration's figures beside the current ones."""
    did = latest(con, code)
    if did is None:
        return None
    rows = drift(con, did)
    return pd.DataFrame(
        [
            {
                "Déclaration": d.declaration_id,
                "Déclaré le": fr_date(d.declared_at),
                "Destinataire": d.recipient,
                "Année": d.year,
                "Voie d'accès": d.access_route,
                "Indicateur": d.label(),
                "Déclaré (valeur)": d.declared["value"],
                "Déclaré n": d.declared["numerator"],
                "Déclaré N": d.declared["denominator"],
                "Actuel (valeur)": None if d.current is None else d.current["value"],
                "Actuel n": None if d.current is None else d.current["numerator"],
                "Actuel N": None if d.current is None else d.current["denominator"],
                "Écart (points)": d.points,
                "Cause": "; ".join(d.causes),
            }
            for d in rows
        ]
    )


def warnings(con: duckdb.DuckDBPyConnection) -> list[str]:
    """For `insertion validate`: each declared rate that the current data would change by a rounding point
    or more (the latest declaration of each certification)."""
    if not _has_declarations(con):
        return []
    out = []
    for (did,) in con.execute(
        "select max(declaration_id) from declarations group by certification_code order by 1"
    ).fetchall():
        meta = _meta(con, did)
        for d in drift(con, did):
            rate = d.measure in RATE or any(d.measure.startswith(r.key) for r in C.RATES)
            if rate and d.points is not None and abs(d.points) >= 1:
                out.append(f"{meta['certification_code']} {d.access_route} — {d.text()}")
    return out
