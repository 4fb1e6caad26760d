"""Conditions of employment and other systems' rates (issue #17): what each figure is, its French label,
its definition in one sentence. The one owner of these figures, beside the France Compétences registry
(:mod:`pipeline.indicators`).

They follow the registry's counts/rates model — additive head-counts per certification × year × wave
(``mart_employment_conditions``, ``pipeline/warehouse/sql/marts/40_mart_employment_conditions.sql``), each rate a ratio of
two of them through the same SQL macros (``pct``: integer percent rounded half up, NULL on a zero
denominator; ``wilson_low``/``wilson_high``) — but they live in a registry of their own: the main one
drives the fiche's table, every download and the public suppression, which these figures must not change.

* Shares of the jobs France Compétences counts (``employed``: in a job, not neutralised), among those whose
  answer gives the item (an unanswered item is left out of its own base, never counted as « no »).
* Pay: quartiles of the gross annual pay of the full-time jobs, ``quantile_cont`` (linear interpolation
  between the two nearest answers — Hyndman & Fan type 7, as Excel's QUARTILE.INC and numpy's default),
  shown only from :data:`pipeline.indicators.disclosure.MIN_PAY_ANSWERS` answers up, whatever the audience.
* Other definitions, never mixed with France Compétences' rates: each its own numerator and denominator
  over the same answers, with its own label and sentence.
"""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.core.pay import PAY_QUARTILE_STEP
from pipeline.indicators.disclosure import MIN_PAY_ANSWERS
from pipeline.indicators.registry import WAVES, Rate

# A monthly gross pay × this is the annual pay (the survey asks the job's monthly pay: no 13th month).
MONTHS_PER_YEAR = 12


@dataclass(frozen=True)
class Definition:
    key: str
    label: str  # French, for tables
    sentence: str  # the definition in one sentence (pack, dashboard, methodology)


# Additive head-counts of mart_employment_conditions (per certification, year, wave).
COUNT_LABELS = {
    "respondents": "Répondants",
    "fc_denominator": "Base France Compétences (répondants − neutralisés)",
    "employed": "En emploi (au sens de France Compétences)",
    "contract_known": "En emploi, type de contrat renseigné",
    "permanent_contract": "En CDI",
    "stable_job": "En emploi durable (CDI ou fonctionnaire)",
    "working_time_known": "En emploi, temps de travail renseigné",
    "full_time": "À temps plein",
    "executive_known": "En emploi, statut cadre renseigné",
    "executive": "Cadres",
    "pay_answers": "Emplois à temps plein avec un salaire renseigné",
    "continuing": "Poursuivant des études (dont alternance)",
    "ij_denominator": "Répondants ne poursuivant pas d'études",
    "salaried_france": "En emploi salarié en France",
    "employed_any": "En emploi (France ou étranger, hors alternance)",
    "job_seeking": "En recherche d'emploi",
    "mesr_denominator": "En emploi + en recherche d'emploi",
}

# Shares of the jobs (conditions of employment)
CONDITION_RATES: list[Rate] = [
    Rate("cdi_share", "Part des emplois en CDI (en %)", "CDI", "permanent_contract", "contract_known", ""),
    Rate(
        "stable_share",
        "Part des emplois durables : CDI ou fonctionnaire (en %)",
        "Emploi durable",
        "stable_job",
        "contract_known",
        "",
    ),
    Rate(
        "full_time_share",
        "Part des emplois à temps plein (en %)",
        "Temps plein",
        "full_time",
        "working_time_known",
        "",
    ),
    Rate("executive_share", "Part des cadres (en %)", "Cadres", "executive", "executive_known", ""),
]

# Other systems' rates, from the same answers (never mixed with France Compétences')
ALTERNATIVE_RATES: list[Rate] = [
    Rate(
        "fc_rate",
        "Taux d'insertion global — France Compétences (en %)",
        "France Compétences",
        "employed",
        "fc_denominator",
        "",
        official=True,
    ),
    Rate(
        "ij_rate",
        "Taux d'emploi salarié en France — à la manière d'InserJeunes / InserSup (en %)",
        "InserJeunes / InserSup",
        "salaried_france",
        "ij_denominator",
        "",
    ),
    Rate(
        "mesr_rate",
        "Taux d'insertion — enquêtes ministérielles auprès des diplômés (en %)",
        "Enquêtes du ministère",
        "employed_any",
        "mesr_denominator",
        "",
    ),
]

RATES = CONDITION_RATES + ALTERNATIVE_RATES
RATE_BY_KEY = {r.key: r for r in RATES}

PAY_KEYS = ("pay_q1", "pay_median", "pay_q3")

DEFINITIONS: dict[str, Definition] = {
    d.key: d
    for d in (
        Definition(
            "cdi_share",
            CONDITION_RATES[0].label,
            "Répondants en emploi (au sens de France Compétences : hors neutralisés) en CDI, rapportés à "
            "ceux d'entre eux qui ont indiqué leur type de contrat.",
        ),
        Definition(
            "stable_share",
            CONDITION_RATES[1].label,
            "Un emploi durable est un CDI ou un poste de fonctionnaire (titulaire de la fonction publique) ; "
            "part rapportée aux répondants en emploi qui ont indiqué leur type de contrat.",
        ),
        Definition(
            "full_time_share",
            CONDITION_RATES[2].label,
            "Répondants en emploi à temps plein, rapportés à ceux d'entre eux qui ont indiqué leur temps de "
            "travail.",
        ),
        Definition(
            "executive_share",
            CONDITION_RATES[3].label,
            "Répondants en emploi ayant le statut de cadre, rapportés à ceux d'entre eux qui ont indiqué "
            "leur statut.",
        ),
        Definition(
            "pay",
            "Salaire brut annuel des emplois à temps plein (1er quartile, médiane, 3e quartile, en €)",
            "Quartiles (interpolation linéaire entre les deux réponses voisines) du salaire brut annuel "
            f"déclaré par les répondants en emploi à temps plein — un salaire mensuel est multiplié par "
            f"{MONTHS_PER_YEAR} —, arrondis à {PAY_QUARTILE_STEP} € près, publiés seulement à partir de "
            f"{MIN_PAY_ANSWERS} salaires renseignés.",
        ),
        Definition(
            "fc_rate",
            ALTERNATIVE_RATES[0].label,
            "Répondants en emploi ÷ (répondants − neutralisés : poursuite d'études, alternance, "
            "incapacité de travailler, emploi à l'étranger hors certification internationale).",
        ),
        Definition(
            "ij_rate",
            ALTERNATIVE_RATES[1].label,
            "Répondants en emploi salarié en France (tout contrat sauf indépendant et alternance, contrat "
            "non renseigné compris) ÷ répondants ne poursuivant pas d'études (alternance comprise) — "
            "InserJeunes et InserSup comptent ainsi, mais sur les fichiers de paie (DSN) et tous les sortants, "
            "pas sur une enquête.",
        ),
        Definition(
            "mesr_rate",
            ALTERNATIVE_RATES[2].label,
            "Répondants en emploi, en France ou à l'étranger, salariés ou indépendants (hors alternance) ÷ "
            "(en emploi + en recherche d'emploi), comme les enquêtes d'insertion des diplômés du ministère "
            "de l'Enseignement supérieur ; inactifs et poursuites d'études hors du calcul.",
        ),
    )
}


def wave_label(wave: int) -> str:
    """« 6 mois » for 6."""
    return next(name for months, name in WAVES.values() if months == int(wave))


def label(key: str) -> str:
    """The French label of a head-count, a rate, an interval bound or a pay quartile."""
    if key in COUNT_LABELS:
        return COUNT_LABELS[key]
    if key in RATE_BY_KEY:
        return RATE_BY_KEY[key].label
    pay = {"pay_q1": "1er quartile", "pay_median": "Médiane", "pay_q3": "3e quartile"}
    if key in pay:
        return f"Salaire brut annuel, temps plein : {pay[key]} (€)"
    for suffix, words in (("_low", "IC 95 % bas"), ("_high", "IC 95 % haut")):
        base = key.removesuffix(suffix)
        if base != key and base in RATE_BY_KEY:
            return f"{RATE_BY_KEY[base].short} : {words}"
    raise KeyError(key)


def rates_sql() -> str:
    """Over a relation holding the head-counts: every rate of this registry and its interval."""
    parts = []
    for r in RATES:
        parts += [
            f"pct({r.numerator}, {r.denominator}) as {r.key}",
            f"wilson_low({r.numerator}, {r.denominator}) as {r.key}_low",
            f"wilson_high({r.numerator}, {r.denominator}) as {r.key}_high",
        ]
    return ",\n    ".join(parts)


def expand(sql: str) -> str:
    """Replace ``/* @condition_rates */``, ``/* @min_pay_answers */`` and ``/* @pay_quartile_step */``."""
    return (
        sql.replace("/* @condition_rates */", rates_sql())
        .replace("/* @min_pay_answers */", str(int(MIN_PAY_ANSWERS)))
        .replace("/* @pay_quartile_step */", str(int(PAY_QUARTILE_STEP)))
    )
