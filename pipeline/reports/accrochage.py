"""The « accrochage » of the certifications (issue #27): the certified of the jury results beside the
Caisse des Dépôts fluxes the certifier sent. The rules are the warehouse's (``fct_cdc_passages``, views
``cdc_reconciliation`` and ``cdc_accrochage_summary``; docs/methodology.md M34–M37); this module reads
them, in French, for the Qualité page, ``insertion accrochage``, the readiness alerts and the pack.

The certifier's own duty: a partner's scope reads nothing here (an empty frame).
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from pipeline.core.accounts import EVERYTHING, Scope
from pipeline.core.labels import ROUTE_LABELS
from pipeline.indicators.formats import fr_date

REPORTS = Path(__file__).parent / "sql" / "accrochage"
TITLE = "Accrochage CDC"
DEADLINE_MONTHS = 3  # Code du travail R6113-17-2: within 3 months of the certificate

FINDINGS = {
    "transmitted": "Certifié et transmis",
    "not_transmitted": "Certifié, non transmis",
    "before_flux": "Certifié avant la période des flux chargés",
    "transmitted_failed": "Transmis, mais ajourné ou validation partielle au jury",
    "transmitted_not_certified": "Transmis, absent des résultats de jury",
    "no_jury_file": "Transmis, aucun fichier de jury pour cette certification",
}
LINKS = {
    "id_technique": "idTechnique = référence candidat",
    "mapping": "fichier de correspondance",
    "nir": "NIR (condensé)",
}
SUMMARY = {
    "certification_code": "Certification",
    "year": "Promotion",
    "certified": "Certifiés (jury)",
    "transmitted": "Transmis",
    "on_time": "dont dans les 3 mois",
    "late": "dont en retard",
    "not_transmitted": "Non transmis",
    "overdue": "dont délai dépassé",
    "not_yet_due": "dont délai en cours",
    "before_flux": "Avant la période des flux",
    "date_mismatch": "Date du certificat ≠ date du jury",
    "route_mismatch": "Voie d'accès différente",
    "transmitted_failed": "Transmis, ajournés ou partiels",
    "transmitted_not_certified": "Transmis, absents du jury",
    "no_jury_file": "Transmis, sans fichier de jury",
}
COHORT_NOTE = (
    "Certifiés lus dans le flux d'accrochage CDC (aucun fichier de jury pour cette certification ; réglage "
    "cdc_as_cohort) : le flux ne connaît que les certifiés — ni les validations partielles, ni les ajournés, "
    "ni les blocs validés, ni le site ou le partenaire — et la date du jury y est la date du certificat "
    "(dateDebutValidite)."
)


def _query(con: duckdb.DuckDBPyConnection, name: str, codes: list[str] | None = None) -> pd.DataFrame:
    sql = (REPORTS / f"{name}.sql").read_text(encoding="utf-8")
    return con.execute(sql, {"codes": list(codes or [])} if "$codes" in sql else None).df()


def loaded(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether a CDC flux is loaded (before, nothing is reconciled)."""
    try:
        return bool(con.execute("select count(*) > 0 from landing_cdc_passages").fetchall()[0][0])
    except duckdb.CatalogException:  # a warehouse written before issue #27
        return False


def summary(
    con: duckdb.DuckDBPyConnection, codes: list[str] | None = None, scope: Scope = EVERYTHING
) -> pd.DataFrame:
    """The counts per certification and promotion (canonical columns, :data:`SUMMARY` names them)."""
    if scope.restricted or not loaded(con):
        return pd.DataFrame(columns=list(SUMMARY))
    return _query(con, "summary", codes)


def summary_table(frame: pd.DataFrame) -> pd.DataFrame:
    """:func:`summary` with French headers, for a page or a sheet."""
    out = frame[list(SUMMARY)].rename(columns=SUMMARY)
    return out.astype({c: "int64" for c in out.columns if c != "Certification"})


def listing(
    con: duckdb.DuckDBPyConnection, codes: list[str] | None = None, scope: Scope = EVERYTHING
) -> pd.DataFrame:
    """One line per person to act on (canonical columns, with ``status``: what is wrong, in French)."""
    if scope.restricted or not loaded(con):
        return pd.DataFrame()
    frame = _query(con, "listing", codes)
    frame["status"] = [status(r) for r in frame.to_dict(orient="records")]
    return frame


def status(r: dict) -> str:
    """What a line of the reconciliation says, in French."""
    finding = r["finding"]
    if finding == "not_transmitted":
        due = fr_date(r["deadline"])
        return (
            f"Non transmis : délai de {DEADLINE_MONTHS} mois dépassé (échéance le {due})"
            if r["overdue"]
            else f"Non transmis : à transmettre au plus tard le {due}"
        )
    if finding != "transmitted":
        return FINDINGS.get(finding, finding)
    said = []
    if r["late"]:
        said.append(
            f"Transmis en retard : le {fr_date(r['first_transmitted_on'])}, échéance le {fr_date(r['deadline'])}"
        )
    if r["date_mismatch"]:
        said.append(
            f"Date du certificat {fr_date(r['certificate_date'])} ≠ date du jury {fr_date(r['jury_date'])}"
        )
    if r["route_mismatch"]:
        said.append(
            f"Voie d'accès : {_route(r['jury_route'])} au jury, {_route(r['cdc_route'])} dans le flux"
        )
    return " ; ".join(said) or FINDINGS[finding]


def _route(code) -> str:
    return ROUTE_LABELS.get(code, code) if isinstance(code, str) else "non renseignée"


def listing_table(frame: pd.DataFrame, references: dict[str, str] | None = None) -> pd.DataFrame:
    """:func:`listing` with French headers; ``references`` (pseudonym -> candidate reference, read from the
    jury files at export time only: pipeline/outputs/accrochage.py) adds the reference column."""
    if frame.empty:
        return pd.DataFrame(columns=["Certification", "Promotion", "Constat"])
    out = pd.DataFrame(
        {
            "Certification": frame["certification_code"],
            "Promotion": frame["year"].astype("Int64"),
            "Constat": frame["status"],
        }
    )
    if references is not None:
        out["Référence candidat"] = frame["candidate_hash"].map(lambda h: references.get(h, ""))
    out["Date du jury"] = frame["jury_date"].map(fr_date)
    out["Voie (jury)"] = frame["jury_route"].map(lambda v: _route(v) if isinstance(v, str) else "")
    out["Fichier de jury"] = frame["jury_file"].fillna("")
    out["Ligne (jury)"] = frame["jury_row"].astype("Int64")
    out["Échéance"] = frame["deadline"].map(fr_date)
    out["Transmis le"] = frame["first_transmitted_on"].map(fr_date)
    out["Date du certificat"] = frame["certificate_date"].map(fr_date)
    out["Voie (flux)"] = frame["cdc_route"].map(lambda v: _route(v) if isinstance(v, str) else "")
    out["Fichier du flux"] = frame["flux_file"].fillna("")
    out["Passage"] = frame["flux_passage"].astype("Int64")
    out["Ligne (flux)"] = frame["flux_line"].astype("Int64")
    out["Lien"] = frame["link_method"].map(lambda v: LINKS.get(v, "") if isinstance(v, str) else "")
    return out


def fluxes(con: duckdb.DuckDBPyConnection, scope: Scope = EVERYTHING) -> pd.DataFrame:
    """The fluxes loaded, in French."""
    if scope.restricted or not loaded(con):
        return pd.DataFrame()
    frame = _query(con, "fluxes")
    return pd.DataFrame(
        {
            "Chargement": frame["load_id"].astype(int),
            "Fichier": frame["source_file"],
            "idFlux": frame["flux_id"].fillna(""),
            "Transmis le": frame["transmitted_on"].map(fr_date),
            "Date tirée de": frame["transmitted_from"].map(
                {"horodatage": "horodatage du flux", "file_date": "date du fichier"}
            ),
            "Passages chargés": frame["passages"].astype(int),
            "Certifications": frame["certifications"],
        }
    )


def cohort_source(con: duckdb.DuckDBPyConnection, code: str) -> str | None:
    """Where the certified of ``code`` come from: ``jury``, ``cdc_flux`` (docs/methodology.md M37) or None."""
    try:
        row = con.execute(
            "select cohort_source from stg_certification_sources where certification_code = ?", [code]
        ).fetchall()
    except duckdb.CatalogException:
        return None
    return row[0][0] if row else None


def cohort_note(con: duckdb.DuckDBPyConnection, code: str) -> str | None:
    """What every output that counts ``code``'s certified must say when they come from the CDC flux."""
    return COHORT_NOTE if cohort_source(con, code) == "cdc_flux" else None
