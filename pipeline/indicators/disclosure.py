"""One disclosure policy per audience (docs/methodology.md M23-M26), applied by one function to every output.

* ``internal`` (the dashboard) and ``dossier`` (the France Compétences renewal pack, ``insertion stats``):
  full figures; every rate keeps its head-count (n/N) and interval, and carries « ⚠ » when its
  denominator is under the small-cohort threshold.
* ``public`` (``insertion publish``: a results page or file for the certifier's website, Qualiopi
  indicator 2): each published rate whose OWN denominator is under the threshold is suppressed (primary
  secret), then, to a fixpoint, whatever other published rate would let a reader recompute a suppressed
  cell through the relations the registry states (secondary secret): :func:`suppress`.
* ``analyst`` (the SQL page and ``insertion sql``): raw data, nothing hidden; the page says so.
"""

from __future__ import annotations

import pandas as pd

from pipeline.indicators.registry import COUNT, COUNTS, RATE, RATES, SUMS, Rate, Sum

AUDIENCES = {
    "internal": "flag",
    "dossier": "flag",
    "public": "suppress",
    "analyst": "raw",
}
AUDIENCE_LABELS = {
    "internal": "tableau de bord interne : taux complets, n/N et ⚠ sous le seuil",
    "dossier": "dossier France Compétences : taux complets, n/N et ⚠ sous le seuil",
    "public": "publication : taux dont la base est sous le seuil supprimés (secret statistique), avec les "
    "cases qui permettraient de les recalculer (secret secondaire)",
    "analyst": "SQL des analystes : données brutes, sans masquage",
}


# Pay quartiles (issue #17) are computed only from this many pay answers up, for every audience alike
# (analysts' SQL included: the mart leaves them empty below it), so that no one's pay can be read back.
MIN_PAY_ANSWERS = 5


def pay_disclosed(answers) -> bool:
    """Quartiles of pay may be shown: at least :data:`MIN_PAY_ANSWERS` pay answers."""
    return answers is not None and not pd.isna(answers) and int(answers) >= MIN_PAY_ANSWERS


def policy(audience: str) -> str:
    if audience not in AUDIENCES:
        raise ValueError(f"unknown audience {audience!r} (expected one of {', '.join(AUDIENCES)})")
    return AUDIENCES[audience]


def small(denominator, threshold: int) -> bool:
    """A rate to flag: its denominator is 1 to threshold − 1 (a zero denominator has no rate)."""
    return denominator is not None and not pd.isna(denominator) and 0 < denominator < threshold


def hidden(denominator, threshold: int) -> bool:
    """A public cell to suppress: its base is under the threshold, zero included (all respondents
    neutralised would otherwise show through the counts)."""
    return denominator is not None and not pd.isna(denominator) and denominator < threshold


def disclose(
    frame: pd.DataFrame, audience: str, threshold: int, published: list[str] | None = None
) -> pd.DataFrame:
    """A copy of ``frame`` (rows of counts and rates, as in ``statistics_by_route``) fit for ``audience``.

    Adds ``<rate>_small`` (flag: its own denominator is 1 to threshold − 1) for every rate present. For
    the public, ``published`` names the rates the publication shows (default: every rate present); each
    gets ``<rate>_secret`` (:data:`PRIMARY`, :data:`SECONDARY` or None, :func:`suppress`) and
    ``<rate>_suppressed``; a suppressed rate and its interval are set to NA, and so is every column a
    reader could not work out from the shown cells (other rates, counts)."""
    mode = policy(audience)
    out = frame.copy()
    if mode == "raw":
        return out
    for rate in RATES:
        if rate.key in out and rate.denominator in out:
            out[f"{rate.key}_small"] = [small(d, threshold) for d in out[rate.denominator]]
    if mode != "suppress":
        return out
    published = [k for k in (published or [r.key for r in RATES]) if k in out]
    records = frame.to_dict(orient="records")
    secrets = [suppress(row, published, threshold) for row in records]
    readers = [
        known(row, [k for k in published if not s.get(k)]) for row, s in zip(records, secrets, strict=True)
    ]
    figures = [c.key for c in COUNTS if c.key in out] + [r.key for r in RATES if r.key in out]
    for column in figures:
        keep = pd.Series([column in reader for reader in readers], index=out.index)
        if column in published:
            keep = pd.Series([not s.get(column) for s in secrets], index=out.index)
        for part in (column, f"{column}_low", f"{column}_high") if column in RATE else (column,):
            if part in out:
                out[part] = out[part].astype("object").where(keep, None)
    for key in published:
        out[f"{key}_secret"] = [s.get(key) for s in secrets]
        out[f"{key}_suppressed"] = [bool(s.get(key)) for s in secrets]
        out[f"{key}_small"] = False
    return out


# --- public suppression (docs/methodology.md M25) -------------------------------------------------------

PRIMARY = "primary"  # the rate's own denominator is under the threshold (zero included)
SECONDARY = "secondary"  # shown, it would let a reader recompute a suppressed cell
# The counts every publication shows, as the fiche does (M25): never suppressed, and nothing worked out
# from them alone is a secret.
ALWAYS_SHOWN = ("certified", "certified_vae")


def _value(row: dict, key: str):
    value = row.get(key)
    return None if value is None or pd.isna(value) else value


def known(
    row: dict, shown: list[str], sums: list[Sum] = SUMS, rates: list[Rate] = RATES
) -> dict[str, frozenset]:
    """What a reader of the publication can work out of ``row`` when it shows the rates ``shown``: each
    figure so known, with the shown rates one derivation of it uses (empty: the counts always shown).

    A shown rate shows its value, its base and its interval, hence its numerator and denominator. Then,
    until nothing changes: a sum of the registry (:data:`SUMS`) gives its one unknown term; a side of a
    sum known to be 0 makes every term of the other side 0 (head-counts are never negative); a ratio
    (:data:`RATES`) gives its rate from its numerator and denominator, its numerator from its rate and
    denominator, its denominator from its rate and a numerator other than 0 (or an empty rate).
    ``sums`` and ``rates``: the relations (default: the registry's)."""
    out: dict[str, frozenset] = {k: frozenset() for k in ALWAYS_SHOWN if k in row}
    ratios = [r for r in rates if r.numerator in row and r.denominator in row]
    by_key = {r.key: r for r in rates}
    for key in shown:
        for figure in (key, by_key[key].numerator, by_key[key].denominator):
            out.setdefault(figure, frozenset({key}))
    equations = [
        ((-1, s.total), *s.terms) for s in sums if all(t in row for t in (s.total, *(t for _, t in s.terms)))
    ]
    while True:
        steps: list[tuple[str, list[str]]] = []
        for terms in equations:
            unknown = [t for _, t in terms if t not in out]
            if len(unknown) == 1:
                steps.append((unknown[0], [t for _, t in terms if t in out]))
            for sign in (1, -1):
                side = [t for c, t in terms if c == sign]
                if unknown and all(t in out for t in side) and not sum(_value(row, t) or 0 for t in side):
                    steps += [(t, side) for t in unknown]
        for r in ratios:
            n, d, k = r.numerator, r.denominator, r.key
            steps += [(k, [n, d])] if n in out and d in out else []
            steps += [(n, [k, d])] if k in out and d in out else []
            if k in out and n in out and (_value(row, n) or _value(row, k) is None):
                steps.append((d, [k, n]))
        steps = [(f, why) for f, why in steps if f not in out]
        if not steps:
            return out
        for figure, why in steps:
            out.setdefault(figure, frozenset().union(*(out[w] for w in why)))


def public_rule(threshold: int) -> list[str]:
    """The rule of :func:`suppress` in French, as every publication states it (docs/methodology.md M25)."""
    sums = " ; ".join(
        f"{COUNT[s.total].label} = "
        + " ".join(
            ("− " if sign < 0 else "+ " if i else "") + COUNT[t].label for i, (sign, t) in enumerate(s.terms)
        )
        for s in SUMS
    )
    return [
        f"Secret statistique : un taux n'est publié que si sa propre base compte au moins {threshold} "
        "personnes — le nombre de certifiés pour le taux de réponse, la base de calcul de la vague "
        "(répondants − neutralisés) pour les taux d'insertion global et dans le métier visé, le nombre en "
        "emploi pour la part des emplois dans le métier visé. Sinon la case indique « secret statistique » "
        "et la base sous le seuil ; ni le taux, ni sa base, ni son intervalle ne sont publiés.",
        "Secret secondaire : un taux publié donne sa base et son intervalle, donc aussi son numérateur. Les "
        f"chiffres sont liés par ces relations : {sums} ; chaque taux = son numérateur ÷ son dénominateur ; un "
        "effectif n'est jamais négatif (une somme nulle a tous ses termes nuls). Tant qu'une case masquée "
        "peut être recalculée par ces relations à partir des cases publiées, un taux de plus parmi ceux qui "
        "servent au calcul est masqué (un taux absent de la fiche avant un taux de la fiche) ; sa case "
        "indique « secret secondaire ».",
        "Le nombre de certifiés et le nombre de certifiés à la suite d'un parcours VAE sont publiés comme "
        "sur la fiche France Compétences, même sous le seuil ; rien de ce qu'ils donnent seuls n'est secret.",
        "Une ligne par année d'obtention, sans ventilation par voie d'accès, site ou personne, ni total : "
        "aucune case ne se déduit d'une autre ligne.",
    ]


def suppress(
    row: dict, published: list[str], threshold: int, sums: list[Sum] = SUMS, rates: list[Rate] = RATES
) -> dict[str, str]:
    """The secret cells of one row of the publication: published rate -> :data:`PRIMARY` or
    :data:`SECONDARY` (the others are shown).

    Primary: a rate whose own denominator is under the threshold (response rate: the certified;
    insertion and target rates: the wave's base; target share: the employed); its value and that base
    (a count the cell hides) are secrets. Secondary, to a fixpoint: while a reader could work a secret out of the
    shown cells (:func:`known`), one shown rate of that derivation is suppressed too — a rate off the
    fiche before one of the fiche — and its value becomes a secret in turn. What the counts
    always shown give alone is no secret. ``sums`` and ``rates``: the relations (default: the registry's)."""
    by_key = {r.key: r for r in rates}
    order = {r.key: (r.official, i) for i, r in enumerate(rates)}
    secret = {k: PRIMARY for k in published if hidden(row.get(by_key[k].denominator), threshold)}
    public = known(row, [], sums, rates)
    guarded = {f for k in secret for f in (k, by_key[k].denominator)} - set(public)
    while True:
        reader = known(row, [k for k in published if k not in secret], sums, rates)
        leaks = sorted(f for f in guarded if f in reader)
        if not leaks:
            return secret
        pick = min(reader[leaks[0]], key=order.__getitem__)
        secret[pick] = SECONDARY
        guarded.add(pick)
