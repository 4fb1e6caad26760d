"""Issue #25: an e-mail address or a phone number typed in a mapped free-text field (a job title holding
e-mails in 6 of 8 rows went into the facts, the marts and the quarantine) is set aside at ingestion, the
row kept; the load's log says how many values of which column (never the values)."""

import duckdb
import pandas as pd

from pipeline.core.personal import MASK, holds_contact
from tests.helpers import table_rows

SECRETS = [
    "lea.thomas@example.org",
    "ines.dubois@example.fr",
    "06 12 34 56 78",
    "+33 7 98 76 54 32",
    "0145678912",
]


def test_contact_patterns_are_found_anywhere_in_a_text():
    values = [
        "lea.thomas@example.org",
        "Chef de projet (contact : ines.dubois@example.fr)",
        "Tél. 06 12 34 56 78",
        "+33 7 98 76 54 32",
        "0145678912",
        "Développeur web",
        "Chef de projet e-commerce",
        "12345678900015",  # a SIRET is no phone number
        "2024-06-01",
        "32 000 €",
        "a@b",
        None,
    ]
    assert holds_contact(pd.Series(values)).tolist() == [True] * 5 + [False] * 7


def test_a_job_title_column_holding_emails_loads_without_them(cli, settings, fixture_file, tmp_path):
    cohort = fixture_file("cohort_ok.csv")
    survey = tmp_path / "enquete.csv"
    titles = [
        "lea.thomas@example.org",
        "Rédactrice web (ines.dubois@example.fr)",
        "06 12 34 56 78",
        "Vendeuse",
        "+33 7 98 76 54 32",
        "0145678912",
        "Webmaster",
        "lea.thomas@example.org",
    ]
    lines = [
        "Identifiant,Code RNCP,Vague,Date de réponse,Situation actuelle,Intitulé du poste,Code ROME,Type de contrat"
    ]
    for i, title in enumerate(titles):
        person = f"C{i % 5 + 1}"
        wave = "6 mois" if i < 5 else "2 ans"
        date = "pas une date" if i == 0 else ("10/01/2019" if i < 5 else "10/01/2020")
        lines.append(f'{person},RNCP34179,{wave},{date},En emploi,"{title}",E1104,CDI')
    survey.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, out, err = cli("ingest", cohort, survey)
    assert code == 0, err
    assert "chargé en survey_answers, 8 lignes sur 8" in out  # the rows are kept
    log = table_rows(settings.warehouse, "select message from load_log where kind = 'survey_answers'")[0][0]
    assert "« Intitulé du poste » : 6 valeur(s) contenant une adresse e-mail ou un numéro de téléphone" in log
    titles_loaded = table_rows(
        settings.warehouse, "select job_title from landing_survey_answers order by source_row"
    )
    assert [t for (t,) in titles_loaded] == [None, None, None, "Vendeuse", None, None, "Webmaster", None]
    quarantined = table_rows(settings.warehouse, "select original_record::varchar from quarantine")
    assert quarantined and all(MASK in q for (q,) in quarantined)  # the bad date's row, title masked
    for path in (settings.warehouse, settings.snapshot):
        with duckdb.connect(str(path), read_only=True) as con:
            relations = [
                r[0] for r in con.execute("select table_name from information_schema.tables").fetchall()
            ]
            for relation in relations:
                text = con.execute(f'select * from "{relation}"').df().astype(str).to_csv()
                assert not [s for s in SECRETS if s in text], (path.name, relation)
