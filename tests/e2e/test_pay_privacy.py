"""No exact individual pay can be read back through the analysts' SQL (docs/methodology.md M26, M27;
issue #23).

tests/fixtures/pay/: nine certified people of RNCP34179 (jury 15/06/2023) and their 6-month answers, each
pay an amount no band of 1 000 € gives back (31 234, 28 517,50, 2 437 and 1 999 a month, 36 781, 900 123
over the ceiling, one in words, one on a quarantined row, 13 579 part-time). The quartiles are still
computed from the exact amounts, and a declaration is still verified.
"""

from __future__ import annotations

import re
import statistics

import pytest

from pipeline.reports import usersql
from pipeline.warehouse import db as warehouse
from tests.helpers import FIXTURES

RAW = FIXTURES / "pay"
# each amount as typed in the fixture, and each annual figure derived from a monthly one (× 12)
TYPED = [31234, 28517.5, 2437, 1999, 36781, 900123, 45678, 13579]
ANNUAL = [31234, 28517.5, 2437 * 12, 1999 * 12, 36781]  # the full-time pays the quartiles read
SECRETS = sorted({*TYPED, *ANNUAL})
WORDS = "trente et un mille"


def spellings(amount: float) -> set[str]:
    """The ways an amount may be written in a cell: 31234, 31234.0, 31 234, 31 234 (any space), 28517,5…"""
    whole = int(amount)
    grouped = f"{whole:,}"
    out = {str(whole), f"{amount}", f"{amount:.2f}"}
    for sep in (" ", "\u202f", "\xa0", ".", ","):
        out.add(grouped.replace(",", sep))
    if amount != whole:
        out |= {f"{amount}".replace(".", ","), f"{amount:.2f}".replace(".", ",")}
    return out


@pytest.fixture
def built(warehouse_after, monkeypatch):
    monkeypatch.setenv("INSERTION_TODAY", "2026-11-30")
    return warehouse_after(("build", "--raw-dir", RAW))


def leaks(value) -> list[float]:
    """The exact pays a cell gives back."""
    if value is None:
        return []
    if isinstance(value, bool):
        return []
    if isinstance(value, (int, float)):
        return [s for s in SECRETS if abs(float(value) - s) < 0.005 and s % 1000]
    text = str(value)
    found = [
        s for s in SECRETS if any(re.search(rf"(?<![\d]){re.escape(w)}(?![\d])", text) for w in spellings(s))
    ]
    return found + ([WORDS] if WORDS in text.lower() else [])


def test_no_relation_of_the_sql_page_gives_back_an_exact_pay(built):
    """Every table and view that the SQL page and `insertion sql` can read, every row and cell."""
    snapshot = built.snapshot

    def query(sql):
        return usersql.execute(snapshot, sql, seconds=30, max_rows=1_000_000, max_bytes=500_000_000)

    relations = [r[0] for r in query("select table_name from information_schema.tables order by 1").rows]
    assert {"fct_survey_responses", "landing_survey_answers", "quarantine", "validation_results"} <= set(
        relations
    )
    found = {}
    for relation in relations:
        result = query(f'select * from "{relation}"')
        for row in result.rows:
            for column, value in zip(result.columns, row, strict=True):
                for secret in leaks(value):
                    found.setdefault((relation, column), set()).add(secret)
    assert found == {}
    # the bands are there (1 000 € rounded down), the answers count
    pays = sorted(
        r[0]
        for r in query(
            "select gross_annual_pay from fct_survey_responses where gross_annual_pay is not null"
        ).rows
    )
    assert pays == [13000.0, 23000.0, 28000.0, 29000.0, 31000.0, 36000.0]


def test_the_quartiles_are_computed_from_the_exact_amounts(built):
    with warehouse.connect(built.snapshot, read_only=True) as con:
        q1, median, q3, answers = con.execute(
            "select pay_q1, pay_median, pay_q3, pay_answers from mart_employment_conditions "
            "where certification_code = 'RNCP34179' and year = 2023 and wave = 6"
        ).fetchone()
    exact = statistics.quantiles(ANNUAL, n=4, method="inclusive")  # type 7, as quantile_cont
    assert answers == len(ANNUAL)
    # from the exact amounts, rounded to 100 € (M27): the median, one answer's 29 244, shows as 29 200
    assert (
        (q1, median, q3)
        == tuple(float(int(v / 100 + 0.5) * 100) for v in exact)
        == (28500.0, 29200.0, 31200.0)
    )


def test_the_data_docs_show_no_exact_pay(built):
    pages = [p.read_text(encoding="utf-8", errors="ignore") for p in built.data_docs_dir.rglob("*.html")]
    assert pages
    for page in pages:
        assert not leaks(re.sub(r"<[^>]+>", " ", page)), [s for s in leaks(page)]


def test_a_declaration_stays_verifiable(built, cli):
    code, out, err = cli(
        "declare",
        "RNCP34179",
        "--years",
        "2023",
        "--to",
        "France Compétences",
        "--out",
        built.warehouse.parent / "decl",
    )
    assert code == 0, out + err
    code, out, err = cli("declare", "--verify", "1")
    assert code == 0, out + err
