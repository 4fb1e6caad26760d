"""The renewal pack: France Compétences' insertion annex for one certification, as XLSX and HTML.

Sheets: Statistiques, Par voie d'accès, Emplois occupés, Adéquation, Méthodologie, Qualité, Alertes.
Same warehouse, same content (deterministic order; only the generation date changes). Files are written
to a temporary name and renamed, so a failure never leaves a partial file.
"""

from __future__ import annotations

import html
import os
import tempfile
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import duckdb
import pandas as pd

from . import fiches
from .config import Settings
from .errors import InputError
from .labels import CONTRACT_LABELS as CONTRACTS
from .labels import ROUTE_LABELS as ROUTES
from .labels import TARGET_METHOD_LABELS as METHODS
from .labels import WAVE_LABELS as WAVES
from .labels import WORKING_TIME_LABELS as WORKING_TIME
from .stats import FICHE_COLUMNS

REASONS = {
    "further_study": "Poursuite d'études",
    "work_study": "Contrat en alternance",
    "unable_to_work": "Incapacité de travailler",
    "abroad": "Emploi à l'étranger",
}
STAT_COLUMNS = {
    **FICHE_COLUMNS,  # the fiche's own columns first, as France Compétences shows them
    "respondents_6m": "Répondants à 6 mois",
    "response_rate_6m": "Taux de réponse à 6 mois (en %)",
    "neutralised_6m": "Neutralisés à 6 mois",
    "denominator_6m": "Base de calcul à 6 mois",
    "employed_6m": "En emploi à 6 mois",
    "insertion_rate_6m_low": "Insertion 6 mois : IC 95 % bas",
    "insertion_rate_6m_high": "Insertion 6 mois : IC 95 % haut",
    "in_target_6m": "Dans le métier visé à 6 mois",
    "target_job_rate_6m_low": "Métier visé 6 mois : IC 95 % bas",
    "target_job_rate_6m_high": "Métier visé 6 mois : IC 95 % haut",
    "respondents_24m": "Répondants à 2 ans",
    "response_rate_24m": "Taux de réponse à 2 ans (en %)",
    "neutralised_24m": "Neutralisés à 2 ans",
    "denominator_24m": "Base de calcul à 2 ans",
    "in_target_24m": "Dans le métier visé à 2 ans",
    "target_job_rate_24m_low": "Métier visé 2 ans : IC 95 % bas",
    "target_job_rate_24m_high": "Métier visé 2 ans : IC 95 % haut",
}
PERCENT_COLUMNS = {c for c in STAT_COLUMNS if "rate" in c}


@dataclass
class Pack:
    code: str
    title: str
    certifiers: str
    years: list[int]
    generated: datetime
    # a sheet is one table, or several titled tables one below the other
    sheets: dict[str, pd.DataFrame | list[tuple[str, pd.DataFrame]]] = field(default_factory=dict)
    trend: pd.DataFrame | None = None


def parse_years(text: str | None) -> list[int] | None:
    """« 2017-2018 » or « 2017,2019 » -> [2017, 2018]; None -> None (every year with 6-month data)."""
    if not text:
        return None
    years: list[int] = []
    for part in text.split(","):
        bounds = [int(x) for x in part.strip().split("-")]
        years += list(range(bounds[0], bounds[-1] + 1))
    return sorted(set(years))


def _suppress(frame: pd.DataFrame, policy: str, threshold: int) -> pd.DataFrame:
    """Apply the disclosure policy: with « suppress », rates whose denominator is under the threshold go."""
    if policy != "suppress":
        return frame
    out = frame.copy()
    for wave in ("6m", "24m"):
        small = out[f"denominator_{wave}"] < threshold
        for column in [c for c in out.columns if c.endswith(wave) and "rate" in c and "response" not in c]:
            out[column] = out[column].astype("object").where(~small, None)
    return out


def build(
    con: duckdb.DuckDBPyConnection, code: str, settings: Settings, years: list[int] | None = None
) -> Pack:
    """Gather every sheet of the pack. Raises :class:`InputError` for an unknown certification or no data."""
    info = fiches.summary(con, code)
    stats = con.execute(
        "select * from certification_statistics where certification_code = ? order by year desc", [code]
    ).df()
    if info is None or stats.empty:
        raise InputError(code, "unknown certification, or no certified candidates in the warehouse")
    if years is None:
        years = sorted(int(y) for y in stats.loc[stats["respondents_6m"] > 0, "year"]) or sorted(
            stats["year"]
        )
    stats = stats[stats["year"].isin(years)]
    if stats.empty:
        raise InputError(code, f"no data for the promotions {', '.join(map(str, years))}")
    threshold, policy = settings.small_cohort_threshold, settings.disclosure
    shown = _suppress(stats, policy, threshold)
    pack = Pack(
        code, info["title"] or "", ", ".join(c["name"] for c in info["certifiers"]), years, datetime.now()
    )
    pack.trend = shown.sort_values("year")
    pack.sheets["Statistiques"] = shown[list(STAT_COLUMNS)].rename(columns=STAT_COLUMNS)
    routes = con.execute(
        "select * from access_route_statistics where certification_code = ? and list_contains(?, year) "
        "order by year desc, access_route",
        [code, years],
    ).df()
    routes = _suppress(routes, policy, threshold)
    routes.insert(1, "route_label", routes["access_route"].map(ROUTES))
    pack.sheets["Par voie d'accès"] = routes[
        ["year", "access_route", "route_label", *list(STAT_COLUMNS)[1:]]
    ].rename(columns={**STAT_COLUMNS, "access_route": "Voie d'accès", "route_label": "Libellé"})
    pack.sheets["Emplois occupés"] = jobs(con, code, years)
    pack.sheets.update(adequation(con, code, years))
    pack.sheets["Méthodologie"] = methodology(con, code, years, settings)
    pack.sheets["Qualité"] = quality(con, code, years)
    pack.sheets["Alertes"] = alerts(con, code, stats, info, settings)
    return pack


def jobs(con, code: str, years: list[int]) -> pd.DataFrame:
    """One row per employed respondent and wave, with how the fit with the targeted jobs was decided."""
    frame = con.execute(
        """
        select replace(left(r.candidate_hash::varchar, 13), '-', '') as reference,  -- 12 hex digits
               r.year, r.wave, r.job_title, r.rome_code,
               coalesce(c.label, t.rome_label) as rome_label, r.in_target, r.target_method, r.match_score,
               r.reviewer, r.reviewed_at, r.contract_type, r.working_time, r.employer_sector, r.work_location
        from fct_survey_responses as r
        left join rome_codes as c on c.rome_code = r.rome_code
        left join (select rome_code, any_value(rome_label) as rome_label from certification_target_jobs
                   group by 1) as t on t.rome_code = r.rome_code
        where r.certification_code = ? and list_contains(?, r.year) and r.employed
        order by r.year desc, r.wave, r.in_target desc, r.job_title, reference
        """,
        [code, years],
    ).df()

    def how(row) -> str:
        text = METHODS.get(row.target_method, row.target_method)
        if row.target_method == "title_fuzzy" and pd.notna(row.match_score):
            text += f" (score {row.match_score:.0f})"
        if row.target_method == "reviewer" and row.reviewer:
            text += f" : {row.reviewer}, le {row.reviewed_at:%d/%m/%Y}"
        return text

    return pd.DataFrame(
        {
            "Référence (pseudonyme)": frame["reference"],
            "Promotion": frame["year"],
            "Enquête": frame["wave"].map(WAVES),
            "Intitulé du poste": frame["job_title"],
            "Code ROME": frame["rome_code"],
            "Libellé ROME": frame["rome_label"],
            "Dans le métier visé": frame["in_target"].map({True: "oui", False: "non"}),
            "Décidé par": [how(r) for r in frame.itertuples()],
            "Type de contrat": frame["contract_type"].map(CONTRACTS),
            "Temps de travail": frame["working_time"].map(WORKING_TIME),
            "Secteur": frame["employer_sector"],
            "Lieu": frame["work_location"].map({"france": "France", "abroad": "Étranger"}),
        }
    )


def adequation(con, code: str, years: list[int]) -> dict[str, list[tuple[str, pd.DataFrame]]]:
    """In-target share by promotion and wave; jobs by ROME code (targeted first); unmatched titles."""
    share = con.execute(
        """
        select year as "Promotion", case wave when 6 then '6 mois' else '2 ans' end as "Enquête",
               count(*) filter (where employed)::integer as "En emploi",
               count(*) filter (where in_target)::integer as "Dans le métier visé",
               pct(count(*) filter (where in_target), count(*) filter (where employed)) as "Part (en %)"
        from fct_survey_responses where certification_code = ? and list_contains(?, year)
        group by year, wave order by year desc, wave
        """,
        [code, years],
    ).df()
    by_code = con.execute(
        """
        select r.rome_code as "Code ROME", any_value(coalesce(c.label, t.rome_label)) as "Libellé",
               case when t.rome_code is not null then 'oui' else 'non' end as "Métier visé par la fiche",
               count(*)::integer as "Emplois"
        from fct_survey_responses as r
        left join rome_codes as c on c.rome_code = r.rome_code
        left join certification_target_jobs as t on t.certification_code = r.certification_code
             and t.rome_code = r.rome_code
        where r.certification_code = ? and list_contains(?, r.year) and r.employed
        group by r.rome_code, t.rome_code
        order by (t.rome_code is null), "Emplois" desc, "Code ROME" nulls last
        """,
        [code, years],
    ).df()
    unmatched = unmatched_titles(con, code, years)
    return {
        "Adéquation": [
            ("Part des emplois dans le métier visé, par promotion et enquête", share),
            ("Emplois par code ROME (métiers visés d'abord)", by_code),
            ("Intitulés de poste sans code ROME, à relire", unmatched),
        ]
    }


def unmatched_titles(con, code: str, years: list[int]) -> pd.DataFrame:
    return con.execute(
        """
        select job_title as "Intitulé du poste", count(*)::integer as "Réponses"
        from fct_survey_responses
        where certification_code = ? and list_contains(?, year) and employed and rome_code is null
          and job_title is not null
        group by 1 order by 2 desc, 1
        """,
        [code, years],
    ).df()


def methodology(con, code: str, years: list[int], settings: Settings) -> pd.DataFrame:
    """Definitions, windows, neutralised counts, disclosure policy and the data files used."""
    rows = [
        (
            "Définitions",
            "Nombre de certifiés",
            "Personnes ayant obtenu la certification complète (pas une validation "
            "partielle de blocs) lors d'un jury de l'année.",
        ),
        (
            "Définitions",
            "Répondants",
            "Certifiés de l'année ayant répondu à l'enquête de la vague (6 mois, 2 ans).",
        ),
        (
            "Définitions",
            "Neutralisés",
            "Répondants retirés du numérateur et du dénominateur : poursuite d'études, "
            "contrat en alternance (apprentissage ou professionnalisation), incapacité de travailler, emploi à "
            "l'étranger (sauf certification internationale).",
        ),
        ("Définitions", "Taux d'insertion global", "Répondants en emploi ÷ (répondants − neutralisés)."),
        (
            "Définitions",
            "Taux d'insertion dans le métier visé",
            "Répondants en emploi dont le code ROME est l'un des "
            "codes ROME de la fiche RNCP, sauf décision d'adéquation contraire ÷ (répondants − neutralisés).",
        ),
        (
            "Définitions",
            "Arrondi",
            "Pourcentages entiers arrondis au plus proche (0,5 vers le haut) ; taux vide "
            "lorsque la base de calcul est nulle.",
        ),
        ("Définitions", "Intervalle de confiance", "Intervalle de Wilson à 95 %."),
        (
            "Enquêtes",
            "Fenêtre de l'enquête à 6 mois",
            f"{settings.window_6m[0]} à {settings.window_6m[1]} mois après le jury",
        ),
        (
            "Enquêtes",
            "Fenêtre de l'enquête à 2 ans",
            f"{settings.window_24m[0]} à {settings.window_24m[1]} mois après le jury",
        ),
        (
            "Diffusion",
            "Politique",
            f"Effectifs inférieurs à {settings.small_cohort_threshold} : "
            + ("taux signalés (⚠)" if settings.disclosure == "flag" else "taux supprimés"),
        ),
    ]
    counts = con.execute(
        """
        select year, wave, coalesce(neutralisation_reason, case when not responded then 'no_response' end) as what,
               count(*)::integer as n
        from fct_survey_responses
        where certification_code = ? and list_contains(?, year) and (neutralised or not responded)
        group by all order by year desc, wave, what
        """,
        [code, years],
    ).fetchall()
    for year, wave, what, n in counts:
        label = REASONS.get(what, "Non-répondants")
        rows.append(("Effectifs", f"Promotion {year}, enquête à {WAVES[wave]} : {label}", str(n)))
    build = con.execute("select max(finished_at) from load_log where status = 'loaded'").fetchall()[0][0]
    rows.append(("Entrepôt", "Dernier chargement", f"{build:%d/%m/%Y %H:%M}" if build else "inconnu"))
    files = con.execute(
        """
        select distinct l.file_name, l.sha256, l.finished_at, l.kind
        from load_log as l
        where l.status = 'loaded' and (
            l.load_id in (select load_id from landing_cohort_results where certification_code = $1
                          and list_contains($2, year(jury_date)))
            or l.load_id in (select load_id from fct_survey_responses where certification_code = $1
                             and list_contains($2, year))
            or l.kind in ('rncp', 'rome_codes', 'rome_appellations'))
        order by l.kind, l.file_name
        """,
        [code, years],
    ).fetchall()
    for name, sha, loaded, kind in files:
        rows.append(("Fichiers utilisés", name, f"{kind} — sha256 {sha} — chargé le {loaded:%d/%m/%Y %H:%M}"))
    return pd.DataFrame(rows, columns=["Rubrique", "Élément", "Valeur"])


def quality(con, code: str, years: list[int]) -> pd.DataFrame:
    """Failed expectations of the loads that carried these promotions, and their quarantined rows."""
    failed = con.execute(
        """
        with loads as (
            select distinct load_id from landing_cohort_results
            where certification_code = $1 and list_contains($2, year(jury_date))
            union select distinct load_id from fct_survey_responses where certification_code = $1
              and list_contains($2, year)
        )
        select 'Attente non satisfaite' as "Type", l.file_name as "Fichier", null as "Ligne",
               v.expectation_type || coalesce(' (' || v.column_name || ')', '') as "Contrôle",
               v.severity as "Gravité", v.unexpected_count::varchar || ' ligne(s) : ' || v.description as "Détail"
        from validation_results as v
        join validation_runs as r using (run_id)
        join load_log as l using (load_id)
        where r.load_id in (select load_id from loads) and not v.success
        order by l.file_name, "Contrôle"
        """,
        [code, years],
    ).df()
    quarantined = con.execute(
        """
        select 'Ligne en quarantaine' as "Type", file_name as "Fichier", source_row as "Ligne",
               array_to_string(expectations, ', ') as "Contrôle", 'error' as "Gravité",
               array_to_string(reasons, ' | ') as "Détail"
        from quarantine
        where original_record::varchar like '%' || ? || '%'
        order by file_name, source_row
        """,
        [code],
    ).df()
    out = pd.concat([failed, quarantined], ignore_index=True)
    if out.empty:
        out = pd.DataFrame(
            [("Aucun écart", "", None, "", "", "Tous les contrôles ont réussi ; aucune ligne écartée.")],
            columns=failed.columns,
        )
    return out


def alerts(con, code: str, stats: pd.DataFrame, info: dict, settings: Settings) -> pd.DataFrame:
    """What would weaken the dossier."""
    out = []
    with_6m = stats[stats["respondents_6m"] > 0]
    if len(with_6m) < 2:
        out.append(
            (
                "Promotions",
                f"{len(with_6m)} promotion(s) avec une enquête à 6 mois : il en faut au moins deux "
                "(article R.6113-9 du code du travail).",
            )
        )
    for r in stats.sort_values("year", ascending=False).itertuples():
        for wave in ("6m", "24m"):
            rate, den = getattr(r, f"response_rate_{wave}"), getattr(r, f"denominator_{wave}")
            if (
                getattr(r, f"respondents_{wave}")
                and rate is not None
                and not pd.isna(rate)
                and rate < settings.min_response_rate
            ):
                out.append(
                    (
                        "Taux de réponse",
                        f"Promotion {r.year}, {WAVES[int(wave[:-1])]} : {int(rate)} % de "
                        f"réponses, sous le seuil de {settings.min_response_rate} %.",
                    )
                )
            if getattr(r, f"respondents_{wave}") and den < settings.small_cohort_threshold:
                out.append(
                    (
                        "Petit effectif",
                        f"Promotion {r.year}, {WAVES[int(wave[:-1])]} : base de calcul de {den}, "
                        f"sous le seuil de {settings.small_cohort_threshold}.",
                    )
                )
    unmatched = unmatched_titles(con, code, sorted(int(y) for y in stats["year"]))
    if not unmatched.empty:
        out.append(
            (
                "Intitulés",
                f"{len(unmatched)} intitulé(s) de poste sans code ROME, à relire : "
                + ", ".join(unmatched["Intitulé du poste"].head(10)),
            )
        )
    end = info.get("registration_end_date")
    if end is not None and (end - date.today()).days < 365:
        out.append(
            (
                "Enregistrement",
                f"Fin d'enregistrement le {end:%d/%m/%Y}"
                + (" : échue." if end < date.today() else " : dans moins de 12 mois."),
            )
        )
    compare = fiches.compare(con, code)
    gaps = compare[compare["difference"].fillna(0) != 0]
    for r in gaps.itertuples():
        out.append(
            (
                "Publié ≠ calculé",
                f"{r.year}, {r.measure} : publié {r.published}, calculé {r.computed} "
                f"(écart {r.difference:+d}).",
            )
        )
    if not out:
        out.append(("Aucune", "Rien ne semble fragiliser le dossier."))
    return pd.DataFrame(out, columns=["Sujet", "Alerte"])


def _atomic(path: Path, write) -> None:
    path = Path(path)
    if not path.parent.is_dir():
        raise InputError(path, "cannot be written: its folder does not exist")
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        write(Path(tmp))
        os.replace(tmp, path)
    except PermissionError as exc:
        raise InputError(path, f"cannot be written ({exc.strerror})") from exc
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def write_xlsx(pack: Pack, path: Path) -> None:
    """The pack as a formatted workbook (title block, frozen headers, widths, percentages)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    def write(target: Path) -> None:
        wb = Workbook()
        wb.remove(wb.active)
        for name, content in pack.sheets.items():
            ws = wb.create_sheet(name[:31])
            ws.append([f"{pack.code} — {pack.title}"])
            ws.append([f"Certificateur(s) : {pack.certifiers}"])
            ws.append(
                [
                    f"Promotions : {', '.join(map(str, pack.years))} — généré le {pack.generated:%d/%m/%Y à %H:%M}"
                ]
            )
            ws["A1"].font = Font(bold=True, size=14)
            blocks = content if isinstance(content, list) else [(None, content)]
            widths: dict[int, int] = {}
            for title, frame in blocks:
                ws.append([])
                if title:
                    ws.append([title])
                    ws.cell(row=ws.max_row, column=1).font = Font(bold=True, size=12)
                ws.append(list(frame.columns))
                header = ws.max_row
                for cell in ws[header]:
                    cell.font = Font(bold=True)
                    cell.fill = PatternFill("solid", fgColor="EEF2F7")
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
                if len(blocks) == 1:
                    ws.freeze_panes = f"A{header + 1}"
                for row in frame.itertuples(index=False):
                    ws.append(
                        [
                            None
                            if (v is None or v is pd.NA or (isinstance(v, float) and pd.isna(v)))
                            else (v.item() if hasattr(v, "item") else v)
                            for v in row
                        ]
                    )
                for i, column in enumerate(frame.columns, start=1):
                    width = max(
                        [len(str(column)) // 2] + [len(str(v)) for v in frame.iloc[:, i - 1].head(300)]
                    )
                    widths[i] = max(widths.get(i, 10), min(60, width + 2))
                    if "%" in str(column) or "IC 95" in str(column):
                        for r in range(header + 1, ws.max_row + 1):
                            ws.cell(row=r, column=i).number_format = (
                                '0.0" %"' if "IC 95" in str(column) else '0" %"'
                            )
            for i, width in widths.items():
                ws.column_dimensions[ws.cell(row=1, column=i).column_letter].width = width
        wb.properties.creator = "insertion"
        wb.save(target)

    _atomic(path, write)


def _svg_trend(trend: pd.DataFrame) -> str:
    """A small self-contained SVG line chart of the three published rates by year."""
    if trend is None or trend.empty:
        return ""
    width, height, left, bottom = 640, 260, 50, 30
    years = [int(y) for y in trend["year"]]
    xs = {y: left + (i + 0.5) * (width - left - 10) / len(years) for i, y in enumerate(years)}

    def y_of(v):
        return 10 + (height - bottom - 10) * (1 - v / 100)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
        'aria-label="Évolution des taux">'
    ]
    for v in (0, 25, 50, 75, 100):
        parts.append(
            f'<line x1="{left}" x2="{width - 10}" y1="{y_of(v):.1f}" y2="{y_of(v):.1f}" stroke="#e5e7eb"/>'
            f'<text x="{left - 6}" y="{y_of(v) + 4:.1f}" font-size="11" text-anchor="end">{v} %</text>'
        )
    for y, x in xs.items():
        parts.append(f'<text x="{x:.1f}" y="{height - 8}" font-size="11" text-anchor="middle">{y}</text>')
    series = [
        ("insertion_rate_6m", "Insertion globale à 6 mois", "#1f4e79"),
        ("target_job_rate_6m", "Métier visé à 6 mois", "#2e8b57"),
        ("target_job_rate_24m", "Métier visé à 2 ans", "#c97b12"),
    ]
    for i, (column, label, color) in enumerate(series):
        points = [
            (xs[int(r.year)], y_of(float(getattr(r, column))))
            for r in trend.itertuples()
            if getattr(r, column) is not None and not pd.isna(getattr(r, column))
        ]
        if len(points) > 1:
            parts.append(
                f'<polyline fill="none" stroke="{color}" stroke-width="2" points="'
                + " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
                + '"/>'
            )
        parts += [f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{color}"/>' for x, y in points]
        parts.append(f'<text x="{left + 10 + i * 200}" y="12" font-size="11" fill="{color}">■ {label}</text>')
    parts.append("</svg>")
    return "".join(parts)


def render_html(pack: Pack) -> str:
    """The same content as one self-contained, printable (A4) HTML page."""
    sections = []
    for name, content in pack.sheets.items():
        blocks = content if isinstance(content, list) else [(None, content)]
        tables = "".join(
            (f"<h3>{html.escape(title)}</h3>" if title else "")
            + frame.astype(object)
            .where(frame.notna(), "")
            .to_html(index=False, escape=True, border=0, classes="data")
            for title, frame in blocks
        )
        sections.append(f"<section><h2>{html.escape(name)}</h2>{tables}</section>")
        if name == "Statistiques":
            sections.append(
                f"<figure>{_svg_trend(pack.trend)}<figcaption>Évolution des taux publiés par année "
                "d'obtention</figcaption></figure>"
            )
    style = """
    @page { size: A4 landscape; margin: 12mm; }
    body { font-family: Arial, sans-serif; font-size: 10pt; color: #1b1f24; }
    h1 { font-size: 16pt; margin: 0; } h2 { font-size: 12pt; margin-top: 18pt; border-bottom: 1px solid #1f4e79; }
    table.data { border-collapse: collapse; width: 100%; page-break-inside: auto; font-size: 7.5pt; }
    table.data th { background: #eef2f7; text-align: left; } table.data td, table.data th { border: 1px solid #d8dee6; padding: 3px 5px; }
    tr { page-break-inside: avoid; } section { page-break-inside: auto; } figure { margin: 8pt 0; }
    .meta { color: #5b6573; }
    """
    return (
        '<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8">'
        f"<title>Renouvellement {html.escape(pack.code)}</title><style>{style}</style></head><body>"
        f"<h1>{html.escape(pack.code)} — {html.escape(pack.title)}</h1>"
        f'<p class="meta">Certificateur(s) : {html.escape(pack.certifiers)}<br>Promotions : '
        f"{', '.join(map(str, pack.years))} — généré le {pack.generated:%d/%m/%Y à %H:%M}</p>"
        + "".join(sections)
        + "</body></html>"
    )


def write_html(pack: Pack, path: Path) -> None:
    _atomic(path, lambda target: target.write_text(render_html(pack), encoding="utf-8"))
