"""LimeSurvey responses exports (« Export responses », CSV, headings as question codes) read as insertion
survey answers, through a mapping file that says which question is which field.

The export is recognised by LimeSurvey's own columns (``token``, ``submitdate`` and ``id`` / ``lastpage``
/ ``startlanguage``). Its mapping file sits beside it (``<export>.mapping.json``, or
``limesurvey.mapping.json`` in the same folder) or is named with ``insertion ingest --mapping``::

    {"certification": "RNCP40344", "wave": "24m",
     "questions": {"situation": "SITU", "job_title": "POSTE", "rome_code": "ROME", ...},
     "answers": {"situation": {"A1": "En emploi", "A2": "En recherche d'emploi", ...}}}

``questions`` maps canonical survey fields (``pipeline/load/sources/surveys.py``) to question codes;
``answers`` translates answer codes when the export holds codes rather than full answers. Each answer
is linked to its person by its token (:mod:`pipeline.core.tokens`), never by a name or an e-mail: the export's
participant columns, when present, are dropped like any personal column.

Responses not submitted (empty ``submitdate``) are not answers and are passed over (counted in the
report). Row-level problems go to quarantine with the row and the token: a token not issued for this
certification and wave, an answer sent after the token's last valid day, a participant answering twice
(the later answer is kept). A missing or incomplete mapping, or a file none of whose tokens belongs to
the mapping's certification and wave, rejects the file. So does an export of an anonymised survey (no
``token`` column: nothing links its answers to anyone), with a message saying so.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from pipeline.core import tokens
from pipeline.core.codes import RNCP_CODE
from pipeline.core.errors import InputError
from pipeline.core.labels import WAVE_LABELS
from pipeline.core.normalise import looks_personal, map_values, norm, parse_dates, values_look_personal
from pipeline.load.batch import Batch
from pipeline.load.readers import RawTable, mark_defects
from pipeline.load.sources.surveys import SURVEY_ANSWERS, to_landing, type_batch
from pipeline.load.sources.tabular import Tabular
from pipeline.load.textfile import read_table

OWN_COLUMNS = {"id", "lastpage", "startlanguage", "seed", "startdate", "datestamp", "ipaddr", "refurl"}
# fields a mapping may name: what the file says about the answer (who, which certification and wave come
# from the token and the mapping)
QUESTION_FIELDS = tuple(
    c
    for c in SURVEY_ANSWERS.columns
    if c not in ("candidate_ref", "certification_code", "wave", "promotion", "answer_date")
)
REQUIRED_QUESTIONS = ("situation",)

# marker columns (pipeline/load/gate.py): the token's text where the row has that defect
TOKEN_UNKNOWN, TOKEN_EXPIRED, TOKEN_TWICE = "token_unknown", "token_expired", "token_twice"


def is_export(headers) -> bool:
    names = {norm(h) for h in headers}
    return {"token", "submitdate"} <= names and bool(names & OWN_COLUMNS)


def is_anonymised(headers) -> bool:
    """An export of an anonymised survey: LimeSurvey's own columns (``submitdate`` and ``id`` /
    ``lastpage`` / ``startlanguage``…) but no ``token``, so nothing links an answer to a person."""
    names = {norm(h) for h in headers}
    return "submitdate" in names and "token" not in names and bool(names & OWN_COLUMNS)


# issue #24: an anonymised export is told as a LimeSurvey export, then rejected saying why and what to do
ANONYMISED = (
    "export de réponses LimeSurvey sans colonne « token » (enquête anonymisée) : ses réponses ne peuvent pas "
    "être reliées aux candidats, le jeton de chaque participant étant le seul lien ; rien n'est chargé. "
    "Exportez les réponses d'une enquête non anonymisée (paramètre « Réponses anonymisées » : Non, avec les "
    "participants invités par `insertion survey export`) en gardant la colonne « token », puis chargez ce "
    "nouvel export"
)


def header_score(headers) -> int:
    """For the reader's header-row search: LimeSurvey's columns count as a survey's."""
    return 3 if is_export(headers) else 0


@dataclass(frozen=True)
class Mapping:
    path: Path
    certification: str
    wave: int
    questions: dict[str, str]  # canonical field -> question code
    answers: dict[str, dict[str, str]]  # canonical field -> answer code -> answer text


def mapping_digest(path: Path, named: Path | None = None) -> str | None:
    """The sha256 of the mapping file of a LimeSurvey export (None for any other file): part of the
    export's load identity (:meth:`LimeSurveyExport.digest`)."""

    try:
        with path.open("rb") as fh:  # the header line only: the export itself is hashed by the caller
            head = fh.read(65536).split(b"\n", 1)[0].lower()
    except OSError:
        return None
    if b"submitdate" not in head or b"token" not in head:
        return None
    try:
        mapping = find_mapping(path, named)
        return hashlib.sha256(mapping.read_bytes()).hexdigest()
    except (InputError, OSError):
        return None


def find_mapping(export: Path, named: Path | None = None) -> Path:
    if named is not None:
        return Path(named)
    for candidate in (
        export.with_name(export.stem + ".mapping.json"),
        export.with_name("limesurvey.mapping.json"),
    ):
        if candidate.exists():
            return candidate
    raise InputError(
        export,
        f"export LimeSurvey sans fichier de correspondance : créez {export.stem}.mapping.json à côté "
        "(quelle question est la situation, l'intitulé du poste, le code ROME…; voir le README) "
        "ou indiquez-le avec --mapping",
    )


def load_mapping(path: Path) -> Mapping:
    from pipeline.indicators import wave_months

    if not path.exists():
        raise InputError(path, "fichier de correspondance introuvable")
    try:
        spec = json.loads(path.read_text(encoding="utf-8-sig"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise InputError(path, f"fichier de correspondance illisible (JSON attendu) : {exc}") from exc
    if not isinstance(spec, dict):
        raise InputError(path, "fichier de correspondance : un objet JSON est attendu")
    import re

    certification = str(spec.get("certification", "")).replace(" ", "").upper()
    if not re.fullmatch(RNCP_CODE, certification):
        raise InputError(
            path, "clé « certification » : un code RNCP est attendu (ex. RNCP40344)", column="certification"
        )
    try:
        wave = wave_months(spec.get("wave"))
    except ValueError as exc:
        raise InputError(path, f"clé « wave » : {exc}", column="wave") from exc
    if wave is None:
        raise InputError(path, "clé « wave » : la vague est attendue (6m ou 24m)", column="wave")
    questions = spec.get("questions") or {}
    unknown = sorted(set(questions) - set(QUESTION_FIELDS))
    if unknown:
        raise InputError(
            path,
            f"clé « questions » : champ(s) inconnu(s) {', '.join(unknown)} (attendus : {', '.join(QUESTION_FIELDS)})",
            column="questions",
        )
    missing = [f for f in REQUIRED_QUESTIONS if not questions.get(f)]
    if missing:
        raise InputError(
            path,
            f"clé « questions » : la question de la situation est obligatoire ({', '.join(missing)} : code de la question)",
            column="questions",
        )
    answers = {
        k: {str(code): str(text) for code, text in v.items()} for k, v in (spec.get("answers") or {}).items()
    }
    return Mapping(path, certification, wave, {k: str(v) for k, v in questions.items()}, answers)


def prepare(raw: RawTable, key: bytes, mapping_path: Path | None = None) -> Batch:
    """The export's submitted responses as a survey batch, each linked to its person by its token."""
    path, src = raw.path, raw.frame
    if is_anonymised(src.columns):
        raise InputError(path, ANONYMISED, row=1)
    try:
        mapping = load_mapping(find_mapping(path, mapping_path))
    except InputError as exc:
        if exc.file == str(path):
            raise
        raise InputError(path, f"fichier de correspondance {exc}") from exc
    by_norm = {norm(h): h for h in src.columns}
    token_header, date_header = by_norm["token"], by_norm["submitdate"]
    headers = {}
    for field, code in mapping.questions.items():
        header = code if code in src.columns else by_norm.get(norm(code))
        if header is None:
            raise InputError(
                path,
                f"la question {code!r} ({field}) du fichier de correspondance {mapping.path.name} n'est pas "
                "dans l'export : exportez les réponses avec les codes de question comme en-têtes",
                row=1,
                column=code,
            )
        headers[field] = header

    submitted = src[date_header].astype("string").str.strip().fillna("") != ""
    notes = list(raw.notes)
    if (~submitted).any():
        notes.append(f"{int((~submitted).sum())} réponse(s) non envoyée(s) (submitdate vide) ignorée(s)")
    src = src[submitted]
    source_row = raw.source_row[submitted].astype("int64")
    if src.empty:
        raise InputError(
            path,
            "aucune réponse envoyée dans cet export (colonne submitdate vide partout)",
            column="submitdate",
        )

    token_text = src[token_header].astype("string").str.strip()
    decoded = [
        tokens.read(key, t, mapping.certification, mapping.wave) if t is not pd.NA else None
        for t in token_text
    ]
    if not any(decoded):
        other = next(
            (
                w
                for w in WAVE_LABELS
                if w != mapping.wave and tokens.read(key, token_text.iloc[0], mapping.certification, w)
            ),
            None,
        )
        hint = (
            f" : ce sont les jetons de la vague {WAVE_LABELS[other]}, corrigez « wave » dans {mapping.path.name}"
            if other
            else " : export d'une autre certification ou d'une autre vague, ou jetons créés avec une autre clé"
        )
        raise InputError(
            path,
            f"aucun jeton de ce fichier n'a été émis pour {mapping.certification}, vague {WAVE_LABELS[mapping.wave]}{hint}",
            row=int(source_row.iloc[0]),
            column=str(token_header),
        )

    frame = pd.DataFrame({"source_row": source_row})
    frame["candidate_hash"] = pd.array([d.candidate_hash if d else None for d in decoded], dtype="string")
    frame["certification_code"] = pd.array([mapping.certification] * len(src), dtype="string")
    frame["promotion"] = pd.array([pd.NA] * len(src), dtype="string")
    frame["wave"] = pd.array([str(mapping.wave)] * len(src), dtype="string")
    dates = src[date_header].astype("string").str.strip().str.slice(0, 10)
    frame["answer_date"] = parse_dates(dates)
    frame["answer_date_unparsed"] = src[date_header].astype("string").where(frame["answer_date"].isna())
    domains = SURVEY_ANSWERS.domains
    for field in QUESTION_FIELDS:
        if field not in headers:
            frame[field] = pd.Series(pd.NA, index=frame.index, dtype="string")
            continue
        text = src[headers[field]].astype("string").str.strip().replace("", pd.NA)
        codes = mapping.answers.get(field)
        if codes:
            text = text.map(lambda v, c=codes: c.get(v, v), na_action="ignore").astype("string")
        frame[field] = map_values(text, domains[field]) if field in domains else text

    # markers: a token of nobody here, an answer after the token's last day, the same person twice
    valid_until = pd.Series(
        [pd.Timestamp(d.valid_until) if d else pd.NaT for d in decoded], index=frame.index
    )
    frame[TOKEN_UNKNOWN] = token_text.where(frame["candidate_hash"].isna()).astype("string")
    late = frame["answer_date"].notna() & valid_until.notna() & (frame["answer_date"] > valid_until)
    frame[TOKEN_EXPIRED] = token_text.where(late).astype("string")
    order = frame.assign(_date=frame["answer_date"]).sort_values(["_date", "source_row"], na_position="first")
    earlier = order["candidate_hash"].notna() & order.duplicated("candidate_hash", keep="last")
    frame[TOKEN_TWICE] = token_text.where(earlier.reindex(frame.index)).astype("string")

    used = {token_header, date_header, *headers.values()}
    dropped, ignored = [], []
    for header in raw.frame.columns:
        if header in used:
            continue
        if looks_personal(header) or values_look_personal(raw.frame[header]):
            dropped.append(header)
        else:
            ignored.append(header)
    original = src[[h for h in raw.frame.columns if h in used]].copy()
    mapped = {"candidate_ref": token_header, "answer_date": date_header, **headers}
    mapped.update({m: token_header for m in (TOKEN_UNKNOWN, TOKEN_EXPIRED, TOKEN_TWICE)})
    notes.append(
        f"export LimeSurvey : {mapping.certification}, vague {WAVE_LABELS[mapping.wave]} ({mapping.path.name})"
    )
    return Batch(
        SURVEY_ANSWERS,
        path,
        frame,
        original,
        mapped,
        dropped,
        ignored,
        notes,
        raw.encoding,
        raw.delimiter,
        raw.sheet,
    )


# a LimeSurvey export's own columns outrank any count of survey headers a tabular source finds
EXPORT_SCORE = 10


class LimeSurveyExport(Tabular):
    """The source: survey answers (``loads``) read through the export's mapping file; a load is the export
    and its mapping together, so that a corrected mapping loads the answers again."""

    def __init__(self) -> None:
        super().__init__(SURVEY_ANSWERS, type_batch, to_landing, name="limesurvey")

    def score(self, headers, header_mapping: Path | None = None) -> int:
        return header_score(headers)

    def detect(self, path: Path, head) -> int:
        """An export, or an anonymised one (rejected when read, saying why: :data:`ANONYMISED`)."""
        return EXPORT_SCORE if any(is_export(row) or is_anonymised(row) for row in head.rows) else 0

    def digest(self, path: Path, mapping: Path | None = None) -> str:
        sha = super().digest(path)
        mapped = mapping_digest(path, mapping)
        return hashlib.sha256(f"{sha}:{mapped}".encode()).hexdigest() if mapped else sha

    def read(self, path: Path, settings, key: bytes, mapping: Path | None = None) -> Batch:
        raw = read_table(path, header_score, cut_last_row="quarantine")
        batch = self.type_batch(prepare(raw, key, mapping))
        mark_defects(raw, batch)
        return batch

    def batches(self, path: Path, settings, key: bytes, mapping=None, rows=None, first_rows=None):
        """The export in one batch: whether a participant answered twice, or whether any token belongs to
        the mapping's campaign, is told by the whole export (an export holds one campaign's answers)."""
        yield self.read(path, settings, key, mapping)


SOURCE = LimeSurveyExport()
