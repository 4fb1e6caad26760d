"""Survey campaigns, read: who must be surveyed when, where each wave stands, and whether the
non-respondents differ from the respondents.

* The window of a wave is the SQL macro ``survey_window(jury_date, wave)``
  (``pipeline/warehouse/sql/schema/20_macros.sql``: the settings' ``window_6m`` / ``window_24m`` in
  calendar months after the jury, both days inclusive), the one rule the facts' ``in_window`` and the
  quality checks apply too; the token's last valid day is its close, read from the same SQL.
* The participants file itself (contacts, tokens, LimeSurvey's format) is written by
  :mod:`pipeline.outputs.participants`.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd

from pipeline.core import clock
from pipeline.core.config import Settings
from pipeline.core.labels import WAVE_LABELS

SQL = Path(__file__).parent / "sql" / "campaigns"
STATUS_LABELS = {"à venir": "À venir", "ouverte": "Ouverte", "close": "Close"}


def _sql(name: str) -> str:
    return (SQL / name).read_text(encoding="utf-8")


def _with_waves(name: str) -> str:
    """A query over the person-level waves (``waves.sql`` in place of its ``/* waves */``)."""
    return _sql(name).replace("/* waves */", _sql("waves.sql"))


def waves(
    con: duckdb.DuckDBPyConnection,
    certification: str | None = None,
    wave: int | None = None,
    today: date | None = None,
) -> pd.DataFrame:
    """One row per certified person and wave: window and its state, answered, invitations (``waves.sql``)."""
    return con.execute(
        _sql("waves.sql"), {"certification": certification, "wave": wave, "today": today or clock.today()}
    ).df()


def known_certification(con: duckdb.DuckDBPyConnection, code: str | None) -> None:
    """Refuse a certification code that is malformed or has nobody certified in the warehouse."""
    if code is None:
        return
    from pipeline.core.codes import RNCP_CODE

    if not re.fullmatch(RNCP_CODE, code):
        raise ValueError(
            f"code de certification mal formé : {code!r} (attendu RNCP suivi de chiffres, ex. RNCP40344)"
        )
    if not con.execute("select count(*) from fct_certified where certification_code = ?", [code]).fetchone()[
        0
    ]:
        raise ValueError(f"certification sans aucun certifié dans l'entrepôt : {code}")


def plan(
    con: duckdb.DuckDBPyConnection,
    certification: str | None = None,
    wave: int | None = None,
    due_before: date | None = None,
    today: date | None = None,
) -> pd.DataFrame:
    """The people to survey: not answered, whose window opens on or before ``due_before`` (default today),
    with their status (à venir, ouverte, close = overdue). One row per person and wave, pseudonymous."""
    today = today or clock.today()
    people = waves(con, certification, wave, today)
    people = people[~people["answered"] & (people["opens"] <= pd.Timestamp(due_before or today))]
    return people.sort_values(["certification_code", "promotion", "wave", "site", "opens"]).reset_index(
        drop=True
    )


def plan_counts(
    con: duckdb.DuckDBPyConnection,
    certification: str | None = None,
    wave: int | None = None,
    due_before: date | None = None,
    today: date | None = None,
) -> pd.DataFrame:
    """:func:`plan` counted per certification, promotion, wave, site and state of the window, with the
    window and how many were invited (``plan.sql``, over ``mart_survey_waves``: fast at national scale)."""
    today = today or clock.today()
    return con.execute(
        _sql("plan.sql"),
        {"certification": certification, "wave": wave, "due_before": due_before or today, "today": today},
    ).df()


def status(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    certification: str | list[str] | None = None,
    wave: int | None = None,
    today: date | None = None,
    open_only: bool = False,
) -> pd.DataFrame:
    """Per certification, promotion, wave and site (and the whole promotion: site null): certified,
    invited, answered, response rate, days left, projected rate at the close, alert (``status.sql``).
    ``certification``: one code, a list of codes, or None for every certification."""
    return con.execute(
        _sql("status.sql"),
        {
            "certifications": [certification] if isinstance(certification, str) else certification,
            "wave": wave,
            "today": today or clock.today(),
            "threshold": settings.min_response_rate,
            "open_only": open_only,
        },
    ).df()


# --- non-response check --------------------------------------------------------------------------------

NONRESPONSE_RULE = (
    "Pour chaque vague, chaque voie d'accès et chaque site de 5 certifiés ou plus : un groupe dont le taux "
    "de réponse s'écarte de {gap} points ou plus de celui de toute la promotion est sur- ou sous-représenté "
    "parmi les répondants ; si sa situation diffère des autres, les taux en sont biaisés (seuil réglable : "
    "INSERTION_NONRESPONSE_GAP)."
)
MIN_GROUP = 5


def nonresponse(
    con: duckdb.DuckDBPyConnection, settings: Settings, certification: str, years: list[int] | None = None
) -> pd.DataFrame:
    """Respondents against non-respondents by access route and by site, per promotion and wave, flagged
    where a group's response rate is ``settings.nonresponse_gap`` points or more away from its
    promotion's (groups of :data:`MIN_GROUP` certified or more). Rates by the indicators' macro."""
    return con.execute(
        _with_waves("nonresponse.sql"),
        {
            "certification": certification,
            "wave": None,
            "today": clock.today(),
            "years": years,
            "gap": settings.nonresponse_gap,
            "min_group": MIN_GROUP,
        },
    ).df()


# --- French tables (CLI, dashboard, renewal pack) ------------------------------------------------------

STATUS_COLUMNS = {
    "certification_code": "Certification",
    "promotion": "Promotion",
    "wave_label": "Vague",
    "site_label": "Site",
    "status_label": "Fenêtre",
    "window": "Période d'enquête",
    "days_left": "Jours restants",
    "certified": "Certifiés",
    "invited": "Invités",
    "answered": "Répondants",
    "response_cell": "Taux de réponse",
    "projected_cell": "Taux projeté à la clôture",
    "alert": "Alerte",
}


def window_text(opens, closes) -> str:
    from pipeline.indicators.formats import fr_date

    return f"du {fr_date(opens)} au {fr_date(closes)}"


PROJECTION_RULE = (
    "le taux projeté prolonge jusqu'à la clôture le rythme des réponses reçues depuis l'ouverture de la "
    "fenêtre, sans dépasser le nombre de certifiés."
)


def status_table(frame: pd.DataFrame, threshold: int) -> pd.DataFrame:
    """:func:`status_view` under French headers (CLI, downloads)."""
    return status_view(frame, threshold).rename(columns=STATUS_COLUMNS)


def status_view(frame: pd.DataFrame, threshold: int) -> pd.DataFrame:
    """:func:`status` with French labels and formats (« 67 % (8/12) », « ⚠ » when the certified are
    under the small-cohort ``threshold``: M24), columns of STATUS_COLUMNS."""
    from pipeline.indicators.formats import rate_text

    out = frame.copy()
    out["wave_label"] = out["wave"].map(WAVE_LABELS)
    out["site_label"] = out["site"].fillna("Toute la promotion").replace("", "Non renseigné")
    out["status_label"] = out["status"].map(STATUS_LABELS)
    out["window"] = [window_text(o, c) for o, c in zip(out["opens"], out["closes"], strict=True)]
    out["response_cell"] = [
        rate_text(r, a, c, threshold)
        for r, a, c in zip(out["response_rate"], out["answered"], out["certified"], strict=True)
    ]
    out["projected_cell"] = [
        rate_text(r, a, c, threshold)
        for r, a, c in zip(out["projected_rate"], out["projected_answered"], out["certified"], strict=True)
    ]
    out["days_left"] = out["days_left"].astype("Int64").where(out["status"] == "ouverte")
    out["alert"] = out["alert"].fillna("")
    return out[list(STATUS_COLUMNS)]


PLAN_COLUMNS = {
    "certification_code": "Certification",
    "promotion": "Promotion",
    "wave_label": "Vague",
    "site": "Site",
    "status_label": "Fenêtre",
    "window": "Période d'enquête",
    "to_survey": "À enquêter",
    "invited": "Dont déjà invités",
}


def plan_table(counts: pd.DataFrame) -> pd.DataFrame:
    """:func:`plan_counts` with French labels."""
    out = counts.copy()
    out["wave_label"] = out["wave"].map(WAVE_LABELS)
    out["status_label"] = out["status"].map(STATUS_LABELS)
    out["window"] = [window_text(o, c) for o, c in zip(out["opens"], out["closes"], strict=True)]
    return out[list(PLAN_COLUMNS)].rename(columns=PLAN_COLUMNS)


NONRESPONSE_COLUMNS = {
    "promotion": "Promotion",
    "wave_label": "Vague",
    "dimension": "Groupe",
    "group": "Valeur",
    "certified": "Certifiés",
    "respondents": "Répondants",
    "non_respondents": "Non-répondants",
    "response_rate": "Taux de réponse du groupe (%)",
    "promotion_response_rate": "Taux de réponse de la promotion (%)",
    "gap_points": "Écart (points)",
    "share_of_certified": "Part des certifiés (%)",
    "share_of_respondents": "Part des répondants (%)",
    "flag": "Risque de biais",
    "small": "⚠ Taux dont la base est sous le seuil (n/N)",
}
# each rate of the non-response check: (numerator, denominator)
NONRESPONSE_RATES = {
    "response_rate": ("respondents", "certified"),
    "promotion_response_rate": ("promotion_respondents", "promotion_certified"),
    "share_of_certified": ("certified", "promotion_certified"),
    "share_of_respondents": ("respondents", "promotion_respondents"),
}


def nonresponse_rule(settings: Settings) -> str:
    return NONRESPONSE_RULE.format(gap=settings.nonresponse_gap)


def nonresponse_table(frame: pd.DataFrame, threshold: int) -> pd.DataFrame:
    """:func:`nonresponse_view` under French headers."""
    return nonresponse_view(frame, threshold).rename(columns=NONRESPONSE_COLUMNS)


def nonresponse_view(frame: pd.DataFrame, threshold: int) -> pd.DataFrame:
    """:func:`nonresponse` with French labels, columns of NONRESPONSE_COLUMNS, and a « ⚠ » column naming
    each of its rates whose own denominator is under the small-cohort ``threshold``, with its n/N (M24)."""
    from pipeline.core.labels import route_label
    from pipeline.indicators.disclosure import small
    from pipeline.indicators.formats import small_list

    out = frame.copy()
    out["wave_label"] = out["wave"].map(WAVE_LABELS)
    routes = out["dimension"] == "Voie d'accès"
    out.loc[routes, "group"] = out.loc[routes, "group"].map(route_label)
    out["flag"] = out["flagged"].map({True: "⚠ oui", False: ""})
    out["small"] = [
        small_list(
            [
                (NONRESPONSE_COLUMNS[k].removesuffix(" (%)"), r[n], r[d])
                for k, (n, d) in NONRESPONSE_RATES.items()
                if small(r[d], threshold)
            ]
        )
        for r in frame.to_dict(orient="records")
    ]
    return out[list(NONRESPONSE_COLUMNS)]


# --- renewal pack --------------------------------------------------------------------------------------


def nonresponse_sheet(
    con: duckdb.DuckDBPyConnection, settings: Settings, code: str, years: list[int]
) -> pd.DataFrame:
    """The non-response check of the promotions of a pack, French headers, its rates flagged « ⚠ » on
    their own bases (:func:`nonresponse_view`)."""
    return nonresponse_table(nonresponse(con, settings, code, years), settings.small_cohort_threshold)
