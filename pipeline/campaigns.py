"""Survey campaigns: who must be surveyed when, the participants file for the survey tool, where each wave
stands, and whether the non-respondents differ from the respondents.

* The window of a wave is the SQL macro ``survey_window(jury_date, wave)`` (``sql/schema/20_macros.sql``:
  the settings' ``window_6m`` / ``window_24m`` in calendar months after the jury, both days inclusive),
  the one rule the facts' ``in_window`` and the quality checks apply too; the token's last valid day is
  its close, read from the same SQL.
* Contact details (names, e-mails) are read from the contact files only to write a participants file:
  they are joined in memory on the recomputed pseudonym and written to that file alone (mode 0600); they
  never reach the warehouse, the snapshot, a log or a message. The warehouse records that a pseudonym
  was invited or reminded (``survey_mailings``), nothing else.
* The token of a person for a wave is derived from the pseudonym (:mod:`pipeline.tokens`): answers come
  back to the right person without any stored token.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import duckdb
import pandas as pd

from . import tokens
from .config import Settings
from .errors import InputError
from .exports import csv_text, safe_frame
from .indicators import WAVES
from .labels import WAVE_LABELS

SQL = Path(__file__).parent / "sql" / "campaigns"
STATUS_LABELS = {"à venir": "À venir", "ouverte": "Ouverte", "close": "Close"}


def wave_months(text: str | int | None) -> int | None:
    """« 6m », « 24m », « 6 mois », « 2 ans », 6 or 24 -> 6 | 24; None stays None."""
    if text is None:
        return None
    if isinstance(text, int) or str(text).isdigit():
        months = int(text)
    elif str(text) in WAVES:
        months = WAVES[str(text)][0]
    else:
        from .normalise import map_values

        mapped = map_values(pd.Series([str(text)], dtype="string"), "wave").iloc[0]
        months = int(mapped) if mapped is not pd.NA and str(mapped).isdigit() else None
    if months not in WAVE_LABELS:
        raise ValueError(f"vague inconnue : {text!r} (attendu 6m ou 24m)")
    return months


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
        _sql("waves.sql"), {"certification": certification, "wave": wave, "today": _today(today)}
    ).df()


def known_certification(con: duckdb.DuckDBPyConnection, code: str | None) -> None:
    """Refuse a certification code that is malformed or has nobody certified in the warehouse."""
    if code is None:
        return
    from .codes import RNCP_CODE

    if not re.fullmatch(RNCP_CODE, code):
        raise ValueError(
            f"code de certification mal formé : {code!r} (attendu RNCP suivi de chiffres, ex. RNCP40344)"
        )
    if not con.execute("select count(*) from fct_certified where certification_code = ?", [code]).fetchone()[
        0
    ]:
        raise ValueError(f"certification sans aucun certifié dans l'entrepôt : {code}")


def _today(today: date | None) -> date:
    from .validation import today as validation_today

    return today or validation_today()


def plan(
    con: duckdb.DuckDBPyConnection,
    certification: str | None = None,
    wave: int | None = None,
    due_before: date | None = None,
    today: date | None = None,
) -> pd.DataFrame:
    """The people to survey: not answered, whose window opens on or before ``due_before`` (default today),
    with their status (à venir, ouverte, close = overdue). One row per person and wave, pseudonymous."""
    today = _today(today)
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
    today = _today(today)
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
            "today": _today(today),
            "threshold": settings.min_response_rate,
            "open_only": open_only,
        },
    ).df()


# --- contacts and participants files -------------------------------------------------------------------

CONTACT_FIELDS = ("lastname", "firstname", "email")
_EMAIL = re.compile(r"^[^@\s;,]+@[^@\s;,]+\.[A-Za-z]{2,}$")


def contact_files(settings: Settings, named: list[Path] | None = None) -> list[Path]:
    """The files read for contact details: the ones named, else the contacts folder's and the raw
    folder's cohort files (those without contact columns are passed over)."""
    if named:
        return [Path(p) for p in named]
    from .ingest import SUPPORTED_SUFFIXES

    found = []
    for folder in (settings.contacts_dir, settings.raw_dir / "cohortes", settings.raw_dir):
        if folder.is_dir():
            found += sorted(
                p
                for p in folder.glob("*")
                if p.is_file()
                and p.suffix.lower() in SUPPORTED_SUFFIXES - {".xml", ".zip"}
                and not p.name.startswith((".", "~$"))
            )
    return list(dict.fromkeys(found))


def _contact_synonyms() -> dict[str, str]:
    from .normalise import header_synonyms

    synonyms = header_synonyms("contacts")
    synonyms.update({k: v for k, v in header_synonyms("cohort_results").items() if v == "candidate_ref"})
    return synonyms


def read_contacts(paths: list[Path], key: bytes, explicit: bool = False) -> tuple[pd.DataFrame, list[str]]:
    """candidate_hash, lastname, firstname, email of every person the files name (first file wins), in
    memory only; and notes for the user (counts, never a contact value). A file named by the user that
    has no reference or no e-mail column is an error; found in a folder, it is passed over."""
    from .normalise import norm
    from .pseudonymise import pseudonymise
    from .readers import read_table

    synonyms = _contact_synonyms()

    def score(headers: list[str]) -> int:
        mapped = {synonyms.get(norm(h)) for h in headers} - {None}
        return len(mapped) if "candidate_ref" in mapped else 0

    frames, notes = [], []
    for path in paths:
        try:
            raw = read_table(path, score)
        except InputError:
            if explicit:
                raise
            continue
        mapped: dict[str, str] = {}
        for header in raw.frame.columns:
            column = synonyms.get(norm(header))
            if column and column not in mapped:
                mapped[column] = header
        if "candidate_ref" not in mapped or "email" not in mapped:
            if explicit:
                missing = (
                    "une colonne de référence candidat"
                    if "candidate_ref" not in mapped
                    else "une colonne e-mail"
                )
                raise InputError(
                    path, f"fichier de contacts sans {missing} (en-têtes reconnus : voir le README)", row=1
                )
            continue
        frame = pd.DataFrame(
            {"candidate_hash": pseudonymise(raw.frame[mapped["candidate_ref"]].astype("string"), key)}
        )
        for column in CONTACT_FIELDS:
            values = (
                raw.frame[mapped[column]] if column in mapped else pd.Series(pd.NA, index=raw.frame.index)
            )
            frame[column] = values.astype("string").str.strip().replace("", pd.NA)
        bad = frame["email"].notna() & ~frame["email"].fillna("").str.match(_EMAIL)
        if bad.any():
            notes.append(f"{path.name} : {int(bad.sum())} adresse(s) e-mail mal formée(s) ignorée(s)")
            frame.loc[bad, "email"] = pd.NA
        frames.append(frame.dropna(subset=["candidate_hash"]))
    if not frames:
        return pd.DataFrame(columns=["candidate_hash", *CONTACT_FIELDS]), notes
    contacts = pd.concat(frames, ignore_index=True)
    contacts = contacts.sort_values("email", na_position="last", kind="stable")  # a row with an e-mail first
    contacts = contacts.drop_duplicates("candidate_hash").reset_index(drop=True)
    contacts["candidate_hash"] = contacts["candidate_hash"].str.lower()
    return contacts, notes


@dataclass
class Participants:
    frame: pd.DataFrame  # one row per person invited: contact, token, window, attributes
    without_contact: int  # people due whose e-mail no contact file gives
    notes: list[str]


def participants(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    key: bytes,
    certification: str,
    wave: int,
    contact_paths: list[Path] | None = None,
    promotion: int | None = None,
    reminder: bool = False,
    due_before: date | None = None,
    today: date | None = None,
) -> Participants:
    """The people to invite for one wave of one certification (window open, or opening by
    ``due_before``; not answered), with their contact details and token. ``reminder``: only those
    already invited who have not answered."""
    today = _today(today)
    people = plan(con, certification, wave, due_before, today)
    people = people[people["status"] != "close"]
    if promotion is not None:
        people = people[people["promotion"] == promotion]
    if reminder:
        people = people[people["invited_at"].notna()]
    explicit = bool(contact_paths)
    contacts, notes = read_contacts(contact_files(settings, contact_paths), key, explicit)
    people = people.assign(
        candidate_hash=people["candidate_hash"].astype(str).str.replace("-", "").str.lower()
    )
    joined = people.merge(contacts, on="candidate_hash", how="left")
    reachable = joined[joined["email"].notna()].copy()
    reachable["token"] = [
        tokens.make(key, h, certification, wave, c.date())
        for h, c in zip(reachable["candidate_hash"], reachable["closes"], strict=True)
    ]
    return Participants(reachable.reset_index(drop=True), int(joined["email"].isna().sum()), notes)


LIMESURVEY_ATTRIBUTES = {  # attribute_N <description>, as LimeSurvey's participant import reads them
    "certification_code": "Certification",
    "promotion": "Promotion",
    "wave_label": "Vague",
    "site": "Site",
}


def limesurvey_frame(p: pd.DataFrame) -> pd.DataFrame:
    """LimeSurvey's « Import participants from CSV » columns: firstname, lastname, email, token,
    validfrom, validuntil (aaaa-mm-jj hh:mm), then attribute_N <description>."""
    out = pd.DataFrame(
        {
            "firstname": p["firstname"].fillna(""),
            "lastname": p["lastname"].fillna(""),
            "email": p["email"],
            "token": p["token"],
            "validfrom": p["opens"].dt.strftime("%Y-%m-%d 00:00"),
            "validuntil": p["closes"].dt.strftime("%Y-%m-%d 23:59"),
        }
    )
    values = p.assign(wave_label=p["wave"].map(WAVE_LABELS))
    for i, (column, description) in enumerate(LIMESURVEY_ATTRIBUTES.items(), start=1):
        out[f"attribute_{i} <{description}>"] = values[column].astype(str)
    return out


SHEET_COLUMNS = {
    "lastname": "Nom",
    "firstname": "Prénom",
    "email": "E-mail",
    "token": "Jeton",
    "certification_code": "Certification",
    "promotion": "Promotion",
    "wave_label": "Vague",
    "site": "Site",
    "opens": "Enquête ouverte le",
    "closes": "Enquête close le",
}


def sheet_frame(p: pd.DataFrame) -> pd.DataFrame:
    """The same people for a mail merge or a form (French headers, dates jj/mm/aaaa)."""
    out = p.assign(wave_label=p["wave"].map(WAVE_LABELS))
    for column in ("opens", "closes"):
        out[column] = out[column].dt.strftime("%d/%m/%Y")
    return out[list(SHEET_COLUMNS)].rename(columns=SHEET_COLUMNS)


def write_private(path: Path, data: bytes) -> Path:
    """Write a file holding contact details: mode 0600 from its creation, atomically (a new file renamed
    over the target), so nobody else can read it and nothing half-written is left."""
    path = Path(path).resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def write_participants(p: pd.DataFrame, path: Path, fmt: str) -> Path:
    """``limesurvey`` (CSV, comma, UTF-8), ``csv`` (French Excel CSV) or ``xlsx``."""
    if fmt == "limesurvey":
        data = limesurvey_frame(p).to_csv(index=False, lineterminator="\n").encode("utf-8")
    elif fmt == "csv":
        data = csv_text(sheet_frame(p)).encode("utf-8")
    elif fmt == "xlsx":
        import io

        buffer = io.BytesIO()
        safe_frame(sheet_frame(p)).to_excel(buffer, index=False, sheet_name="Participants")
        data = buffer.getvalue()
    else:
        raise ValueError(f"format inconnu : {fmt!r} (limesurvey, csv ou xlsx)")
    return write_private(path, data)


def record_mailings(con: duckdb.DuckDBPyConnection, p: pd.DataFrame, kind: str, file_name: str) -> int:
    """Record who was sent an invitation or a reminder (pseudonyms, window, time, file name)."""
    rows = pd.DataFrame(
        {
            "certification_code": p["certification_code"],
            "wave": p["wave"].astype("int32"),
            "candidate_hash": p["candidate_hash"],
            "promotion": p["promotion"].astype("int32"),
            "site": p["site"].fillna(""),
            "partner_siret": p["partner_siret"].astype("string"),
            "kind": kind,
            "valid_from": p["opens"].dt.date,
            "valid_until": p["closes"].dt.date,
            "sent_at": datetime.now(),
            "file_name": file_name,
        }
    )
    con.register("mailings_batch", rows)
    try:
        con.execute(
            "insert into survey_mailings by name select * replace (candidate_hash::uuid as candidate_hash) from mailings_batch"
        )
    finally:
        con.unregister("mailings_batch")
    return len(rows)


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
            "today": _today(None),
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
    from .indicators.formats import fr_date

    return f"du {fr_date(opens)} au {fr_date(closes)}"


PROJECTION_RULE = (
    "le taux projeté prolonge jusqu'à la clôture le rythme des réponses reçues depuis l'ouverture de la "
    "fenêtre, sans dépasser le nombre de certifiés."
)


def status_table(frame: pd.DataFrame) -> pd.DataFrame:
    """:func:`status_view` under French headers (CLI, downloads)."""
    return status_view(frame).rename(columns=STATUS_COLUMNS)


def status_view(frame: pd.DataFrame) -> pd.DataFrame:
    """:func:`status` with French labels and formats (« 67 % (8/12) »), columns of STATUS_COLUMNS."""
    from .indicators.formats import fr_pct, head_count

    out = frame.copy()
    out["wave_label"] = out["wave"].map(WAVE_LABELS)
    out["site_label"] = out["site"].fillna("Toute la promotion").replace("", "Non renseigné")
    out["status_label"] = out["status"].map(STATUS_LABELS)
    out["window"] = [window_text(o, c) for o, c in zip(out["opens"], out["closes"], strict=True)]
    out["response_cell"] = [
        f"{fr_pct(r)} ({head_count(a, c)})"
        for r, a, c in zip(out["response_rate"], out["answered"], out["certified"], strict=True)
    ]
    out["projected_cell"] = [fr_pct(r) for r in out["projected_rate"]]
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
}


def nonresponse_rule(settings: Settings) -> str:
    return NONRESPONSE_RULE.format(gap=settings.nonresponse_gap)


def nonresponse_table(frame: pd.DataFrame) -> pd.DataFrame:
    """:func:`nonresponse_view` under French headers."""
    return nonresponse_view(frame).rename(columns=NONRESPONSE_COLUMNS)


def nonresponse_view(frame: pd.DataFrame) -> pd.DataFrame:
    """:func:`nonresponse` with French labels, columns of NONRESPONSE_COLUMNS."""
    from .labels import route_label

    out = frame.copy()
    out["wave_label"] = out["wave"].map(WAVE_LABELS)
    routes = out["dimension"] == "Voie d'accès"
    out.loc[routes, "group"] = out.loc[routes, "group"].map(route_label)
    out["flag"] = out["flagged"].map({True: "⚠ oui", False: ""})
    return out[list(NONRESPONSE_COLUMNS)]


# --- renewal pack --------------------------------------------------------------------------------------


def methodology_rows(
    con: duckdb.DuckDBPyConnection, settings: Settings, code: str, years: list[int]
) -> list[tuple[str, str, str]]:
    """The pack's « Méthodologie » lines on the campaigns: each wave's window, invitations, answers and
    response rate per promotion, and how the non-response check judges a risk of bias."""
    from .indicators.formats import fr_pct, head_count

    (lo6, hi6), (lo24, hi24) = settings.window_6m, settings.window_24m
    rows = [
        (
            "Campagnes d'enquête",
            "Fenêtres",
            f"Réponse attendue de {lo6} à {hi6} mois après le jury (vague à 6 mois) et de {lo24} à {hi24} mois "
            "(vague à 2 ans), en mois calendaires, premier et dernier jour compris (le même jour du mois que "
            "le jury, ou le dernier jour d'un mois plus court) ; invitations envoyées par fichier de "
            "participants (jeton individuel, sans donnée nominative dans l'entrepôt).",
        )
    ]
    frame = status(con, settings, code)
    frame = frame[frame["site"].isna() & frame["promotion"].isin(years)]
    for r in frame.sort_values(["promotion", "wave"]).itertuples():
        invited = f"{r.invited} invité(s)" if r.invited else "invitations non suivies dans l'outil"
        rows.append(
            (
                "Campagnes d'enquête",
                f"Promotion {r.promotion}, vague à {WAVE_LABELS[r.wave]}",
                f"{window_text(r.opens, r.closes)} ({STATUS_LABELS[r.status].lower()}) ; {invited} ; "
                f"{r.answered} répondant(s) sur {r.certified} certifiés : taux de réponse "
                f"{fr_pct(r.response_rate)} ({head_count(r.answered, r.certified)})"
                + (f" ; alerte : {r.alert}" if isinstance(r.alert, str) else ""),
            )
        )
    rows.append(("Campagnes d'enquête", "Contrôle de la non-réponse", nonresponse_rule(settings)))
    return rows


def nonresponse_sheet(
    con: duckdb.DuckDBPyConnection, settings: Settings, code: str, years: list[int]
) -> pd.DataFrame:
    """The non-response check of the promotions of a pack, French headers."""
    return nonresponse_table(nonresponse(con, settings, code, years))
