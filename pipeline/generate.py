"""Fictional individual records that reproduce given head-counts exactly.

A :class:`Promotion` says how many people of one certification and year were certified by each access
route, how many failed or passed partially, and how each survey wave came out (non-respondents,
neutralised respondents by reason, employed in or out of the targeted occupation, job seekers,
inactive). :func:`people` turns it into cohort rows and survey rows with French labels, as a jury
system or a survey tool would export them. Nobody in the output is a real person.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

ROUTE_LABELS = {
    "FI": "Formation initiale",
    "CA": "Contrat d'apprentissage",
    "FC": "Formation continue",
    "CQ": "Contrat de professionnalisation",
    "CL": "Candidature individuelle",
    "VAE": "VAE",
}
SITUATION_LABELS = {
    "employed": "En emploi",
    "employed_abroad": "En emploi à l'étranger",
    "job_seeking": "En recherche d'emploi",
    "inactive": "Inactif",
    "further_study": "Poursuite d'études",
    "work_study": "En alternance",
    "unable_to_work": "Dans l'incapacité de travailler",
    "no_response": "Non répondant",
}
CONTRACTS = ["CDI", "CDI", "CDI", "CDD", "CDD", "Intérim", "Indépendant", "Fonctionnaire"]
SECTORS = [
    "Commerce",
    "Services aux entreprises",
    "Industrie",
    "Construction",
    "Santé",
    "Administration",
    "Information et communication",
    "Hébergement et restauration",
]


@dataclass
class Wave:
    """Outcome head-counts of one survey wave. Neutralised reasons: further_study, work_study
    (alternance, or employed on an apprenticeship/professionalisation contract), unable_to_work, abroad."""

    no_response: int = 0
    further_study: int = 0
    work_study: int = 0
    work_study_contract: int = 0
    unable_to_work: int = 0
    abroad: int = 0
    in_target: int = 0
    in_target_by_decision: int = 0  # title only, reviewer said "in the targeted occupation"
    not_target: int = 0
    not_target_untitled_rome: int = 0  # title without ROME code, no decision
    job_seeking: int = 0
    inactive: int = 0

    @property
    def size(self) -> int:
        return sum(vars(self).values())


@dataclass
class Promotion:
    certification_code: str
    year: int
    routes: dict[str, int]  # certified by access route
    partial: int = 0
    failed: int = 0
    site: str | list[str] = "Siège"
    wave_6m: Wave | None = None
    wave_24m: Wave | None = None
    jury_days: list[tuple[int, int]] = field(default_factory=lambda: [(6, 20), (9, 28)])

    @property
    def certified(self) -> int:
        return sum(self.routes.values())


@dataclass
class Jobs:
    """Job titles by ROME code for one certification: targeted ones and others."""

    target: list[tuple[str, str]]  # (ROME code, title)
    other: list[tuple[str, str]]
    untitled: list[str]  # titles with no ROME code


def people(p: Promotion, jobs: Jobs, prefix: str, rng: random.Random) -> tuple[list[dict], list[dict]]:
    """Cohort rows and survey rows (canonical keys, French values) for one promotion."""
    sites = [p.site] if isinstance(p.site, str) else p.site
    cohort, surveys = [], []
    certified_refs = []
    n = 0

    def jury_date() -> date:
        month, day = rng.choice(p.jury_days)
        return date(p.year, month, day)

    for route, count in p.routes.items():
        for _ in range(count):
            n += 1
            ref = f"{prefix}-{p.year}-{n:04d}"
            d = jury_date()
            cohort.append(
                {
                    "candidate_ref": ref,
                    "certification_code": p.certification_code,
                    "jury_date": d,
                    "access_route": ROUTE_LABELS[route],
                    "outcome": rng.choice(["Certifié", "Admis"]),
                    "blocks_validated": "",
                    "site": rng.choice(sites),
                }
            )
            certified_refs.append((ref, d))
    for outcome, count in (("Validation partielle", p.partial), ("Ajourné", p.failed)):
        for _ in range(count):
            n += 1
            cohort.append(
                {
                    "candidate_ref": f"{prefix}-{p.year}-{n:04d}",
                    "certification_code": p.certification_code,
                    "jury_date": jury_date(),
                    "access_route": ROUTE_LABELS[rng.choice(list(p.routes))],
                    "outcome": outcome,
                    "blocks_validated": str(rng.randint(1, 3)) if outcome != "Ajourné" else "0",
                    "site": rng.choice(sites),
                }
            )
    for months, wave in ((6, p.wave_6m), (24, p.wave_24m)):
        if wave is None:
            continue
        if wave.size != p.certified:
            raise ValueError(
                f"{p.certification_code} {p.year} wave {months}: {wave.size} outcomes for "
                f"{p.certified} certified"
            )
        order = list(certified_refs)
        rng.shuffle(order)
        outcomes = [k for k, v in vars(wave).items() for _ in range(v)]
        for (ref, jury), outcome in zip(order, outcomes, strict=True):
            surveys.append(_answer(ref, p.certification_code, jury, months, outcome, jobs, rng))
    return cohort, surveys


def _answer(ref, code, jury: date, months, outcome, jobs: Jobs, rng) -> dict:
    row = {
        "candidate_ref": ref,
        "certification_code": code,
        "wave": "6 mois" if months == 6 else "2 ans",
        "answer_date": jury + timedelta(days=int(months * 30.4) + rng.randint(-20, 45)),
        "situation": "",
        "job_title": "",
        "rome_code": "",
        "contract_type": "",
        "working_time": "",
        "employer_sector": "",
        "work_location": "",
        "target_decision": "",
    }
    employed = {
        "situation": SITUATION_LABELS["employed"],
        "contract_type": rng.choice(CONTRACTS),
        "working_time": rng.choice(["Temps plein"] * 5 + ["Temps partiel"]),
        "employer_sector": rng.choice(SECTORS),
        "work_location": "France",
    }
    if outcome == "no_response":
        row["answer_date"] = None
    elif outcome in ("in_target", "not_target"):
        rome, title = rng.choice(jobs.target if outcome == "in_target" else jobs.other)
        row |= employed | {"job_title": title, "rome_code": rome}
    elif outcome == "in_target_by_decision":
        row |= employed | {"job_title": rng.choice(jobs.untitled), "target_decision": "Oui"}
    elif outcome == "not_target_untitled_rome":
        row |= employed | {"job_title": rng.choice(jobs.untitled)}
    elif outcome == "work_study_contract":
        rome, title = rng.choice(jobs.target)
        row |= employed | {
            "job_title": title,
            "rome_code": rome,
            "contract_type": rng.choice(["Contrat d'apprentissage", "Contrat de professionnalisation"]),
        }
    elif outcome == "abroad":
        rome, title = rng.choice(jobs.target + jobs.other)
        row |= employed | {
            "situation": SITUATION_LABELS["employed_abroad"],
            "job_title": title,
            "rome_code": rome,
            "work_location": "Étranger",
        }
    else:
        row["situation"] = SITUATION_LABELS[outcome]
    return row
