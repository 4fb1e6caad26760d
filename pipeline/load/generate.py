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

from pipeline.core.labels import ROUTE_LABELS, SITUATION_LABELS

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


# --- national scale ------------------------------------------------------------------------------------

CALIBRATION_DEFAULTS = {
    "size_mu": 5.1,
    "size_sigma": 1.6,
    "insertion_mean": 0.82,
    "insertion_sd": 0.12,
    "vae_share": 0.06,
    "target_ratio": 0.85,
    "source": "defaults",
}
SITUATIONS_FR = [
    "En emploi",
    "En emploi à l'étranger",
    "En recherche d'emploi",
    "Inactif",
    "Poursuite d'études",
    "En alternance",
    "Dans l'incapacité de travailler",
    "Non répondant",
]
ROUTES_FR = [
    "Formation initiale",
    "Apprentissage",
    "Formation continue",
    "Contrat de professionnalisation",
    "Candidature individuelle",
    "VAE",
]
COHORT_HEADERS = ["Référence candidat", "Code RNCP", "Date du jury", "Voie d'accès", "Résultat", "Site"]
SURVEY_HEADERS = [
    "Identifiant",
    "Code RNCP",
    "Vague",
    "Date de réponse",
    "Situation actuelle",
    "Intitulé du poste",
    "Code ROME",
    "Type de contrat",
]


def published_rows(paths) -> list[tuple]:
    """(certified, certified_vae, insertion_rate_6m, target_job_rate_24m) of every published promotion in
    RNCP XML exports and published-statistics CSV files, de-duplicated by certification and year."""
    from pipeline.load.sources import rncp
    from pipeline.load.sources.reference import read_published

    seen: dict[tuple, tuple] = {}
    for path in paths:
        if path.suffix.lower() == ".csv":
            for r in read_published(path).astype(object).where(lambda f: f.notna(), None).itertuples():
                seen[(r.certification_code, r.year)] = (
                    r.certified,
                    r.certified_vae,
                    r.insertion_rate_6m,
                    r.target_job_rate_24m,
                )
        else:
            for _, rows in rncp.iter_export(path):
                for r in rows["published_statistics"]:
                    seen[(r[0], r[1])] = (r[2], r[3], r[4], r[6])
    return list(seen.values())


def calibrate(published) -> dict:
    """Distributions from real published statistics (rows with certified, certified_vae, insertion_rate_6m,
    target_job_rate_24m): log-normal cohort sizes, insertion rate mean/sd, VAE share, target/insertion ratio."""
    import numpy as np

    rows = [r for r in published if r[0]]
    if len(rows) < 3:
        return dict(CALIBRATION_DEFAULTS)
    sizes = np.log([r[0] for r in rows])
    vae = [r[1] / r[0] for r in rows if r[1] is not None]
    ins = [r[2] / 100 for r in rows if r[2] is not None]
    ratio = [r[3] / r[2] for r in rows if r[2] and r[3] is not None]
    return {
        "size_mu": float(sizes.mean()),
        "size_sigma": float(max(sizes.std(), 0.5)),
        "insertion_mean": float(np.mean(ins)),
        "insertion_sd": float(max(np.std(ins), 0.05)),
        "vae_share": float(np.mean(vae)) if vae else CALIBRATION_DEFAULTS["vae_share"],
        "target_ratio": float(min(np.mean(ratio), 1.0)) if ratio else CALIBRATION_DEFAULTS["target_ratio"],
        "source": f"{len(rows)} published promotions",
    }


def national(
    out,
    certifications: int,
    years: range,
    seed: int = 1,
    defects: float = 0.0005,
    target_certified: int | None = None,
    xlsx_share: float = 0.02,
    certifications_per_file: int = 25,
    calibration: dict | None = None,
    progress=None,
    cdc_share: float = 0.2,
) -> dict:
    """Write cohort results and both survey waves for ``certifications`` fictional certifications.

    Files group ``certifications_per_file`` certifications (French headers, ';' CSV in UTF-8 or
    Windows-1252, a share of small ones as XLSX). A ``defects`` share of rows carries a realistic defect
    (bad RNCP code, impossible date, unknown situation, malformed ROME code), which the quality gate
    quarantines. The targeted ROME codes of each certification go to ``<out>-reference/`` (use it as
    INSERTION_REFERENCE_DIR). A ``cdc_share`` of the groups (every n-th, the first included) also gets its
    Caisse des Dépôts fluxes in ``<out>/cdc/``, with their defects (issue #27, :mod:`pipeline.load.
    generate_cdc`). Returns counts."""
    from pathlib import Path

    import numpy as np
    import pandas as pd

    from pipeline.load.generate_cdc import group_fluxes

    out = Path(out)
    (out / "cohortes").mkdir(parents=True, exist_ok=True)
    (out / "enquetes").mkdir(parents=True, exist_ok=True)
    cal = calibration or dict(CALIBRATION_DEFAULTS)
    rng = np.random.default_rng(seed)
    codes = np.array([f"RNCP{n}" for n in rng.choice(np.arange(50000, 99999), certifications, replace=False)])
    sizes = np.clip(rng.lognormal(cal["size_mu"], cal["size_sigma"], (certifications, len(years))), 5, 5000)
    if target_certified:
        sizes *= target_certified / sizes.sum()
    sizes = np.maximum(sizes.round().astype(int), 5)
    insertion = np.clip(rng.normal(cal["insertion_mean"], cal["insertion_sd"], certifications), 0.2, 0.99)
    roman = ["E1101", "M1706", "D1406", "F1202", "A1504", "J1301", "K2111", "H2909", "I1304", "N1103"]
    titles = [
        "Chargé de communication",
        "Vendeur conseil",
        "Chef de chantier",
        "Aide-soignant",
        "Technicien de maintenance",
        "Assistant de direction",
        "Formateur",
        "Comptable",
        "Développeur web",
        "Conducteur de travaux",
    ]
    reference = out.parent / f"{out.name}-reference"
    reference.mkdir(parents=True, exist_ok=True)
    targets = pd.DataFrame(
        {
            "certification_code": np.repeat(codes, 2),
            "rome_code": np.array(roman)[rng.integers(0, len(roman), 2 * certifications)],
        }
    )
    targets["rome_label"] = ""
    targets.drop_duplicates(["certification_code", "rome_code"]).to_csv(
        reference / "certification_rome.csv", index=False
    )
    totals = {"certified": 0, "cohort_rows": 0, "survey_rows": 0, "files": 0, "defects": 0, "cdc_passages": 0}
    cdc_every = round(1 / cdc_share) if cdc_share > 0 else 0
    groups = range(0, certifications, certifications_per_file)
    for g_index, start in enumerate(groups):
        chunk = slice(start, min(start + certifications_per_file, certifications))
        cohort_parts, survey_parts = [], []
        for ci in range(chunk.start, chunk.stop):
            code = codes[ci]
            for yi, year in enumerate(years):
                n = int(sizes[ci, yi])
                total = n + int(n * 0.12)  # partial and failed candidates too
                refs = np.char.add(f"{code}-{year}-", np.arange(total).astype(str))
                outcome = np.where(
                    np.arange(total) < n, "Certifié", rng.choice(["Validation partielle", "Ajourné"], total)
                )
                route = np.where(
                    rng.random(total) < cal["vae_share"], "VAE", rng.choice(ROUTES_FR[:5], total)
                )
                day = rng.integers(0, 2, total)
                jury = np.where(day == 0, f"20/06/{year}", f"28/09/{year}")
                cohort_parts.append(
                    pd.DataFrame(
                        {
                            "Référence candidat": refs,
                            "Code RNCP": code,
                            "Date du jury": jury,
                            "Voie d'accès": route,
                            "Résultat": outcome,
                            "Site": rng.choice(["Paris", "Lyon", "Lille", "Nantes"], total),
                        }
                    )
                )
                for months, response in ((6, 0.75), (24, 0.5)):
                    surveyed = refs[:n] if months == 6 else refs[: int(n * 0.75)]
                    k = len(surveyed)
                    r = rng.random(k)
                    employed = r < insertion[ci] * response
                    situation = np.where(
                        employed,
                        "En emploi",
                        np.where(r < response, rng.choice(SITUATIONS_FR[2:7], k), "Non répondant"),
                    )
                    pick = rng.integers(0, len(roman), k)
                    jury_of = np.where(day[:k] == 0, 6, 9)
                    answer_month = ((jury_of + months - 1) % 12) + 1
                    answer_year = year + (jury_of + months - 1) // 12
                    answer = np.char.add(
                        np.char.add("15/", np.char.zfill(answer_month.astype(str), 2)),
                        np.char.add("/", answer_year.astype(str)),
                    )
                    survey_parts.append(
                        pd.DataFrame(
                            {
                                "Identifiant": surveyed,
                                "Code RNCP": code,
                                "Vague": "6 mois" if months == 6 else "2 ans",
                                "Date de réponse": np.where(situation == "Non répondant", "", answer),
                                "Situation actuelle": situation,
                                "Intitulé du poste": np.where(employed, np.array(titles)[pick], ""),
                                "Code ROME": np.where(
                                    employed & (rng.random(k) < 0.9), np.array(roman)[pick], ""
                                ),
                                "Type de contrat": np.where(
                                    employed, rng.choice(["CDI", "CDD", "Intérim"], k), ""
                                ),
                            }
                        )
                    )
                totals["certified"] += n
        cohort, survey = (
            pd.concat(cohort_parts, ignore_index=True),
            pd.concat(survey_parts, ignore_index=True),
        )
        stem = f"national_{g_index + 1:04d}"
        if cdc_every and g_index % cdc_every == 0:  # before the defects spoil the cohort rows
            flux = group_fluxes(out / "cdc", stem, cohort, totals["cdc_passages"])
            totals["cdc_passages"] += flux["passages"]
            totals["files"] += flux["files"]
        totals["defects"] += _defects(cohort, survey, defects, rng)
        small = rng.random() < xlsx_share or (g_index % 40 == 7 and len(cohort) < 100_000)
        encoding = "cp1252" if g_index % 5 == 4 else "utf-8"
        if small:
            cohort.to_excel(out / "cohortes" / f"{stem}_jurys.xlsx", index=False)
        else:
            cohort.to_csv(
                out / "cohortes" / f"{stem}_jurys.csv",
                sep=";",
                index=False,
                encoding=encoding,
                errors="replace",
            )
        survey.to_csv(
            out / "enquetes" / f"{stem}_enquetes.csv",
            sep=";",
            index=False,
            encoding=encoding,
            errors="replace",
        )
        totals["cohort_rows"] += len(cohort)
        totals["survey_rows"] += len(survey)
        totals["files"] += 2
        if progress:
            progress(g_index + 1, len(groups))
    return totals


def _defects(cohort, survey, rate: float, rng) -> int:
    """Spoil a ``rate`` share of rows the way real exports are spoilt; returns how many."""

    count = 0
    for frame, spoil in (
        (cohort, [("Code RNCP", "RNC12345"), ("Date du jury", "31/02/2020")]),
        (survey, [("Situation actuelle", "En vacances"), ("Code ROME", "E110")]),
    ):
        n = int(len(frame) * rate)
        if not n:
            continue
        rows = rng.choice(len(frame), n, replace=False)
        for i, row in enumerate(rows):
            column, value = spoil[i % len(spoil)]
            frame.iat[row, frame.columns.get_loc(column)] = value
        count += n
    return count
