"""Survey campaigns (issue #15): plan, participants file, LimeSurvey responses round trip, status, the
non-response check, the renewal pack's lines, and contact details that never reach the warehouse.

The shared sample is built with the LimeSurvey sample's demonstration key (tests/conftest.py), so the
shipped responses export (data/exemples/limesurvey/) links to RNCP40344's 2024 promotion on a copy.
Expected figures are counted by hand from that export (see scripts/generate_campaign_sample.py):
8 answers of 12 certified; 1 in further study (neutralised), 5 employed of whom 4 in a targeted ROME code
(A1504 ×2, M1601, D1210; A1501 is not on the fiche), 1 job seeker, 1 inactive.
"""

from __future__ import annotations

import csv
import io
import json
import os
import stat
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from pipeline.core import tokens
from pipeline.reports import campaigns
from tests.helpers import LIMESURVEY, ROOT, content_hash, table_rows

TODAY = "2026-11-29"
EXPORT = LIMESURVEY / "RNCP40344_enquete_2_ans_reponses.csv"
MAPPING = LIMESURVEY / "RNCP40344_enquete_2_ans_reponses.mapping.json"
CONTACTS = ROOT / "data" / "contacts" / "RNCP40344_contacts_fictifs.csv"
# LimeSurvey's « Import participants from CSV »: firstname, lastname, email are mandatory; token,
# validfrom, validuntil (aaaa-mm-jj hh:mm) optional; extra attributes as « attribute_N <description> »
LIMESURVEY_HEADER = [
    "firstname",
    "lastname",
    "email",
    "token",
    "validfrom",
    "validuntil",
    "attribute_1 <Certification>",
    "attribute_2 <Promotion>",
    "attribute_3 <Vague>",
    "attribute_4 <Site>",
]


@pytest.fixture
def today(monkeypatch):
    monkeypatch.setenv("INSERTION_TODAY", TODAY)


def contacts() -> pd.DataFrame:
    return pd.read_csv(CONTACTS, sep=";", encoding="utf-8-sig", dtype=str, keep_default_na=False)


def export_rows(path: Path = EXPORT) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def promotion_row(table: str, promotion: str) -> list[str]:
    """The cells of the row of a promotion in a table the CLI printed."""
    rows = [[c.strip() for c in line.split("|")] for line in table.splitlines() if "|" in line]
    return next(r for r in rows if r[1] == promotion)


# --- tokens --------------------------------------------------------------------------------------------


def test_a_token_names_one_person_for_one_wave_and_reveals_nothing():
    key = b"k" * 64
    person = "0123456789abcdef0123456789abcdef"
    token = tokens.make(key, person, "RNCP40344", 24, date(2027, 3, 28))
    assert len(token) == 34 and token.isalnum() and token.isupper()
    assert person not in token.lower()
    assert tokens.read(key, token, "RNCP40344", 24) == tokens.Decoded(person, date(2027, 3, 28))
    assert tokens.read(key, token.lower(), "RNCP40344", 24) is not None  # typed in lower case
    assert tokens.read(key, token, "RNCP40344", 6) is None  # another wave
    assert tokens.read(key, token, "RNCP34179", 24) is None  # another certification
    assert tokens.read(b"x" * 64, token, "RNCP40344", 24) is None  # another key
    typo = token[:5] + ("A" if token[5] != "A" else "B") + token[6:]
    assert tokens.read(key, typo, "RNCP40344", 24) is None
    assert tokens.make(key, person, "RNCP40344", 6, date(2027, 3, 28)) != token


# --- the round trip ------------------------------------------------------------------------------------


def test_plan_export_ingest_status_round_trip(sample_copy, cli, today, tmp_path):
    # plan: the 2024 promotion's 2-year window is open, 12 certified to survey
    code, out, _ = cli("survey", "plan", "--certification", "RNCP40344", "--wave", "24m")
    assert code == 0
    cells = promotion_row(out, "2024")
    assert cells[2:8] == ["2 ans", "Toulouse", "Ouverte", "du 20/02/2026 au 28/03/2027", "12", "0"]

    # export: LimeSurvey's participant columns, mode 0600, contacts from the contacts folder
    target = tmp_path / "out" / "participants.csv"
    code, out, err = cli("survey", "export", "--certification", "RNCP40344", "--wave", "24m", "--out", target)
    assert code == 0, err
    assert str(target.resolve()) in out
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600
    with target.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        assert reader.fieldnames == LIMESURVEY_HEADER
        participants = list(reader)
    # 12 certified of 2024, one without an e-mail in the contacts file
    assert len(participants) == 11 and "1 personne(s) à enquêter sans adresse e-mail" in err
    known = contacts().set_index("E-mail")
    for p in participants:
        assert known.loc[p["email"], "Nom"] == p["lastname"]
        assert p["attribute_1 <Certification>"] == "RNCP40344" and p["attribute_3 <Vague>"] == "2 ans"
        assert p["validfrom"] in ("2026-02-20 00:00", "2026-05-28 00:00")
        assert p["validuntil"] in ("2026-12-20 23:59", "2027-03-28 23:59")
    # the tokens are those the survey tool sent back: derived, never stored
    sent = {p["token"] for p in participants}
    assert {r["token"] for r in export_rows()} <= sent
    assert table_rows(sample_copy.warehouse, "select count(*), min(kind) from survey_mailings") == [
        (11, "invitation")
    ]

    # ingest: the 8 submitted responses load, the unsubmitted one is passed over
    code, out, err = cli("ingest", EXPORT)
    assert code == 0, out + err
    assert "chargé en survey_answers, 8 lignes sur 8" in out
    stats = table_rows(
        sample_copy.warehouse,
        "select certified, respondents_24m, neutralised_24m, employed_24m, in_target_24m, denominator_24m, "
        "insertion_rate_24m, target_job_rate_24m, response_rate_24m "
        "from certification_statistics where certification_code = 'RNCP40344' and year = 2024",
    )
    assert stats == [(12, 8, 1, 5, 4, 7, 71, 57, 67)]  # 5/7, 4/7, 8/12 rounded half up

    # status: invited, answered, response rate and days left
    code, out, _ = cli("survey", "status", "--certification", "RNCP40344", "--wave", "24m")
    cells = promotion_row(out, "2024")
    assert cells[6:11] == ["119", "12", "11", "8", "67\u00a0% (8/12) ⚠"]  # 12 certified: under 20 (M24)

    # reminders: the 3 invited who did not answer (and only them)
    reminders = tmp_path / "relance.csv"
    code, out, err = cli(
        "survey", "status", "--certification", "RNCP40344", "--wave", "24m", "--relances", reminders
    )
    assert code == 0, err
    reminded = {r["token"] for r in export_rows(reminders)}
    assert len(reminded) == 3 and not reminded & {r["token"] for r in export_rows() if r["submitdate"]}


def test_status_response_rate_is_the_statistics_one(sample_settings):
    """One owner: the campaigns' response rate per promotion and wave is the statistics' own."""
    with duckdb.connect(str(sample_settings.snapshot), read_only=True) as con:
        status = campaigns.status(con, sample_settings, today=date(2026, 11, 29))
        stats = con.execute("select * from certification_statistics").df()
    whole = status[status["site"].isna()]
    assert len(whole) > 10
    for r in whole.itertuples():
        s = stats[
            (stats["certification_code"] == r.certification_code) & (stats["year"] == r.promotion)
        ].iloc[0]
        assert (r.certified, r.answered) == (s["certified"], s[f"respondents_{r.wave}m"])
        assert r.response_rate == s[f"response_rate_{r.wave}m"]


def test_nonresponse_check_against_a_recount(sample_settings):
    """Response rates by access route recounted from the facts with pandas; flagged as the rule says."""
    with duckdb.connect(str(sample_settings.snapshot), read_only=True) as con:
        checked = campaigns.nonresponse(con, sample_settings, "RNCP40344")
        certified = con.execute("select * from fct_certified where certification_code = 'RNCP40344'").df()
        answered = con.execute(
            "select distinct candidate_hash, year, wave from fct_survey_responses "
            "where certification_code = 'RNCP40344' and responded"
        ).df()
    routes = checked[checked["dimension"] == "Voie d'accès"]
    assert routes["flagged"].any() and not routes["flagged"].all()
    for r in routes.itertuples():
        group = certified[(certified["year"] == r.promotion) & (certified["access_route"] == r.group)]
        promotion = certified[certified["year"] == r.promotion]
        replied = answered[answered["wave"] == r.wave]
        n = group["candidate_hash"].isin(replied[replied["year"] == r.promotion]["candidate_hash"]).sum()
        total = (
            promotion["candidate_hash"].isin(replied[replied["year"] == r.promotion]["candidate_hash"]).sum()
        )
        rate, whole = round(100 * n / len(group) + 1e-9), round(100 * total / len(promotion) + 1e-9)
        assert (r.certified, r.respondents, r.response_rate) == (len(group), n, rate)
        assert r.flagged == (len(group) >= 5 and abs(rate - whole) >= sample_settings.nonresponse_gap)


def test_renewal_pack_states_the_campaigns(sample_cli, today, tmp_path):
    out = tmp_path / "pack.xlsx"
    code, _, err = sample_cli("renewal", "RNCP40344", "--years", "2023-2024", "--out", out)
    assert code == 0, err
    sheets = pd.read_excel(out, sheet_name=None, header=None, engine="openpyxl")
    method = sheets["Méthodologie"]
    lines = method[method[0] == "Campagnes d'enquête"]
    assert "fenêtres des enquêtes" in lines.iloc[0, 2]  # stated once, under « Enquêtes »
    windows = method[method[0] == "Enquêtes"]
    assert (
        windows[windows[1] == "Fenêtre de l'enquête à 6 mois"]
        .iloc[0, 2]
        .startswith("4 à 9 mois après le jury")
    )
    assert (
        windows[windows[1] == "Fenêtre de l'enquête à 2 ans"]
        .iloc[0, 2]
        .startswith("20 à 30 mois après le jury")
    )
    wave = lines[lines[1] == "Promotion 2024, vague à 2 ans"].iloc[0, 2]
    assert "du 20/02/2026 au 28/03/2027 (ouverte)" in wave and "taux de réponse 0\u00a0% (0/12)" in wave
    assert any("15 points" in str(v) for v in lines[2])
    quality = sheets["Qualité"].astype(str)
    assert (quality == "Contrôle de la non-réponse").any().any()
    assert (quality == "⚠ oui").any().any()  # 2023, 2 ans: apprentices answered 80 % against 63 %


# --- personal data -------------------------------------------------------------------------------------


def _texts(con) -> list[str]:
    """Every text cell of every table and view of a database (JSON and lists as text)."""
    out = []
    for (name,) in con.execute(
        "select table_name from information_schema.tables where table_schema = 'main'"
    ).fetchall():
        frame = con.execute(f'select * from "{name}"').df()
        for column in frame.columns:
            out += [str(v) for v in frame[column].dropna().tolist() if not isinstance(v, (int, float))]
    return out


def test_contact_details_never_leave_the_participants_file(sample_copy, cli, today, tmp_path, capsys):
    people = contacts()
    emails = {e for e in people["E-mail"] if e}
    names = set(people["Nom"]) | set(people["Prénom"])
    target = tmp_path / "participants.xlsx"
    printed = []
    for args in (
        ("survey", "export", "--certification", "RNCP40344", "--wave", "24m", "--out", target),
        ("ingest", EXPORT),
        ("survey", "status", "--certification", "RNCP40344"),
        ("renewal", "RNCP40344", "--out", tmp_path / "pack.xlsx", "--html", tmp_path / "pack.html"),
        ("validate",),
    ):
        code, out, err = cli(*args)
        printed += [out, err]
    assert len(pd.read_excel(target, engine="openpyxl")) == 11  # the file has them…
    # …nothing else does: the warehouse, its snapshot, Data Docs, the pack, what was printed
    for path in (sample_copy.warehouse, sample_copy.snapshot):
        with duckdb.connect(str(path), read_only=True) as con:
            texts = _texts(con)
        assert texts
        assert not [t for t in texts if any(e in t for e in emails)]
        assert not [t for t in texts if t in names or any(f'"{n}"' in t for n in names)]
    files = [p for p in sample_copy.data_docs_dir.rglob("*") if p.is_file()]
    files += [tmp_path / "pack.html"]
    for path in files:
        text = path.read_bytes().decode("utf-8", errors="ignore")
        assert not any(e in text for e in emails), path
    pack = pd.read_excel(tmp_path / "pack.xlsx", sheet_name=None, header=None, engine="openpyxl")
    cells = {str(v) for sheet in pack.values() for v in sheet.to_numpy().ravel()}
    assert not cells & (emails | names)
    assert not any(e in text for text in printed for e in emails)


# --- bad responses files -------------------------------------------------------------------------------


def _write_export(folder: Path, rows: list[dict], mapping: dict | None = None, name="reponses.csv") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]), quoting=csv.QUOTE_ALL)
        writer.writeheader()
        writer.writerows(rows)
    spec = json.loads(MAPPING.read_text(encoding="utf-8"))
    if mapping is not None:
        spec.update(mapping)
    path.with_name(path.stem + ".mapping.json").write_text(json.dumps(spec), encoding="utf-8")
    return path


def _quarantine(path: Path) -> list[str]:
    return [r for (rs,) in table_rows(path, "select reasons from quarantine order by source_row") for r in rs]


def test_unknown_expired_and_repeated_tokens_are_quarantined(sample_copy, cli, today, tmp_path):
    rows = export_rows()
    submitted = [r for r in rows if r["submitdate"]]
    unknown = dict(submitted[0], token="AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
    key = sample_copy.key_file.read_text().strip().encode()
    person = tokens.read(key, submitted[1]["token"], "RNCP40344", 24).candidate_hash
    expired = dict(submitted[1], token=tokens.make(key, person, "RNCP40344", 24, date(2026, 6, 1)))
    twice = dict(submitted[2], submitdate="2026-11-20 10:00:00")  # the same person answers again later
    path = _write_export(tmp_path / "in", [unknown, expired, submitted[2], twice, *submitted[3:]])
    code, out, err = cli("ingest", path)
    assert code == 0, out + err
    assert f"{len(submitted) - 2} lignes sur {len(submitted) + 1}" in out
    reasons = _quarantine(sample_copy.warehouse)
    assert any("row 2" in r and "'token' = 'AAAA" in r and "names nobody" in r for r in reasons)
    assert any("row 3" in r and "last valid day" in r for r in reasons)
    assert any("row 4" in r and "sent another answer, submitted later" in r for r in reasons)
    assert not any("row 5" in r for r in reasons)  # the later answer is kept


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"questions": {"job_title": "POSTE"}}, "la question de la situation est obligatoire"),
        ({"questions": {"situation": "SITUATION_ACTUELLE"}}, "'SITUATION_ACTUELLE'"),
        ({"certification": "RNCP34179"}, "aucun jeton de ce fichier n'a été émis pour RNCP34179"),
        ({"wave": "6m"}, "ce sont les jetons de la vague 2 ans"),
        ({"wave": "12m"}, "vague inconnue"),
        (None, "sans fichier de correspondance"),
    ],
)
def test_file_level_errors_reject_the_file_and_write_nothing(
    sample_copy, cli, today, tmp_path, change, expected
):
    rows = export_rows()
    path = _write_export(tmp_path / "in", rows, change or {})
    if change is None:
        path.with_name(path.stem + ".mapping.json").unlink()
    before = content_hash(sample_copy.warehouse)
    code, out, err = cli("ingest", path)
    assert code == 1
    assert "REFUSÉ" in err and expected in err and str(path.name) in err
    assert content_hash(sample_copy.warehouse) == before


def test_limesurvey_participant_columns_are_dropped(sample_copy, cli, today, tmp_path):
    """A responses export with the participants' names and e-mails: those columns never load."""
    rows = [
        dict(r, email=f"person{i}@example.org", firstname="Jeanne", lastname="TEST")
        for i, r in enumerate(export_rows())
    ]
    path = _write_export(tmp_path / "in", rows)
    code, out, _ = cli("ingest", path)
    assert code == 0 and "colonnes de données personnelles supprimées : email, firstname, lastname" in out
    with duckdb.connect(str(sample_copy.warehouse), read_only=True) as con:
        assert not [t for t in _texts(con) if "@example.org" in t or t == "Jeanne"]


def test_plan_and_export_explain_themselves(sample_copy, cli, today, tmp_path):
    code, out, _ = cli("survey", "plan", "--due-before", "01/01/2030", "--format", "csv")
    assert code == 0
    frame = pd.read_csv(io.StringIO(out.lstrip("\ufeff")), sep=";")
    assert {"À venir", "Ouverte", "Close"} >= set(frame["Fenêtre"]) and "Ouverte" in set(frame["Fenêtre"])
    code, _, err = cli(
        "survey", "export", "--certification", "RNCP34179", "--wave", "6m", "--out", tmp_path / "p.csv"
    )
    assert code == 1 and "Personne à inviter" in err and not (tmp_path / "p.csv").exists()
    code, _, err = cli(
        "survey",
        "export",
        "--certification",
        "RNCP40344",
        "--wave",
        "24m",
        "--out",
        tmp_path / "x.csv",
        "--contacts",
        ROOT / "tests" / "fixtures" / "cohort_ok.csv",
    )
    assert code == 2 and "fichier de contacts sans une colonne e-mail" in err


def test_projection_follows_the_pace_since_the_window_opened(sample_copy, cli, today, tmp_path):
    """RNCP40344's 2024 promotion at 2 years, 12 certified, on 29/11/2026: 282 days after its window
    opened (20/02/2026) of 401 (to 28/03/2027). 2 answers: 2 × 401 / 282 = 2.8 → 3 at the close, 25 %,
    under the 50 % threshold; 8 answers: 8 × 401 / 282 = 11.4 → 11, 92 %, no alert."""
    submitted = [r for r in export_rows() if r["submitdate"]]

    def projected():
        with duckdb.connect(str(sample_copy.snapshot), read_only=True) as con:
            row = campaigns.status(con, sample_copy, "RNCP40344", 24).query("promotion == 2024").iloc[0]
        return row.answered, row.projected_answered, row.projected_rate, row.alert

    out = tmp_path / "participants.csv"
    assert cli("survey", "export", "--certification", "RNCP40344", "--wave", "24m", "--out", out)[0] == 0
    assert cli("ingest", _write_export(tmp_path / "a", submitted[:2]))[0] == 0
    assert projected() == (2, 3, 25, "finira sous le seuil")
    assert cli("ingest", _write_export(tmp_path / "b", submitted[2:]))[0] == 0
    assert projected() == (8, 11, 92, None)


def test_a_corrected_mapping_reads_the_export_again(sample_copy, cli, today, tmp_path):
    path = _write_export(tmp_path / "in", export_rows())
    assert cli("ingest", path)[0] == 0
    assert "déjà chargé" in cli("ingest", path)[1]
    mapping = path.with_name(path.stem + ".mapping.json")
    spec = json.loads(mapping.read_text(encoding="utf-8"))
    spec["answers"]["situation"]["A4"] = "En recherche d'emploi"  # the inactive one was a job seeker
    mapping.write_text(json.dumps(spec), encoding="utf-8")
    code, out, _ = cli("ingest", path)
    assert code == 0 and "8 lignes sur 8" in out


def test_unknown_or_malformed_certification_codes_are_refused(sample_cli, tmp_path):
    code, _, err = sample_cli("survey", "plan", "--certification", "foo")
    assert code == 2 and "code de certification mal formé" in err
    code, _, err = sample_cli("survey", "status", "--certification", "RNCP99999")
    assert code == 2 and "sans aucun certifié" in err


def test_a_partner_account_reads_the_waves_of_its_own_people(sample_settings):
    """The campaigns' tables carry the partner, so a partner's account (dashboard/scoping.py) sees the
    waves of the people it prepared, and nobody else's."""
    from dashboard import data
    from pipeline.core.accounts import Scope

    wh = data.Warehouse(sample_settings.snapshot)
    with duckdb.connect(str(sample_settings.snapshot), read_only=True) as con:
        partners = con.execute(
            "select partner_siret, count(*) from fct_certified where certification_code = 'RNCP40344' "
            "and partner_siret is not null group by 1 order by 1"
        ).fetchall()
    assert len(partners) >= 2
    for siret, certified in partners:
        mine = Scope(restricted=True, sirets=frozenset([siret]))
        rows = wh.call(
            campaigns.status, sample_settings, ["RNCP40344"], 6, date(2026, 11, 29), False, scope=mine
        )
        assert rows[rows["site"].isna()]["certified"].sum() == certified
    nobody = Scope(restricted=True, sirets=frozenset(["12345678900015"]))
    assert wh.call(
        campaigns.status, sample_settings, None, None, date(2026, 11, 29), False, scope=nobody
    ).empty


def test_participants_files_run_no_formula(sample_copy, cli, today, tmp_path, monkeypatch):
    """Issue #25: `survey export` and `survey status --relances` wrote names, e-mails and sites as read (a
    planted contacts file gave 36 formula cells), while every CSV the product writes is neutralised."""
    from pipeline.core import audit
    from pipeline.core.exports import FORMULA_START

    monkeypatch.setenv("INSERTION_ACCOUNTS", str(tmp_path / "config" / "accounts.json"))
    planted = contacts()
    starts = ['=HYPERLINK("http://evil.example","x")', "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(1+1)"]
    planted["Nom"] = [starts[i % len(starts)] for i in range(len(planted))]
    planted["Prénom"] = [starts[(i + 1) % len(starts)] for i in range(len(planted))]
    planted["E-mail"] = [f"-{e}" if e else e for e in planted["E-mail"]]  # a valid address, formula-like
    path = tmp_path / "contacts.csv"
    planted.to_csv(path, sep=";", index=False, encoding="utf-8-sig")
    exported = tmp_path / "participants.csv"
    code, _, err = cli(
        "survey",
        "export",
        "--certification",
        "RNCP40344",
        "--wave",
        "24m",
        "--contacts",
        path,
        "--out",
        exported,
    )
    assert code == 0, err
    code, out, err = cli("ingest", EXPORT)
    assert code == 0, out + err
    reminders = tmp_path / "relance.csv"
    code, _, err = cli(
        "survey", "status", "--certification", "RNCP40344", "--wave", "24m", "--contacts", path,
        "--relances", reminders,
    )  # fmt: skip
    assert code == 0, err
    for target, people in ((exported, 11), (reminders, 3)):
        rows = export_rows(target)
        assert len(rows) == people
        cells = [v for r in rows for v in r.values()]
        assert not [c for c in cells if c.startswith(FORMULA_START)], target
        neutralised = [c for c in cells if c.startswith("'") and c[1:].startswith(FORMULA_START)]
        assert len(neutralised) == 3 * people, target  # name, first name, e-mail of each person
    journal = audit.Journal(audit.journal_path(tmp_path / "config" / "accounts.json"))
    rows = sorted((r for r in journal.rows() if r["action"] == "export"), key=lambda r: r["id"])
    assert [
        (r["details"]["commande"], r["details"]["lignes"], Path(r["details"]["fichier"]).name) for r in rows
    ] == [
        ("survey export", 11, "participants.csv"),
        ("survey status --relances", 3, "relance.csv"),
    ]


# --- issue #24, item 5: what a LimeSurvey load says ----------------------------------------------------


def test_unknown_tokens_are_not_one_candidate_answering_twice(sample_copy, cli, today, tmp_path):
    """Two answers whose tokens name nobody are two defects, not one candidate answering twice: the
    « one answer per candidate » warning (a check of the linked rows) stays silent."""
    submitted = [r for r in export_rows() if r["submitdate"]]
    strangers = [
        dict(submitted[0], token="AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
        dict(submitted[1], token="BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB"),
    ]
    path = _write_export(tmp_path / "in", [*strangers, *submitted[2:]])
    code, out, err = cli("ingest", path)
    assert code == 0, out + err
    assert "une réponse par candidat" not in out and "one answer per candidate" not in out
    ((warned, quarantined),) = table_rows(
        sample_copy.warehouse,
        "select rows_warned, rows_quarantined from load_log order by load_id desc limit 1",
    )
    assert (warned, quarantined) == (0, 2)
    unique = table_rows(
        sample_copy.warehouse,
        "select r.success from validation_results as r join validation_runs using (run_id) "
        "where load_id = (select max(load_id) from load_log) "
        "and expectation_type = 'expect_compound_columns_to_be_unique'",
    )
    assert unique == [(True,)]


def test_a_cumulative_export_reports_only_new_or_changed_answers(sample_copy, cli, today, tmp_path):
    """A LimeSurvey export made again later repeats the earlier answers: an identical answer loaded again
    is not news (no « réponse en double »), a changed answer of the same participant still is; the figures
    are those of the last export alone."""
    submitted = [r for r in export_rows() if r["submitdate"]]
    first = _write_export(tmp_path / "in", submitted[:5], name="reponses_2026-07.csv")
    assert cli("ingest", first)[0] == 0
    changed = dict(submitted[4], SITUATION="A4")  # the same person, another situation
    again = _write_export(
        tmp_path / "in", [*submitted[:4], changed, *submitted[5:]], name="reponses_2026-11.csv"
    )
    code, out, err = cli("ingest", again)
    assert code == 0, out + err
    assert "1 × Réponse en double" in out
    superseded = table_rows(
        sample_copy.warehouse,
        "select source_file, source_row from quality_issues where issue = 'answer_superseded'",
    )
    assert superseded == [("reponses_2026-07.csv", 6)]  # the changed answer alone (row 6: header + 5)
    # `insertion validate`: the survey suite over the warehouse sees the changed pair only, as the rule does
    cli("validate")
    failed = table_rows(
        sample_copy.warehouse,
        "select r.expectation_type, r.unexpected_count from validation_results as r "
        "join validation_runs as v using (run_id) where v.scope = 'warehouse' and not r.success "
        "and r.expectation_type in ('expect_compound_columns_to_be_unique', 'one_answer_per_person_and_wave') "
        "order by 1",
    )
    assert failed == [("expect_compound_columns_to_be_unique", 2), ("one_answer_per_person_and_wave", 1)]
    stats = table_rows(
        sample_copy.warehouse,
        "select respondents_24m, employed_24m, in_target_24m, denominator_24m from certification_statistics "
        "where certification_code = 'RNCP40344' and year = 2024",
    )
    assert stats == [(8, 4, 4, 7)]  # the last export's answers: the 5th person now inactive, not employed


def test_unsubmitted_responses_are_counted_on_the_console(sample_copy, cli, today):
    code, out, err = cli("ingest", EXPORT)
    assert code == 0, out + err
    unsubmitted = sum(not r["submitdate"] for r in export_rows())
    assert unsubmitted == 1
    assert "1 réponse(s) non envoyée(s) (submitdate vide) ignorée(s)" in out


@pytest.mark.parametrize("kind", [None, "limesurvey"])
def test_an_anonymised_export_is_told_as_such_and_rejected(sample_copy, cli, today, tmp_path, kind):
    """An export of an anonymised survey has LimeSurvey's columns but no token: it is recognised as a
    LimeSurvey export that cannot be linked to anyone, and the message says what to do."""
    rows = [{k: v for k, v in r.items() if k != "token"} for r in export_rows()]
    path = _write_export(tmp_path / "in", rows)
    before = content_hash(sample_copy.warehouse)
    code, out, err = cli("ingest", path, *(["--kind", kind] if kind else []))
    assert code == 1, out + err
    assert "export de réponses LimeSurvey sans colonne « token » (enquête anonymisée)" in err
    assert "ne peuvent pas être reliées aux candidats" in err and "enquête non anonymisée" in err
    assert "cannot tell" not in err
    assert content_hash(sample_copy.warehouse) == before


def test_export_without_any_contact_file_says_where_it_looked(sample_copy, cli, today, tmp_path, monkeypatch):
    """No contact file anywhere: not « aucune fenêtre ouverte sans réponse » (12 people are due) but that
    no contact file was found, and the folders searched."""
    monkeypatch.setenv("INSERTION_CONTACTS_DIR", str(tmp_path / "contacts"))
    monkeypatch.setenv("INSERTION_RAW_DIR", str(tmp_path / "brut"))
    (tmp_path / "brut").mkdir()
    target = tmp_path / "participants.csv"
    code, out, err = cli("survey", "export", "--certification", "RNCP40344", "--wave", "24m", "--out", target)
    assert code == 1 and not target.exists()
    assert "aucune fenêtre ouverte sans réponse" not in err
    assert "aucun fichier de contacts trouvé" in err.lower() and "12 personne(s) à inviter" in err
    for folder in (tmp_path / "contacts", tmp_path / "brut" / "cohortes", tmp_path / "brut"):
        assert str(folder) in err
    assert "--contacts" in err
