"""The participants file of a survey wave (LimeSurvey's « Import participants », or CSV/XLSX for a mail merge): contacts read at export time only, joined on the recomputed pseudonym, written to that file alone (mode 0600); the warehouse records only who was invited (``survey_mailings``)."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import duckdb
import pandas as pd

from pipeline.core import clock, tokens
from pipeline.core.config import Settings
from pipeline.core.errors import InputError
from pipeline.core.exports import csv_text, safe_frame
from pipeline.core.labels import WAVE_LABELS
from pipeline.reports.campaigns import plan

CONTACT_FIELDS = ("lastname", "firstname", "email")
_EMAIL = re.compile(r"^[^@\s;,]+@[^@\s;,]+\.[A-Za-z]{2,}$")


def contact_folders(settings: Settings) -> list[Path]:
    """Where contact files are looked for when none is named: the contacts folder, then the raw folder's
    cohort files."""
    return list(dict.fromkeys([settings.contacts_dir, settings.raw_dir / "cohortes", settings.raw_dir]))


def contact_files(settings: Settings, named: list[Path] | None = None) -> list[Path]:
    """The files read for contact details: the ones named, else the contacts folder's and the raw
    folder's cohort files (those without contact columns are passed over)."""
    if named:
        return [Path(p) for p in named]
    from pipeline.load.ingest import SUPPORTED_SUFFIXES

    found = []
    for folder in contact_folders(settings):
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
    from pipeline.core.normalise import header_synonyms

    synonyms = header_synonyms("contacts")
    synonyms.update({k: v for k, v in header_synonyms("cohort_results").items() if v == "candidate_ref"})
    return synonyms


def read_contacts(
    paths: list[Path], key: bytes, explicit: bool = False
) -> tuple[pd.DataFrame, list[str], list[Path]]:
    """candidate_hash, lastname, firstname, email of every person the files name (first file wins), in
    memory only; notes for the user (counts, never a contact value); the files that were contact files.
    A file named by the user that has no reference or no e-mail column is an error; found in a folder, it
    is passed over."""
    from pipeline.core.normalise import norm
    from pipeline.load.pseudonymise import pseudonymise
    from pipeline.load.textfile import read_table

    synonyms = _contact_synonyms()

    def score(headers: list[str]) -> int:
        mapped = {synonyms.get(norm(h)) for h in headers} - {None}
        return len(mapped) if "candidate_ref" in mapped else 0

    frames, notes, used = [], [], []
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
        used.append(path)
    if not frames:
        return pd.DataFrame(columns=["candidate_hash", *CONTACT_FIELDS]), notes, used
    contacts = pd.concat(frames, ignore_index=True)
    contacts = contacts.sort_values("email", na_position="last", kind="stable")  # a row with an e-mail first
    contacts = contacts.drop_duplicates("candidate_hash").reset_index(drop=True)
    contacts["candidate_hash"] = contacts["candidate_hash"].str.lower()
    return contacts, notes, used


@dataclass
class Participants:
    frame: pd.DataFrame  # one row per person invited: contact, token, window, attributes
    without_contact: int  # people due whose e-mail no contact file gives
    notes: list[str]
    contact_files: list[Path] = field(default_factory=list)  # the files that gave contact details
    searched: list[Path] = field(default_factory=list)  # where they were looked for (folders, or named files)


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
    today = today or clock.today()
    people = plan(con, certification, wave, due_before, today)
    people = people[people["status"] != "close"]
    if promotion is not None:
        people = people[people["promotion"] == promotion]
    if reminder:
        people = people[people["invited_at"].notna()]
    explicit = bool(contact_paths)
    contacts, notes, used = read_contacts(contact_files(settings, contact_paths), key, explicit)
    people = people.assign(
        candidate_hash=people["candidate_hash"].astype(str).str.replace("-", "").str.lower()
    )
    joined = people.merge(contacts, on="candidate_hash", how="left")
    reachable = joined[joined["email"].notna()].copy()
    reachable["token"] = [
        tokens.make(key, h, certification, wave, c.date())
        for h, c in zip(reachable["candidate_hash"], reachable["closes"], strict=True)
    ]
    searched = [Path(p) for p in contact_paths] if explicit else contact_folders(settings)
    without = int(joined["email"].isna().sum())
    return Participants(reachable.reset_index(drop=True), without, notes, used, searched)


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
    """``limesurvey`` (CSV, comma, UTF-8), ``csv`` (French Excel CSV) or ``xlsx``. Every format goes
    through the product's neutralisation (:func:`pipeline.core.exports.safe_frame`): a name, e-mail or site
    that begins with ``=``, ``+``, ``-``, ``@``, TAB or CR gets a leading apostrophe, so that the file opened
    in a spreadsheet (before or after the survey tool) runs no formula."""
    if fmt == "limesurvey":
        data = safe_frame(limesurvey_frame(p)).to_csv(index=False, lineterminator="\n").encode("utf-8")
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
