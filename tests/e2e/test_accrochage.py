"""Issue #27 end to end, on a copy of the shipped sample: the hand-written CDC fluxes of RNCP34179 loaded
beside the sample's jury results; the reconciliation's counts equal an independent count made here from the
XML and the jury CSV; `insertion accrochage` and its workbook; the alerts of the renewal pack and of the
Certification page; the « Accrochage CDC » section of the Qualité page."""

from __future__ import annotations

import calendar
import csv
import stat
import xml.etree.ElementTree as ET
from datetime import date, datetime

import duckdb
import openpyxl
import pytest

from tests.helpers import FIXTURES, ROOT

CDC = FIXTURES / "cdc"
FLUXES = sorted(CDC.glob("flux_RNCP34179_*.xml"))
JURY = ROOT / "data" / "raw" / "cohortes" / "RNCP34179_jurys_2017-2018.csv"
TODAY = date(2026, 11, 30)
NS = "{urn:cdc:cpf:pc5:schema:1.0.0}"

# the rules as docs/methodology.md states them, written again here
CERTIFIED = {"Certifié", "Admis"}
JURY_ROUTES = {
    "Formation initiale": "FI",
    "Contrat d'apprentissage": "CA",
    "Contrat de professionnalisation": "CQ",
    "Formation continue": "FC",
    "Candidature individuelle": "CL",
    "VAE": "VAE",
}
FLUX_ROUTES = {
    "FORMATION_INITIALE_HORS_APPRENTISSAGE": "FI",
    "FORMATION_INITIALE_APPRENTISSAGE": "CA",
    "FORMATION_CONTINUE_HORS_CONTRAT_DE_PROFESSIONNALISATION": "FC",
    "FORMATION_CONTINUE_CONTRAT_DE_PROFESSIONNALISATION": "CQ",
    "VAE": "VAE",
    "CANDIDAT_LIBRE": "CL",
}


def plus_months(day: date, months: int) -> date:
    year, month = divmod(day.month - 1 + months, 12)
    year, month = day.year + year, month + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def independent_count() -> dict[int, dict[str, int]]:
    jury: dict[str, tuple] = {}
    with JURY.open(encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh, delimiter=";"):
            jury[row["Référence candidat"]] = (
                datetime.strptime(row["Date du jury"], "%d/%m/%Y").date(),
                JURY_ROUTES.get(row["Voie d'accès"]),
                row["Résultat"] in CERTIFIED,
            )
    sent: dict[str, list] = {}  # reference -> [(sent on, file, passage, certificate date, route)]
    for path in FLUXES:
        root = ET.parse(path).getroot()
        on = date.fromisoformat(root.find(f"{NS}horodatage").text[:10])
        kept: dict[str, tuple] = {}
        number = 0
        for certification in root.iter(f"{NS}certification"):
            for passage in certification.iter(f"{NS}passageCertification"):
                number += 1
                if certification.find(f"{NS}type").text != "RNCP":
                    continue
                try:  # a passage with an impossible certificate date is set aside
                    day = date.fromisoformat(passage.find(f"{NS}dateDebutValidite").text)
                except ValueError:
                    kept.pop(passage.find(f"{NS}idTechnique").text, None)
                    continue
                mode = passage.find(f".//{NS}modaliteAcces").text
                kept[passage.find(f"{NS}idTechnique").text] = (
                    on,
                    path.name,
                    number,
                    day,
                    FLUX_ROUTES.get(mode),
                )
        for reference, passage in kept.items():  # one passage per idTechnique: the last one of the flux
            sent.setdefault(reference, []).append(passage)
    counts: dict[int, dict[str, int]] = {}

    def add(year: int, what: str) -> None:
        counts.setdefault(year, {}).setdefault(what, 0)
        counts[year][what] += 1

    for reference, (jury_date, route, certified) in jury.items():
        if not certified:
            continue
        year, deadline = jury_date.year, plus_months(jury_date, 3)
        add(year, "certified")
        passages = sent.get(reference)
        if not passages:
            add(year, "not_transmitted")
            if deadline < TODAY:
                add(year, "overdue")
            continue
        add(year, "transmitted")
        add(year, "late" if min(p[0] for p in passages) > deadline else "on_time")
        latest = max(passages)
        if latest[3] != jury_date:
            add(year, "date_mismatch")
        if route and latest[4] and latest[4] != route:
            add(year, "route_mismatch")
    for reference, passages in sent.items():
        if reference in jury and jury[reference][2]:
            continue
        year = max(passages)[3].year
        add(year, "transmitted_failed" if reference in jury else "transmitted_not_certified")
    return counts


@pytest.fixture
def with_fluxes(sample_copy, cli, monkeypatch):
    monkeypatch.setenv("INSERTION_TODAY", TODAY.isoformat())
    code, out, err = cli("ingest", *FLUXES)
    assert code == 0, out + err
    return sample_copy


def test_the_reconciliation_counts_equal_an_independent_count(with_fluxes):
    expected = independent_count()
    with duckdb.connect(str(with_fluxes.snapshot), read_only=True) as con:
        frame = con.execute(
            "select * from cdc_accrochage_summary where certification_code = 'RNCP34179' order by year"
        ).df()
    got = {
        int(r["year"]): {k: int(v) for k, v in r.items() if k not in ("certification_code", "year") and v}
        for r in frame.to_dict(orient="records")
    }
    assert got == expected
    assert expected[2017]["late"] == 3 and expected[2018]["route_mismatch"] == 1  # the cases are there


def test_the_command_lists_the_people_to_act_on_by_candidate_reference(with_fluxes, cli, tmp_path):
    out_file = tmp_path / "accrochage.xlsx"
    code, out, err = cli("accrochage", "--certification", "RNCP34179", "--out", out_file)
    assert code == 1  # certified people still not transmitted 3 months after their jury
    assert "Certifiés (jury)" in out and "non transmis, délai de 3 mois dépassé" in out
    assert "certifié(s) non transmis plus de 3 mois après le jury" in err
    assert stat.S_IMODE(out_file.stat().st_mode) == 0o600
    book = openpyxl.load_workbook(out_file)
    assert book.sheetnames == ["Synthèse", "À traiter", "Flux chargés"]
    rows = list(book["À traiter"].iter_rows(values_only=True))
    header, lines = rows[0], [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]
    assert "Référence candidat" in header
    by_ref = {line["Référence candidat"]: line for line in lines if line["Référence candidat"]}
    assert by_ref["FO-2017-0005"]["Constat"].startswith("Non transmis : délai de 3 mois dépassé")
    assert by_ref["FO-2017-0006"]["Constat"].startswith("Transmis en retard : le 15/03/2018")
    assert by_ref["FO-2017-0020"]["Constat"] == (
        "Voie d'accès : Apprentissage au jury, Formation continue dans le flux"
    )
    unknown = [line for line in lines if line["Constat"] == "Transmis, absent des résultats de jury"]
    assert len(unknown) == 1 and not unknown[0]["Référence candidat"]  # found by its passage instead
    assert (unknown[0]["Fichier du flux"], unknown[0]["Passage"]) == ("flux_RNCP34179_2017-08.xml", 6)
    assert "FO-2017-" not in (
        with_fluxes.snapshot.read_bytes().decode("latin-1")
    )  # references: the file only


def test_the_renewal_pack_and_the_certification_page_alert(with_fluxes, cli, tmp_path):
    pack = tmp_path / "pack.xlsx"
    code, out, err = cli("renewal", "RNCP34179", "--out", pack)
    assert code == 0, out + err
    alerts = [r for r in openpyxl.load_workbook(pack)["Alertes"].iter_rows(values_only=True)]
    cdc = [text for topic, text in alerts if topic == "Accrochage CDC"]
    assert cdc[0].startswith("Promotion 2018 : 8 certifié(s) non transmis")  # newest promotion first
    assert any(
        text.startswith("Promotion 2017 : 26 certifié(s) non transmis à la Caisse des Dépôts plus de 3 mois")
        for text in cdc
    )
    assert any(
        text.startswith("Promotion 2017 : 3 certifié(s) transmis à la Caisse des Dépôts plus de 3 mois")
        for text in cdc
    )
    assert any("Promotion 2018 : 1 transmission(s) dont la voie d'accès diffère" in text for text in cdc)

    from dashboard.app import create_app

    create_app(with_fluxes.snapshot, with_fluxes.data_docs_dir)
    from dashboard.pages import certification, qualite

    readiness = str(certification.update("RNCP34179")[3])
    assert "Accrochage CDC — Promotion 2017 : 26 certifié(s) non transmis" in readiness
    page = str(qualite.layout())
    assert "Accrochage CDC" in page and "certifié(s) non transmis plus de 3 mois après le jury" in page
    assert "flux_RNCP34179_2018-03.xml" in page and "RNCP34179_jurys_2017-2018.csv" in page


def test_without_a_flux_nothing_is_reconciled(sample_warehouse, sample_cli):
    code, out, err = sample_cli("accrochage")
    assert code == 1 and "Aucun flux d'accrochage CDC chargé" in err
    from dashboard.app import create_app

    create_app(sample_warehouse.snapshot, sample_warehouse.data_docs_dir)
    from dashboard.pages import qualite

    assert "Aucun flux d'accrochage CDC chargé" in str(qualite.layout())
