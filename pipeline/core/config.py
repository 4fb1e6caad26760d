"""Settings: every path and threshold in one place, with defaults, environment variables and help.

A setting is resolved in this order: explicit value (CLI flag) > environment variable > default.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path


def _setting(default, env: str, help: str):
    return field(default=default, metadata={"env": env, "help": help})


@dataclass(frozen=True)
class Settings:
    """Paths and thresholds of one run. Build with :meth:`Settings.load`."""

    warehouse: Path = _setting(
        Path("data/warehouse/insertion.duckdb"), "INSERTION_WAREHOUSE", "Fichier de l'entrepôt DuckDB."
    )
    raw_dir: Path = _setting(Path("data/raw"), "INSERTION_RAW_DIR", "Dossier que charge `insertion build`.")
    reference_dir: Path = _setting(
        Path("data/reference"),
        "INSERTION_REFERENCE_DIR",
        "Fichiers de référence provisoires (codes ROME visés, réglages par certification).",
    )
    key_file: Path = _setting(
        Path.home() / ".config" / "insertion" / "pseudonymisation.key",
        "INSERTION_KEY_FILE",
        "Clé secrète de la pseudonymisation HMAC-SHA256 ; gardée hors de l'entrepôt et hors de git, "
        "créée au premier lancement. La perdre rompt le lien entre anciens et nouveaux fichiers.",
    )
    header_mapping: Path = _setting(
        Path("data/header_mapping.csv"),
        "INSERTION_HEADER_MAPPING",
        "CSV facultatif (kind,source_header,column) : vos propres noms de colonnes vers les noms canoniques.",
    )
    small_cohort_threshold: int = _setting(
        20,
        "INSERTION_SMALL_COHORT",
        "Effectif sous lequel un dénominateur est signalé ⚠ (tableau de bord, dossier de renouvellement, stats) "
        "ou masqué (publication publique) : voir pipeline/indicators/disclosure.py.",
    )
    min_response_rate: int = _setting(
        50,
        "INSERTION_MIN_RESPONSE_RATE",
        "Taux de réponse (%) sous lequel le tableau de bord et le dossier de renouvellement alertent.",
    )
    renewal_notice_days: int = _setting(
        365,
        "INSERTION_RENEWAL_NOTICE_DAYS",
        "Jours avant la fin d'enregistrement d'une fiche à partir desquels la préparation du renouvellement alerte.",
    )
    memory_limit: str = _setting(
        "3GB",
        "INSERTION_MEMORY_LIMIT",
        "Mémoire que DuckDB peut utiliser en écrivant l'entrepôt ; au-delà, il déborde "
        "sur disque (un chargement national tient dans 4 Gio environ).",
    )
    # issue #24: a file of any size is read in bounded memory; a file of bad rows is refused early
    chunk_rows: int = _setting(
        100_000,
        "INSERTION_CHUNK_ROWS",
        "Lignes d'un fichier de jury ou d'enquête lues, typées et validées d'un coup : la mémoire reste "
        "bornée quelle que soit la taille du fichier (environ 0,5 Gio par processus à 100 000 lignes).",
    )
    bad_rows_sample: int = _setting(
        1000,
        "INSERTION_BAD_ROWS_SAMPLE",
        "Lignes lues et validées d'abord ; dès lors, un fichier dont la part de lignes en erreur dépasse "
        "INSERTION_MAX_BAD_SHARE est refusé en entier (un fichier plus petit est jugé ligne à ligne).",
    )
    max_bad_share: float = _setting(
        0.5,
        "INSERTION_MAX_BAD_SHARE",
        "Part de lignes en erreur (0 à 1) au-delà de laquelle un fichier est refusé en entier, rien n'en est "
        "chargé (vérifiée après INSERTION_BAD_ROWS_SAMPLE lignes, puis après chaque bloc).",
    )
    quarantine_examples: int = _setting(
        100,
        "INSERTION_QUARANTINE_EXAMPLES",
        "Lignes que la quarantaine garde par fichier, colonne et contrôle (des exemples) ; chaque ligne en "
        "erreur est comptée dans load_log et validation_results.",
    )
    workers: int = _setting(
        2,
        "INSERTION_WORKERS",
        "Processus qui lisent et valident les fichiers de jury et d'enquête pendant qu'`insertion build` "
        "écrit (1 = un fichier à la fois), et dans lesquels `insertion watch` vérifie les fichiers qui arrivent.",
    )
    workers_from_mib: int = _setting(
        16,
        "INSERTION_WORKERS_FROM_MIB",
        "Taille (Mio) des fichiers de jury et d'enquête d'`insertion build` à partir de laquelle il démarre ses "
        "processus (INSERTION_WORKERS) ; en dessous, il lit un fichier à la fois : démarrer un processus "
        "(qui importe Great Expectations) coûte plus qu'il ne fait gagner (docs/performance.md).",
    )
    window_6m: tuple[int, int] = _setting(
        (4, 9),
        "INSERTION_WINDOW_6M",
        "Mois civils après le jury où une réponse à 6 mois est attendue (min,max : premier et dernier jour "
        "inclus).",
    )
    window_24m: tuple[int, int] = _setting(
        (20, 30),
        "INSERTION_WINDOW_24M",
        "Mois civils après le jury où une réponse à 2 ans est attendue (min,max : premier et dernier jour "
        "inclus).",
    )
    outside_window: str = _setting(
        "count",
        "INSERTION_OUTSIDE_WINDOW",
        "Réponses datées hors de la fenêtre de leur vague : `count` (comptées et signalées) ou `exclude` "
        "(hors des chiffres, toujours signalées ; docs/methodology.md M8).",
    )
    # survey campaigns (pipeline/reports/campaigns.py)
    contacts_dir: Path = _setting(
        Path("data/contacts"),
        "INSERTION_CONTACTS_DIR",
        "Dossier des fichiers de contacts (référence, noms, courriel), lus seulement pour écrire un fichier de "
        "participants ; jamais chargés dans l'entrepôt. Les fichiers de jury du dossier brut sont lus aussi.",
    )
    nonresponse_gap: int = _setting(
        15,
        "INSERTION_NONRESPONSE_GAP",
        "Écart de taux de réponse (points) entre un groupe (voie d'accès, site) et toute sa promotion à partir "
        "duquel le contrôle de non-réponse signale un risque de biais.",
    )
    # issue #16 (accounts and roles of the dashboard)
    accounts: Path = _setting(
        Path.home() / ".config" / "insertion" / "accounts.json",
        "INSERTION_ACCOUNTS",
        "Comptes du tableau de bord (`insertion users`), hors de git, mode 0600 ; la clé de session et les "
        "compteurs de connexions échouées sont à côté. Obligatoire pour servir ailleurs que sur la boucle locale.",
    )
    # issue #25 (security review, audit journal)
    audit_retention_days: int = _setting(
        365,
        "INSERTION_AUDIT_RETENTION_DAYS",
        "Jours de conservation des lignes du journal d'audit (à côté du fichier des comptes) ; les plus "
        "anciennes sont retirées, et le retrait est lui-même journalisé (0 : tout garder).",
    )
    session_hours: float = _setting(
        10.0,
        "INSERTION_SESSION_HOURS",
        "Durée de vie absolue (heures) d'une session du tableau de bord depuis la connexion ; l'activité ne "
        "la prolonge pas.",
    )
    trusted_proxies: str = _setting(
        "",
        "INSERTION_TRUSTED_PROXIES",
        "Adresses ou réseaux (séparés par des virgules, p. ex. 127.0.0.1,10.0.0.0/8) des mandataires inverses "
        "devant le tableau de bord : derrière eux, l'adresse du client est lue dans X-Forwarded-For (limites "
        "de connexion, journal d'audit). Vide : l'adresse de la connexion.",
    )
    # issue #17: plausible gross annual pay of a survey answer (outside: the pay is set aside, the answer counts)
    pay_floor: int = _setting(
        10800,
        "INSERTION_PAY_FLOOR",
        "Salaire brut annuel plausible le plus bas (€) d'un emploi non déclaré à temps partiel : environ la "
        "moitié du SMIC brut annuel à temps plein (1 801,80 € × 12 = 21 621 € en 2025). En dessous, c'est un "
        "montant mensuel ou net saisi comme annuel : il est écarté.",
    )
    pay_ceiling: int = _setting(
        500000,
        "INSERTION_PAY_CEILING",
        "Salaire brut annuel plausible le plus haut (€) d'une réponse d'enquête ; au-dessus, c'est une "
        "erreur de saisie : il est écarté.",
    )

    @property
    def snapshot(self) -> Path:
        """Read-only copy published after each write, read by the dashboard."""
        return self.warehouse.with_name(self.warehouse.stem + ".snapshot.duckdb")

    @property
    def data_docs_dir(self) -> Path:
        return self.warehouse.parent / "data_docs"

    @classmethod
    def load(cls, **overrides) -> Settings:
        """Defaults, then environment variables, then the non-None ``overrides``."""
        values = {}
        for f in fields(cls):
            raw = os.environ.get(f.metadata["env"])
            if raw not in (None, ""):
                try:
                    values[f.name] = parse_setting(f.default, raw)
                except ValueError:
                    raise ValueError(
                        f"{f.metadata['env']}={raw} : valeur illisible (attendu : {_EXPECTED.get(type(f.default))})"
                    ) from None
        values.update({k: v for k, v in overrides.items() if v is not None})
        for k, v in values.items():
            if isinstance(cls.__dataclass_fields__[k].default, Path):
                values[k] = Path(v)
        settings = replace(cls(), **values)
        if settings.outside_window not in OUTSIDE_WINDOW:
            raise ValueError(
                f"INSERTION_OUTSIDE_WINDOW={settings.outside_window} : valeur attendue "
                f"{' ou '.join(OUTSIDE_WINDOW)}"
            )
        _check_bounds(settings)
        return settings

    @classmethod
    def describe(cls) -> str:
        """One line per setting, for --help texts and the README."""
        return "\n".join(
            f"  {f.metadata['env']:<26} {f.metadata['help']} (par défaut : {f.default})" for f in fields(cls)
        )


# The settings that rule the figures: recorded in the warehouse (table ``settings``) by `insertion build`,
# and applied and printed from there by every other command — loads, refreshes and outputs
# (pipeline/reports/settings.py) —, never from the environment of the moment.
OUTSIDE_WINDOW = ("count", "exclude")  # docs/methodology.md M8

_EXPECTED = {
    int: "un nombre entier",
    float: "un nombre décimal",
    tuple: "des nombres entiers séparés par une virgule",
}


def _check_bounds(settings: Settings) -> None:
    """The settings of loading that only make sense within bounds (issue #24); a French error otherwise."""
    for key, low in (("chunk_rows", 1000), ("bad_rows_sample", 1), ("quarantine_examples", 1)):
        if getattr(settings, key) < low:
            raise ValueError(f"{env_name(key)}={getattr(settings, key)} : valeur attendue d'au moins {low}")
    if not 0 < settings.max_bad_share <= 1:
        raise ValueError(
            f"INSERTION_MAX_BAD_SHARE={settings.max_bad_share} : valeur attendue entre 0 (exclu) et 1 "
            "(1 : un fichier n'est jamais refusé pour sa part de lignes en erreur)"
        )


RECORDED = (
    "small_cohort_threshold",
    "min_response_rate",
    "renewal_notice_days",
    "window_6m",
    "window_24m",
    "outside_window",
    "nonresponse_gap",
    "pay_floor",
    "pay_ceiling",
)


def setting_text(value) -> str:
    """A setting as the settings table stores it (a window as « 4,9 »)."""
    return ",".join(map(str, value)) if isinstance(value, tuple) else str(value)


def env_name(key: str) -> str:
    return Settings.__dataclass_fields__[key].metadata["env"]


def parse_setting(default, raw: str):
    """The text of a setting (environment, settings table) as the type of its default."""
    if isinstance(default, bool):
        return raw.lower() in {"1", "true", "yes", "oui"}
    if isinstance(default, int):
        return int(raw)
    if isinstance(default, float):
        return float(raw.replace(",", "."))
    if isinstance(default, tuple):
        return tuple(int(x) for x in raw.split(","))
    return raw
