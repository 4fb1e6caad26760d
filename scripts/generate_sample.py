"""Write the sample data set of data/raw/ (fictional people, deterministic).

RNCP34179 reproduces the statistics table of its public fiche (shared/reference/) exactly:
  2018: 11 certified, 0 VAE, 100 %, 100 %, 80 %;  2017: 35 certified, 0 VAE, 88 %, 70 %, 78 %.
RNCP35809 and RNCP40344 get 4 and 5 promotions with every access route, partial and failed
candidates, non-respondents, every situation and job titles without ROME code.

Usage: python scripts/generate_sample.py [--out data/raw]
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

import openpyxl
import pandas as pd

from pipeline.generate import Jobs, Promotion, Wave, people

FRENCH_COHORT = {
    "candidate_ref": "Référence candidat",
    "certification_code": "Code RNCP",
    "jury_date": "Date du jury",
    "access_route": "Voie d'accès",
    "outcome": "Résultat",
    "blocks_validated": "Blocs validés",
    "site": "Site",
}
FRENCH_SURVEY = {
    "candidate_ref": "Identifiant",
    "certification_code": "Code RNCP",
    "wave": "Vague",
    "answer_date": "Date de réponse",
    "situation": "Situation actuelle",
    "job_title": "Intitulé du poste",
    "rome_code": "Code ROME",
    "contract_type": "Type de contrat",
    "working_time": "Temps de travail",
    "employer_sector": "Secteur d'activité",
    "work_location": "Lieu de travail",
    "target_decision": "Adéquation métier visé",
}

JOBS = {
    "RNCP34179": Jobs(
        target=[
            ("E1104", "Rédacteur / Rédactrice web"),
            ("M1706", "Chargé / Chargée de promotion des ventes"),
            ("E1101", "Animateur / Animatrice web"),
            ("E1101", "Community manager"),
            ("E1103", "Chargé / Chargée de communication digitale"),
        ],
        other=[
            ("D1406", "Commercial / Commerciale sédentaire"),
            ("M1607", "Assistant / Assistante de direction"),
            ("D1211", "Vendeur / Vendeuse en prêt-à-porter"),
        ],
        untitled=["Responsable e-commerce", "Traffic manager", "Webmaster e-business"],
    ),
    "RNCP35809": Jobs(
        target=[
            ("F1202", "Chef / Cheffe de chantier bâtiment"),
            ("F1201", "Conducteur / Conductrice de travaux"),
        ],
        other=[
            ("F1604", "Peintre en bâtiment"),
            ("F1703", "Maçon / Maçonne"),
            ("H2909", "Technicien / Technicienne de maintenance"),
        ],
        untitled=["Chargé d'affaires second œuvre", "Métreur aménagement intérieur"],
    ),
    "RNCP40344": Jobs(
        target=[
            ("A1504", "Auxiliaire spécialisé vétérinaire"),
            ("M1601", "Agent / Agente d'accueil"),
            ("D1210", "Vendeur / Vendeuse en animalerie"),
        ],
        other=[
            ("A1501", "Aide-vétérinaire"),
            ("J1301", "Agent / Agente de service hospitalier"),
            ("D1106", "Vendeur / Vendeuse en alimentation générale"),
        ],
        untitled=["ASV en clinique canine", "Toiletteur canin"],
    ),
}

# The fiche's two promotions, head-count by head-count (see the module docstring for the targets).
RNCP34179 = [
    Promotion(
        "RNCP34179",
        2017,
        {"FI": 10, "CA": 15, "CQ": 6, "FC": 3, "CL": 1},
        partial=3,
        failed=2,
        site=["Rennes", "Nantes"],
        # 6 months: 34 respondents, 1 neutralised -> 33; 29 employed (88 %), 23 in target (70 %)
        wave_6m=Wave(
            no_response=1,
            work_study_contract=1,
            in_target=20,
            in_target_by_decision=3,
            not_target=4,
            not_target_untitled_rome=2,
            job_seeking=3,
            inactive=1,
        ),
        # 2 years: 27 respondents, 4 neutralised -> 23; 18 in target (78 %)
        wave_24m=Wave(
            no_response=8,
            further_study=1,
            unable_to_work=1,
            abroad=2,
            in_target=18,
            not_target=3,
            job_seeking=2,
        ),
    ),
    Promotion(
        "RNCP34179",
        2018,
        {"FI": 3, "CA": 5, "CQ": 2, "FC": 1},
        partial=2,
        failed=1,
        site=["Rennes", "Nantes"],
        # 6 months: 10 respondents, 1 neutralised -> 9; 9 employed, 9 in target (100 %, 100 %)
        wave_6m=Wave(no_response=1, further_study=1, in_target=9),
        # 2 years: 10 respondents, none neutralised -> 10; 8 in target (80 %)
        wave_24m=Wave(no_response=1, in_target=8, not_target=1, job_seeking=1),
    ),
]


def random_wave(rng: random.Random, certified: int, employment: float, fit: float, response: float) -> Wave:
    """A plausible wave for ``certified`` people (every situation appears once cohorts are big enough)."""
    w = Wave()
    for _ in range(certified):
        if rng.random() > response:
            w.no_response += 1
            continue
        r = rng.random()
        if r < 0.06:
            reason = rng.choice(
                ["further_study", "work_study", "unable_to_work", "abroad", "work_study_contract"]
            )
            setattr(w, reason, getattr(w, reason) + 1)
        elif r < 0.06 + (0.94 * employment):
            if rng.random() < fit:
                key = "in_target_by_decision" if rng.random() < 0.08 else "in_target"
            else:
                key = "not_target_untitled_rome" if rng.random() < 0.2 else "not_target"
            setattr(w, key, getattr(w, key) + 1)
        elif rng.random() < 0.75:
            w.job_seeking += 1
        else:
            w.inactive += 1
    return w


def random_promotions(
    rng: random.Random, code: str, years: range, size: tuple[int, int], vae_share: float, sites: list[str]
) -> list[Promotion]:
    out = []
    for i, year in enumerate(years):
        certified = rng.randint(*size)
        routes = {"FI": 0, "CA": 0, "FC": 0, "CQ": 0, "CL": 0, "VAE": 0}
        for _ in range(certified):
            route = "VAE" if rng.random() < vae_share else rng.choice(["FI", "CA", "CA", "FC", "CQ", "CL"])
            routes[route] += 1
        routes = {k: v for k, v in routes.items() if v}
        latest = i == len(years) - 1
        out.append(
            Promotion(
                code,
                year,
                routes,
                partial=rng.randint(1, 4),
                failed=rng.randint(1, 3),
                site=sites,
                wave_6m=random_wave(
                    rng, certified, rng.uniform(0.7, 0.9), rng.uniform(0.6, 0.85), rng.uniform(0.6, 0.9)
                ),
                wave_24m=None
                if latest
                else random_wave(
                    rng, certified, rng.uniform(0.8, 0.95), rng.uniform(0.65, 0.9), rng.uniform(0.45, 0.75)
                ),
            )
        )
    return out


def frames(promotions: list[Promotion], prefix: str, rng: random.Random) -> tuple[pd.DataFrame, pd.DataFrame]:
    cohort, survey = [], []
    for p in promotions:
        c, s = people(p, JOBS[p.certification_code], prefix, rng)
        cohort += c
        survey += s
    return pd.DataFrame(cohort), pd.DataFrame(survey)


def with_pay(frame: pd.DataFrame) -> pd.DataFrame:
    """Cadre status and gross monthly pay for the employed (issue #17), derived from the row order alone
    (no random draw, so every other file and figure of the sample stays as it was)."""
    out = frame.copy()
    employed = out["situation"].isin(["En emploi", "En emploi à l'étranger"]).tolist()
    out["Statut cadre"] = ["oui" if e and i % 4 == 0 else "non" if e else "" for i, e in enumerate(employed)]
    out["Salaire brut mensuel"] = [f"{2100 + 50 * (i % 13)}" if e else "" for i, e in enumerate(employed)]
    return out.drop(columns=["E-mail"]).assign(**{"E-mail": out["E-mail"]})  # e-mail stays last


def fr_date(series: pd.Series) -> pd.Series:
    return series.map(lambda d: d.strftime("%d/%m/%Y") if d is not None and not pd.isna(d) else "")


def write_xlsx(frame: pd.DataFrame, path: Path, title: str | None = None) -> None:
    """A workbook as people make them: an optional merged title block above the header row."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Données"
    if title:
        ws.append([title])
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(frame.columns))
        ws.append([])
    ws.append(list(frame.columns))
    for row in frame.itertuples(index=False):
        ws.append(
            [None if (v == "" or v is None or (isinstance(v, float) and pd.isna(v))) else v for v in row]
        )
    wb.properties.creator = "insertion sample generator"
    wb.save(path)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", type=Path, default=Path("data/raw"))
    args = parser.parse_args()
    rng = random.Random(34179)
    cohorts, surveys = args.out / "cohortes", args.out / "enquetes"
    cohorts.mkdir(parents=True, exist_ok=True)
    surveys.mkdir(parents=True, exist_ok=True)

    # RNCP34179: a jury-system CSV (UTF-8 with BOM, ';', dd/mm/yyyy) and two survey exports.
    c, s = frames(RNCP34179, "FO", rng)
    c["jury_date"] = fr_date(c["jury_date"])
    c.rename(columns=FRENCH_COHORT).to_csv(
        cohorts / "RNCP34179_jurys_2017-2018.csv", sep=";", index=False, encoding="utf-8-sig"
    )
    s["answer_date"] = fr_date(s["answer_date"])
    s["E-mail"] = [f"diplome.{i:04d}@example.org" for i in range(len(s))]  # dropped at ingestion (RGPD)
    six = with_pay(s[s["wave"] == "6 mois"]).rename(columns=FRENCH_SURVEY)
    six.to_csv(surveys / "RNCP34179_enquete_6_mois.csv", sep=",", index=False, encoding="utf-8")
    write_xlsx(
        s[s["wave"] == "2 ans"].rename(columns=FRENCH_SURVEY),
        surveys / "RNCP34179_enquete_2_ans.xlsx",
        title="Enquête d'insertion à 2 ans — Chef de projet e-commerce",
    )

    # RNCP35809: results as an XLSX with a title block; surveys as a Windows-1252 CSV.
    c, s = frames(
        random_promotions(rng, "RNCP35809", range(2019, 2023), (14, 40), 0.08, ["Lyon", "Grenoble"]),
        "BAT",
        rng,
    )
    c = c.rename(columns=FRENCH_COHORT)
    c["Date du jury"] = pd.to_datetime(c["Date du jury"])
    write_xlsx(
        c,
        cohorts / "RNCP35809_resultats_jurys.xlsx",
        title="Procès-verbaux de jury — Finition, aménagement des bâtiments",
    )
    s["answer_date"] = fr_date(s["answer_date"])
    s.rename(columns=FRENCH_SURVEY).to_csv(
        surveys / "RNCP35809_enquetes.csv", sep=";", index=False, encoding="cp1252"
    )

    # RNCP40344: Windows-1252 CSV with ISO dates; surveys tab-separated UTF-8.
    c, s = frames(
        random_promotions(rng, "RNCP40344", range(2020, 2025), (8, 30), 0.15, ["Toulouse"]), "ASV", rng
    )
    c["jury_date"] = c["jury_date"].map(lambda d: d.isoformat())
    c.rename(columns=FRENCH_COHORT).to_csv(
        cohorts / "RNCP40344_jurys.csv", sep=";", index=False, encoding="cp1252"
    )
    s["answer_date"] = s["answer_date"].map(lambda d: d.isoformat() if d is not None else "")
    s.rename(columns=FRENCH_SURVEY).to_csv(
        surveys / "RNCP40344_enquetes.tsv", sep="\t", index=False, encoding="utf-8"
    )
    print(f"Sample written under {args.out}")


if __name__ == "__main__":
    main()
