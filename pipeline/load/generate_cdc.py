"""Fictional Caisse des Dépôts fluxes (issue #27) beside the generated cohort files (:mod:`pipeline.load.
generate`), with the defects real fluxes have, so that the national bench and the generated test set cover
them: a flux sent late, a certified person never transmitted, an access route that differs from the jury's,
an RS passage, a malformed NIR. Everyone is fictional; NIRs are made up with a valid key (one with a wrong
key on purpose).

One flux per jury session (certification group × year × jury day), sent 20 days after the jury — but the
first of each group, sent 4 months after. Same seed, same files: nothing here draws from the generator's
own random stream (the cohort and survey files stay as they were).
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from xml.sax.saxutils import escape

import numpy as np
import pandas as pd

from pipeline.load.sources.cdc_xml import NAMESPACE

MODES = {
    "Formation initiale": "FORMATION_INITIALE_HORS_APPRENTISSAGE",
    "Apprentissage": "FORMATION_INITIALE_APPRENTISSAGE",
    "Formation continue": "FORMATION_CONTINUE_HORS_CONTRAT_DE_PROFESSIONNALISATION",
    "Contrat de professionnalisation": "FORMATION_CONTINUE_CONTRAT_DE_PROFESSIONNALISATION",
    "Candidature individuelle": "CANDIDAT_LIBRE",
    "VAE": "VAE",
}
ON_TIME, LATE = timedelta(days=20), timedelta(days=122)


def nirs(start: int, n: int) -> np.ndarray:
    """``n`` fictional NIRs of 15 characters with a valid key (sex, year, month, department, commune,
    order number drawn from a counter), as text."""
    i = np.arange(start, start + n, dtype=np.int64)
    sex = 1 + i % 2
    year = 60 + i % 40
    month = 1 + (i // 2) % 12
    department = 10 + (i // 24) % 80
    department = np.where(department == 20, 21, department)  # 20 is no department (Corsica is 2A / 2B)
    commune = 1 + (i // 1920) % 900
    order = 1 + (i // 1_728_000) % 999
    number = (((((sex * 100 + year) * 100 + month) * 100 + department) * 1000 + commune) * 1000) + order
    key = 97 - number % 97
    return np.char.add(number.astype(str), np.char.zfill(key.astype(str), 2))


def passage_xml(reference: str, day: str, mode: str, nir: str) -> str:
    return (
        "<cpf:passageCertification>"
        f"<cpf:idTechnique>{escape(reference)}</cpf:idTechnique>"
        "<cpf:obtentionCertification>PAR_ADMISSION</cpf:obtentionCertification>"
        "<cpf:donneeCertifiee>true</cpf:donneeCertifiee>"
        f"<cpf:dateDebutValidite>{day}</cpf:dateDebutValidite>"
        '<cpf:dateFinValidite xsi:nil="true"/>'
        "<cpf:presenceNiveauLangueEuro>false</cpf:presenceNiveauLangueEuro>"
        "<cpf:presenceNiveauNumeriqueEuro>false</cpf:presenceNiveauNumeriqueEuro>"
        '<cpf:scoring xsi:nil="true"/><cpf:mentionValidee xsi:nil="true"/>'
        f"<cpf:modalitesInscription><cpf:modaliteAcces>{mode}</cpf:modaliteAcces></cpf:modalitesInscription>"
        "<cpf:identificationTitulaire><cpf:identifiantNational>"
        f"<cpf:nir>{nir}</cpf:nir><cpf:nomNaissance>FICTIF</cpf:nomNaissance>"
        "</cpf:identifiantNational></cpf:identificationTitulaire>"
        "</cpf:passageCertification>\n"
    )


def write_flux(
    path: Path, flux_id: str, sent: date, certifications: dict[tuple[str, str], list[str]]
) -> None:
    """A flux: its certifications ((type, code) -> passages' XML), streamed to ``path``."""
    with path.open("w", encoding="utf-8") as fh:
        fh.write(
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<cpf:flux xmlns:cpf="{NAMESPACE}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n'
            f"<cpf:idFlux>{flux_id}</cpf:idFlux><cpf:horodatage>{sent:%Y-%m-%d}T09:00:00+01:00</cpf:horodatage>\n"
            "<cpf:emetteur><cpf:idClient>99GEN001</cpf:idClient><cpf:certificateurs><cpf:certificateur>"
            "<cpf:idClient>99GEN001</cpf:idClient><cpf:idContrat>MCFCER000000</cpf:idContrat>"
            "<cpf:certifications>\n"
        )
        for (kind, code), passages in certifications.items():
            fh.write(
                f"<cpf:certification><cpf:type>{kind}</cpf:type><cpf:code>{code}</cpf:code>"
                "<cpf:natureDeposant>CERTIFICATEUR</cpf:natureDeposant><cpf:passageCertifications>\n"
            )
            fh.writelines(passages)
            fh.write("</cpf:passageCertifications></cpf:certification>\n")
        fh.write("</cpf:certifications></cpf:certificateur></cpf:certificateurs></cpf:emetteur></cpf:flux>\n")


def group_fluxes(folder: Path, stem: str, cohort: pd.DataFrame, first_nir: int) -> dict:
    """The fluxes of one group of certifications (its cohort rows, French headers as generated): one per
    jury session, with the group's defects. Returns counts (passages, files, and each defect)."""
    folder.mkdir(parents=True, exist_ok=True)
    certified = cohort[cohort["Résultat"] == "Certifié"]
    counts = {"passages": 0, "files": 0, "missing": 0, "route": 0, "rs": 0, "nir": 0, "late": 0}
    if certified.empty:
        return counts
    jury = pd.to_datetime(certified["Date du jury"], format="%d/%m/%Y", errors="coerce")
    certified = certified.assign(_jury=jury).dropna(subset=["_jury"])
    numbers = nirs(first_nir, len(certified))
    certified = certified.assign(_nir=numbers)
    for index, (day, session) in enumerate(certified.groupby("_jury", sort=True)):
        sent = (day + (LATE if index == 0 else ON_TIME)).date()
        by_code: dict[tuple[str, str], list[str]] = {}
        rows = zip(
            session["Référence candidat"],
            session["Code RNCP"],
            session["Voie d'accès"],
            session["_nir"],
            strict=True,
        )
        for k, (reference, code, route, number) in enumerate(rows):
            if index == 0 and k == 0:  # a certified person never transmitted
                counts["missing"] += 1
                continue
            mode = MODES.get(route, "FORMATION_INITIALE_HORS_APPRENTISSAGE")
            if index == 0 and k == 1:  # a route that differs from the jury's
                mode = "VAE" if mode != "VAE" else "CANDIDAT_LIBRE"
                counts["route"] += 1
            if index == 0 and k == 2:  # a NIR whose key is wrong
                number = number[:13] + f"{(int(number[13:]) + 1) % 100:02d}"
                counts["nir"] += 1
            by_code.setdefault(("RNCP", code), []).append(
                passage_xml(reference, f"{day:%Y-%m-%d}", mode, number)
            )
        if index == 0:  # a passage of an RS certification, set aside at loading
            by_code[("RS", "RS5286")] = [
                passage_xml(
                    f"{stem}-RS-0001", f"{day:%Y-%m-%d}", "CANDIDAT_LIBRE", nirs(first_nir + 10**6, 1)[0]
                )
            ]
            counts["rs"] += 1
            counts["late"] += sum(len(v) for (kind, _), v in by_code.items() if kind == "RNCP")
        write_flux(folder / f"{stem}_flux_{day:%Y-%m-%d}.xml", f"{stem.upper()}-{day:%Y%m%d}", sent, by_code)
        counts["files"] += 1
        counts["passages"] += sum(len(v) for v in by_code.values())
    return counts
