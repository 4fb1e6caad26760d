"""Job titles -> ROME codes, from the ROME 4.0 appellations.

Exact match first, after normalising case, accents, punctuation, inclusive writing (« Chargé.e »,
« Chargé(e) ») and gender forms (« Chargé / Chargée de … »); then a fuzzy match (token-sort ratio,
score ≥ ``FUZZY_CUTOFF``). Every automatic match keeps its method and score. Results are cached in
``job_title_matches``: each distinct title is matched once, at the build that first sees it.
A reviewer's decision (``title_reviews``) wins over any automatic match in the marts.
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
MATCH_RULE = "own-code"  # what a match yields (the appellation's own ROME code); part of the cache key
_SLASH = re.compile(r"(\S+)\s*/\s*(\S+)")
_INCLUSIVE = re.compile(r"(?<=\w)[.·(](e|es|rice|rices|euse|euses|se|ne|le|ère|ere|trice)\)?(?=\W|$)", re.I)
_ACRONYM = re.compile(r"\s-[A-Z]+-")


def variants(label: str) -> list[str]:
    """Masculine and feminine readings of an appellation: 'Chargé / Chargée de X' -> both."""
    text = _ACRONYM.sub(" ", label)
    return list(dict.fromkeys([_SLASH.sub(r"\1", text), _SLASH.sub(r"\2", text)]))


def title_key(title: str) -> str:
    """The normalised form a survey title is matched (and reviewed) under."""
    text = _INCLUSIVE.sub("", str(title))
    return norm(_SLASH.sub(r"\1", text))


def appellation_index(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[str, str]]:
    """normalised variant -> (the appellation's own ROME code, appellation label). Its own code, not its
    parent's: a title is evidence of that code exactly, like a code given in the survey (a wider rule is
    a per-certification setting, ``target_parent_codes``)."""
    rows = con.execute(
        "select label, label_short, rome_code from rome_appellations order by code_ogr"
    ).fetchall()
    index: dict[str, tuple[str, str]] = {}
    for label, short, code in rows:
        for text in filter(None, (label, short)):
            for v in variants(text):
                index.setdefault(norm(v), (code, label))
    return index


def match_titles(titles: list[str], index: dict[str, tuple[str, str]]) -> pd.DataFrame:
    """One row per title: title_key, rome_code, appellation, method (exact/fuzzy/unmatched), score."""
    from rapidfuzz import fuzz, process

    keys = list(index)
    out = []
    for title in titles:
        key = title_key(title)
        if key in index:
            code, label = index[key]
            out.append((title, key, code, label, "exact", 100.0))
            continue
        best = (
            process.extractOne(key, keys, scorer=fuzz.token_sort_ratio, score_cutoff=FUZZY_CUTOFF)
            if key
            else None
        )
        if best:
            code, label = index[best[0]]
            out.append((title, key, code, label, "fuzzy", round(best[1], 1)))
        else:
            out.append((title, key, None, None, "unmatched", None))
    return pd.DataFrame(
        out, columns=["job_title", "title_key", "rome_code", "appellation", "method", "score"]
    )


def refresh(con: duckdb.DuckDBPyConnection, scope: list[str] | None = None) -> int:
    """Match the survey titles not matched yet against the loaded ROME version; returns how many.
    ``scope``: only look at the answers of these certifications (an incremental load)."""
    version = scalar(con, "select max(version) from rome_appellations")
    if version is None:
        return 0
    version = f"{version}/{MATCH_RULE}"  # cached matches of another ROME version or rule are redone
    con.execute("delete from job_title_matches where rome_version is distinct from ?", [version])
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
        raise ValueError("a review decides a ROME code, in/out of the targeted occupation, or both")
    if rome_code is not None and not is_rome_code(rome_code):
        raise ValueError(f"{rome_code!r} is not a ROME code (expected a letter A-N and 4 digits, e.g. M1706)")
    if not reviewer.strip() or not reason.strip():
        raise ValueError("a review needs the reviewer's name (--by) and a reason (--why)")
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
