"""Independent reference implementation of the France Compétences insertion statistics (test oracle).

Written from the definitions and the rules for open cases stated in docs/methodology.md (R1-R10 below;
its cross-reference table maps them to its rule ids), without reading the pipeline's code.
Only the synonym tables pipeline/core/mappings/{headers,values}.json are loaded (as data).

The rules (docs/methodology.md: R1 = M1-M2, R2 = M19, R3 = M6, R4 = M7, R5 = M9, R6 = M10, R7 = M11-M12,
R8 = M15, R9 = M18, R10 = M8):
R1 certified of year Y: outcome certified; one decision per person, certification and jury date (the
   file whose name sorts last, then the last row); once per person, certification and year.
R2 an answer is discarded only for its reference, certification code, wave or an unknown situation;
   other malformed fields are set aside (empty) and the answer counts.
R3 promotion: the one the answer gives (if certified that year), else the latest jury on or before the
   answer date, else the latest; answers of people not certified do not count. A well-formed promotion that
   is not one of the person's years never removes the answer: it is attached by its date (the second or
   third rule) and the case is reported (``promotion_corrected``, corrected_promotions()).
R4 one answer per person, certification, promotion and wave: respondents first, latest answer date,
   file name sorting last, last row; under INSERTION_OUTSIDE_WINDOW=exclude, among the answers inside
   their window or without a usable date only (R10).
R5 neutralised: further study, work-study (situation or contract), unable to work, abroad (situation
   « à l'étranger » wins over a French work location) unless the certification is international.
R6 employed: respondent, not neutralised, in a job.
R7 in target: the survey's adequacy answer, else the ROME code (given, else an exact title match) is
   exactly one of the fiche's job codes; fuzzy matches never count. A title matches an appellation when
   one of its forms equals one of the appellation's (long or short label): as written, its masculine and
   its feminine readings, normalised (accents, case, punctuation; « œ » read « oe »; « -XYZ- » acronyms
   dropped). Readings: a gender pair « A / B » (a slash with a space on each side; words: separated by
   spaces, once the acronyms are dropped): B's first word is the feminine of a_i, the first word of A
   beginning with the same four letters (the whole word when shorter), normalised, and not that same
   word; with n = the words of A from a_i on, masculine = A + the words of B after its first n (the shared
   tail), feminine = the words of A before a_i + B (« Analyste Concepteur / Conceptrice informatique »
   -> « analyste concepteur informatique », « analyste conceptrice informatique »); when no word of A is
   so found, by the word count k = |A|: masculine = A + the words of B after its first k, feminine = B,
   preceded by the first k - |B| words of A when B is shorter (« Acteur principal / Actrice principale »
   -> « acteur principal », « actrice principale »; « Sound designer / Designer sonore » -> « sound
   designer », « designer sonore »); read at the first « / », then each reading again in its own gender.
   Inclusive endings (x in e, es, s, fe, ne, le, se, sse, euse, teuse, rice, trice, ère, ere, ière, iere,
   ive, ve, tive after a word as « (x) », « ·x », « .x », « -x », or « /(x) »): the masculine drops
   them, the feminine adds e, es, s, fe, ne, le, sse, turns « -eur » into « -euse » (se, euse) or
   « -rice » (rice), « -teur » into « -trice » (trice) or « -teuse » (teuse), « -er » into « -ère »,
   « -ier » into « -ière », « -if » into « -ive », « -tif » into « -tive », « -f » into « -ve », else
   adds the ending; every inclusive word of a text in the same gender. A title matching appellations of
   several ROME codes gets one code: the first, in the appellations' numeric code_ogr order, that is a
   targeted code of the certification, else the first appellation's; that code alone decides
   (reported « intitulé ambigu »: ambiguous_titles()).
R8 response rate = respondents ÷ certified.
R9 (issue #16) per partner: the partner of a certified person is the one of the cohort row that certified
   them; a SIRET counts when it has 14 digits and a valid Luhn key (La Poste, SIREN 356000000: digit sum
   a multiple of 5), else the partner is known by its name only; no partner at all is its own group.
R10 survey window (docs/warehouse.md, « The survey window »): the 6-month wave's answer is expected from
   jury + 4 months to jury + 9 months, the 2-year wave's from jury + 20 months to jury + 30 months, both
   days inclusive, in calendar months (the same day of the month, or the last day of a shorter month:
   31/01 + 4 months = 31/05). An answer that counts (R4), dated on or after its jury and outside its
   window is reported (« hors fenêtre ») and still counts; one dated before its jury is reported apart.
   Setting INSERTION_OUTSIDE_WINDOW (``outside`` of recompute()): « count » (default, as above) or
   « exclude »: an answer dated outside its window (before it opens, before its jury included, or after it
   closes) never counts; R4 chooses among the others (inside, or without a usable date); none left: the
   person is a non-respondent of that wave. The excluded answers dated on or after their jury are all
   reported « hors fenêtre ».

Choices made where the spec leaves room (the pipeline may legitimately differ on these):
- Text values and headers are compared after NFKD, removing accents, lower-casing (« œ » read « oe »)
  and turning every non-alphanumeric run into one space. Candidate references are only stripped (case kept).
  Certification codes are stripped and upper-cased before the ^RNCP[0-9]{3,6}$ check.
- Dates: datetime cells, dd/mm/yyyy, yyyy-mm-dd (optionally followed by a time), and Excel serials
  (a number, or a string of digits, between 1 and 2958465, day 0 = 1899-12-30). Anything else is invalid.
- A cohort row whose access route is empty/unknown is kept (no discard rule names it): it counts in the
  overall table, in a per-route row « NR » (route not given) and not as VAE.
- Rows exist only for (certification, year[, route]) with at least one certified person.
- A workbook: the first sheet whose header (searched in its first 30 rows) is a cohort or survey header.
  A CSV: the first delimiter among ; TAB , whose parse yields such a header in its first 30 rows.
- Target ROME codes: every RNCP export file (CSV Rome part, XML) is read in file-name order and a file
  replaces the codes of the fiches it carries; reference_dir/certification_rome.csv only for fiches in
  no export file. The latest appellation file (by version number) is used.
- Title forms (R7): the same rules on both sides (survey titles and appellation labels). Accents are
  removed before the inclusive endings are read (« ère » is « ere », « ière » « iere »); « ere » and
  « iere » build like « ère » and « ière ». A « (x) » ending may be attached to the word only
  (« Chef(fe) », not « Chef (fe) »); « ·x », « .x », « -x » must end the word; the text is lower-cased
  first, so any case is read (« CHEF(FE) »). Words are whitespace-separated tokens of the text (the n
  gendered words, the k words and the shared tail of a pair; a hyphenated word is one word); on a text
  with several « / » the masculine reading is read again as masculine and the feminine as feminine (two
  readings in all, the further « / » tokens counted as words of B; no reading between them, whatever the
  number of « / »). The four letters of a_i: each word normalised, its spaces removed (« d'études » ->
  « detu »), cut to its first four characters (the whole word when shorter, so a word of under four
  letters would match only the same word, which is excluded: it never matches; no real label has such
  a word of A at the start of B's first word); « that same word » compares the words normalised with
  their spaces removed; inclusive endings are still attached then (« technicien(ne) » -> « tech »); a
  first word of B without a letter or a digit matches no word (the word-count reading). « -XYZ- »: a
  capital, then capitals or digits, between hyphens, standing as a word, dropped before anything else.
- code_ogr order is numeric. A title matches when any of its three forms equals any of the three forms
  of an appellation's long or short label; the candidate codes are those of every matching appellation.
- target_parent_codes (M32) is not modelled: the oracle's targets are the fiche's job codes only.
- Promotion: an integer (or integral float, e.g. 2019.0 from Excel) between 1990 and 2100, else empty.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import json
import math
import os
import re
import unicodedata
import xml.etree.ElementTree as ET
from pathlib import Path

import pandas as pd

MAPPINGS = Path(__file__).resolve().parents[2] / "pipeline" / "core" / "mappings"
HEADERS = json.loads((MAPPINGS / "headers.json").read_text(encoding="utf-8"))
VALUES = json.loads((MAPPINGS / "values.json").read_text(encoding="utf-8"))
REQUIRED = {
    "cohort_results": {"candidate_ref", "certification_code", "jury_date", "access_route", "outcome"},
    "survey_answers": {"candidate_ref", "certification_code", "wave", "situation"},
}
ROUTES = ["FI", "CA", "FC", "CQ", "CL", "VAE", "NR"]
WAVES = ["6m", "24m"]
WINDOWS = {"6m": (4, 9), "24m": (20, 30)}  # R10: months after the jury, first and last day (defaults)
CERT_RE = re.compile(r"^RNCP[0-9]{3,6}$")
ROME_RE = re.compile(r"^[A-N][0-9]{4}$")
EXCEL_EPOCH = dt.date(1899, 12, 30)


# ---------------------------------------------------------------- normalisation and value parsing
def strip_accents(s: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c))


def norm(s) -> str:
    return re.sub(r"[^a-z0-9]+", " ", strip_accents(text(s)).lower().replace("œ", "oe")).strip()


def text(v) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NaT:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


def _synonyms(table: dict) -> dict[str, str]:
    out = {}
    for canon, spellings in table.items():
        if canon.startswith("_"):
            continue
        for s in [canon, *spellings]:
            out.setdefault(norm(s), canon)
    return out


HEADER_MAPS = {kind: _synonyms(HEADERS[kind]) for kind in REQUIRED}
VALUE_MAPS = {field: _synonyms(table) for field, table in VALUES.items() if not field.startswith("_")}


def value(field: str, v) -> str | None:
    """Canonical value, '' when empty, None when unknown."""
    n = norm(v)
    return "" if not n else VALUE_MAPS[field].get(n)


def today() -> dt.date:
    """The day the data is validated (INSERTION_TODAY=aaaa-mm-jj fixes it, as for the pipeline)."""
    fixed = os.environ.get("INSERTION_TODAY")
    return dt.date.fromisoformat(fixed) if fixed else dt.date.today()


def not_future(day: dt.date | None) -> dt.date | None:
    """Issue #14: a jury or answer date after today is not a usable date (the jury row is set aside; the
    answer keeps its other fields, its date counts as missing)."""
    return day if day is None or day <= today() else None


def parse_date(v) -> dt.date | None:
    if isinstance(v, (dt.datetime, pd.Timestamp)):
        return None if pd.isna(v) else v.date()
    if isinstance(v, dt.date):
        return v
    s = text(v)
    if not s:
        return None
    try:
        if re.fullmatch(r"\d+(\.\d+)?", s):
            serial = float(s)
            if 1 <= serial <= 2958465:
                return EXCEL_EPOCH + dt.timedelta(days=int(serial))
            return None
        m = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?", s)
        if m:
            return dt.date(int(m[3]), int(m[2]), int(m[1]))
        m = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?", s)
        if m:
            return dt.date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:  # e.g. 31/02/2020
        return None
    return None


def parse_promotion(v) -> int | None:
    s = text(v)
    if re.fullmatch(r"\d{4}(\.0+)?", s):
        year = int(float(s))
        return year if 1990 <= year <= 2100 else None
    return None


def parse_rome(v) -> str:
    s = re.sub(r"\s+", "", text(v)).upper()
    return s if ROME_RE.match(s) else ""


def cert_code(v) -> str | None:
    s = text(v).upper()
    return s if CERT_RE.match(s) else None


def is_job_code(code: str) -> bool:
    return bool(ROME_RE.match(code)) and not code.endswith("00")


# ---------------------------------------------------------------- reading cohort / survey files
def decode(raw: bytes) -> str:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16")
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1252")


def find_header(rows: list[list]) -> tuple[str, int, dict[int, str]] | None:
    """(kind, header row index, {column index: canonical column}) of the first header row found."""
    for i, row in enumerate(rows[:30]):
        for kind, mapping in HEADER_MAPS.items():
            cols: dict[int, str] = {}
            for j, cell in enumerate(row):
                canon = mapping.get(norm(cell))
                if canon and canon not in cols.values():
                    cols[j] = canon
            if REQUIRED[kind] <= set(cols.values()):
                return kind, i, cols
    return None


def read_table(path: Path) -> tuple[str, pd.DataFrame] | None:
    """(kind, frame of canonical columns + src_row) or None when the file is neither kind."""
    if path.suffix.lower() in {".xlsx", ".xlsm", ".xls"}:
        candidates = [
            sheet.astype(object).where(sheet.notna(), None).values.tolist()
            for sheet in pd.read_excel(path, sheet_name=None, header=None, engine="calamine").values()
        ]
    else:
        content = decode(path.read_bytes())
        candidates = [list(csv.reader(io.StringIO(content), delimiter=d)) for d in (";", "\t", ",")]
    for rows in candidates:
        found = find_header(rows)
        if found:
            kind, h, cols = found
            records = []
            for n, row in enumerate(rows[h + 1 :], start=1):
                if all(text(c) == "" for c in row):
                    continue
                rec = {canon: (row[j] if j < len(row) else None) for j, canon in cols.items()}
                rec["src_row"] = n
                rec["src_line"] = h + 1 + n  # the row of the file or sheet a person reads (header: h + 1)
                records.append(rec)
            frame = pd.DataFrame(records, columns=[*HEADERS[kind], "src_row", "src_line"], dtype=object)
            return kind, frame
    return None


def read_raw(raw_dir: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    frames: dict[str, list[pd.DataFrame]] = {"cohort_results": [], "survey_answers": []}
    for path in sorted(p for p in Path(raw_dir).rglob("*") if p.is_file()):
        name = path.name.lower()
        if path.suffix.lower() not in {".csv", ".tsv", ".txt", ".xlsx", ".xlsm", ".xls"}:
            continue
        if name.startswith(("export_fiches_", "unix_referentiel_", "readme", "provenance")):
            continue
        found = read_table(path)
        if found:
            kind, frame = found
            frame["src_file"] = path.name
            frame["src_path"] = str(path)
            frames[kind].append(frame)
    return tuple(pd.concat(f, ignore_index=True) if f else pd.DataFrame() for f in frames.values())


# ---------------------------------------------------------------- referentials
def target_codes(raw_dir: Path, reference_dir: Path) -> dict[str, set[str]]:
    by_file: list[tuple[str, dict[str, set[str]]]] = []
    for path in Path(raw_dir).rglob("export_fiches_CSV_Rome_*.csv"):
        codes: dict[str, set[str]] = {}
        for row in csv.DictReader(io.StringIO(decode(path.read_bytes())), delimiter=";"):
            codes.setdefault(text(row["Numero_Fiche"]), set()).add(text(row["Codes_Rome_Code"]))
        by_file.append((path.name, codes))
    for path in Path(raw_dir).rglob("export_fiches_RNCP_*.xml"):
        codes = {}
        for _, el in ET.iterparse(path):
            if el.tag == "FICHE":
                codes[text(el.findtext("NUMERO_FICHE"))] = {
                    text(c.text) for c in el.findall("CODES_ROME/ROME/CODE")
                }
                el.clear()
        by_file.append((path.name, codes))
    result: dict[str, set[str]] = {}
    for _, codes in sorted(by_file, key=lambda t: t[0]):
        result.update(codes)
    ref = Path(reference_dir) / "certification_rome.csv"
    if ref.exists():
        for row in pd.read_csv(ref, comment="#", dtype=str, keep_default_na=False).itertuples():
            if row.certification_code not in {k for _, c in by_file for k in c}:
                result.setdefault(row.certification_code, set()).add(row.rome_code.strip())
    return {cert: {c for c in codes if is_job_code(c)} for cert, codes in result.items()}


def international(reference_dir: Path) -> set[str]:
    path = Path(reference_dir) / "certifications.csv"
    if not path.exists():
        return set()
    df = pd.read_csv(path, comment="#", dtype=str, keep_default_na=False)
    return set(df.loc[df["international"].str.strip() == "1", "certification_code"])


# R7 (M11): the written forms of a job title or appellation label
# the inclusive endings once accents are removed (« ère » is « ere », « ière » « iere »)
ENDINGS = "teuse|trice|tive|iere|euse|rice|sse|ere|ive|es|fe|ne|le|se|ve|e|s"
INCLUSIVE = re.compile(rf"(\w+)(?:\(({ENDINGS})\)|/\(({ENDINGS})\)|[·.\-]({ENDINGS})(?!\w))")
ACRONYM = re.compile(r"(?<!\S)-[A-Z][A-Z0-9]*-(?!\S)")
# the endings that replace the end of the masculine word (when it ends so): ending -> (masculine end, feminine)
REPLACED = {
    "se": ("eur", "euse"),
    "euse": ("eur", "euse"),
    "rice": ("eur", "rice"),
    "trice": ("teur", "trice"),
    "teuse": ("teur", "teuse"),
    "ere": ("er", "ere"),
    "iere": ("ier", "iere"),
    "ive": ("if", "ive"),
    "tive": ("tif", "tive"),
    "ve": ("f", "ve"),
}


def feminine_word(word: str, ending: str) -> str:
    """R7: the feminine of ``word`` written with the inclusive ``ending`` (accents already removed)."""
    if ending in REPLACED and word.endswith(REPLACED[ending][0]):
        tail, feminine = REPLACED[ending]
        return word[: -len(tail)] + feminine
    return word + ending  # e, es, s, fe, ne, le, sse; or a word that does not end as expected


def inclusive_reading(s: str, feminine: bool) -> str:
    """R7: every inclusive word of ``s`` in one gender: the masculine drops the ending, the feminine builds
    the word (« chef(fe) » -> « chef » | « cheffe », « agent·e » -> « agent » | « agente »)."""

    def one(m: re.Match) -> str:
        ending = m[2] or m[3] or m[4]
        return feminine_word(m[1], ending) if feminine else m[1]

    return INCLUSIVE.sub(one, s)


def word_key(word: str) -> str:
    """R7: a word as the gender pair compares it: normalised, its spaces removed (« d'études » -> « detudes »)."""
    return norm(word).replace(" ", "")


def gendered_word(a: list[str], b: list[str]) -> int | None:
    """R7: the index in A of the word B's first word is the feminine of: the first word of A beginning with
    the same four letters as B's first word (the whole word when shorter) and not that same word, compared
    on the letters and digits of the normalised words; None when no word of A is so found."""
    first = word_key(b[0]) if b else ""
    if not first:
        return None
    found = (i for i, word in enumerate(a) if word_key(word)[:4] == first[:4] and word_key(word) != first)
    return next(found, None)


def pair_reading(s: str, feminine: bool) -> str:
    """R7: the masculine or feminine reading of a gender pair « A / B » (a slash with a space on each side),
    read at its first slash, then the reading again in the same gender. With a_i the word of A that B's
    first word is the feminine of (gendered_word) and n the words of A from a_i on: the masculine is A
    followed by the words of B after its first n (the shared tail); the feminine is the words of A before
    a_i followed by B (« analyste concepteur / conceptrice informatique » -> « analyste concepteur
    informatique » | « analyste conceptrice informatique »). When no word of A is so found, by the word
    count k = |A|: the masculine is A followed by the words of B after its first k, the feminine is B,
    preceded by the first k - |B| words of A when B is shorter (« acteur principal / actrice principale »,
    « sound designer / designer sonore » -> « sound designer » | « designer sonore »)."""
    if " / " not in s:
        return s
    a, b = (part.split() for part in s.split(" / ", 1))
    i = gendered_word(a, b)
    if i is not None:
        words = a[:i] + b if feminine else a + b[len(a) - i :]
    else:
        k = len(a)
        words = a[: max(k - len(b), 0)] + b if feminine else a + b[k:]
    return pair_reading(" ".join(words), feminine)


def title_forms(title) -> set[str]:
    """R7: the normalised forms of a job title or appellation label: as written, its masculine and its
    feminine readings (gender pairs, then inclusive endings; « -XYZ- » acronyms dropped first)."""
    s = strip_accents(ACRONYM.sub(" ", text(title))).lower()
    readings = [s, *(inclusive_reading(pair_reading(s, f), f) for f in (False, True))]
    return {norm(r) for r in readings} - {""}


def appellation_index(raw_dir: Path) -> dict[str, list[tuple[int, str]]]:
    """R7: form -> the (code_ogr, ROME code) of the appellations having it (long or short label), in
    code_ogr order. The latest appellation file (by version number) is used."""
    files = list(Path(raw_dir).rglob("unix_referentiel_appellation_v*_utf8.csv"))
    if not files:
        return {}
    latest = max(files, key=lambda p: int(re.search(r"_v(\d+)", p.name)[1]))
    return _index_of(latest.read_bytes())


@functools.cache
def _index_of(content: bytes) -> dict[str, list[tuple[int, str]]]:
    """The index of one appellation file's content (computed once per content: the sets under test carry
    copies of the same ROME files)."""
    index: dict[str, set[tuple[int, str]]] = {}
    for row in pd.read_csv(io.BytesIO(content), dtype=str, keep_default_na=False).itertuples():
        for label in (row.libelle_appellation_long, row.libelle_appellation_court):
            for form in title_forms(label):
                index.setdefault(form, set()).add((int(row.code_ogr), row.code_rome.strip()))
    return {form: sorted(found) for form, found in index.items()}


def title_candidates(title, titles: dict[str, list[tuple[int, str]]]) -> list[str]:
    """R7: the ROME codes of the appellations one of whose forms equals one of the title's forms, in the
    order of their first appellation's code_ogr (exact match only)."""
    found = sorted({a for form in title_forms(title) for a in titles.get(form, ())})
    return list(dict.fromkeys(code for _, code in found))


def title_code(candidates: list[str], targets: set[str]) -> str:
    """R7: of a title's candidate codes, the first that is a target of the certification, else the first;
    '' without a match."""
    return next((c for c in candidates if c in targets), candidates[0] if candidates else "")


def siret_ok(v) -> str | None:
    """R9: the SIRET without blanks and dots when 14 digits with a valid key, else None."""
    digits = re.sub(r"[\s.]", "", text(v))
    if not re.fullmatch(r"[0-9]{14}", digits):
        return None
    if digits.startswith("356000000") and sum(int(d) for d in digits) % 5 == 0:
        return digits
    total = 0
    for position, d in enumerate(int(d) for d in reversed(digits)):
        total += d if position % 2 == 0 else (2 * d if d < 5 else 2 * d - 9)
    return digits if total % 10 == 0 else None


def partner_key(siret, name) -> str:
    """R9: « siret:<SIRET> », else « name:<name> », else « none »."""
    valid = siret_ok(siret)
    if valid:
        return f"siret:{valid}"
    return f"name:{text(name)}" if text(name) else "none"


# ---------------------------------------------------------------- the indicators
def certified_people(cohort: pd.DataFrame) -> pd.DataFrame:
    """R1: one row per person, certification and year (latest certified jury of that year)."""
    rows = []
    for r in cohort.itertuples():
        ref, cert, day, outcome = (
            text(r.candidate_ref),
            cert_code(r.certification_code),
            not_future(parse_date(r.jury_date)),
            value("outcome", r.outcome),
        )
        if ref and cert and day and outcome:
            rows.append(
                {
                    "person": ref,
                    "cert": cert,
                    "jury": day,
                    "outcome": outcome,
                    "route": value("access_route", r.access_route) or "NR",
                    "site": text(r.site),
                    "partner": partner_key(r.partner_siret, r.partner_name),
                    "src_file": r.src_file,
                    "src_path": r.src_path,
                    "src_row": r.src_row,
                }
            )
    df = pd.DataFrame(
        rows,
        columns=[
            "person",
            "cert",
            "jury",
            "outcome",
            "route",
            "site",
            "partner",
            "src_file",
            "src_path",
            "src_row",
        ],
    )
    df = df.sort_values(["src_file", "src_path", "src_row"]).drop_duplicates(
        ["person", "cert", "jury"], keep="last"
    )
    df = df[df["outcome"] == "certified"].assign(year=lambda d: d["jury"].map(lambda x: x.year))
    return df.sort_values("jury").drop_duplicates(["person", "cert", "year"], keep="last")


def promotion_of(certs: list, promotion: int | None, answered: dt.date | None) -> tuple:
    """R3: (the certification an answer is attached to, whether the promotion it gave was corrected).
    ``certs``: the person's certifications of that code, by jury date."""
    given = [c for c in certs if promotion is not None and c.year == promotion]
    if given:
        return given[-1], False
    before = [c for c in certs if answered and c.jury <= answered]
    return (before or certs)[-1], promotion is not None


def attached_answers(survey: pd.DataFrame, people: pd.DataFrame, targets, intl, titles) -> pd.DataFrame:
    """R2, R3, R5-R7, R10: every answer of a certified person, attached to its promotion and classified
    (before R4), with ``promotion_given``, ``promotion_corrected`` and ``in_window``."""
    promos: dict[tuple[str, str], list] = {}
    for p in people.sort_values("jury").itertuples():
        promos.setdefault((p.person, p.cert), []).append(p)
    rows = []
    for r in survey.itertuples():
        ref, cert = text(r.candidate_ref), cert_code(r.certification_code)
        wave = value("wave", r.wave)
        situation = value("situation", r.situation)
        if not ref or not cert or not wave or situation is None:
            continue
        situation = situation or "no_response"
        certs = promos.get((ref, cert))
        if not certs:
            continue
        answered, promotion = not_future(parse_date(r.answer_date)), parse_promotion(r.promotion)
        c, corrected = promotion_of(certs, promotion, answered)
        contract = value("contract_type", r.contract_type) or ""
        location = value("work_location", r.work_location) or ""
        decision = value("target_decision", r.target_decision) or ""
        respondent = situation != "no_response"
        neutralised = respondent and (
            situation in {"further_study", "work_study", "unable_to_work"}
            or (
                situation in {"employed", "employed_abroad"}
                and contract in {"apprenticeship", "professionalisation", "work_study"}
            )
            or (
                cert not in intl
                and (situation == "employed_abroad" or (situation == "employed" and location == "abroad"))
            )
        )
        employed = respondent and not neutralised and situation in {"employed", "employed_abroad"}
        goals = targets.get(cert, set())
        given = parse_rome(r.rome_code)
        candidates = title_candidates(r.job_title, titles) if employed and not given else []
        rome = (given or title_code(candidates, goals)) if employed else ""
        in_target = employed and (decision == "in" if decision else rome in goals)
        rows.append(
            {
                "cert": cert,
                "year": c.year,
                "route": c.route,
                "partner": c.partner,
                "person": ref,
                "wave": f"{wave}m",
                "respondent": respondent,
                "answered": answered,
                "jury": c.jury,
                "promotion_given": promotion,
                "promotion_corrected": corrected,
                "in_window": answered is None or in_window(answered, c.jury, f"{wave}m"),
                "src_file": r.src_file,
                "src_path": r.src_path,
                "src_row": r.src_row,
                "src_line": r.src_line,
                "neutralised": neutralised,
                "employed": employed,
                "in_target": in_target,
                "rome_code": rome,  # R7: of the job (employed), given or matched ('' when none)
                "rome_candidates": candidates,  # R7: the codes the title matches (no code given)
                # issue #17: conditions of employment (see conditions() below)
                "situation": situation,
                "contract": contract,
                "full_time": working_time(getattr(r, "working_time", None)),
                "executive": value("executive", getattr(r, "executive", None)) or "",
                "pay": annual_pay(r),
                "abroad": situation == "employed_abroad" or location == "abroad",
                "continuing": respondent
                and (
                    situation in {"further_study", "work_study"}
                    or (
                        situation in {"employed", "employed_abroad"}
                        and contract in {"apprenticeship", "professionalisation", "work_study"}
                    )
                ),
            }
        )
    return pd.DataFrame(rows)


def rank_answers(answers: pd.DataFrame, outside: str = "count") -> pd.DataFrame:
    """R4: the answer that counts per person, certification, promotion and wave: respondents first, latest
    answer date (empty last), file name sorting last, last row. R10: with ``outside="exclude"``
    (INSERTION_OUTSIDE_WINDOW) only the answers inside their window or without a usable date take part."""
    if outside not in ("count", "exclude"):
        raise ValueError(f"outside window: count or exclude, not {outside!r}")
    df = answers[answers["in_window"]] if outside == "exclude" and not answers.empty else answers
    if df.empty:
        return df
    df = df.copy()
    df["_has_date"] = df["answered"].notna()
    df["_date"] = df["answered"].map(lambda d: d.toordinal() if d else 0)
    df = df.sort_values(["respondent", "_has_date", "_date", "src_file", "src_path", "src_row"])
    return df.drop_duplicates(["person", "cert", "year", "wave"], keep="last")


def survey_rows(survey: pd.DataFrame, people: pd.DataFrame, targets, intl, titles, outside="count"):
    """R2-R7, R10: attached, deduplicated answers with their flags."""
    return rank_answers(attached_answers(survey, people, targets, intl, titles), outside)


def add_months(day: dt.date, months: int) -> dt.date:
    """R10: ``day`` plus ``months`` calendar months; a day the target month lacks is its last day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    following = dt.date(year + (month == 12), month % 12 + 1, 1)
    return dt.date(year, month, min(day.day, (following - dt.timedelta(days=1)).day))


def survey_window(jury: dt.date, wave: str) -> tuple[dt.date, dt.date]:
    """R10: the first and last days (both inclusive) on which a wave's answer is expected."""
    first, last = WINDOWS[wave]
    return add_months(jury, first), add_months(jury, last)


def in_window(answered: dt.date, jury: dt.date, wave: str) -> bool:
    """R10: an answer dated ``answered`` is inside its wave's window (before the jury: outside)."""
    first, last = survey_window(jury, wave)
    return first <= answered <= last


def outside_window(raw_dir: Path, reference_dir: Path, outside: str = "count") -> pd.DataFrame:
    """R10: the answers reported « hors fenêtre »: dated on or after their jury and outside their wave's
    window; with ``outside="count"`` those that count (R4), with ``"exclude"`` every such answer (none
    counts). Columns cert, year, wave, src_file, src_line (the row of the file or sheet)."""
    _, attached, answers = read_and_attach(raw_dir, reference_dir, outside)
    columns = ["cert", "year", "wave", "src_file", "src_line"]
    reported = attached if outside == "exclude" else answers
    if reported.empty:
        return pd.DataFrame(columns=columns)
    dated = reported[reported["answered"].notna() & ~reported["in_window"]]
    after_jury = pd.Series([r.answered >= r.jury for r in dated.itertuples()], index=dated.index, dtype=bool)
    return dated.loc[after_jury, columns].reset_index(drop=True)


def corrected_promotions(raw_dir: Path, reference_dir: Path) -> pd.DataFrame:
    """R3: every answer whose promotion, well formed, is not a year of the person's certification, attached
    by its date instead (counted or not, R4): cert, year (attached), wave, src_file, src_line, promotion
    (the year given)."""
    _, attached, _ = read_and_attach(raw_dir, reference_dir)
    columns = ["cert", "year", "wave", "src_file", "src_line", "promotion_given"]
    if attached.empty:
        return pd.DataFrame(columns=columns)
    out = attached.loc[attached["promotion_corrected"], columns]
    return out.rename(columns={"promotion_given": "promotion"}).reset_index(drop=True)


def rate(num: int, den: int):
    return (200 * num + den) // (2 * den) if den else None  # integer percentage, half up


def wilson(k: int, n: int, z: float = 1.96) -> tuple:
    if not n:
        return None, None
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return round(max(0.0, centre - half) * 100, 1), round(min(1.0, centre + half) * 100, 1)


def aggregate(people: pd.DataFrame, answers: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    out = []
    for key, grp in people.groupby(keys, dropna=True):
        key = key if isinstance(key, tuple) else (key,)
        row = dict(zip(keys, key, strict=True))
        row["certified"] = len(grp)
        row["certified_vae"] = int((grp["route"] == "VAE").sum())
        sel = answers
        for k, v in zip(keys, key, strict=True):
            sel = sel[sel[k] == v] if not sel.empty else sel
        for w in WAVES:
            a = sel[sel["wave"] == w] if not sel.empty else sel
            resp, neut, emp, tgt = (
                int(a[c].sum()) if not a.empty else 0
                for c in ("respondent", "neutralised", "employed", "in_target")
            )
            den = resp - neut
            row.update(
                {
                    f"surveyed_{w}": len(a),
                    f"respondents_{w}": resp,
                    f"neutralised_{w}": neut,
                    f"denominator_{w}": den,
                    f"employed_{w}": emp,
                    f"in_target_{w}": tgt,
                    f"insertion_rate_{w}": rate(emp, den),
                    f"target_job_rate_{w}": rate(tgt, den),
                    f"response_rate_{w}": rate(resp, len(grp)),
                }
            )
            row[f"insertion_rate_{w}_low"], row[f"insertion_rate_{w}_high"] = wilson(emp, den)
            row[f"target_job_rate_{w}_low"], row[f"target_job_rate_{w}_high"] = wilson(tgt, den)
        out.append(row)
    df = pd.DataFrame(out)
    for col in [c for c in df.columns if re.fullmatch(r"(insertion|target_job|response)_rate_\d+m", c)]:
        df[col] = df[col].astype("Int64")
    return df.rename(columns={"cert": "certification_code", "route": "access_route"})


def ambiguous_titles(raw_dir: Path, reference_dir: Path) -> pd.DataFrame:
    """R7: the answers that count (R4) of employed respondents without a ROME code whose title is an
    appellation of several ROME codes (reported « intitulé ambigu »): cert, year, wave, src_file,
    src_line, codes (the candidates, in code_ogr order)."""
    _, _, answers = read_and_attach(raw_dir, reference_dir)
    columns = ["cert", "year", "wave", "src_file", "src_line", "rome_candidates"]
    if answers.empty:
        return pd.DataFrame(columns=columns)
    out = answers.loc[answers["rome_candidates"].map(len) > 1, columns]
    return out.rename(columns={"rome_candidates": "codes"}).reset_index(drop=True)


def read_and_attach(raw_dir: Path, reference_dir: Path, outside: str = "count") -> tuple:
    """(certified people, every attached answer, the answers that count) from the raw files."""
    cohort, survey = read_raw(Path(raw_dir))
    people = certified_people(cohort)
    if survey.empty:
        return people, pd.DataFrame(), pd.DataFrame()
    attached = attached_answers(
        survey,
        people,
        target_codes(raw_dir, reference_dir),
        international(reference_dir),
        appellation_index(Path(raw_dir)),
    )
    return people, attached, rank_answers(attached, outside)


def people_and_answers(raw_dir: Path, reference_dir: Path, outside: str = "count") -> tuple:
    """The certified people and their classified answers that count, from the raw files. ``outside``:
    INSERTION_OUTSIDE_WINDOW, « count » (default) or « exclude » (R10)."""
    people, _, answers = read_and_attach(raw_dir, reference_dir, outside)
    return people, answers


def recompute(
    raw_dir: Path, reference_dir: Path, outside: str = "count"
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(per certification and year, per certification, year and access route) statistics. ``outside``:
    the setting INSERTION_OUTSIDE_WINDOW, « count » (default) or « exclude » (R10)."""
    people, answers = people_and_answers(raw_dir, reference_dir, outside)
    overall = aggregate(people, answers, ["cert", "year"])
    per_route = aggregate(people[people["route"].isin(ROUTES)], answers, ["cert", "year", "route"])
    return overall, per_route


def recompute_partners(raw_dir: Path, reference_dir: Path, outside: str = "count") -> tuple:
    """R9: (per certification, year and partner; the same per access route) statistics."""
    people, answers = people_and_answers(raw_dir, reference_dir, outside)
    overall = aggregate(people, answers, ["cert", "year", "partner"])
    per_route = aggregate(people, answers, ["cert", "year", "partner", "route"])
    return overall, per_route


# ---------------------------------------------------------------- issue #17: conditions of employment
# From the issue text: contract type, working time, cadre status, gross pay (annual, or monthly × 12),
# impossible pays (under about half the annual full-time SMIC for a job not declared part-time, or over a
# ceiling: settings pay_floor / pay_ceiling, defaults 10 800 and 500 000) set aside; shares among the
# employed (France Compétences' sense) who answered the item; quartiles of the full-time pay (linear
# interpolation between order statistics, « type 7 ») only from 5 pays; InserJeunes-style rate = salaried
# employment in France ÷ (respondents − continuing studies, work-study included); ministry rate =
# employed (anywhere, not work-study) ÷ (employed + job seeking).
PAY_FLOOR = int(os.environ.get("INSERTION_PAY_FLOOR") or 10800)
PAY_CEILING = int(os.environ.get("INSERTION_PAY_CEILING") or 500000)


def working_time(v) -> bool | None:
    """True full time, False part time, None unknown."""
    canon = value("working_time", v)
    if canon:
        return canon == "full_time"
    m = re.fullmatch(r"\s*(\d+(?:[.,]\d+)?)\s*(%?)\s*", text(v))
    if not m:
        return None
    share = float(m[1].replace(",", "."))
    share = share * 100 if not m[2] and share <= 1 else share
    return share >= 100


def euros(v) -> float | None:
    s = (
        re.sub(r"(?i)(€|euros?|eur|bruts?)", "", text(v))
        .replace("\u00a0", " ")
        .replace("\u202f", " ")
        .strip()
    )
    if re.fullmatch(r"\d+([.,]\d{1,2})?", s):
        return float(s.replace(",", "."))
    if re.fullmatch(r"\d{1,3}([ .,]\d{3})+(,\d{1,2})?", s):
        whole, cents = s.rsplit(",", 1) if re.search(r",\d{1,2}$", s) else (s, "0")
        return float(re.sub(r"[ .,]", "", whole) + "." + cents)
    return None


def annual_pay(r) -> float | None:
    """The plausible gross annual pay of an answer, else None."""
    annual, monthly = text(getattr(r, "pay_annual", None)), text(getattr(r, "pay_monthly", None))
    amount, period = text(getattr(r, "pay_amount", None)), value("pay_period", getattr(r, "pay_period", None))
    if annual:
        pay = euros(annual)
    elif monthly:
        pay = euros(monthly)
        pay = pay * 12 if pay is not None else None
    elif amount and period in ("annual", "monthly"):
        pay = euros(amount)
        pay = pay * (12 if period == "monthly" else 1) if pay is not None else None
    else:
        return None
    if pay is None or pay > PAY_CEILING:
        return None
    if pay < PAY_FLOOR and working_time(getattr(r, "working_time", None)) is not False:
        return None
    return pay


def quartile(values: list[float], p: float) -> float | None:
    if len(values) < 5:
        return None
    xs = sorted(values)
    h = (len(xs) - 1) * p
    lo = math.floor(h)
    value = xs[lo] + (h - lo) * (xs[min(lo + 1, len(xs) - 1)] - xs[lo])
    return math.floor(value / 100 + 0.5) * 100  # M27: rounded to 100 €, half away from zero (pay > 0)


def conditions(raw_dir: Path, reference_dir: Path, outside: str = "count") -> pd.DataFrame:
    """Per certification, year and wave (6, 24): the head-counts, shares, rates and pay quartiles."""
    people, answers = people_and_answers(raw_dir, reference_dir, outside)
    out = []
    for (cert, year, wave), a in answers.groupby(["cert", "year", "wave"]):
        emp = a[a["employed"]]
        resp = a[a["respondent"]]
        full = emp[emp["full_time"] == True]  # noqa: E712
        pays = [p for p in full["pay"] if p is not None and not pd.isna(p)]
        known = emp[emp["contract"] != ""]
        wt_known = emp[emp["full_time"].notna()]
        ex_known = emp[emp["executive"] != ""]
        salaried = emp[(~emp["abroad"]) & (emp["contract"] != "self_employed")]
        anywhere = resp[
            resp["situation"].isin(["employed", "employed_abroad"])
            & ~(
                resp["situation"].isin(["employed", "employed_abroad"])
                & resp["contract"].isin(["apprenticeship", "professionalisation", "work_study"])
            )
        ]
        seeking = int((resp["situation"] == "job_seeking").sum())
        continuing = int(resp["continuing"].sum())
        row = {
            "certification_code": cert,
            "year": int(year),
            "wave": int(wave.removesuffix("m")),
            "cdi_share": rate(int((known["contract"] == "permanent").sum()), len(known)),
            "stable_share": rate(
                int(known["contract"].isin(["permanent", "civil_servant"]).sum()), len(known)
            ),
            "full_time_share": rate(len(full), len(wt_known)),
            "executive_share": rate(int((ex_known["executive"] == "yes").sum()), len(ex_known)),
            "contract_known": len(known),
            "pay_answers": len(pays),
            "pay_q1": quartile(pays, 0.25),
            "pay_median": quartile(pays, 0.5),
            "pay_q3": quartile(pays, 0.75),
            "fc_rate": rate(len(emp), len(resp) - int(resp["neutralised"].sum())),
            "ij_rate": rate(len(salaried), len(resp) - continuing),
            "ij_denominator": len(resp) - continuing,
            "mesr_rate": rate(len(anywhere), len(anywhere) + seeking),
            "mesr_denominator": len(anywhere) + seeking,
        }
        out.append(row)
    return pd.DataFrame(out)
