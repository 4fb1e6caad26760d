"""The pack's « Méthodologie » sheet: the definitions, windows, settings in force, neutralised counts, survey waves and files behind the figures."""

from __future__ import annotations

import duckdb
import pandas as pd

from pipeline.core.accounts import EVERYTHING, Scope
from pipeline.core.config import RECORDED, Settings, env_name, setting_text
from pipeline.core.labels import NEUTRALISATION_LABELS as REASONS
from pipeline.core.labels import WAVE_LABELS
from pipeline.indicators import WAVES, label
from pipeline.indicators import conditions as C
from pipeline.indicators.disclosure import AUDIENCE_LABELS, MIN_PAY_ANSWERS
from pipeline.indicators.dossier import AUDIENCE
from pipeline.indicators.formats import fr_int
from pipeline.reports import accrochage, dossier
from pipeline.reports.campaigns import STATUS_LABELS, nonresponse_rule, status, window_text
from pipeline.reports.scope import partner_line
from pipeline.reports.settings import certification_settings
from pipeline.reports.statistics import statistics

# the survey window's rule (docs/methodology.md M8; SQL macro survey_window), in one sentence
CALENDAR = (
    " (mois calendaires, premier et dernier jour compris ; un jour qui n'existe pas dans le mois d'arrivée "
    "devient le dernier jour de ce mois)"
)


D = "Définitions"
R = "Règles"


def methodology(
    con, code: str, years: list[int], settings: Settings, scope: Scope = EVERYTHING
) -> pd.DataFrame:
    """Definitions, the rules of the cases France Compétences does not spell out, windows, the settings in
    force, what was set aside, the head-counts that add up (certified = respondents + non-respondents), the
    disclosure policy and the data files used (docs/methodology.md states the same rules).

    A partner's pack (issue #16): the head-counts are its people's, and what is the certifier's own (its
    survey campaigns, the files it loaded) is left out."""
    rows = [
        *scope_rows(con, code, scope),
        *cohort_source_rows(con, code),  # issue #27
        *definitions(certification_settings(con, code)),
        *RULES,
        *surveys(settings),
        *settings_rows(settings),
        *head_counts(con, code, years, scope),
        *([] if scope.restricted else campaign_rows(con, settings, code, years)),
        *condition_rows(settings),
        *([] if scope.restricted else warehouse_rows(con, code, years)),
    ]
    return pd.DataFrame(rows, columns=["Rubrique", "Élément", "Valeur"])


def scope_rows(con, code: str, scope: Scope) -> list[tuple[str, str, str]]:
    """A partner's pack says whose figures it holds."""
    if not scope.restricted:
        return []
    return [
        (
            "Champ",
            partner_line(con, code, scope),
            "Les chiffres de ce dossier sont ceux des seuls certifiés de ces organismes (SIRET de la "
            "décision de jury), selon les mêmes définitions et la même politique de diffusion que ceux "
            "de la certification entière.",
        )
    ]


def cohort_source_rows(con, code: str) -> list[tuple[str, str, str]]:
    """Issue #27: a certification whose certified come from the CDC flux says what they cannot tell."""
    note = accrochage.cohort_note(con, code)
    return [(R, "Source des certifiés", note)] if note else []


def definitions(cert: dict[str, bool]) -> list[tuple[str, str, str]]:
    """France Compétences' definitions, with this certification's own settings."""
    return [
        (
            D,
            label("certified"),
            "Personnes ayant obtenu la certification complète (pas une validation "
            "partielle de blocs) lors d'un jury de l'année ; une personne compte une fois par année.",
        ),
        (
            D,
            "Nombre de certifiés",
            "Personnes ayant obtenu la certification complète par décision de jury dans l'année, comptées "
            "une fois par année : une personne certifiée par plusieurs jurys la même année compte sous le "
            "dernier (sa voie d'accès, son site, son partenaire), signalée dans la feuille Qualité.",
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
                if cert["international"]
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
                if cert["target_parent_codes"]
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
    ]


RULES = [
    (
        R,
        "Code ROME d'un emploi",
        "Celui de la réponse ; à défaut, celui d'un relecteur ; à défaut, celui de "
        "l'appellation ROME dont l'intitulé est identique après normalisation (casse, accents), sous l'une "
        "de ses formes écrites : masculine, féminine, écriture inclusive (« Chef·fe », « Chef(fe) », "
        "« Agent / Agente »). Un intitulé qui est l'appellation de plusieurs codes prend le premier qui est "
        "un code visé par la certification, sinon le premier (signalé : intitulé ambigu). Une "
        "correspondance approchée n'est qu'une proposition : l'emploi compte en emploi, pas dans le métier "
        "visé, tant qu'un relecteur ne l'a pas acceptée.",
    ),
    (
        R,
        "Rattachement à une promotion",
        "La promotion indiquée dans la réponse si la personne a été "
        "certifiée cette année-là ; sinon la dernière certification obtenue au plus tard à la date de "
        "réponse ; sinon (sans date, ou réponse antérieure à tout jury) la dernière certification. Une "
        "promotion indiquée qui n'est pas une année de certification de la personne ne retire pas la "
        "réponse : elle est rattachée par sa date et signalée (promotion corrigée, feuille Qualité). Une "
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
]


def surveys(settings: Settings) -> list[tuple[str, str, str]]:
    """The survey windows and the disclosure policy, under the settings in force."""
    (lo6, hi6), (lo24, hi24) = settings.window_6m, settings.window_24m
    return [
        ("Enquêtes", "Fenêtre de l'enquête à 6 mois", f"{lo6} à {hi6} mois après le jury{CALENDAR}"),
        ("Enquêtes", "Fenêtre de l'enquête à 2 ans", f"{lo24} à {hi24} mois après le jury{CALENDAR}"),
        (
            "Enquêtes",
            "Réponses hors fenêtre",
            (
                "Exclues des chiffres (réglage INSERTION_OUTSIDE_WINDOW=exclude) : la personne compte "
                "parmi les non-répondants de la vague si elle n'a pas d'autre réponse dans la fenêtre"
                if settings.outside_window == "exclude"
                else "Conservées et comptées"
            )
            + " ; leur nombre figure ci-dessous et dans la feuille Qualité.",
        ),
        (
            "Diffusion",
            "Politique",
            f"{AUDIENCE_LABELS[AUDIENCE]} (seuil : {settings.small_cohort_threshold}). "
            "Une publication destinée au public se fait avec « insertion publish », qui supprime ces cases.",
        ),
    ]


def settings_rows(settings: Settings) -> list[tuple[str, str, str]]:
    """Every setting that rules the figures, as recorded with them at the last build."""
    return [("Réglages en vigueur", env_name(key), setting_text(getattr(settings, key))) for key in RECORDED]


def head_counts(con, code: str, years: list[int], scope: Scope = EVERYTHING) -> list[tuple[str, str, str]]:
    """Per promotion and wave: certified = respondents + non-respondents, the neutralised by reason and
    the answers outside their window (the head-counts from the statistics, one owner; only their
    breakdowns from the answers), for ``scope``'s people."""
    rows = []
    stats = statistics(con, code, scope, years)
    detail = dossier.neutralised_counts(con, code, years, scope)
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
    return rows


def warehouse_rows(con, code: str, years: list[int]) -> list[tuple[str, str, str]]:
    """The last load and every file behind the figures, with its sha256."""
    last = dossier.last_load(con)
    rows = [("Entrepôt", "Dernier chargement", f"{last:%d/%m/%Y %H:%M}" if last else "inconnu")]
    for name, sha, loaded, kind in dossier.files(con, code, years):
        rows.append(("Fichiers utilisés", name, f"{kind} — sha256 {sha} — chargé le {loaded:%d/%m/%Y %H:%M}"))
    return rows


def campaign_rows(
    con: duckdb.DuckDBPyConnection, settings: Settings, code: str, years: list[int]
) -> list[tuple[str, str, str]]:
    """The pack's « Méthodologie » lines on the campaigns: each wave's window, invitations, answers and
    response rate per promotion, and how the non-response check judges a risk of bias."""
    from pipeline.indicators.formats import rate_text

    rows = [
        (
            "Campagnes d'enquête",
            "Fenêtres",
            "Les fenêtres des enquêtes (rubrique « Enquêtes ») ; invitations envoyées par fichier de "
            "participants (jeton individuel, sans donnée nominative dans l'entrepôt).",
        )
    ]
    frame = status(con, settings, code)
    frame = frame[frame["site"].isna() & frame["promotion"].isin(years)]
    for r in frame.sort_values(["promotion", "wave"]).itertuples():
        invited = f"{r.invited} invité(s)" if r.invited else "invitations non suivies dans l'outil"
        rows.append(
            (
                "Campagnes d'enquête",
                f"Promotion {r.promotion}, vague à {WAVE_LABELS[r.wave]}",
                f"{window_text(r.opens, r.closes)} ({STATUS_LABELS[r.status].lower()}) ; {invited} ; "
                f"{r.answered} répondant(s) sur {r.certified} certifiés : taux de réponse "
                f"{rate_text(r.response_rate, r.answered, r.certified, settings.small_cohort_threshold)}"
                + (f" ; alerte : {r.alert}" if isinstance(r.alert, str) else ""),
            )
        )
    rows.append(("Campagnes d'enquête", "Contrôle de la non-réponse", nonresponse_rule(settings)))
    return rows


def condition_rows(settings) -> list[tuple[str, str, str]]:
    """What the methodology sheet says of these figures: definitions, the pay's conversion and limits."""
    from pipeline.indicators.conditions import MONTHS_PER_YEAR

    section = "Conditions d'emploi et autres définitions"
    rows = [(section, d.label, d.sentence) for d in C.DEFINITIONS.values()]
    rows += [
        (
            section,
            "Salaire : colonnes lues",
            "« Salaire brut annuel » (montant annuel), « Salaire brut mensuel » (montant mensuel), ou "
            "« Salaire brut » avec « Période de rémunération » (annuel ou mensuel) ; si plusieurs sont "
            "remplies, l'annuel l'emporte, puis le mensuel.",
        ),
        (
            section,
            "Salaire : conversion en annuel",
            f"Un salaire mensuel est multiplié par {MONTHS_PER_YEAR} (et non 13) : l'enquête demande le "
            "salaire mensuel brut du poste, sans savoir si l'employeur verse un 13e mois ou des primes ; "
            "multiplier par 13 ajouterait à chaque réponse un mois que la plupart des contrats ne versent pas.",
        ),
        (
            section,
            "Salaire : valeurs impossibles écartées",
            f"Un salaire annuel inférieur à {fr_int(settings.pay_floor)} € pour un emploi non déclaré à temps "
            "partiel (environ la moitié du SMIC annuel brut à temps plein) ou supérieur à "
            f"{fr_int(settings.pay_ceiling)} €, ou illisible, est écarté (qualité : champ écarté, la réponse "
            "compte) ; les quartiles ne portent que sur les emplois à temps plein.",
        ),
        (
            section,
            "Salaire : seuil de publication",
            f"Quartiles publiés à partir de {MIN_PAY_ANSWERS} salaires renseignés, quel que soit le public "
            "(y compris le SQL des analystes), pour qu'aucun salaire individuel ne puisse être retrouvé.",
        ),
    ]
    return rows
