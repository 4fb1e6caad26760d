"""What was declared (issue #17) read back: the declarations, their recorded figures and rows, and how the current figures drifted since (with the causes of each difference)."""

from __future__ import annotations

import json
import math
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import duckdb
import pandas as pd

from pipeline.core.accounts import EVERYTHING, Scope
from pipeline.core.errors import InputError
from pipeline.core.sql import scalar
from pipeline.indicators import RATE, RATES, WAVES
from pipeline.indicators import conditions as C
from pipeline.indicators.disclosure import small
from pipeline.indicators.formats import fr_date, fr_int, fr_pct, rate_text, small_list

SQL = Path(__file__).resolve().parents[1] / "reports" / "sql" / "declarations"
FIGURE_COLUMNS = ["year", "access_route", "measure", "numerator", "denominator", "value", "low", "high"]


def sql_text(name: str) -> str:
    return (SQL / f"{name}.sql").read_text(encoding="utf-8")


def plain_value(value):
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
        return [plain_value(v) for v in value]
    return value


def records(frame: pd.DataFrame) -> list[dict]:
    """Rows as plain dicts, in a deterministic order (sorted by their own JSON)."""
    rows = [{k: plain_value(v) for k, v in r.items()} for r in frame.to_dict(orient="records")]
    return sorted(rows, key=lambda r: json.dumps(r, sort_keys=True, ensure_ascii=False))


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
        frame[column] = pd.array([plain_value(v) for v in frame[column]], dtype="Int64")
    for column in ("value", "low", "high"):
        frame[column] = pd.array([plain_value(v) for v in frame[column]], dtype="Float64")
    return frame.sort_values(["year", "access_route", "measure"]).reset_index(drop=True)


def recorded_rows(con, table: str, did: int) -> pd.DataFrame:
    return con.execute(f"select * exclude (declaration_id) from {table} where declaration_id = ?", [did]).df()


def meta_of(con, did: int) -> dict:
    rows = con.execute(
        "select declaration_id, certification_code, years, recipient, note, declared_at, code_version, "
        "settings, digest, part_digests, manifest_path from declarations where declaration_id = ?",
        [did],
    ).fetchall()
    if not rows:
        raise InputError(f"déclaration {did}", "déclaration inexistante (insertion declare --list)")
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


def figure_key(row: dict) -> tuple:
    return (row["year"], row["access_route"], row["measure"])


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

    def text(self, threshold: int | None = None) -> str:
        """One French line; with ``threshold``, a rate whose own denominator is under it carries « ⚠ »."""

        def cell(row):
            if row is None or row["value"] is None:
                return "–"
            if threshold is not None:
                return rate_text(row["value"], row["numerator"], row["denominator"], threshold)
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
    meta = meta_of(con, did)
    code, years = meta["certification_code"], meta["years"]
    recorded = recorded_rows(con, "declaration_figures", did)
    current = {figure_key(r): r for r in records(figures(con, code, years))}
    reasons = causes(con, did, code, years)
    declared_at = datetime.fromisoformat(meta["declared_at"])
    out = []
    for row in records(recorded):
        if row["denominator"] is None or (measures is not None and row["measure"] not in measures):
            continue
        now = current.get(figure_key(row))
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
    then = recorded_rows(con, "declaration_answers", did)
    now = con.execute(sql_text("answers"), {"code": code, "years": years}).df()
    loads = dict(con.execute("select load_id, strftime(finished_at, '%d/%m/%Y') from load_log").fetchall())
    # files taken out since (issue #24, `insertion unload`): their answers left with them
    unloaded = {
        i for (i,) in con.execute("select load_id from load_log where status = 'unloaded'").fetchall()
    }
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
            note(year, wave, "unloaded" if x["load_id"] in unloaded else "gone", (x["source_file"], None))
        elif not x["responded"] and y["responded"]:  # silent when declared, an answer arrived since
            note(year, wave, "late", (y["source_file"], loads.get(y["load_id"])))
        elif (x["load_id"], x["source_row"]) != (y["load_id"], y["source_row"]):
            if plain_value(x["responded"]) != plain_value(y["responded"]) or any(
                plain_value(x[c]) != plain_value(y[c])
                for c in ("employed", "in_target", "neutralised", "situation")
            ):
                if x["load_id"] in unloaded:  # the declared answer left with its file: another one counts
                    note(year, wave, "unloaded", (x["source_file"], None))
                else:
                    note(year, wave, "corrected", (y["source_file"], loads.get(y["load_id"])))
        elif plain_value(x["in_target"]) != plain_value(y["in_target"]):
            kind = "review" if y["target_method"] in ("reviewer", "decision") else "rule"
            note(year, wave, kind, (None, None))
        elif any(plain_value(x[c]) != plain_value(y[c]) for c in ("employed", "neutralised", "responded")):
            note(year, wave, "rule", (None, None))
    people_then = recorded_rows(con, "declaration_people", did)
    people_now = con.execute(sql_text("people"), {"code": code, "years": years}).df()
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
        "unloaded": "réponse(s) retirée(s) avec leur fichier (insertion unload)",
        "certified_added": "certifié(s) ajouté(s) (résultats de jury)",
        "certified_removed": "certifié(s) retiré(s) (résultats de jury)",
    }
    out: dict[tuple, list[str]] = {}
    for (year, wave), kinds in found.items():
        texts = []
        for kind, items in kinds.items():
            sign = "−" if kind in ("gone", "unloaded", "certified_removed") else "+"
            files = sorted({f"{f} chargé le {d}" if d else f for f, d in items if f})
            texts.append(f"{sign}{len(items)} {words[kind]}" + (f" ({', '.join(files)})" if files else ""))
        out[(year, wave)] = texts
    # a change of the certified moves every wave's response rate: report it with each wave too
    for (year, wave), texts in list(out.items()):
        if wave is None:
            for months, _ in WAVES.values():
                out.setdefault((year, months), []).extend(texts)
    return out


def drift_lines(
    con: duckdb.DuckDBPyConnection,
    code: str,
    changed_only: bool = False,
    scope: Scope = EVERYTHING,
    threshold: int | None = None,
) -> list[str]:
    """French lines for the latest declaration of ``code`` (every route 'ALL' figure shown in the fiche's
    table), for `insertion stats`, the dashboard and the pack; empty when nothing was declared, and for a
    partner (issue #16: the certifier declares the whole certification's figures, not a partner's).
    ``threshold``: each rate whose own denominator is under it carries « ⚠ » (M24)."""
    if scope.restricted:
        return []
    did = latest(con, code)
    if did is None:
        return []
    rows = [d for d in drift(con, did, SHOWN) if d.access_route == "ALL"]
    if changed_only:
        rows = [d for d in rows if d.points or d.causes]
    meta = meta_of(con, did)
    head = (
        f"Déclaré le {fr_date(datetime.fromisoformat(meta['declared_at']))} à {meta['recipient']} "
        f"(déclaration n° {did}, promotions {', '.join(map(str, meta['years']))}) :"
    )
    return [head] + [f"  {d.text(threshold)}" for d in rows]


DRIFT_FLAG = "⚠ Taux dont la base est sous le seuil (n/N)"


def drift_table(
    con: duckdb.DuckDBPyConnection, code: str, threshold: int, scope: Scope = EVERYTHING
) -> pd.DataFrame | None:
    """The pack's « Déclarations » sheet: the latest declaration's figures beside the current ones, a rate
    whose own denominator is under the threshold marked « ⚠ » with its n/N (none in a partner's pack)."""
    if scope.restricted:
        return None
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
                DRIFT_FLAG: small_list(
                    [
                        (name, row["numerator"], row["denominator"])
                        for name, row in (("déclaré", d.declared), ("actuel", d.current))
                        if row is not None
                        and row["value"] is not None
                        and small(row["denominator"], threshold)
                    ]
                ),
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
        meta = meta_of(con, did)
        for d in drift(con, did):
            rate = d.measure in RATE or any(d.measure.startswith(r.key) for r in C.RATES)
            if rate and d.points is not None and abs(d.points) >= 1:
                out.append(f"{meta['certification_code']} {d.access_route} — {d.text()}")
    return out
