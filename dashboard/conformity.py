"""Accessibility (RGAA 4.1.2, issue #26): the criteria the tests check, their results, the conformity status
in RGAA's words, what is not accessible and why, and the accessibility declaration's template.

The results are those of the tests, kept in ``dashboard/audit/accessibility.json``: the tests that check a
criterion (tests/browser/test_browser_a11y.py, tests/unit/test_contrast.py, tests/e2e/test_renewal_pdf.py)
compare what they measure with this record and fail when it differs, and rewrite it when run with
``INSERTION_WRITE_AUDIT=1`` (tests/audit.py). The status is then computed as RGAA computes it: the share of
the applicable criteria that are respected — 100 %: « totalement conforme », 50 % and more: « partiellement
conforme », less, or no audit at all: « non conforme ». The tests check 17 of RGAA's 106 criteria, by
machine: while no human audit of the others is recorded (``human_audit`` in the record: its date and
auditor), the status is never « totalement conforme », whatever the share.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

AUDIT = Path(__file__).parent / "audit" / "accessibility.json"
RGAA_CRITERIA = 106  # the criteria of RGAA 4.1.2
SERVICE = "tableau de bord « Insertion professionnelle des certifiés »"

# (RGAA criterion, what it asks, the checks of the tests that prove it: keys of the record)
CRITERIA: list[tuple[str, str, list[str]]] = [
    ("1.1", "Chaque image porteuse d'information (graphique) a une alternative textuelle", ["charts"]),
    (
        "1.3",
        "Cette alternative est pertinente : résumé écrit à partir des chiffres, tableau des données",
        ["charts"],
    ),
    ("3.1", "L'information n'est pas donnée par la couleur seule", ["colour_not_alone"]),
    ("3.2", "Le contraste du texte est d'au moins 4,5:1", ["axe"]),
    ("3.3", "Le contraste des éléments graphiques est d'au moins 3:1", ["contrast_graphics"]),
    ("5.6", "Chaque tableau de données a des en-têtes de colonnes", ["axe", "charts"]),
    ("7.1", "Chaque composant d'interface a un nom, un rôle et un état accessibles", ["axe"]),
    ("7.3", "Chaque composant est utilisable au clavier", ["keyboard"]),
    ("8.3", "La langue de la page est indiquée (fr)", ["axe"]),
    ("8.6", "Chaque page a un titre pertinent", ["axe"]),
    ("9.1", "Les titres sont hiérarchisés sans saut de niveau", ["headings"]),
    ("10.7", "La prise de focus est visible", ["focus_visible"]),
    ("10.11", "Le contenu se lit sans défilement horizontal à 320 px (zoom 200 %)", ["reflow"]),
    ("11.1", "Chaque champ de formulaire a une étiquette", ["axe"]),
    ("12.7", "Un lien d'évitement mène au contenu principal", ["skip_link"]),
    ("12.8", "L'ordre de tabulation est cohérent (menu, filtres, contenu)", ["keyboard"]),
    (
        "13.3",
        "Chaque document bureautique a une version accessible (dossier de renouvellement : HTML et PDF balisé)",
        ["pack_html", "pack_pdf"],
    ),
]

LEVELS = [(100, "totalement conforme"), (50, "partiellement conforme"), (0, "non conforme")]

# What the tests do not cover, said plainly on the page and in the declaration.
NOT_AUDITED = [
    "Les Data Docs (rapport HTML produit par Great Expectations, /data-docs/) : générés par une bibliothèque "
    "tierce, ils ne font pas partie des pages vérifiées ; les mêmes résultats sont dans la page « Qualité "
    "des données », qui l'est.",
    "Les critères du RGAA qui demandent un jugement humain (pertinence des titres et des libellés, "
    "restitution par chaque lecteur d'écran) : seuls les critères listés ci-dessous sont vérifiés, "
    "automatiquement, par les tests du projet. Faute d'audit humain des autres, la conformité ne peut "
    "être déclarée totale.",
]
EQUIVALENTS = [
    "Les info-bulles des graphiques, au survol de la souris, ne s'ouvrent pas au clavier : chaque graphique "
    "a son résumé et son tableau « Données du graphique », qui disent les mêmes chiffres.",
    "Le classeur Excel du dossier de renouvellement : sa version accessible est la page HTML et le PDF "
    "balisé du même dossier (boutons de la page Certification, « insertion renewal --html --pdf »).",
    "La barre d'outils des graphiques (Plotly) est hors de l'ordre de tabulation : elle ne sert qu'à la "
    "souris (zoom, image) ; le tableau des données la remplace au clavier.",
]


def load(path: Path = AUDIT) -> dict:
    """The recorded results of the tests ({} when none: then nothing is proven, « non conforme »)."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def criteria(record: dict | None = None) -> list[dict]:
    """Each criterion with its result: respected when every check that proves it passed."""
    record = load() if record is None else record
    checks = record.get("checks", {})
    out = []
    for number, text, keys in CRITERIA:
        known = [checks[k] for k in keys if k in checks]
        respected = len(known) == len(keys) and all(c.get("ok") for c in known)
        out.append(
            {
                "criterion": number,
                "text": text,
                "respected": respected,
                "checks": keys,
                "detail": " ; ".join(c.get("detail", "") for c in known if c.get("detail")),
            }
        )
    return out


def status(record: dict | None = None) -> dict:
    """RGAA's status: {"label": « partiellement conforme »…, "rate": %, "respected", "applicable"}."""
    record = load() if record is None else record
    results = criteria(record)
    respected = sum(r["respected"] for r in results)
    rate = round(100 * respected / len(results)) if record.get("checks") else 0
    label = next(name for floor, name in LEVELS if rate >= floor)
    if label == LEVELS[0][1] and (respected < len(results) or not record.get("human_audit")):
        label = LEVELS[1][1]  # rounding never makes a failure total; nor do machines alone (module doc)
    return {
        "label": label,
        "rate": rate,
        "respected": respected,
        "applicable": len(results),
        "human_audit": record.get("human_audit") or "",
    }


def contact() -> str:
    """Whom to write to (INSERTION_ACCESSIBILITY_CONTACT: an e-mail address or a service)."""
    return os.environ.get("INSERTION_ACCESSIBILITY_CONTACT") or "l'administrateur du tableau de bord"


def failures(record: dict | None = None) -> list[str]:
    return [f"Critère {r['criterion']} : {r['text']}." for r in criteria(record) if not r["respected"]]


def declaration(record: dict | None = None) -> str:
    """The accessibility declaration, RGAA's model, filled with what the tests measured; the parts only
    the certifier can fill are in [brackets]."""
    record = load() if record is None else record
    state = status(record)
    audited = record.get("date", "[date]")
    tool = record.get("tool", "axe-core")
    pages = ", ".join(record.get("pages", {})) or "[pages]"
    lines = [
        "Déclaration d'accessibilité",
        "",
        "[Nom de l'organisme certificateur] s'engage à rendre ses services numériques accessibles, "
        "conformément à l'article 47 de la loi n° 2005-102 du 11 février 2005.",
        "",
        "À cette fin, il met en œuvre la stratégie et les actions suivantes :",
        "- schéma pluriannuel de mise en accessibilité [années] : [lien vers le schéma] ;",
        "- plan d'actions de l'année [année] : [lien vers le plan].",
        "",
        f"Cette déclaration d'accessibilité s'applique au {SERVICE} ([adresse du tableau de bord]).",
        "",
        "État de conformité",
        f"Le {SERVICE} est {state['label']} avec le référentiel général d'amélioration de l'accessibilité "
        "(RGAA), version 4.1.2"
        + (
            ", en raison des non-conformités et des contenus non audités énumérés ci-dessous."
            if state["label"] != LEVELS[0][1]
            else "."
        ),
        "",
        "Résultats des tests",
        f"Les tests automatisés du {audited} révèlent que {state['rate']} % des critères vérifiés sont "
        f"respectés ({state['respected']} sur {state['applicable']} ; le RGAA 4.1.2 en compte {RGAA_CRITERIA}, "
        "les autres demandent un audit humain).",
        "",
        "Contenus non accessibles",
        "Non-conformités :",
        *([f"- {f}" for f in failures(record)] or ["- aucune parmi les critères vérifiés."]),
        "Contenus non audités :",
        *[f"- {x}" for x in NOT_AUDITED],
        "Dérogations pour charge disproportionnée : aucune.",
        "Contenus non soumis à l'obligation d'accessibilité : aucun.",
        "",
        "Établissement de cette déclaration d'accessibilité",
        f"Cette déclaration a été établie le [date], à partir des tests du {audited}.",
        "Technologies utilisées : HTML5, CSS, JavaScript (Dash, React, Plotly), SVG, PDF balisé.",
        f"Environnement de test : Chromium sans interface (Debian) ; outils : {tool}, Playwright, tests du projet.",
        f"Pages vérifiées, pour chaque rôle, avec et sans certification choisie : {pages}.",
        "",
        "Retour d'information et contact",
        "Si vous n'arrivez pas à accéder à un contenu ou à un service, vous pouvez contacter "
        f"{contact()} pour être orienté vers une alternative accessible ou obtenir le contenu sous une autre forme.",
        "",
        "Voies de recours",
        "Si vous constatez un défaut d'accessibilité vous empêchant d'accéder à un contenu ou à une "
        "fonctionnalité, que vous nous l'avez signalé et que vous n'avez pas obtenu de réponse satisfaisante, "
        "vous êtes en droit de faire parvenir vos doléances ou une demande de saisine au Défenseur des droits :",
        "- par le formulaire de contact en ligne du Défenseur des droits ;",
        "- auprès du délégué du Défenseur des droits de votre région ;",
        "- par courrier (gratuit, sans affranchissement) : Défenseur des droits, Libre réponse 71120, "
        "75342 Paris CEDEX 07.",
    ]
    return "\n".join(lines)
