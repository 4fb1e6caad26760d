"""French labels of the canonical codes, shared by the dashboard, the renewal pack and the generator."""

ROUTE_LABELS = {
    "FI": "Formation initiale",
    "CA": "Apprentissage",
    "FC": "Formation continue",
    "CQ": "Contrat de professionnalisation",
    "CL": "Candidature individuelle",
    "VAE": "VAE",
    "NR": "Voie non renseignée",
}


def route_label(code: str) -> str:
    """« CA – Apprentissage »; a code that is its own label (« VAE ») is not repeated."""
    label = ROUTE_LABELS.get(code, code)
    return code if label == code else f"{code} – {label}"


SITUATION_LABELS = {
    "employed": "En emploi",
    "employed_abroad": "En emploi à l'étranger",
    "job_seeking": "En recherche d'emploi",
    "inactive": "Inactif",
    "further_study": "Poursuite d'études",
    "work_study": "En alternance",
    "unable_to_work": "Dans l'incapacité de travailler",
    "no_response": "Non répondant",
}
CONTRACT_LABELS = {
    "permanent": "CDI",
    "fixed_term": "CDD",
    "temporary": "Intérim",
    "apprenticeship": "Apprentissage",
    "professionalisation": "Professionnalisation",
    "self_employed": "Indépendant",
    "civil_servant": "Fonctionnaire",
    "work_study": "Alternance",
    "other": "Autre",
}
WORKING_TIME_LABELS = {"full_time": "Temps plein", "part_time": "Temps partiel"}
# issue #17: cadre status and the period of a pay amount given in the survey
EXECUTIVE_LABELS = {"yes": "Cadre", "no": "Non cadre"}
PAY_PERIOD_LABELS = {"annual": "Brut annuel", "monthly": "Brut mensuel (× 12)"}
WAVE_LABELS = {6: "6 mois", 24: "2 ans"}
TARGET_METHOD_LABELS = {
    "rome_code": "Code ROME de l'enquête",
    "title_exact": "Intitulé : correspondance exacte ROME",
    "title_fuzzy": "Intitulé : correspondance approchée, en attente de relecture",
    "reviewer": "Décision d'un relecteur",
    "decision": "Adéquation saisie dans l'enquête",
    "none": "Non déterminé",
}
NEUTRALISATION_LABELS = {
    "further_study": "Poursuite d'études",
    "work_study": "Contrat en alternance",
    "unable_to_work": "Incapacité de travailler",
    "abroad": "Emploi à l'étranger",
}
