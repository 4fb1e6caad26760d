"""French wording of the data-quality vocabulary, for display only: expectation types, suites, the
``message`` of each expectation (``expectations/``, ``pipeline/load/checks.py``, ``pipeline/load/sql/checks/``), the
quarantine reasons built from them (``pipeline/load/sources/tabular.py``) and the load warnings.

The stored data stays as written (English, stable identifiers); the dashboard translates when it shows
it, here and nowhere else. Anything not listed is shown as it is.
"""

from __future__ import annotations

import re

from pipeline.core import siret
from pipeline.core.labels import (
    CONTRACT_LABELS,
    EXECUTIVE_LABELS,
    PAY_PERIOD_LABELS,
    SITUATION_LABELS,
    WORKING_TIME_LABELS,
)

# GX expectation types of the suites (expectations/) and the table-level types of pipeline/load/gate.py,
# then the cross-source checks run in the warehouse (pipeline/load/checks.py and pipeline/load/sql/checks/cross_source.sql).
EXPECTATION_LABELS = {
    "expect_table_row_count_to_be_between": "Nombre de lignes du fichier",
    "expect_column_to_exist": "Colonne présente",
    "expect_table_columns_to_match_set": "Colonnes attendues",
    "expect_column_values_to_not_be_null": "Valeur renseignée",
    "expect_column_values_to_be_null": "Valeur lisible (rien d'illisible)",
    "expect_column_values_to_match_regex": "Format de la valeur",
    "expect_column_values_to_be_in_set": "Valeur parmi les valeurs admises",
    "expect_column_values_to_be_between": "Valeur dans l'intervalle admis",
    "expect_column_values_to_be_unique": "Valeur unique",
    "expect_compound_columns_to_be_unique": "Combinaison de colonnes unique",
    "survey_respondents_are_certified": "Répondants certifiés",
    "one_answer_per_person_and_wave": "Une réponse par personne et par vague",
    "answers_after_the_jury": "Réponses postérieures au jury",
    "answers_within_the_survey_windows": "Réponses dans la fenêtre d'enquête",
    "work_location_agrees_with_situation": "Lieu de travail cohérent avec la situation",
    "job_titles_reviewed": "Intitulés de poste relus",
    "job_titles_unambiguous": "Intitulés de poste sans ambiguïté de code ROME",
    "certified_once_per_certification": "Une certification par personne",
    "answers_promotion_is_a_year_of_the_person": "Promotion des réponses connue",
    "one_jury_per_person_and_year": "Un jury par personne et par année",
    "one_decision_per_jury": "Une décision par jury",
    "cohort_certifications_in_referential": "Certifications présentes dans le référentiel",
    "rates_within_0_100": "Taux publiés entre 0 et 100",
    "numerators_within_denominators": "Numérateurs inférieurs aux dénominateurs",
    "partners_habilitated": "Partenaires habilités à la date du jury",  # issue #16
    "rncp_passages_only": "Passages de certifications RNCP",  # issue #27
}

# suite names (= input kinds) and the warehouse-wide checks
SUITE_LABELS = {
    "cohort_results": "Résultats de jury",
    "survey_answers": "Réponses aux enquêtes",
    "rncp_referential": "Référentiel RNCP",
    "rome_codes": "Codes ROME",
    "rome_appellations": "Appellations ROME",
    "cross_source": "Contrôles croisés",
    "cdc_flux": "Flux d'accrochage CDC",  # issue #27
}

# What was expected (an expectation's ``message``): exact English text, or a pattern whose groups are
# carried over (values, column names, dates) -> French.
_MESSAGES: list[tuple[str, str]] = [
    (r"at least one data row", "au moins une ligne de données"),
    (r"a column for (.+) \(see data/templates/\)", r"une colonne pour \1 (voir data/templates/)"),
    (r"a candidate reference", "une référence de candidat"),
    (
        r"a certification code RNCP followed by 3 to 6 digits",
        "un code de certification : RNCP suivi de 3 à 6 chiffres",
    ),
    (r"a fiche number RNCP followed by 3 to 6 digits", "un numéro de fiche : RNCP suivi de 3 à 6 chiffres"),
    (r"a date jj/mm/aaaa or aaaa-mm-jj", "une date jj/mm/aaaa ou aaaa-mm-jj"),
    (r"a jury date between (\S+) and (\S+)", r"une date de jury entre le \1 et le \2"),
    (r"a jury date from (\S+)", r"une date de jury à partir du \1"),
    (
        r"a jury date not after today \((\S+)\)",
        r"une date de jury qui ne soit pas dans le futur (au plus tard aujourd'hui, le \1)",
    ),
    (
        r"an answer date not after today \((\S+)\)",
        r"une date de réponse qui ne soit pas dans le futur (au plus tard aujourd'hui, le \1)",
    ),
    # defects the reader marks (pipeline/load/gate.py, expectations/common.py: defect_checks)
    (
        r"text without a NUL byte \(0x00, a stray control character in the file\)",
        "un texte sans octet NUL (0x00, caractère de contrôle égaré dans le fichier)",
    ),
    (
        r"a complete last row: the file seems cut off at its last line "
        r"\(fewer fields than the header and no line end\); export it again",
        "une dernière ligne complète : le fichier semble tronqué à sa dernière ligne (moins de champs que "
        "l'en-tête et pas de fin de ligne) ; exportez-le à nouveau",
    ),
    # a survey tool's tokens (pipeline/load/sources/limesurvey.py)
    (
        r"a token issued for this certification and wave \(pipeline/core/tokens.py\): this one names nobody "
        r"of the campaign \(a typo, another survey, or a token made with another key\)",
        "un jeton émis pour cette certification et cette vague : celui-ci ne désigne personne de la campagne "
        "(faute de frappe, autre enquête, ou jeton créé avec une autre clé)",
    ),
    (
        r"an answer sent no later than the token's last valid day \(the close of the wave's window\)",
        "une réponse envoyée au plus tard le dernier jour de validité du jeton (clôture de la fenêtre de la vague)",
    ),
    (
        r"one answer per participant: this participant sent another answer, submitted later "
        r"\(that one is kept\)",
        "une réponse par participant : ce participant a envoyé une autre réponse, plus récente (c'est celle-ci "
        "qui est conservée)",
    ),
    (r"an access route \((.+) or (\w+)\)", r"une voie d'accès (\1 ou \2)"),
    (r"an outcome \((.+) or (\w+)\)", r"un résultat (\1 ou \2)"),
    (
        r"one row per candidate, certification and jury date in a file \(the last row is kept\)",
        "une ligne par candidat, certification et date de jury dans un fichier (la dernière est conservée)",
    ),
    (r"a wave: 6 mois or 2 ans", "une vague : 6 mois ou 2 ans"),
    (
        r"a ROME code: a letter A-N and 4 digits \(e\.g\. (\w+)\)",
        r"un code ROME : une lettre de A à N et 4 chiffres (par exemple \1)",
    ),
    (r"a ROME code: a letter A-N and 4 digits", "un code ROME : une lettre de A à N et 4 chiffres"),
    (r"a promotion year between (\d+) and (\d+)", r"une année de promotion entre \1 et \2"),
    (
        r"one answer per candidate, certification and wave in a file \(one is kept: see the methodology\)",
        "une réponse par candidat, certification et vague dans un fichier "
        "(une seule est conservée : voir la méthodologie)",
    ),
    (r"a job title for an employed respondent", "un intitulé de poste pour un répondant en emploi"),
    # issue #17: pay (pipeline/load/sources/surveys.py, expectations/survey_answers.py)
    (
        r"a gross pay in euros \(e\.g\. 32 000\) and its period: a column « salaire brut annuel » or "
        r"« salaire brut mensuel », or « salaire brut » with « période de rémunération » annuel or mensuel",
        "un salaire brut en euros (par exemple 32 000) et sa période : une colonne « salaire brut annuel » "
        "ou « salaire brut mensuel », ou « salaire brut » avec « période de rémunération » annuel ou mensuel",
    ),
    (
        r"a gross annual pay of at least ([\d  ]+) € for a job not declared part-time "
        r"\(a monthly amount × 12; about half the annual full-time SMIC: setting pay_floor\)",
        r"un salaire brut annuel d'au moins \1 € pour un emploi non déclaré à temps partiel (un montant "
        r"mensuel × 12 ; environ la moitié du SMIC annuel brut à temps plein : réglage pay_floor)",
    ),
    (
        r"a gross annual pay of at most ([\d  ]+) € \(setting pay_ceiling\)",
        r"un salaire brut annuel d'au plus \1 € (réglage pay_ceiling)",
    ),
    (r"a title \(INTITULE\)", "un intitulé (INTITULE)"),
    (r"a level among (.+)", r"un niveau parmi \1"),
    (r"a registration end date jj/mm/aaaa", "une date de fin d'enregistrement jj/mm/aaaa"),
    (r"published rates within 0 and 100", "des taux publiés compris entre 0 et 100"),
    (r"a job label", "un libellé de métier"),
    (r"a job title", "un libellé d'appellation"),
    (r"each ROME code once", "chaque code ROME une seule fois"),
    (r"each OGR code once", "chaque code OGR une seule fois"),
    # cross-source checks (pipeline/load/checks.py, pipeline/load/sql/checks/cross_source.sql)
    (
        r"every survey respondent is found certified for that certification \(and promotion, when given\)",
        "chaque répondant figure parmi les certifiés de la certification (et de la promotion, si elle est "
        "indiquée)",
    ),
    (
        r"one answer per person, certification, promotion and wave "
        r"\(the others are set aside by the stated rule\)",
        "une réponse par personne, certification, promotion et vague (les autres sont écartées selon la "
        "règle annoncée)",
    ),
    (
        r"every answer dated after the jury of its promotion",
        "chaque réponse datée après le jury de sa promotion",
    ),
    (
        r"every answer dated within its wave's window \(settings window_6m, window_24m\)",
        "chaque réponse datée dans la fenêtre de sa vague (réglages window_6m, window_24m)",
    ),
    (
        r"no « En emploi à l'étranger » with a work location in France",
        "aucun « En emploi à l'étranger » avec un lieu de travail en France",
    ),
    (
        r"no employed respondent whose title only has a fuzzy ROME match waiting for review",
        "aucun répondant en emploi dont l'intitulé n'a qu'une correspondance ROME approchée en attente de "
        "relecture",
    ),
    (
        r"no employed respondent whose job code comes from a title that is a ROME appellation of several codes",
        "aucun répondant en emploi dont le code ROME vient d'un intitulé qui est une appellation de plusieurs "
        "codes (intitulé ambigu)",
    ),
    (
        r"a person certified once per certification \(else counted in each year\)",
        "une personne certifiée une seule fois par certification (sinon comptée chaque année)",
    ),
    (
        r"every answer's promotion is a year the person was certified \(else attached by its date\)",
        "la promotion de chaque réponse est une année où la personne a été certifiée (sinon rattachée "
        "par sa date)",
    ),
    (
        r"a person certified by one jury per certification and year \(else counted once, under the latest\)",
        "une personne certifiée par un seul jury par certification et par année (sinon comptée une fois, "
        "sous le dernier)",
    ),
    (
        r"one decision per person, certification and jury date",
        "une décision par personne, certification et date de jury",
    ),
    (
        r"every certification of the cohort results is in the referential \(once one is loaded\)",
        "chaque certification des résultats de jury figure dans le référentiel (dès qu'il est chargé)",
    ),
    (r"every published rate lies within \[0, 100\]", "chaque taux publié est compris entre 0 et 100"),
    (
        r"in target <= employed <= denominator <= respondents <= certified, for each wave",
        "dans le métier visé ≤ en emploi ≤ dénominateur ≤ répondants ≤ certifiés, pour chaque vague",
    ),
    # issue #27: the Caisse des Dépôts flux (expectations/cdc_flux.py, pipeline/core/nir.py)
    (r"an idTechnique \(the passage's identifier\)", "un idTechnique (l'identifiant du passage)"),
    (
        r"one passage per idTechnique in a flux: another passage further in the flux has this idTechnique "
        r"\(that one is kept\)",
        "un passage par idTechnique dans un flux : un autre passage plus loin dans le flux porte cet "
        "idTechnique (c'est lui qui est conservé)",
    ),
    (
        r"an idTechnique listed in the flux's mapping file \(its candidate reference\)",
        "un idTechnique présent dans le fichier de correspondance du flux (sa référence candidat)",
    ),
    (
        r"a certificate date \(dateDebutValidite\) aaaa-mm-jj",
        "une date de certificat (dateDebutValidite) aaaa-mm-jj",
    ),
    (r"a certificate date from (\S+)", r"une date de certificat à partir du \1"),
    (
        r"a certificate date not after today \((\S+)\)",
        r"une date de certificat qui ne soit pas dans le futur (au plus tard aujourd'hui, le \1)",
    ),
    (r"an access mode \(modaliteAcces\)", "une modalité d'accès (modaliteAcces)"),
    (
        r"passages of RNCP certifications \(the passages of RS certifications, répertoire spécifique, are "
        r"counted and set aside\)",
        "des passages de certifications RNCP (les passages de certifications RS, répertoire spécifique, sont "
        "comptés et écartés)",
    ),
    (
        r"a NIR of 13 characters \(sex 1 or 2, year, month, department — 2A or 2B for Corsica —, commune, "
        r"order number\), with or without its 2-digit key",
        "un NIR de 13 caractères (sexe 1 ou 2, année, mois, département — 2A ou 2B pour la Corse —, commune, "
        "numéro d'ordre), avec ou sans sa clé de 2 chiffres",
    ),
    (
        r"a NIR whose key is 97 minus the 13-character number modulo 97 \(2A read 19, 2B read 18\)",
        "un NIR dont la clé vaut 97 moins le numéro de 13 caractères modulo 97 (2A lu 19, 2B lu 18)",
    ),
    (
        r"an identification of the holder: identifiantNational \(NIR\) or titulaire",
        "une identification du titulaire : identifiantNational (NIR) ou titulaire",
    ),
    # issue #16: partners
    (
        r"partner SIRETs of 14 digits with a valid check key",
        "des SIRET de partenaires à 14 chiffres et clé juste",
    ),
    (
        r"a SIRET: 14 digits whose check key is valid \(Luhn; La Poste: digit sum a multiple of 5\)",
        "un SIRET : 14 chiffres dont la clé de contrôle est juste (Luhn ; La Poste : somme des chiffres "
        "multiple de 5)",
    ),
    (
        r"every certified person's partner habilitated for the certification at the jury date "
        r"\(one line per partner and finding, with its count; table habilitation_issues\)",
        "le partenaire de chaque certifié habilité pour la certification à la date du jury (une ligne par "
        "partenaire et constat, avec son effectif ; table habilitation_issues)",
    ),
]
# the canonical codes listed by "one of ..." (pipeline/core/mappings/values.json), in French
VALUE_LABELS = {
    **SITUATION_LABELS,
    **CONTRACT_LABELS,
    **WORKING_TIME_LABELS,
    **EXECUTIVE_LABELS,
    **PAY_PERIOD_LABELS,
    "certified": "certifié",
    "partial": "partiel",
    "failed": "ajourné",
    "france": "France",
    "abroad": "étranger",
    "in": "dans le métier visé",
    "out": "hors du métier visé",
    "6": "6 mois",
    "24": "2 ans",
    "partner": "partenaire",
    "certifier": "certificateur",
}
# a check's severity and result, as every face shows them (the warehouse keeps the codes)
SEVERITY_LABELS = {"error": "erreur (ligne écartée)", "field": "champ écarté", "warning": "avertissement"}
RESULT_LABELS = {"ok": "réussite", "FAILED": "échec"}
# what a quarantined record's check did (``quarantine.outcome``): the row left out, or one field set aside
OUTCOME_LABELS = {"row": "ligne écartée", "field": "champ écarté, ligne conservée"}
_ONE_OF = re.compile(r"one of (.+)", re.S)
_COMPILED = [(re.compile(pattern, re.S), french) for pattern, french in _MESSAGES]
_NOT_EVALUATED = re.compile(r"(.*) \(could not be evaluated: (.*)\)", re.S)
# a quarantine reason: "row 12, column 'Code' = 'X': expected <message>" (pipeline/load/sources/tabular.py)
_REASON = re.compile(r"row (\d+), (?:column (.*): )?expected (.*)", re.S)
# a load warning: "column 'x': expected <message> [<type>]: 3 row(s)" (Outcome.reason() + a count)
_WARNING = re.compile(r"(?:column (.*): )?expected (.*) \[(\w+)\](?:: (\d+) row\(s\))?", re.S)
_SHEET = re.compile(r"sheet (.*), header on row (\d+)", re.S)
# a passage of a CDC flux set aside (issue #27, pipeline/load/sources/cdc_write.py)
_PASSAGE = re.compile(r"passage (\d+) \(line (\d+)\), element (.*?): expected (.*)", re.S)
# a file rejected by a table-level expectation: "<file>, row 1, column 'x': expected <message>" (InputError)
_VALUE = re.compile(r"= '(.*)'$", re.S)  # the value of a reason's column: "'SIRET' = '8,42157E+13'"
_REJECTED = re.compile(r"(.*?)(?:, row (\d+))?(?:, column (.*))?: expected (.*)", re.S)


def expectation_label(name: str | None) -> str:
    """The French label of an expectation type or cross-source check; the raw name if unknown."""
    if not name:
        return ""
    return EXPECTATION_LABELS.get(name, name)


def suite_label(name: str | None) -> str:
    if not name:
        return ""
    return SUITE_LABELS.get(name, name)


def message_fr(message: str | None) -> str:
    """What an expectation expects, in French; the text itself if it is not a known message."""
    if not message:
        return ""
    evaluated = _NOT_EVALUATED.fullmatch(message)
    if evaluated:
        return f"{message_fr(evaluated.group(1))} (n'a pas pu être évaluée : {evaluated.group(2)})"
    for pattern, french in _COMPILED:
        match = pattern.fullmatch(message)
        if match:
            return match.expand(french)
    match = _ONE_OF.fullmatch(message)
    if match:
        values = [VALUE_LABELS.get(v, v) for v in match.group(1).split(", ")]
        return f"l'une des valeurs : {', '.join(values)}"
    return message


def is_translated(message: str) -> bool:
    """Whether :func:`message_fr` knows ``message`` (for the tests)."""
    return _ONE_OF.fullmatch(message) is not None or any(p.fullmatch(message) for p, _ in _COMPILED)


def reason_fr(reason: str | None) -> str:
    """A quarantine reason or a load note/warning in French; the text itself when it is of no known shape."""
    if not reason:
        return ""
    match = _REASON.fullmatch(reason)
    if match:
        row, where, message = match.groups()
        said = f"ligne {row}, {'colonne ' + where + ' : ' if where else ''}attendu {message_fr(message)}"
        value = _VALUE.search(where or "")
        if message == siret.MESSAGE and value:
            said += siret.hint(value.group(1))  # issue #24: the spreadsheet's scientific form
        return said
    match = _PASSAGE.fullmatch(reason)
    if match:
        passage, line, element, message = match.groups()
        return f"passage {passage} (ligne {line}), élément {element} : attendu {message_fr(message)}"
    match = _WARNING.fullmatch(reason)
    if match:
        where, message, kind, count = match.groups()
        where = f"colonne {where} : " if where else ""
        text = f"{where}attendu {message_fr(message)} [{expectation_label(kind)}]"
        return f"{text} : {count} ligne(s)" if count is not None else text
    match = _SHEET.fullmatch(reason)
    if match:
        return f"feuille {match.group(1)}, en-tête à la ligne {match.group(2)}"
    match = _REJECTED.fullmatch(reason)
    if match and is_translated(match.group(4)):
        file, row, column, message = match.groups()
        where = "".join([file, f", ligne {row}" if row else "", f", colonne {column}" if column else ""])
        return f"{where} : attendu {message_fr(message)}"
    return reason


def reasons_fr(text: str | None, separator: str) -> str:
    """Several reasons joined by ``separator`` (quarantine: " | ", load messages: "; "), each in French."""
    if not text:
        return ""
    return separator.join(reason_fr(part) for part in text.split(separator))
