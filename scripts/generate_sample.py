"""Write the sample data set of data/raw/ (fictional people, deterministic).

RNCP34179 reproduces the statistics table of its public fiche (copied in
data/reference/published_statistics.csv) exactly:
  2018: 11 certified, 0 VAE, 100 %, 100 %, 80 %;  2017: 35 certified, 0 VAE, 88 %, 70 %, 78 %.
RNCP35809 and RNCP40344 get 4 and 5 promotions with every access route, partial and failed
candidates, non-respondents, every situation and job titles without ROME code.

Partners (issue #16): every cohort row gets the organisation that prepared the candidate, by a rule on
the row's own fields (:func:`with_partners`, no random draw, so adding them changes no other field):
fictional partners habilitated in data/reference/partners.csv for RNCP34179 and RNCP35809, real partners
of RNCP40344's export excerpt, none for individual candidates and VAE (the certifier itself), and a few
deliberate problems for the habilitation check: a partner habilitated to train only that organised the
assessment, an unknown SIRET, a habilitation withdrawn before the jury, one active only after it.

Usage: python scripts/generate_sample.py [--out data/raw]
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

import openpyxl
import pandas as pd

from pipeline.load.generate import Jobs, Promotion, Wave, people

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

# Partners: (name, SIRET as written in the file); fictional but for RNCP40344's, which are real (export).
CAMPUS_ATLANTIQUE = ("Campus Numérique Atlantique", "84215736900013")
RENNES_DIGITAL = ("Rennes Digital Formation", "85319462700016")
WEB_ACADEMIE = ("Web Académie Brest", "86104835200012")  # habilitated to train only
FORMATION_EXPRESS = ("Formation Express Ouest", "87302951400015")  # not habilitated at all
BTP_RHONE = ("BTP Formation Rhône", "88426173800014")
ALPES_BATIMENT = ("Alpes Bâtiment Compétences", "89563024700016")  # withdrawn on 15/09/2022
CFPPA_TOULOUSE = ("CFPPA TOULOUSE AUZEVILLE DE CASTANET TOLOSAN", "193 112 620 00037")
BLANQUEFORT = ("LEGTPA DE BLANQUEFORT", "19331424200010")  # active from 28/03/2025 only
NO_PARTNER = ("", "")
PARTNER_HEADERS = {  # each file names its partner columns its own way
    "RNCP34179": ("Organisme de formation", "SIRET", "Évaluation organisée par"),
    "RNCP35809": ("Partenaire", "SIRET partenaire", None),
    "RNCP40344": ("Organisme habilité", "SIRET de l'organisme habilité", None),
}


def sample_partner(code: str, row: dict) -> tuple[tuple[str, str], str]:
    """((partner name, SIRET), who organised the assessment) of one cohort row of the sample."""
    route, site, ref = row["access_route"], row["site"], row["candidate_ref"]
    if route in ("Candidature individuelle", "VAE"):
        return NO_PARTNER, ""
    if code == "RNCP34179":
        if route == "Formation continue":
            return WEB_ACADEMIE, "Partenaire"
        if ref == "FO-2018-0010":
            return FORMATION_EXPRESS, "Certificateur"
        return (CAMPUS_ATLANTIQUE if site == "Nantes" else RENNES_DIGITAL), "Certificateur"
    if code == "RNCP35809":
        return (BTP_RHONE if site == "Lyon" else ALPES_BATIMENT), ""
    year = str(row["jury_date"])[:4] if "-" in str(row["jury_date"]) else str(row["jury_date"])[-4:]
    if year == "2024" and route == "Contrat de professionnalisation":
        return BLANQUEFORT, ""
    return CFPPA_TOULOUSE, ""


def with_partners(frame: pd.DataFrame, code: str) -> pd.DataFrame:
    """``frame`` (canonical column names) with its partner columns appended, under the file's headers."""
    name_header, siret_header, assessed_header = PARTNER_HEADERS[code]
    chosen = [sample_partner(code, row) for row in frame.to_dict(orient="records")]
    out = frame.copy()
    out[name_header] = [p[0] for p, _ in chosen]
    out[siret_header] = [p[1] for p, _ in chosen]
    if assessed_header:
        out[assessed_header] = [a for _, a in chosen]
    return out


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
    with_partners(c, "RNCP34179").rename(columns=FRENCH_COHORT).to_csv(
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
    c = with_partners(c, "RNCP35809").rename(columns=FRENCH_COHORT)
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
    with_partners(c, "RNCP40344").rename(columns=FRENCH_COHORT).to_csv(
        cohorts / "RNCP40344_jurys.csv", sep=";", index=False, encoding="cp1252"
    )
    s["answer_date"] = s["answer_date"].map(lambda d: d.isoformat() if d is not None else "")
    s.rename(columns=FRENCH_SURVEY).to_csv(
        surveys / "RNCP40344_enquetes.tsv", sep="\t", index=False, encoding="utf-8"
    )
    print(f"Sample written under {args.out}")


if __name__ == "__main__":
    main()
