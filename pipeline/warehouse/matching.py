"""Job titles -> ROME codes, from the ROME 4.0 appellations (docs/methodology.md M11).

A title matches an appellation **exactly** when one of its written forms (:func:`forms`: as written, its
masculine and feminine readings of gender pairs « Agent / Agente de propreté » and of inclusive endings
« Chef·fe », « Technicien(ne) ») equals one of the forms of the appellation's long or short label, after
normalisation. A title may be an appellation of several ROME codes: all of them are kept
(``rome_codes``, in ``code_ogr`` order); the marts choose among them per certification. Otherwise a fuzzy
match (token-sort ratio, score ≥ ``FUZZY_CUTOFF``) is only a proposal. Every automatic match keeps its
method and score. Results are cached in ``job_title_matches``: each distinct title is matched once, at the
build that first sees it (or when the ROME version or ``MATCH_RULE`` changes). A reviewer's decision
(``title_reviews``) wins over any automatic match in the marts.
"""

from __future__ import annotations

import re
from datetime import datetime

import duckdb
import pandas as pd

from pipeline.core.codes import is_rome_code
from pipeline.core.normalise import norm
from pipeline.core.sql import scalar

FUZZY_CUTOFF = 85
# what a match yields and how titles are read; part of the cache key (cached matches of another rule are
# redone). "forms-1": every written form (M11, issue #23), every candidate code kept (rome_codes).
MATCH_RULE = "forms-1"

# a gender pair « A / B »: a slash with a space on each side (« biologie/microbiologie » is not one)
_PAIR = re.compile(r"\s+/\s+")
MAX_PAIRS = 4  # a text with more « / » is not read as pairs (a list, not a job title: 2^n readings)
# an inclusive ending after a word: « Chef(fe) », « Agent·e », « Chargé.e », « Agent-e », « Assistant/(e) »
_ENDINGS = "e|es|s|fe|ne|le|se|sse|euse|teuse|rice|trice|ère|ere|ière|iere|ive|ve|tive"
_INCLUSIVE = re.compile(rf"(\w+)(?:/?\(({_ENDINGS})\)|[·.-]({_ENDINGS}))(?!\w)", re.I)
# « -XYZ- » acronyms of ROME labels (« -SIG- », « -IA-DSDEN- », « matériels-BTP- »); « -armée- » is a word
_ACRONYM = re.compile(r"-[A-Z][A-Z0-9&]+(?:-[A-Z][A-Z0-9&]+)*-(?!\w)")
# the end of the masculine word an inclusive ending replaces (« Directeur(rice) » -> « Directrice »)
_REPLACES = {
    "euse": "eur",
    "teuse": "teur",
    "rice": "eur",
    "trice": "teur",
    "ère": "er",
    "ere": "er",
    "ière": "ier",
    "iere": "ier",
    "ive": "if",
    "tive": "tif",
    "ve": "f",
}


def _feminine(word: str, ending: str) -> str:
    """« Chef » + fe -> « Cheffe », « Accastilleur » + se -> « Accastilleuse », « Directeur » + rice ->
    « Directrice », « Accompagnateur » + trice -> « Accompagnatrice », « Boulanger » + ère -> « Boulangère »;
    a word that does not end as the ending expects takes the ending as it is."""
    low, replaced = word.lower(), _REPLACES.get(ending.lower())
    if ending.lower() == "se" and low.endswith("eur"):
        return word[:-1] + ending  # « -eur » -> « -euse »
    if replaced and low.endswith(replaced):
        return word[: -len(replaced)] + ending
    return word + ending


def _inclusive(text: str, feminine: bool) -> str:
    """Every inclusive word of ``text`` in one gender (its masculine drops the ending)."""

    def word(m: re.Match) -> str:
        return _feminine(m[1], m[2] or m[3]) if feminine else m[1]

    return _INCLUSIVE.sub(word, text)


def _stem(word: str) -> str:
    return norm(word)[:4]


def _pair(text: str) -> tuple[str, str] | None:
    """The masculine and feminine readings of the first gender pair « A / B » of ``text``, else None.
    B's first word is the feminine of the first word of A with the same first four letters that is not the
    same word: the n words of A from it are gendered, B's words after its first n are the shared tail
    (none found: A and B are read by A's word count k, as « Acteur principal / Actrice principale »).
    Masculine = A + the tail; feminine = A's words before the gendered ones + B (« Analyste Concepteur /
    Conceptrice informatique » -> « Analyste Concepteur informatique », « Analyste Conceptrice
    informatique »)."""
    m = _PAIR.search(text)
    if m is None:
        return None
    a, b = text[: m.start()].split(), text[m.end() :].split()
    if not a or not b:
        return None
    first, whole = _stem(b[0]), norm(b[0])
    i = next((j for j, w in enumerate(a) if _stem(w) == first and norm(w) != whole), None)
    if (
        i is None
    ):  # no masculine of B's first word in A: read by word count (« Acteur principal / Actrice … »)
        k = len(a)
        return " ".join(a + b[k:]), " ".join(a[: k - len(b)] + b if len(b) < k else b)
    n = len(a) - i
    return " ".join(a + b[n:]), " ".join(a[:i] + b)


def _readings(text: str) -> list[str]:
    """The gender-pair readings of ``text``: read at its first « / », then each reading again. The first
    is the masculine reading (masculine at every pair), the last the feminine one (``MAX_PAIRS``)."""
    pair = _pair(text) if len(_PAIR.findall(text)) <= MAX_PAIRS else None
    if pair is None:
        return [text]
    masculine, feminine = _readings(pair[0]), _readings(pair[1])
    between = [
        r for r in dict.fromkeys(masculine[1:] + feminine[:-1]) if r not in (masculine[0], feminine[-1])
    ]
    return (
        [masculine[0], *between, feminine[-1]] if masculine[0] != feminine[-1] else [masculine[0], *between]
    )


def _masculine(text: str) -> str:
    return _inclusive(_readings(text)[0], feminine=False)


def _written(text: object) -> str:
    return "" if text is None or (isinstance(text, float) and pd.isna(text)) else _ACRONYM.sub(" ", str(text))


def forms(text: object) -> list[str]:
    """The normalised forms of a job title or appellation label (M11): as written, its masculine reading
    then its feminine reading (gender pairs and inclusive endings, every inclusive word in the same
    gender); a text with several « / » also gives the readings between, in both inclusive genders.
    « Chef·fe de chantier » -> ['chef fe de chantier', 'chef de chantier', 'cheffe de chantier']."""
    written = _written(text)
    readings = _readings(written)
    out = [written, _inclusive(readings[0], False), _inclusive(readings[-1], True)]
    for reading in readings[1:-1]:
        out += [_inclusive(reading, False), _inclusive(reading, True)]
    return list(dict.fromkeys(f for f in map(norm, out) if f))


def title_key(title: object) -> str:
    """The form a survey title is matched, cached and reviewed under: its normalised masculine reading."""
    return norm(_masculine(_written(title)))


# normalised form -> the appellations having it: (code_ogr order, ROME code, appellation label)
Index = dict[str, list[tuple[int, str, str]]]


def appellation_index(con: duckdb.DuckDBPyConnection) -> Index:
    """normalised form -> the appellations (long or short label) having that form, in ``code_ogr`` order:
    (rank, the appellation's own ROME code, its long label). Its own code, not its parent's: a title is
    evidence of that code exactly, like a code given in the survey (a wider rule is a per-certification
    setting, ``target_parent_codes``)."""
    rows = tuple(
        con.execute(
            "select label, label_short, rome_code from rome_appellations "
            "order by try_cast(code_ogr as bigint) nulls last, code_ogr, label"
        ).fetchall()
    )
    if rows not in _indexes:  # the same appellations give the same index: made once per process
        if len(_indexes) >= 4:  # a long-running watcher that saw several ROME versions
            _indexes.clear()
        _indexes[rows] = _index(rows)
    return _indexes[rows]


_indexes: dict[tuple, Index] = {}


def _index(rows: tuple) -> Index:
    index: Index = {}
    for rank, (label, short, code) in enumerate(rows):
        for text in filter(None, (label, short)):
            for form in forms(text):
                found = index.setdefault(form, [])
                if not found or found[-1][0] != rank:
                    found.append((rank, code, label))
    return index


def candidates(title_forms: list[str], index: Index) -> list[tuple[str, str]]:
    """(ROME code, appellation) of every code the forms are appellations of, once per code, in the
    appellations' ``code_ogr`` order (each code with its first appellation)."""
    found: dict[str, tuple[str, str]] = {}
    for _, code, label in sorted({hit for form in title_forms for hit in index.get(form, ())}):
        found.setdefault(code, (code, label))
    return list(found.values())


def match_titles(titles: list[str], index: Index) -> pd.DataFrame:
    """One row per title: title_key, rome_code (the first candidate), rome_codes (every candidate, in
    code_ogr order), appellation, method (exact/fuzzy/unmatched), score."""
    from rapidfuzz import fuzz, process

    keys = list(index)
    out = []
    for title in titles:
        key = title_key(title)
        found = candidates(forms(title), index)
        if found:
            out.append((title, key, found[0][0], [c for c, _ in found], found[0][1], "exact", 100.0))
            continue
        best = (
            process.extractOne(key, keys, scorer=fuzz.token_sort_ratio, score_cutoff=FUZZY_CUTOFF)
            if key
            else None
        )
        if best:
            found = candidates([best[0]], index)
            codes = [c for c, _ in found]
            out.append((title, key, found[0][0], codes, found[0][1], "fuzzy", round(best[1], 1)))
        else:
            out.append((title, key, None, None, None, "unmatched", None))
    return pd.DataFrame(
        out,
        columns=["job_title", "title_key", "rome_code", "rome_codes", "appellation", "method", "score"],
    )


def refresh(con: duckdb.DuckDBPyConnection, scope: list[str] | None = None) -> int:
    """Match the survey titles not matched yet against the loaded ROME version; returns how many.
    ``scope``: only look at the answers of these certifications (an incremental load)."""
    version = scalar(con, "select max(version) from rome_appellations")
    if version is None:
        return 0
    version = f"{version}/{MATCH_RULE}"  # cached matches of another ROME version or rule are redone
    con.execute("delete from job_title_matches where rome_version is distinct from ?", [version])
    rekey_reviews(con)
    titles = [
        r[0]
        for r in con.execute(
            """
        select distinct job_title from landing_survey_answers
        where job_title is not null and job_title not in (select job_title from job_title_matches)
          and ($scope::varchar[] is null or list_contains($scope::varchar[], certification_code))
        order by 1
        """,
            {"scope": scope},
        ).fetchall()
    ]
    if not titles:
        return 0
    matches = match_titles(titles, appellation_index(con))
    matches["rome_version"], matches["matched_at"] = version, datetime.now()
    con.register("new_matches", matches)
    con.execute("insert into job_title_matches by name select * from new_matches")
    con.unregister("new_matches")
    return len(matches)


def rekey_reviews(con: duckdb.DuckDBPyConnection) -> int:
    """Give each reviewer's decision the key its title has under the current rule (``title_key`` of the
    title as the reviewer wrote it), so that decisions recorded under an earlier reading of titles still
    meet their answers; returns how many keys changed. The decisions themselves never change."""
    rows = con.execute("select review_id, job_title, title_key from title_reviews").fetchall()
    changed = [(title_key(title), rid) for rid, title, key in rows if title_key(title) != key]
    if changed:
        con.executemany("update title_reviews set title_key = ? where review_id = ?", changed)
    return len(changed)


def review(
    con,
    job_title: str,
    reviewer: str,
    reason: str,
    rome_code: str | None = None,
    in_target: bool | None = None,
    certification_code: str | None = None,
) -> int:
    """Record a reviewer's decision on a job title (who, when, why); returns its id."""
    if rome_code is None and in_target is None:
        raise ValueError("une relecture décide d'un code ROME, de l'appartenance au métier visé, ou des deux")
    if rome_code is not None and not is_rome_code(rome_code):
        raise ValueError(
            f"{rome_code!r} n'est pas un code ROME (attendu : une lettre de A à N et 4 chiffres, p. ex. M1706)"
        )
    if not reviewer.strip() or not reason.strip():
        raise ValueError("une relecture demande le nom du relecteur (--by) et un motif (--why)")
    review_id = scalar(con, "select nextval('review_id_seq')")
    con.execute(
        "insert into title_reviews values (?, ?, ?, ?, ?, ?, ?, now()::timestamp, ?)",
        [
            review_id,
            certification_code,
            title_key(job_title),
            job_title,
            rome_code,
            in_target,
            reviewer.strip(),
            reason.strip(),
        ],
    )
    return review_id
