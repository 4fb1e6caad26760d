"""Write the survey-campaign sample: a contacts file of fictional people for RNCP40344 and a LimeSurvey
responses export of its 2024 promotion's 2-year wave, with its mapping file.

The export's tokens are derived (pipeline/core/tokens.py) under the demonstration key shipped beside it
(data/exemples/limesurvey/cle_demo.key), so a warehouse built with that key links the answers to the sample's
people; with any other key, every token is refused (as it should be). Nobody here is a real person.

    python scripts/generate_campaign_sample.py
"""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path

import duckdb
import pandas as pd

from pipeline.core import tokens
from pipeline.core.config import Settings
from pipeline.load.pseudonymise import load_key, pseudonymise
from pipeline.warehouse import models

ROOT = Path(__file__).resolve().parents[1]
COHORT = ROOT / "data/raw/cohortes/RNCP40344_jurys.csv"
CONTACTS = ROOT / "data/contacts/RNCP40344_contacts_fictifs.csv"
EXAMPLE = ROOT / "data/exemples/limesurvey"
KEY = EXAMPLE / "cle_demo.key"
EXPORT = EXAMPLE / "RNCP40344_enquete_2_ans_reponses.csv"

FIRST = [
    "Camille",
    "Léa",
    "Hugo",
    "Inès",
    "Lucas",
    "Chloé",
    "Nathan",
    "Manon",
    "Enzo",
    "Jade",
    "Louis",
    "Zoé",
]
LAST = ["Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau"]
WITHOUT_EMAIL = {"ASV-2024-0008", "ASV-2021-0003"}

MAPPING = {
    "_comment": "Correspondance des questions de l'enquête LimeSurvey « Insertion à 2 ans » avec les champs "
    "de l'entrepôt (voir le README, « Campagnes d'enquête »).",
    "certification": "RNCP40344",
    "wave": "24m",
    "questions": {
        "situation": "SITUATION",
        "job_title": "POSTE",
        "rome_code": "ROME",
        "contract_type": "CONTRAT",
        "working_time": "TEMPS",
        "employer_sector": "SECTEUR",
        "work_location": "LIEU",
    },
    "answers": {
        "situation": {
            "A1": "En emploi",
            "A2": "En recherche d'emploi",
            "A3": "Poursuite d'études",
            "A4": "Inactif",
            "A5": "En alternance",
        },
        "contract_type": {"A1": "CDI", "A2": "CDD", "A3": "Intérim", "A4": "Indépendant"},
        "working_time": {"A1": "Temps plein", "A2": "Temps partiel"},
        "work_location": {"A1": "France", "A2": "Étranger"},
    },
}

# reference -> (submitted, situation, job title, ROME, contract, working time, sector, place); None = started
# but never sent (an incomplete response LimeSurvey exports with an empty submitdate)
ANSWERS = {
    "ASV-2024-0001": (
        "2026-06-03 09:12:44",
        "A1",
        "Auxiliaire spécialisé vétérinaire",
        "A1504",
        "A1",
        "A1",
        "Santé animale",
        "A1",
    ),
    "ASV-2024-0002": (
        "2026-06-05 18:40:02",
        "A1",
        "Agent d'accueil en clinique",
        "M1601",
        "A2",
        "A2",
        "Santé animale",
        "A1",
    ),
    "ASV-2024-0004": ("2026-06-11 12:01:19", "A2", "", "", "", "", "", ""),
    "ASV-2024-0005": ("2026-07-02 08:55:00", "A3", "", "", "", "", "", ""),
    "ASV-2024-0007": (
        "2026-07-15 21:17:36",
        "A1",
        "Aide-vétérinaire",
        "A1501",
        "A1",
        "A1",
        "Santé animale",
        "A1",
    ),
    "ASV-2024-0009": (
        "2026-09-22 10:30:08",
        "A1",
        "Vendeuse en animalerie",
        "D1210",
        "A1",
        "A1",
        "Commerce",
        "A1",
    ),
    "ASV-2024-0010": ("2026-10-01 14:45:51", "A4", "", "", "", "", "", ""),
    "ASV-2024-0011": (
        "2026-11-18 16:20:27",
        "A1",
        "ASV en clinique canine",
        "A1504",
        "A1",
        "A1",
        "Santé animale",
        "A1",
    ),
    "ASV-2024-0003": None,
}


def main() -> None:
    rng = random.Random(40344)
    cohort = pd.read_csv(COHORT, sep=";", encoding="cp1252", dtype=str)
    refs = cohort["Référence candidat"].tolist()
    CONTACTS.parent.mkdir(parents=True, exist_ok=True)
    with CONTACTS.open("w", encoding="utf-8-sig", newline="") as fh:
        out = csv.writer(fh, delimiter=";", lineterminator="\r\n")
        out.writerow(["Référence candidat", "Nom", "Prénom", "E-mail"])
        for i, ref in enumerate(refs):
            first, last = rng.choice(FIRST), rng.choice(LAST)
            email = "" if ref in WITHOUT_EMAIL else f"{first.lower()}.{last.lower()}.{i:03d}@example.org"
            out.writerow(
                [
                    ref,
                    last.upper(),
                    first,
                    email.replace("é", "e").replace("è", "e").replace("ï", "i").replace("ë", "e"),
                ]
            )

    key = load_key(KEY)
    juries = dict(zip(cohort["Référence candidat"], cohort["Date du jury"], strict=True))
    # the token is valid until the close of the 2-year window: the warehouse's one window rule (the SQL
    # macro survey_window()), in memory under the default settings
    con = duckdb.connect()
    models.ensure_schema(con)
    models.write_settings(con, Settings())
    rows = []
    for number, (ref, answer) in enumerate(ANSWERS.items(), start=1):
        candidate_hash = pseudonymise(pd.Series([ref], dtype="string"), key).iloc[0]
        closes = con.execute("select survey_window(?::date, 24).closes", [juries[ref]]).fetchone()[0]
        token = tokens.make(key, candidate_hash, "RNCP40344", 24, closes)
        started = "2026-11-20 19:02:11"
        if answer is None:
            rows.append(
                [
                    number,
                    "",
                    1,
                    "fr",
                    rng.randint(1, 10**9),
                    token,
                    started,
                    started,
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                ]
            )
            continue
        submitted, *fields = answer
        rows.append([number, submitted, 3, "fr", rng.randint(1, 10**9), token, submitted, submitted, *fields])
    EXAMPLE.mkdir(parents=True, exist_ok=True)
    with EXPORT.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh, quoting=csv.QUOTE_ALL, lineterminator="\n")
        out.writerow(
            [
                "id",
                "submitdate",
                "lastpage",
                "startlanguage",
                "seed",
                "token",
                "startdate",
                "datestamp",
                *MAPPING["questions"].values(),
            ]
        )
        out.writerows(rows)
    EXPORT.with_name(EXPORT.stem + ".mapping.json").write_text(
        json.dumps(MAPPING, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    print(f"wrote {CONTACTS.relative_to(ROOT)} and {EXPORT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
