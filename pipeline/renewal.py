"""The renewal pack: France Compétences' insertion annex for one certification, as XLSX and HTML.

Sheets: Statistiques, Par voie d'accès, Emplois occupés, Adéquation, Conditions d'emploi, Méthodologie,
Qualité, Alertes, Par partenaire (issue #16).
Same warehouse, same content (deterministic order; only the generation date changes). Files are written
to a temporary name and renamed, so a failure never leaves a partial file.
"""

from __future__ import annotations

import html
import os
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb
import pandas as pd

from . import campaigns, conditions, fiches, habilitation
from .config import Settings
from .errors import InputError
from .exports import neutralise  # openpyxl would store « =… » text as a formula
from .indicators import FICHE, RATE, WAVES, label, readiness
from .indicators.disclosure import AUDIENCE_LABELS, disclose
from .labels import CONTRACT_LABELS as CONTRACTS
from .labels import NEUTRALISATION_LABELS as REASONS
from .labels import ROUTE_LABELS as ROUTES
from .labels import TARGET_METHOD_LABELS as METHODS
from .labels import WAVE_LABELS as WAVE_NAMES
from .labels import WORKING_TIME_LABELS as WORKING_TIME

AUDIENCE = "dossier"  # the France Compétences dossier: full figures, n/N, ⚠ under the threshold


def _wave_columns(w: str) -> list[str]:
    return [
        f"respondents_{w}",
        f"non_respondents_{w}",
        f"response_rate_{w}",
        f"neutralised_{w}",
        f"denominator_{w}",
        f"employed_{w}",
        f"insertion_rate_{w}",
        f"insertion_rate_{w}_low",
        f"insertion_rate_{w}_high",
        f"in_target_{w}",
        f"target_job_rate_{w}",
        f"target_job_rate_{w}_low",
        f"target_job_rate_{w}_high",
        f"pending_review_{w}",
    ]


# The fiche's own columns first, as France Compétences shows them, then every count and rate behind them.
STAT_KEYS = FICHE + [c for w in WAVES for c in _wave_columns(w) if c not in FICHE]
STAT_COLUMNS = {key: label(key) for key in STAT_KEYS}
FLAG_COLUMNS = {w: f"⚠ Base de calcul à {name} sous le seuil" for w, (_, name) in WAVES.items()}


def _stat_sheet(frame: pd.DataFrame, threshold: int, keys: list[str] = STAT_KEYS) -> pd.DataFrame:
    """The statistics with the dossier's disclosure: every figure, and a « ⚠ » column per wave naming
    the rates whose denominator is under the threshold."""
    shown = disclose(frame, AUDIENCE, threshold)
    out = shown[keys].rename(columns=STAT_COLUMNS)
    for w, column in FLAG_COLUMNS.items():
        rates = [r for r in RATE.values() if r.wave == w and f"{r.key}_small" in shown]
        out[column] = [
            "⚠ "
            + ", ".join(
                f"{RATE[r.key].short} (base {row[r.denominator]})" for r in rates if row[f"{r.key}_small"]
            )
            if any(row[f"{r.key}_small"] for r in rates)
            else ""
            for row in shown.to_dict(orient="records")
        ]
    return out


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
    stats: pd.DataFrame | None = None


def parse_years(text: str | None) -> list[int] | None:
    """« 2017-2018 » or « 2017,2019 » -> [2017, 2018]; None -> None (every year with 6-month data)."""
    if not text:
        return None
    years: list[int] = []
    for part in text.split(","):
        bounds = [int(x) for x in part.strip().split("-")]
        years += list(range(bounds[0], bounds[-1] + 1))
    return sorted(set(years))


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
    threshold = settings.small_cohort_threshold
    pack = Pack(
        code, info["title"] or "", ", ".join(c["name"] for c in info["certifiers"]), years, datetime.now()
    )
    pack.trend = disclose(stats, AUDIENCE, threshold).sort_values("year")
    pack.sheets["Statistiques"] = _stat_sheet(stats, threshold)
    routes = con.execute(
        "select * from access_route_statistics where certification_code = ? and list_contains(?, year) "
        "order by year desc, access_route",
        [code, years],
    ).df()
    routes.insert(1, "route_label", routes["access_route"].map(ROUTES))
    sheet = _stat_sheet(routes, threshold, ["access_route", "route_label", *STAT_KEYS])
    pack.sheets["Par voie d'accès"] = sheet.rename(
        columns={"access_route": "Voie d'accès", "route_label": "Libellé"}
    )
    pack.sheets["Emplois occupés"] = jobs(con, code, years)
    pack.sheets.update(adequation(con, code, years, stats, threshold))
    pack.sheets["Conditions d'emploi"] = employment_conditions(con, code, years, threshold)
    pack.sheets["Méthodologie"] = methodology(con, code, years, settings)
    pack.sheets["Qualité"] = [
        ("Contrôles des données", quality(con, code, years)),
        ("Contrôle de la non-réponse", campaigns.nonresponse_sheet(con, settings, code, years)),
    ]
    pack.sheets["Alertes"] = alerts(con, code, stats, info, settings)
    pack.sheets["Par partenaire"] = partner_statistics(con, code, years, threshold)
    pack.sheets.update(declared(con, code))
    pack.stats = stats
    return pack


def declared(con, code: str) -> dict[str, pd.DataFrame]:
    """« Déclarations » (issue #17), when figures of this certification were declared: the latest
    declaration's figures beside the current ones, with the difference and its cause."""
    from . import declarations

    table = declarations.drift_table(con, code)
    return {} if table is None else {"Déclarations": table}


def employment_conditions(con, code: str, years: list[int], threshold: int) -> list[tuple[str, pd.DataFrame]]:
    """Contract, working time, cadre status and pay of the employed respondents, and the other systems'
    rates beside France Compétences' (issue #17: pipeline/conditions.py)."""
    return conditions.pack_blocks(conditions.rows(con, code, years), threshold)


def jobs(con, code: str, years: list[int]) -> pd.DataFrame:
    """One row per employed respondent and wave, with how the fit with the targeted jobs was decided."""
    frame = con.execute(
        """
        select replace(left(r.candidate_hash::varchar, 13), '-', '') as reference,  -- 12 hex digits
               r.year, r.wave, r.job_title, r.rome_code, r.proposed_rome_code,
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
            text += f" : {row.proposed_rome_code} proposé (score {row.match_score:.0f})"
        if row.target_method == "reviewer" and row.reviewer:
            text += f" : {row.reviewer}, le {row.reviewed_at:%d/%m/%Y}"
        return text

    return pd.DataFrame(
        {
            "Référence (pseudonyme)": frame["reference"],
            "Promotion": frame["year"],
            "Enquête": frame["wave"].map(WAVE_NAMES),
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


def adequation(con, code: str, years: list[int], stats: pd.DataFrame, threshold: int) -> dict:
    """The share of jobs in the targeted occupation (in target ÷ employed, another ratio than the official
    rate, labelled as such, with its interval), jobs by ROME code (targeted first), titles to review."""
    keys = ["year"]
    for w in WAVES:
        keys += [
            f"employed_{w}",
            f"in_target_{w}",
            f"target_share_{w}",
            f"target_share_{w}_low",
            f"target_share_{w}_high",
            f"pending_review_{w}",
        ]
    shown = disclose(stats, AUDIENCE, threshold).sort_values("year", ascending=False)
    share = shown[keys].rename(columns={k: label(k) for k in keys})
    for w in WAVES:
        share[FLAG_COLUMNS[w].replace("Base de calcul", "Nombre en emploi")] = [
            "⚠" if small else "" for small in shown[f"target_share_{w}_small"]
        ]
    by_code = con.execute(
        """
        select r.rome_code as "Code ROME", any_value(coalesce(c.label, t.rome_label)) as "Libellé",
               case when t.rome_code is not null then 'oui' else 'non' end as "Métier visé par la fiche",
               count(*)::integer as "Emplois"
        from fct_survey_responses as r
        left join rome_codes as c on c.rome_code = r.rome_code
        left join (select certification_code, rome_code, any_value(rome_label) as rome_label
                   from certification_target_jobs group by all) as t
             on t.certification_code = r.certification_code and t.rome_code = r.rome_code
        where r.certification_code = ? and list_contains(?, r.year) and r.employed
        group by r.rome_code, t.rome_code
        order by (t.rome_code is null), "Emplois" desc, "Code ROME" nulls last
        """,
        [code, years],
    ).df()
    return {
        "Adéquation": [
            (
                "Part des emplois dans le métier visé (métier visé ÷ en emploi), par promotion — à ne pas "
                "confondre avec le taux officiel (métier visé ÷ base de calcul, feuille Statistiques)",
                share,
            ),
            ("Emplois par code ROME (métiers visés d'abord)", by_code),
            ("Intitulés de poste sans code ROME, à relire", unmatched_titles(con, code, years)),
        ]
    }


def unmatched_titles(con, code: str, years: list[int]) -> pd.DataFrame:
    """The titles waiting for a reviewer (view ``titles_to_review``)."""
    return con.execute(
        """
        select job_title as "Intitulé du poste",
               case status when 'proposal' then 'Proposition ' || any_value(proposed_rome_code)
                    || ' (score ' || round(max(match_score))::integer || ')' else 'Aucune correspondance' end
                   as "Correspondance ROME",
               count(*)::integer as "Répondants en emploi"
        from titles_to_review
        where certification_code = ? and list_contains(?, year)
        group by job_title, status order by 3 desc, 1
        """,
        [code, years],
    ).df()


CALENDAR = " (mois calendaires, premier et dernier jour compris ; 31/10 + 4 mois = dernier jour de février)"


def methodology(con, code: str, years: list[int], settings: Settings) -> pd.DataFrame:
    """Definitions, the rules of the cases France Compétences does not spell out, windows, what was set
    aside, the head-counts that add up (certified = respondents + non-respondents), the disclosure policy
    and the data files used."""
    (lo6, hi6), (lo24, hi24) = settings.window_6m, settings.window_24m
    cert = con.execute(
        "select coalesce(any_value(international), false), coalesce(any_value(target_parent_codes), false) "
        "from ref_certifications where certification_code = ?",
        [code],
    ).fetchall()[0]
    D = "Définitions"
    R = "Règles"
    rows = [
        (
            D,
            label("certified"),
            "Personnes ayant obtenu la certification complète (pas une validation "
            "partielle de blocs) lors d'un jury de l'année ; une personne compte une fois par année.",
        ),
        (D, "Population enquêtée", "Les certifiés de l'année, pour chaque vague (6 mois, 2 ans)."),
        (D, "Répondants", "Certifiés de l'année dont une réponse à la vague indique une situation."),
        (
            D,
            "Neutralisés",
            "Répondants retirés du numérateur et du dénominateur : poursuite d'études, "
            "contrat en alternance (apprentissage ou professionnalisation), incapacité de travailler, emploi à "
            "l'étranger"
            + (
                " (non : certification internationale)."
                if cert[0]
                else " (sauf certification internationale)."
            ),
        ),
        (D, "Base de calcul", "Répondants − neutralisés."),
        (D, "Taux d'insertion global", "Répondants en emploi ÷ base de calcul."),
        (
            D,
            "Taux d'insertion dans le métier visé",
            "Répondants en emploi dans un métier visé ÷ base de calcul. "
            "Un emploi est dans le métier visé quand son code ROME est exactement l'un des codes ROME de la "
            "fiche RNCP, sauf décision d'adéquation contraire (enquête ou relecteur)."
            + (
                " Réglage de cette certification : un code dont le code parent est sur la fiche compte aussi."
                if cert[1]
                else ""
            ),
        ),
        (
            D,
            "Codes ROME de la fiche",
            "Seuls les codes métier (lettre et quatre chiffres ne finissant pas par "
            "00) ; les codes de domaine de l'export (A12, M18, A1500…) ne désignent pas un métier et sont écartés.",
        ),
        (
            D,
            "Taux de réponse",
            "Répondants ÷ certifiés de l'année (population enquêtée). Non publié sur la "
            "fiche, donné pour juger de la représentativité.",
        ),
        (
            D,
            "Part des emplois dans le métier visé",
            "Métier visé ÷ en emploi (feuille Adéquation) : un autre "
            "ratio que le taux officiel, donné pour décrire les emplois occupés.",
        ),
        (
            D,
            "Arrondi",
            "Pourcentages entiers arrondis au plus proche (0,5 vers le haut) ; taux vide "
            "lorsque la base de calcul est nulle.",
        ),
        (D, "Intervalle de confiance", "Intervalle de Wilson à 95 %, en %, une décimale."),
        (
            R,
            "Code ROME d'un emploi",
            "Celui de la réponse ; à défaut, celui d'un relecteur ; à défaut, celui de "
            "l'appellation ROME dont l'intitulé est identique après normalisation (casse, accents, formes "
            "masculine/féminine, écriture inclusive). Une correspondance approchée n'est qu'une proposition : "
            "l'emploi compte en emploi, pas dans le métier visé, tant qu'un relecteur ne l'a pas acceptée.",
        ),
        (
            R,
            "Rattachement à une promotion",
            "La promotion indiquée dans la réponse si la personne a été "
            "certifiée cette année-là ; sinon la dernière certification obtenue au plus tard à la date de "
            "réponse ; sinon (sans date, ou réponse antérieure à tout jury) la dernière certification. Une "
            "réponse d'une personne non certifiée n'est pas comptée (feuille Qualité).",
        ),
        (
            R,
            "Une réponse par personne et par vague",
            "Si plusieurs réponses existent (mêmes fichiers ou non, "
            "avec ou sans promotion) : une réponse exprimée d'abord, puis la date de réponse la plus récente, "
            "puis le fichier au nom le plus récent (ordre alphabétique), puis la dernière ligne. Les autres "
            "sont listées dans la feuille Qualité. Les chiffres ne dépendent pas de l'ordre de chargement.",
        ),
        (
            R,
            "Champ mal formé",
            "Un code ROME, un type de contrat, un lieu, une date de réponse ou une promotion "
            "mal formés sont écartés (quarantaine du champ) : la réponse reste comptée. Seuls l'identifiant, la "
            "certification, la vague et la situation peuvent écarter une réponse.",
        ),
        (
            R,
            "Emploi à l'étranger",
            "La situation « En emploi à l'étranger » l'emporte sur une colonne « Lieu de "
            "travail » qui dirait France (signalé dans la feuille Qualité).",
        ),
        (
            R,
            "Décisions de jury en double",
            "Une décision par personne, certification et date de jury : celle du "
            "fichier au nom le plus récent, puis de la dernière ligne.",
        ),
        ("Enquêtes", "Fenêtre de l'enquête à 6 mois", f"{lo6} à {hi6} mois après le jury{CALENDAR}"),
        ("Enquêtes", "Fenêtre de l'enquête à 2 ans", f"{lo24} à {hi24} mois après le jury{CALENDAR}"),
        (
            "Enquêtes",
            "Réponses hors fenêtre",
            "Conservées et comptées ; leur nombre figure ci-dessous et dans la feuille Qualité.",
        ),
        (
            "Diffusion",
            "Politique",
            f"{AUDIENCE_LABELS[AUDIENCE]} (seuil : {settings.small_cohort_threshold}). "
            "Une publication destinée au public se fait avec « insertion publish », qui supprime ces cases.",
        ),
    ]
    # the head-counts from the statistics (one owner); only their breakdowns from the answers
    stats = con.execute(
        "select * from certification_statistics where certification_code = ? and list_contains(?, year) "
        "order by year desc",
        [code, years],
    ).df()
    detail = {
        (r[0], r[1]): r[2:]
        for r in con.execute(
            f"""
            select year, wave,
                   {", ".join(f"count(*) filter (where neutralisation_reason = '{k}')" for k in REASONS)},
                   count(*) filter (where not in_window)
            from fct_survey_responses where certification_code = ? and list_contains(?, year)
            group by year, wave
            """,
            [code, years],
        ).fetchall()
    }
    for r in stats.to_dict(orient="records"):
        for w, (months, name) in WAVES.items():
            if not r[f"surveyed_{w}"]:
                continue
            wave = f"Promotion {r['year']}, enquête à {name}"
            silent = r[f"surveyed_{w}"] - r[f"respondents_{w}"]
            rows.append(
                (
                    "Effectifs",
                    wave,
                    f"{r['certified']} certifiés = {r[f'respondents_{w}']} répondants + "
                    f"{r[f'non_respondents_{w}']} non-répondants ({silent} sans réponse, "
                    f"{r['certified'] - r[f'surveyed_{w}']} sans ligne d'enquête)",
                )
            )
            *by_reason, outside = detail.get((r["year"], months), (0,) * (len(REASONS) + 1))
            reasons = [f"{label} : {n}" for label, n in zip(REASONS.values(), by_reason, strict=True) if n]
            rows.append(("Effectifs", f"{wave} : neutralisés", "; ".join(reasons) or "aucun"))
            rows.append(("Effectifs", f"{wave} : réponses hors fenêtre", str(outside)))
    rows += campaigns.methodology_rows(con, settings, code, years)
    rows += conditions.methodology_rows(settings)
    build = con.execute("select max(finished_at) from load_log where status = 'loaded'").fetchall()[0][0]
    rows.append(("Entrepôt", "Dernier chargement", f"{build:%d/%m/%Y %H:%M}" if build else "inconnu"))
    files = con.execute(
        """
        select distinct l.file_name, l.sha256, l.finished_at, l.kind
        from load_log as l
        where l.status = 'loaded' and (
            l.load_id in (select load_id from landing_cohort_results where certification_code = $1
                          and list_contains($2, year(jury_date)))
            or l.load_id in (select load_id from fct_survey_attachments where certification_code = $1
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
    """What the figures set aside or decided (view ``quality_issues``), failed expectations of the loads
    that carried these promotions, and their quarantined rows and fields."""
    issues = con.execute(
        """
        select 'Règle appliquée' as "Type", source_file as "Fichier", source_row as "Ligne",
               label as "Contrôle", 'warning' as "Gravité",
               coalesce('promotion ' || year, '') || coalesce(', vague ' || wave || ' mois', '') as "Détail"
        from quality_issues
        where certification_code = ? and (year is null or list_contains(?, year))
        order by issue, source_file, source_row
        """,
        [code, years],
    ).df()
    failed = con.execute(
        """
        with loads as (
            select distinct load_id from landing_cohort_results
            where certification_code = $1 and list_contains($2, year(jury_date))
            union select distinct load_id from fct_survey_attachments where certification_code = $1
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
        select case outcome when 'field' then 'Champ écarté (réponse conservée)' else 'Ligne en quarantaine' end
                   as "Type",
               file_name as "Fichier", source_row as "Ligne",
               array_to_string(expectations, ', ') as "Contrôle",
               case outcome when 'field' then 'field' else 'error' end as "Gravité",
               array_to_string(reasons, ' | ') as "Détail"
        from quarantine
        where original_record::varchar like '%' || ? || '%'
        order by file_name, source_row
        """,
        [code],
    ).df()
    parts = [x for x in (issues, failed, quarantined) if not x.empty]
    out = pd.concat(parts, ignore_index=True) if parts else failed
    if out.empty:
        out = pd.DataFrame(
            [("Aucun écart", "", None, "", "", "Tous les contrôles ont réussi ; aucune ligne écartée.")],
            columns=failed.columns,
        )
    return out


def alerts(con, code: str, stats: pd.DataFrame, info: dict, settings: Settings) -> pd.DataFrame:
    """What would weaken the dossier: the alerts of :func:`pipeline.indicators.readiness.check`."""
    all_years = sorted(int(y) for y in stats["year"])
    pending = int(stats["pending_review_6m"].sum() + stats["pending_review_24m"].sum())
    unmatched = unmatched_titles(con, code, all_years)
    compare = fiches.compare(con, code)
    items = readiness.check(
        stats,
        info,
        settings,
        pending_review=pending,
        unmatched_titles=list(unmatched["Intitulé du poste"]),
        gaps=compare[compare["difference"].fillna(0) != 0],
        unhabilitated=habilitation.by_partner(con, [code]),  # issue #16
    )
    out = [(i.topic, i.text) for i in items if not i.ok]
    if not out:
        out.append(("Aucune", "Rien ne semble fragiliser le dossier."))
    return pd.DataFrame(out, columns=["Sujet", "Alerte"])


PARTNER_COLUMNS = {"partner_name": "Partenaire (organisme habilité)", "partner_siret": "SIRET"}


def partner_statistics(con, code: str, years: list[int], threshold: int) -> pd.DataFrame:
    """Issue #16: the statistics per partner and year (table statistics_by_partner), with the dossier's
    disclosure (the partners not habilitated at the jury date are in the Alertes)."""
    from .partners import NO_PARTNER

    frame = con.execute(
        "select * from statistics_by_partner where certification_code = ? and access_route = 'ALL' "
        "and list_contains(?, year) order by partner_name nulls last, partner_siret, year desc",
        [code, years],
    ).df()
    frame["partner_name"] = [
        name if isinstance(name, str) else ("" if isinstance(number, str) else NO_PARTNER)
        for name, number in zip(frame["partner_name"], frame["partner_siret"], strict=True)
    ]
    frame["partner_siret"] = frame["partner_siret"].fillna("")
    return _stat_sheet(frame, threshold, [*PARTNER_COLUMNS, *STAT_KEYS]).rename(columns=PARTNER_COLUMNS)


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
                            else neutralise(v.item() if hasattr(v, "item") else v)
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
        (key, RATE[key].short, color)
        for key, color in zip(FICHE[3:], ("#1f4e79", "#2e8b57", "#c97b12"), strict=True)
    ]
    for i, (column, legend, color) in enumerate(series):
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
        parts.append(
            f'<text x="{left + 10 + i * 200}" y="12" font-size="11" fill="{color}">■ {legend}</text>'
        )
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
