"""Issue #23, items 4 and 5: every rate of `insertion stats --detail`, of the renewal pack (XLSX and HTML)
and of `insertion publish` is disclosed by ITS OWN denominator (docs/methodology.md M24, M25).

The expected cells come from plain SQL over the facts (``fct_certified``, ``fct_survey_responses``),
written here from the definitions (M13-M15, M27, M28), not from the registry's counts nor the disclosure
code: the registry only names the columns. On the shipped sample (threshold 20):

* dossier outputs: « ⚠ » with the rate's n/N exactly when its own denominator is 1 to 19;
* public: a rate is suppressed, its label naming its base, exactly when its own denominator is under 20;
  a rate over the threshold is shown, or hidden as « secret secondaire » only when showing it would let a
  reader recompute a hidden cell; and no hidden cell can be recomputed from the shown ones (brute force
  over every count consistent with the published row, through the registry's relations).
"""

from __future__ import annotations

import csv
import html
import io
import json
import re

import openpyxl
import pytest

from pipeline.core.partners import NO_PARTNER
from pipeline.indicators import RATE, label
from pipeline.warehouse import db as warehouse
from tests.reference.recompute import rate as pct
from tests.reference.recompute import wilson

THRESHOLD = 20
CERTS = ["RNCP34179", "RNCP35809", "RNCP40344"]
WAVES = {"6m": ("6 mois", 6), "24m": ("2 ans", 24)}
NBSP = "\u00a0"

# rate -> (numerator, denominator), over the counts of FACTS_SQL (M13: base = respondents − neutralised)
OWN: dict[str, tuple[str, str]] = {}
for _w in WAVES:
    OWN[f"insertion_rate_{_w}"] = (f"employed_{_w}", f"base_{_w}")
    OWN[f"target_job_rate_{_w}"] = (f"in_target_{_w}", f"base_{_w}")
    OWN[f"response_rate_{_w}"] = (f"respondents_{_w}", "certified")
    OWN[f"target_share_{_w}"] = (f"in_target_{_w}", f"employed_{_w}")

WAVE_COUNTS = """
    count(*) filter (where wave = {m} and responded) as respondents_{w},
    count(*) filter (where wave = {m} and responded and not coalesce(neutralised, false)) as base_{w},
    count(*) filter (where wave = {m} and employed) as employed_{w},
    count(*) filter (where wave = {m} and in_target) as in_target_{w}"""
FACTS_SQL = """
with people as (
    select certification_code, year, {group} as grp, count(*) as certified from fct_certified group by all
), answers as (
    select certification_code, year, {group} as grp, {counts} from fct_survey_responses group by all
)
select p.certification_code, p.year, p.grp, p.certified, {coalesced}
from people as p left join answers as a using (certification_code, year, grp)
"""
GROUPS = {
    "ALL": "'ALL'",
    "route": "access_route",
    "site": "coalesce(nullif(site, ''), 'Non renseigné')",
    # a partner: its SIRET, else the name its rows give (M18), else none
    "partner": "coalesce('siret:' || partner_siret, 'name:' || partner_name, 'none')",
}
# the conditions of employment (M27, M28): rate short name -> its own denominator, per year and wave
CONDITION_BASES = {
    "CDI": "employed and contract_type is not null",
    "Emploi durable": "employed and contract_type is not null",
    "Temps plein": "employed and working_time is not null",
    "Cadres": "employed and executive is not null",
    "France Compétences": "responded and not coalesce(neutralised, false)",
    "InserJeunes / InserSup": "responded and coalesce(neutralisation_reason, '') not in ('further_study', 'work_study')",
    "Enquêtes du ministère": "responded and (situation = 'job_seeking' or (situation in ('employed', "
    "'employed_abroad') and coalesce(neutralisation_reason, '') <> 'work_study'))",
}


@pytest.fixture(scope="module")
def facts(sample_warehouse):
    """(grouping, certification, year, group) -> the counts behind every rate; and the conditions' bases
    under ("conditions", certification, year, wave months)."""
    counts = ",".join(WAVE_COUNTS.format(w=w, m=m) for w, (_, m) in WAVES.items())
    names = [c.split(" as ")[-1].strip() for c in counts.split(",\n")]
    coalesced = ", ".join(f"coalesce(a.{n}, 0) as {n}" for n in names)
    out = {}
    with warehouse.connect(sample_warehouse.warehouse, read_only=True) as con:
        for grouping, group in GROUPS.items():
            sql = FACTS_SQL.format(group=group, counts=counts, coalesced=coalesced)
            frame = con.execute(sql).df()
            for row in frame.to_dict(orient="records"):
                key = (grouping, row["certification_code"], int(row["year"]), row["grp"])
                out[key] = {
                    k: int(v) for k, v in row.items() if k not in ("certification_code", "year", "grp")
                }
        bases = ", ".join(
            f'count(*) filter (where {sql}) as "{short}"' for short, sql in CONDITION_BASES.items()
        )
        frame = con.execute(
            f"select certification_code, year, wave, {bases} from fct_survey_responses "
            "where year is not null group by all"
        ).df()
        for row in frame.to_dict(orient="records"):
            out[("conditions", row["certification_code"], int(row["year"]), int(row["wave"]))] = {
                k: int(row[k]) for k in CONDITION_BASES
            }
    small = [v for k, v in out.items() if k[0] == "ALL" for r in OWN if 0 < v[OWN[r][1]] < THRESHOLD]
    assert small, "the sample must hold small bases"
    return out


def small(d: int) -> bool:
    return 0 < d < THRESHOLD


def cell_text(n: int, d: int) -> str:
    """The dossier's cell of a rate, written from the design: « 88 % (29/33) », « ⚠ » on a small base."""
    if not d:
        return "–"
    return f"{pct(n, d)}{NBSP}% ({n}/{d})" + (" ⚠" if small(d) else "")


# --- insertion stats --detail -----------------------------------------------------------------------


@pytest.mark.parametrize("code", CERTS)
def test_stats_detail_flags_every_rate_by_its_own_base(sample_cli, facts, code):
    status, out, err = sample_cli("stats", code, "--detail")
    assert status == 0, err
    lines = out.splitlines()
    header = [h.strip() for h in lines[0].split("|")]
    columns = {label(r): r for r in OWN}
    assert set(columns) <= set(header), "every rate of the registry is in --detail"
    checked = flagged = 0
    for line in lines[2:]:
        if "|" not in line:
            continue
        cells = dict(zip(header, (c.strip() for c in line.split("|")), strict=True))
        f = facts[("ALL", code, int(cells[label("year")]), "ALL")]
        for head, key in columns.items():
            n, d = (f[c] for c in OWN[key])
            assert cells[head] == cell_text(n, d), (code, cells[label("year")], key)
            checked += 1
            flagged += small(d)
    assert checked == len(OWN) * sum(1 for k in facts if k[:2] == ("ALL", code))
    assert ("⚠ dénominateur du taux" in out) == bool(flagged)
    # the machine-readable outputs carry the same flag for every rate, with its n and N
    status, out, err = sample_cli("stats", code, "--detail", "--format", "json")
    for record in json.loads(out):
        f = facts[("ALL", code, record["year"], "ALL")]
        for key in OWN:
            n, d = (f[c] for c in OWN[key])
            assert record[f"{key}_small"] is small(d), (code, record["year"], key)
            assert record[key] == pct(n, d)


# --- the renewal pack --------------------------------------------------------------------------------


def blocks(ws) -> list[tuple[str | None, list, list[tuple]]]:
    """The tables of a sheet: (title or None, header, rows), read past the title lines."""
    rows = list(ws.iter_rows(values_only=True))
    start = next(i for i, r in enumerate(rows) if not any(v is not None for v in r))
    out, i = [], start
    while i < len(rows):
        if any(v is not None for v in rows[i]):
            i += 1
            continue
        i += 1
        if i >= len(rows):
            break
        title = None
        filled = [v for v in rows[i] if v is not None]
        if len(filled) == 1 and i + 1 < len(rows) and sum(v is not None for v in rows[i + 1]) > 1:
            title, i = filled[0], i + 1
        header, body = list(rows[i]), []
        while header and header[-1] is None:  # the sheet is as wide as its widest table
            header.pop()
        i += 1
        while i < len(rows) and any(v is not None for v in rows[i]):
            body.append(rows[i][: len(header)])
            i += 1
        out.append((title, header, body))
    return out


def wave_of(header: str) -> str:
    return next(w for w, (name, _) in WAVES.items() if name in header)


def check_stat_sheet(header, body, key_of, facts, rates_expected: int) -> tuple[int, list[str]]:
    """Every rate of a statistics sheet: its value and n/N as counted, « ⚠ Short (n/N) » in its wave's
    flag column exactly when its own base is small."""
    columns = {h: r for h, r in ((h, next((r for r in OWN if label(r) == h), None)) for h in header) if r}
    assert len(columns) == rates_expected, columns
    flag_columns = {wave_of(h): i for i, h in enumerate(header) if h and str(h).startswith("⚠")}
    checked, flags = 0, []
    for row in body:
        record = dict(zip(header, row, strict=True))
        f = facts[key_of(record)]
        for head, key in columns.items():
            n, d = (f[c] for c in OWN[key])
            flag = row[flag_columns[key.rsplit("_", 1)[1]]] or ""
            assert record[head] == pct(n, d), (key_of(record), key)
            assert (f"{RATE[key].short} ({n}/{d})" in flag) == small(d), (key_of(record), key, flag)
            checked += 1
        flags += [row[i] for i in flag_columns.values() if row[i]]
    return checked, flags


def partner_key(code: str, record: dict) -> tuple:
    siret, name = record["SIRET"], record["Partenaire (organisme habilité)"]
    group = f"siret:{siret}" if siret else ("none" if name == NO_PARTNER else f"name:{name}")
    return ("partner", code, record[label("year")], group)


@pytest.mark.parametrize("code", CERTS)
def test_renewal_pack_flags_every_rate_by_its_own_base(sample_cli, facts, tmp_path, code):
    xlsx, page = tmp_path / "pack.xlsx", tmp_path / "pack.html"
    status, _, err = sample_cli("renewal", code, "--out", xlsx, "--html", page)
    assert status == 0, err
    wb = openpyxl.load_workbook(xlsx)
    text = page.read_text(encoding="utf-8")
    checked, flags = 0, []
    year = label("year")
    sheets = {
        "Statistiques": lambda r: ("ALL", code, r[year], "ALL"),
        "Par voie d'accès": lambda r: ("route", code, r[year], r["Voie d'accès"]),
        "Par partenaire": lambda r: partner_key(code, r),
    }
    for sheet, key_of in sheets.items():
        [(_, header, body)] = blocks(wb[sheet])
        assert body, sheet
        n, found = check_stat_sheet(header, body, key_of, facts, rates_expected=6)
        checked, flags = checked + n, flags + found
    # Adéquation: the share of jobs in the targeted occupation, on its own base (the employed)
    title, header, body = blocks(wb["Adéquation"])[0]
    for row in body:
        record = dict(zip(header, row, strict=True))
        f = facts[("ALL", code, record[year], "ALL")]
        for w in WAVES:
            key = f"target_share_{w}"
            n, d = (f[c] for c in OWN[key])
            flag = record[label(f"{key}_small")] or ""
            assert record[label(key)] == pct(n, d)
            assert (f"{RATE[key].short} ({n}/{d})" in flag) == small(d), (record[year], key, flag)
            checked += 1
            flags += [flag] if flag else []
    # Conditions d'emploi: each rate with its N and its own « ⚠ » column
    for title, header, body in blocks(wb["Conditions d'emploi"]):
        shorts = [s for s in CONDITION_BASES if f"{s} : ⚠ base sous le seuil" in header]
        for row in body if shorts else []:
            record = dict(zip(header, row, strict=True))
            months = WAVES[next(w for w, (name, _) in WAVES.items() if name == record["Vague"])][1]
            bases = facts[("conditions", code, record[year], months)]
            for short in shorts:
                d = bases[short]
                [n_column] = [h for h in header if h.startswith(f"{short} : N (")]
                assert record[n_column] == d, (title, short)
                assert (record[f"{short} : ⚠ base sous le seuil"] == "⚠") == small(d), (record[year], short)
                checked += 1
    # Qualité, the non-response check: each group's rates on their own bases
    [(_, header, body)] = [b for b in blocks(wb["Qualité"]) if b[0] == "Contrôle de la non-réponse"]
    assert body
    for row in body:
        record = dict(zip(header, row, strict=True))
        w = next(w for w, (name, _) in WAVES.items() if name == record["Vague"])
        whole = facts[("ALL", code, record["Promotion"], "ALL")]
        if record["Groupe"] == "Voie d'accès":
            part = facts[("route", code, record["Promotion"], record["Valeur"].split(" – ")[0])]
        else:
            part = facts[("site", code, record["Promotion"], record["Valeur"])]
        group = (part["certified"], part[f"respondents_{w}"])
        assert (record["Certifiés"], record["Répondants"]) == group
        expected = {
            "Taux de réponse du groupe": group[::-1],
            "Taux de réponse de la promotion": (whole[f"respondents_{w}"], whole["certified"]),
            "Part des certifiés": (group[0], whole["certified"]),
            "Part des répondants": (group[1], whole[f"respondents_{w}"]),
        }
        flag = record["⚠ Taux dont la base est sous le seuil (n/N)"] or ""
        for name, (n, d) in expected.items():
            assert record[f"{name} (%)"] == pct(n, d)
            assert (f"{name} ({n}/{d})" in flag) == small(d), (record["Promotion"], record["Valeur"], name)
            checked += 1
        flags += [flag] if flag else []
    # Alertes and Méthodologie: the response rates they quote, « ⚠ » on a small number of certified
    patterns = {
        "Alertes": r"Promotion (\d+), (6 mois|2 ans) : (\d+)\u00a0% de réponses \((\d+)/(\d+)\)( ⚠)?",
        "Méthodologie": r"Promotion (\d+), vague à (6 mois|2 ans) : .*taux de réponse (\d+)\u00a0% \((\d+)/(\d+)\)( ⚠)?",
    }
    for sheet, pattern in patterns.items():
        lines = [" : ".join(str(v) for v in r[-2:]) for r in wb[sheet].iter_rows(values_only=True) if r[-1]]
        found = [m.groups() for m in (re.search(pattern, line) for line in lines) if m]
        assert found or sheet == "Alertes", sheet  # only the response rates under the minimum alert
        for promotion, wave, value, n, d, flag in found:
            w = next(k for k, (name, _) in WAVES.items() if name == wave)
            f = facts[("ALL", code, int(promotion), "ALL")]
            assert (int(n), int(d)) == (f[f"respondents_{w}"], f["certified"]), (sheet, promotion, wave)
            assert int(value) == pct(int(n), int(d))
            assert bool(flag) == small(int(d)), (sheet, promotion, wave, d)
            checked += 1
    # the HTML: the same flags, and the trend chart's points each with their n/N and « ⚠ »
    for flag in flags:
        assert html.escape(flag, quote=False) in text, flag
    points = re.findall(r"<title>([^<]+), (\d{4}) : ([^<]+)</title>", text)
    shorts = {RATE[k].short: k for k in ("insertion_rate_6m", "target_job_rate_6m", "target_job_rate_24m")}
    assert points
    for short, promotion, cell in points:
        f = facts[("ALL", code, int(promotion), "ALL")]
        n, d = (f[c] for c in OWN[shorts[html.unescape(short)]])
        assert html.unescape(cell) == cell_text(n, d)
        checked += 1
    assert checked > 100


# --- insertion publish --------------------------------------------------------------------------------

PUBLISHED = [
    "insertion_rate_6m",
    "target_job_rate_6m",
    "target_job_rate_24m",
    "response_rate_6m",
    "response_rate_24m",
]
BASE_WORDS = {
    "certified": "nombre de certifiés",
    "base_6m": "base de calcul à 6 mois",
    "base_24m": "base de calcul à 2 ans",
}


def published_rows(sample_cli, tmp_path, code) -> list[dict]:
    """The CSV publication as {year, certified, and per rate (value, base, low, high, label)}."""
    out = tmp_path / f"{code}.csv"
    status, _, err = sample_cli("publish", code, "--out", out)
    assert status == 0, err
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8-sig")), delimiter=";"))
    header, body = rows[0], rows[1:]
    parsed = []
    for values in body:
        record = dict(zip(header, values, strict=True))
        row = {"year": int(record[label("year")]), "certified": int(record[label("certified")]), "cells": {}}
        for key in PUBLISHED:
            short = RATE[key].short
            [base] = [h for h in header if h.startswith(f"{short} : base (")]
            number = lambda v: None if v == "" else float(v)  # noqa: E731
            row["cells"][key] = {
                "value": number(record[RATE[key].label]),
                "base": number(record[base]),
                "low": number(record[label(f"{key}_low")]),
                "high": number(record[label(f"{key}_high")]),
                "label": record[f"{short} : secret statistique"],
            }
        parsed.append(row)
    assert parsed and (tmp_path / f"{code}-LISEZMOI.txt").is_file()
    return parsed


def possible(row: dict, cells: dict) -> dict[tuple, set]:
    """Brute force: every count consistent with the published row — a shown rate's value, base and
    interval, a hidden cell's label (« … < 20 »: its base is under 20; « secret secondaire »: it is not),
    the certified shown — through the registry's relations (base = respondents − neutralised,
    non-respondents = certified − respondents, rate = numerator ÷ denominator, no count negative). Returns,
    for each rate, the values its hidden parts could take: ("value", rate) and ("base", rate)."""
    certified = row["certified"]
    out: dict[tuple, set] = {}

    def fits(key, n, d) -> bool:
        cell = cells[key]
        if cell["label"]:
            return (d < THRESHOLD) == (not cell["label"].startswith("secret secondaire"))
        return (
            d == cell["base"]
            and pct(n, d) == (None if cell["value"] is None else int(cell["value"]))
            and wilson(n, d) == (cell["low"], cell["high"])
        )

    for w in WAVES:
        rates = {k: OWN[k] for k in PUBLISHED if k.endswith(w)}
        for respondents in range(certified + 1):
            if f"response_rate_{w}" in rates and not fits(f"response_rate_{w}", respondents, certified):
                continue
            for base in range(respondents + 1):  # neutralised = respondents − base ≥ 0
                numerators = {}
                for key, (_, d) in rates.items():
                    if d.startswith("base"):
                        numerators[key] = [k for k in range(base + 1) if fits(key, k, base)]
                if any(not v for v in numerators.values()):
                    continue
                out.setdefault(("value", f"response_rate_{w}"), set()).add(pct(respondents, certified))
                for key, found in numerators.items():
                    out.setdefault(("base", key), set()).add(base)
                    out.setdefault(("value", key), set()).update(pct(k, base) for k in found)
    return out


def recomputed(row: dict, cells: dict) -> list[tuple]:
    """The hidden cells (value, or base other than the certified shown) one value only fits."""
    worlds = possible(row, cells)
    hidden = [k for k in PUBLISHED if cells[k]["label"]]
    parts = [("value", k) for k in hidden] + [("base", k) for k in hidden if OWN[k][1] != "certified"]
    return [p for p in parts if len(worlds[p]) == 1]


@pytest.mark.parametrize("code", CERTS)
def test_publish_suppresses_every_rate_by_its_own_base_and_what_recomputes_it(
    sample_cli, facts, tmp_path, code
):
    rows = published_rows(sample_cli, tmp_path, code)
    page = tmp_path / f"{code}.html"
    assert sample_cli("publish", code, "--out", page)[0] == 0
    text = page.read_text(encoding="utf-8")
    notes = text[text.index("Règle de diffusion") :]
    assert "secret secondaire" in notes and "Base de calcul à 6 mois" in notes  # the rule, stated
    html_rows = text.split("<tr>")[2:]
    suppressed = secondary = 0
    for row, html_row in zip(rows, html_rows, strict=True):
        f = facts[("ALL", code, row["year"], "ALL")]
        assert row["certified"] == f["certified"] and html_row.startswith(f"<td>{row['year']}</td>")
        for key, cell in row["cells"].items():
            n, d = (f[c] for c in OWN[key])
            if d < THRESHOLD:  # its own base: suppressed, and the label says which base
                assert cell["label"] == f"secret statistique ({BASE_WORDS[OWN[key][1]]} < {THRESHOLD})", (
                    row["year"],
                    key,
                )
                assert (cell["value"], cell["base"], cell["low"]) == (None, None, None)
                suppressed += 1
            elif cell["label"]:  # over the threshold, hidden only to protect another cell
                assert cell["label"].startswith("secret secondaire"), (row["year"], key, cell)
                shown = {
                    **row["cells"],
                    key: {
                        "value": pct(n, d),
                        "base": d,
                        "label": "",
                        "low": wilson(n, d)[0],
                        "high": wilson(n, d)[1],
                    },
                }
                assert recomputed(row, shown), f"{row['year']} {key}: hidden with nothing to protect"
                suppressed += 1
                secondary += 1
            else:
                value = pct(n, d)
                assert (cell["value"], cell["base"], (cell["low"], cell["high"])) == (value, d, wilson(n, d))
            assert html.escape(cell["label"] or f"{pct(n, d)}{NBSP}% (base {d} ;", quote=True) in html_row
        # and no hidden cell can be recomputed from the shown ones
        assert recomputed(row, row["cells"]) == [], row["year"]
    assert suppressed


def test_publish_brute_force_finds_a_recomputable_cell(sample_cli, tmp_path):
    """The checker itself: the sample's RNCP35809 2022 hides its 2-year rates (no respondent at 2 years:
    base 0); showing its 2-year response rate (0 %) would give that base back."""
    [row] = [r for r in published_rows(sample_cli, tmp_path, "RNCP35809") if r["year"] == 2022]
    assert row["cells"]["response_rate_24m"]["label"].startswith("secret secondaire")
    low, high = wilson(0, 26)
    shown = {
        **row["cells"],
        "response_rate_24m": {"value": 0, "base": 26, "label": "", "low": low, "high": high},
    }
    assert ("base", "target_job_rate_24m") in recomputed(row, shown)
