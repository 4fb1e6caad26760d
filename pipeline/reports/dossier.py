"""The reads behind the France Compétences dossier: jobs held and their fit, titles to review, quality checks, alerts, per-partner statistics, conditions of employment.

Each read that touches people or answers takes a scope (issue #16): a partner's keeps the rows whose
``partner_siret`` is one of its SIRET (:func:`pipeline.reports.scope.partner_filter`)."""

from __future__ import annotations

import pandas as pd

from pipeline.core.accounts import EVERYTHING, Scope
from pipeline.core.config import Settings
from pipeline.core.labels import CONTRACT_LABELS as CONTRACTS
from pipeline.core.labels import NEUTRALISATION_LABELS as REASONS
from pipeline.core.labels import TARGET_METHOD_LABELS as METHODS
from pipeline.core.labels import WAVE_LABELS as WAVE_NAMES
from pipeline.core.labels import WORKING_TIME_LABELS as WORKING_TIME
from pipeline.core.quality_labels import (
    OUTCOME_LABELS,
    SEVERITY_LABELS,
    expectation_label,
    message_fr,
    reasons_fr,
)
from pipeline.indicators import WAVES, label
from pipeline.indicators.disclosure import disclose
from pipeline.indicators.dossier import AUDIENCE, STAT_KEYS, flags, stat_sheet
from pipeline.reports import conditions
from pipeline.reports.scope import partner_filter, partner_params


def employment_conditions(
    con, code: str, years: list[int], threshold: int, scope: Scope = EVERYTHING
) -> list[tuple[str, pd.DataFrame]]:
    """Contract, working time, cadre status and pay of the employed respondents, and the other systems'
    rates beside France Compétences' (issue #17: pipeline/reports/conditions.py)."""
    return conditions.pack_blocks(conditions.rows(con, code, years, scope), threshold)


def jobs(con, code: str, years: list[int], scope: Scope = EVERYTHING) -> pd.DataFrame:
    """One row per employed respondent and wave, with how the fit with the targeted jobs was decided."""
    frame = con.execute(
        f"""
        select replace(left(r.candidate_hash::varchar, 13), '-', '') as reference,  -- 12 hex digits
               r.year, r.wave, r.job_title, r.rome_code, r.proposed_rome_code,
               coalesce(c.label, t.rome_label) as rome_label, r.in_target, r.target_method, r.match_score,
               r.reviewer, r.reviewed_at, r.contract_type, r.working_time, r.employer_sector, r.work_location
        from fct_survey_responses as r
        left join rome_codes as c on c.rome_code = r.rome_code
        left join (select rome_code, any_value(rome_label) as rome_label from certification_target_jobs
                   group by 1) as t on t.rome_code = r.rome_code
        where r.certification_code = ? and list_contains(?, r.year) and r.employed
          and {partner_filter("r.partner_siret")}
        order by r.year desc, r.wave, r.in_target desc, r.job_title, reference
        """,
        [code, years, *partner_params(scope)],
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


def adequation(
    con, code: str, years: list[int], stats: pd.DataFrame, threshold: int, scope: Scope = EVERYTHING
) -> dict:
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
        share[label(f"target_share_{w}_small")] = flags(shown, [f"target_share_{w}"])
    by_code = con.execute(
        f"""
        select r.rome_code as "Code ROME", any_value(coalesce(c.label, t.rome_label)) as "Libellé",
               case when t.rome_code is not null then 'oui' else 'non' end as "Métier visé par la fiche",
               count(*)::integer as "Emplois"
        from fct_survey_responses as r
        left join rome_codes as c on c.rome_code = r.rome_code
        left join (select certification_code, rome_code, any_value(rome_label) as rome_label
                   from certification_target_jobs group by all) as t
             on t.certification_code = r.certification_code and t.rome_code = r.rome_code
        where r.certification_code = ? and list_contains(?, r.year) and r.employed
          and {partner_filter("r.partner_siret")}
        group by r.rome_code, t.rome_code
        order by (t.rome_code is null), "Emplois" desc, "Code ROME" nulls last
        """,
        [code, years, *partner_params(scope)],
    ).df()
    return {
        "Adéquation": [
            (
                "Part des emplois dans le métier visé (métier visé ÷ en emploi), par promotion — à ne pas "
                "confondre avec le taux officiel (métier visé ÷ base de calcul, feuille Statistiques)",
                share,
            ),
            ("Emplois par code ROME (métiers visés d'abord)", by_code),
            ("Intitulés de poste sans code ROME, à relire", unmatched_titles(con, code, years, scope)),
        ]
    }


def unmatched_titles(con, code: str, years: list[int], scope: Scope = EVERYTHING) -> pd.DataFrame:
    """The titles waiting for a reviewer (table ``titles_to_review``)."""
    return con.execute(
        f"""
        select job_title as "Intitulé du poste",
               case status when 'proposal' then 'Proposition ' || any_value(proposed_rome_code)
                    || ' (score ' || round(max(match_score))::integer || ')' else 'Aucune correspondance' end
                   as "Correspondance ROME",
               count(*)::integer as "Répondants en emploi"
        from titles_to_review
        where certification_code = ? and list_contains(?, year) and {partner_filter()}
        group by job_title, status order by 3 desc, 1
        """,
        [code, years, *partner_params(scope)],
    ).df()


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
            select load_id from files_used($1, $2) where kind not in ('rncp', 'rome_codes', 'rome_appellations')
        )
        select 'Attente non satisfaite' as "Type", l.file_name as "Fichier", null as "Ligne",
               v.expectation_type as "Contrôle", v.column_name, v.severity as "Gravité",
               v.unexpected_count, v.description as "Détail"
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
        select outcome as "Type",
               file_name as "Fichier", source_row as "Ligne",
               expectations as "Contrôle",
               case outcome when 'field' then 'field' else 'error' end as "Gravité",
               array_to_string(reasons, ' | ') as "Détail"
        from quarantine
        where original_record::varchar like '%' || ? || '%'
        order by file_name, source_row
        """,
        [code],
    ).df()
    # the warehouse keeps the checks' codes and canonical texts: the dossier reads them in French
    failed["Contrôle"] = [
        expectation_label(e) + (f" ({c})" if isinstance(c, str) and c else "")
        for e, c in zip(failed["Contrôle"], failed.pop("column_name"), strict=True)
    ]
    failed["Détail"] = [
        f"{n} ligne(s) : {message_fr(d)}"
        for n, d in zip(failed.pop("unexpected_count"), failed["Détail"], strict=True)
    ]
    # the row left out or one field set aside, in the words of every face (OUTCOME_LABELS)
    outcome = {code: text[:1].upper() + text[1:] for code, text in OUTCOME_LABELS.items()}
    quarantined["Type"] = quarantined["Type"].map(lambda o: outcome.get(o, o))
    quarantined["Contrôle"] = quarantined["Contrôle"].map(lambda e: ", ".join(map(expectation_label, e)))
    quarantined["Détail"] = quarantined["Détail"].map(lambda r: reasons_fr(r, " | "))
    for frame in (issues, failed, quarantined):
        frame["Gravité"] = frame["Gravité"].map(lambda g: SEVERITY_LABELS.get(g, g))
    parts = [x for x in (issues, failed, quarantined) if not x.empty]
    out = pd.concat(parts, ignore_index=True) if parts else failed
    if out.empty:
        out = pd.DataFrame(
            [("Aucun écart", "", None, "", "", "Tous les contrôles ont réussi ; aucune ligne écartée.")],
            columns=failed.columns,
        )
    return out


def alerts(con, code: str, settings: Settings, scope: Scope = EVERYTHING) -> pd.DataFrame:
    """What would weaken the dossier: the same readiness alerts as the Certification page
    (:func:`pipeline.reports.readiness.alerts`; a partner's: on its figures, its titles and its own
    habilitation findings)."""
    from pipeline.reports import readiness

    out = readiness.alerts(con, code, settings, scope)
    if not out:
        out.append(("Aucune", "Rien ne semble fragiliser le dossier."))
    return pd.DataFrame(out, columns=["Sujet", "Alerte"])


PARTNER_COLUMNS = {"partner_name": "Partenaire (organisme habilité)", "partner_siret": "SIRET"}


def partner_statistics(
    con, code: str, years: list[int], threshold: int, scope: Scope = EVERYTHING
) -> pd.DataFrame:
    """Issue #16: the statistics per partner and year (table statistics_by_partner), with the dossier's
    disclosure (the partners not habilitated at the jury date are in the Alertes); a partner's pack: its
    own SIRET only."""
    from pipeline.core.partners import NO_PARTNER

    frame = con.execute(
        "select * from statistics_by_partner where certification_code = ? and access_route = 'ALL' "
        f"and list_contains(?, year) and {partner_filter()} "
        "order by partner_name nulls last, partner_siret, year desc",
        [code, years, *partner_params(scope)],
    ).df()
    frame["partner_name"] = [
        name if isinstance(name, str) else ("" if isinstance(number, str) else NO_PARTNER)
        for name, number in zip(frame["partner_name"], frame["partner_siret"], strict=True)
    ]
    frame["partner_siret"] = frame["partner_siret"].fillna("")
    return stat_sheet(frame, threshold, [*PARTNER_COLUMNS, *STAT_KEYS]).rename(columns=PARTNER_COLUMNS)


def neutralised_counts(
    con, code: str, years: list[int], scope: Scope = EVERYTHING
) -> dict[tuple[int, int], tuple]:
    """(year, wave) -> the counts of neutralised respondents per reason (labels' order), then of answers
    outside their window, for ``scope``'s people."""
    # the reasons are the labels' constant keys, not user input
    reasons = ", ".join(f"count(*) filter (where neutralisation_reason = '{k}')" for k in REASONS)
    where = f"certification_code = ? and list_contains(?, year) and {partner_filter()}"
    params = [code, years, *partner_params(scope)]
    found = con.execute(
        f"select year, wave, {reasons} from fct_survey_responses where {where} group by year, wave", params
    ).fetchall()
    # the answers outside their window: counted ones, and those the setting outside_window left out (M8)
    outside = dict(
        ((y, w), n)
        for y, w, n in con.execute(
            "select year, wave, count(*) from fct_survey_attachments where not in_window "
            f"and (answer_rank = 1 or (year is not null and answer_rank is null)) and {where} group by all",
            params,
        ).fetchall()
    )
    return {(r[0], r[1]): (*r[2:], outside.get((r[0], r[1]), 0)) for r in found}


def last_load(con):
    """When the last file was loaded."""
    return con.execute("select max(finished_at) from load_log where status = 'loaded'").fetchall()[0][0]


def files(con, code: str, years: list[int]) -> list[tuple]:
    """(file name, sha256, loaded at, kind) of every file behind the figures (macro ``files_used``)."""
    return con.execute(
        "select distinct file_name, sha256, finished_at, kind from files_used(?, ?) order by kind, file_name",
        [code, years],
    ).fetchall()
