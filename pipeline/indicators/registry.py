"""The metric registry: every count and rate, its French label, and the SQL select lists built from
them (see the package's docstring)."""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.core.labels import WAVE_LABELS

WAVES = {f"{months}m": (months, name) for months, name in WAVE_LABELS.items()}  # "6m": (6, "6 mois")


@dataclass(frozen=True)
class Count:
    key: str
    label: str
    sql: str | None = None  # derived counts: an expression over additive counts; None = additive (a sum)
    wave: str | None = None
    base: str | None = None  # as the base of a rate, in a sentence (« base de calcul à 6 mois »)


@dataclass(frozen=True)
class Rate:
    key: str
    label: str  # the full French label (tables, downloads, pack)
    short: str  # for cards and chart legends
    numerator: str
    denominator: str
    wave: str
    official: bool = False  # on the France Compétences fiche


def _wave_counts(w: str, label: str) -> list[Count]:
    return [
        Count(f"surveyed_{w}", f"Réponses rattachées à {label} (répondants ou non)", wave=w),
        Count(f"respondents_{w}", f"Répondants à {label}", wave=w),
        Count(f"neutralised_{w}", f"Neutralisés à {label}", wave=w),
        Count(f"employed_{w}", f"En emploi à {label}", wave=w, base=f"nombre en emploi à {label}"),
        Count(f"in_target_{w}", f"Dans le métier visé à {label}", wave=w),
        Count(f"pending_review_{w}", f"En emploi, intitulé en attente de relecture à {label}", wave=w),
        Count(
            f"denominator_{w}",
            f"Base de calcul à {label} (répondants − neutralisés)",
            f"respondents_{w} - neutralised_{w}",
            w,
            f"base de calcul à {label}",
        ),
        Count(
            f"non_respondents_{w}",
            f"Non-répondants à {label} (certifiés − répondants)",
            f"certified - respondents_{w}",
            w,
        ),
    ]


COUNTS: list[Count] = [
    Count("certified", "Nombre de certifiés", base="nombre de certifiés"),
    Count("certified_vae", "Nombre de certifiés à la suite d'un parcours VAE"),
    *(c for w, (_, label) in WAVES.items() for c in _wave_counts(w, label)),
]

RATES: list[Rate] = [
    r
    for w, (_, label) in WAVES.items()
    for r in (
        Rate(
            f"insertion_rate_{w}",
            f"Taux d'insertion global à {label} (en %)",
            f"Insertion globale à {label}",
            f"employed_{w}",
            f"denominator_{w}",
            w,
            official=w == "6m",
        ),
        Rate(
            f"target_job_rate_{w}",
            f"Taux d'insertion dans le métier visé à {label} (en %)",
            f"Métier visé à {label}",
            f"in_target_{w}",
            f"denominator_{w}",
            w,
            official=True,
        ),
        Rate(
            f"response_rate_{w}",
            f"Taux de réponse à {label} (répondants ÷ certifiés, en %)",
            f"Taux de réponse à {label}",
            f"respondents_{w}",
            "certified",
            w,
        ),
        Rate(
            f"target_share_{w}",
            f"Part des emplois dans le métier visé à {label} (métier visé ÷ en emploi, en %)",
            f"Part métier visé / en emploi à {label}",
            f"in_target_{w}",
            f"employed_{w}",
            w,
        ),
    )
]

COUNT = {c.key: c for c in COUNTS}
RATE = {r.key: r for r in RATES}


@dataclass(frozen=True)
class Sum:
    """A relation the registry states between counts: ``total = Σ sign × term`` (a derived count and the
    additive counts it is written with; every count is a head-count, never negative)."""

    total: str
    terms: tuple[tuple[int, str], ...]  # (+1 or -1, count key)


def _sum_of(count: Count) -> Sum:
    terms, sign = [], 1
    for token in count.sql.split():
        if token in ("+", "-"):
            sign = 1 if token == "+" else -1
        else:
            terms.append((sign, token))
    return Sum(count.key, tuple(terms))


# The relations between the figures, as the registry states them: every derived count is a sum of counts
# (SUMS), every rate a ratio of two counts (RATES: numerator, denominator). Disclosure reasons on these
# alone (docs/methodology.md M25).
SUMS: list[Sum] = [_sum_of(c) for c in COUNTS if c.sql is not None]

# The fiche's statistics table, in France Compétences' order and words.
FICHE = [
    "year",
    "certified",
    "certified_vae",
    "insertion_rate_6m",
    "target_job_rate_6m",
    "target_job_rate_24m",
]


def label(key: str) -> str:
    """The French label of a count, a rate, an interval bound or a small-cohort flag."""
    if key == "year":
        return "Année d'obtention de la certification"
    if key in COUNT:
        return COUNT[key].label
    if key in RATE:
        return RATE[key].label
    for suffix, words in (
        ("_low", "IC 95 % bas"),
        ("_high", "IC 95 % haut"),
        ("_small", "⚠ base sous le seuil"),
    ):
        base = key.removesuffix(suffix)
        if base != key and base in RATE:
            return f"{RATE[base].short} : {words}"
    raise KeyError(key)


def detail_columns() -> list[str]:
    """Every figure beyond the fiche's, wave by wave: counts, then rates with their intervals."""
    out: list[str] = []
    for w in WAVES:
        out += [c.key for c in COUNTS if c.wave == w]
        for r in RATES:
            if r.wave == w:
                out += ([] if r.key in FICHE else [r.key]) + [f"{r.key}_low", f"{r.key}_high"]
    return out


def _expr(key: str) -> str:
    """A count as an expression over the additive counts (derived counts inlined)."""
    count = COUNT[key]
    if count.sql is None:
        return key
    return "(" + " ".join(_expr(t) if t in COUNT else t for t in count.sql.split()) + ")"


def counts_sql() -> str:
    """The sums of the additive counts (for a ``group by``)."""
    return ",\n    ".join(f"sum({c.key})::bigint as {c.key}" for c in COUNTS if c.sql is None)


def rates_sql() -> str:
    """Over a relation holding the additive counts: the derived counts, every rate and its interval."""
    parts = [f"{_expr(c.key)}::bigint as {c.key}" for c in COUNTS if c.sql is not None]
    for r in RATES:
        n, d = _expr(r.numerator), _expr(r.denominator)
        parts += [
            f"pct({n}, {d}) as {r.key}",
            f"wilson_low({n}, {d}) as {r.key}_low",
            f"wilson_high({n}, {d}) as {r.key}_high",
        ]
    return ",\n    ".join(parts)


def derived_sql() -> str:
    """Over a relation holding the additive counts: the derived counts alone (see :func:`add_rates`)."""
    return ",\n    ".join(f"{_expr(c.key)}::bigint as {c.key}" for c in COUNTS if c.sql is not None)


# One query evaluates the SQL macros (the one definition of rounding and intervals) on every distinct
# (numerator, denominator) pair: DuckDB plans a select list of 30 macro calls in tens of milliseconds,
# longer than the dashboard's queries take to run, and this query has three.
_PAIRS_SQL = """
select n, d, pct(n, d) as rate, wilson_low(n, d) as low, wilson_high(n, d) as high
from (select unnest(?::bigint[]) as n, unnest(?::bigint[]) as d)
"""


def add_rates(con, frame):
    """Add every rate of the registry and its interval to ``frame`` (a result of a query with
    ``/* @counts */`` and ``/* @derived */``), with the same values ``/* @rates */`` would give."""
    import pandas as pd

    frame = frame.copy()
    if frame.empty:
        for r in RATES:
            frame[r.key] = frame[f"{r.key}_low"] = frame[f"{r.key}_high"] = pd.Series(dtype="float64")
        return frame
    pairs = set()
    for r in RATES:
        pairs |= set(zip(frame[r.numerator], frame[r.denominator], strict=True))
    pairs = [(int(n), int(d)) for n, d in pairs if pd.notna(n) and pd.notna(d)]
    found = con.execute(_PAIRS_SQL, [[n for n, _ in pairs], [d for _, d in pairs]]).fetchall()
    table = {(n, d): (rate, low, high) for n, d, rate, low, high in found}
    for r in RATES:
        values = [
            table.get((int(n), int(d)), (None, None, None)) if pd.notna(n) and pd.notna(d) else (None,) * 3
            for n, d in zip(frame[r.numerator], frame[r.denominator], strict=True)
        ]
        frame[r.key] = pd.array([v[0] for v in values], dtype="Int32")
        frame[f"{r.key}_low"] = pd.array([v[1] for v in values], dtype="Float64")
        frame[f"{r.key}_high"] = pd.array([v[2] for v in values], dtype="Float64")
    return frame


def wave_months(text: str | int | None) -> int | None:
    """« 6m », « 24m », « 6 mois », « 2 ans », 6 or 24 -> 6 | 24; None stays None."""
    if text is None:
        return None
    if isinstance(text, int) or str(text).isdigit():
        months = int(text)
    elif str(text) in WAVES:
        months = WAVES[str(text)][0]
    else:
        import pandas as pd

        from pipeline.core.normalise import map_values

        mapped = map_values(pd.Series([str(text)], dtype="string"), "wave").iloc[0]
        months = int(mapped) if mapped is not pd.NA and str(mapped).isdigit() else None
    if months not in WAVE_LABELS:
        raise ValueError(f"vague inconnue : {text!r} (attendu 6m ou 24m)")
    return months
