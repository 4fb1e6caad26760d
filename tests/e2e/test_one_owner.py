"""One owner per rule: the outputs that show the same rule (labels, readiness alerts, the adequacy share,
titles to review) agree, because they read it from pipeline/indicators and the same views."""

from __future__ import annotations

import openpyxl
import pytest

from dashboard.app import create_app
from pipeline.cli import main
from pipeline.warehouse import db as warehouse


@pytest.fixture(scope="module")
def certification(sample_warehouse):
    create_app(sample_warehouse.snapshot, sample_warehouse.data_docs_dir)
    from dashboard.pages import certification, metiers

    return certification, metiers


def text_of(component) -> str:
    """The text a person reads in a Dash component tree."""
    if isinstance(component, (list, tuple)):
        return " ".join(text_of(c) for c in component)
    if isinstance(component, str):
        return component
    return text_of(getattr(component, "children", "") or "")


def pack(sample_warehouse, tmp_path, code):
    out = tmp_path / f"{code}.xlsx"
    assert main(["renewal", code, "--warehouse", str(sample_warehouse.warehouse), "--out", str(out)]) == 0
    return openpyxl.load_workbook(out)


def sheet_rows(ws) -> list[tuple]:
    return [r for r in ws.iter_rows(values_only=True) if any(v is not None for v in r)][3:]


@pytest.mark.parametrize("code", ["RNCP34179", "RNCP35809", "RNCP40344"])
def test_readiness_alerts_are_the_same_on_the_dashboard_and_in_the_pack(
    certification, sample_warehouse, tmp_path, capsys, code
):
    page, _ = certification
    readiness = page.update(code)[3]
    on_page = sorted(li.children for li in readiness.children if li.className == "alert")
    wb = pack(sample_warehouse, tmp_path, code)
    capsys.readouterr()
    in_pack = sorted(f"{topic} — {text}" for topic, text in sheet_rows(wb["Alertes"])[1:])
    assert on_page == in_pack and on_page


def test_the_fiche_columns_have_one_label_everywhere(certification, sample_warehouse, tmp_path, capsys):
    page, _ = certification
    from pipeline.reports import statistics as stats

    wb = pack(sample_warehouse, tmp_path, "RNCP34179")
    capsys.readouterr()
    assert main(["stats", "RNCP34179", "--warehouse", str(sample_warehouse.warehouse)]) == 0
    cli_header = capsys.readouterr().out.splitlines()[0]
    pack_header = sheet_rows(wb["Statistiques"])[0]
    table = page.layout()
    text = str(table)
    for label in stats.FICHE_COLUMNS.values():
        assert label in cli_header and label in pack_header and label in text, label


def test_the_adequacy_share_is_one_ratio_with_one_label(certification, sample_warehouse, tmp_path):
    _, metiers = certification
    share, *_ = metiers.update(["RNCP34179"], [2017], [], [], 6)
    wb = pack(sample_warehouse, tmp_path, "RNCP34179")
    rows = sheet_rows(wb["Adéquation"])
    header = rows[1]
    record = dict(zip(header, next(r for r in rows[2:] if r[0] == 2017), strict=False))
    label = "Part des emplois dans le métier visé à 6 mois (métier visé ÷ en emploi, en %)"
    assert label in text_of(share) and label in header
    with warehouse.connect(sample_warehouse.warehouse, read_only=True) as con:
        employed, in_target = con.execute(
            "select count(*) filter (where employed), count(*) filter (where in_target) "
            "from fct_survey_responses where certification_code = 'RNCP34179' and year = 2017 and wave = 6"
        ).fetchall()[0]
    expected = (200 * in_target + employed) // (2 * employed)  # half up, by hand
    shown = text_of(share)
    assert record[label] == expected and f"{expected}\u00a0%" in shown
    assert f"{in_target}/{employed}" in shown


def test_titles_to_review_are_one_list(certification, sample_warehouse, tmp_path, capsys):
    _, metiers = certification
    *_, unmatched = metiers.update(["RNCP35809"], [], [], [], 6)
    wb = pack(sample_warehouse, tmp_path, "RNCP35809")
    rows = sheet_rows(wb["Adéquation"])
    start = next(i for i, r in enumerate(rows) if r[0] == "Intitulés de poste sans code ROME, à relire")
    in_pack = {r[0] for r in rows[start + 2 :]}
    assert main(["titles", "--unmatched", "--warehouse", str(sample_warehouse.warehouse)]) == 0
    cli = capsys.readouterr().out
    assert {u["job_title"] for u in unmatched} <= in_pack
    assert all(title in cli for title in in_pack)
