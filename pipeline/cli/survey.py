"""``insertion survey plan|export|status``: the survey campaigns (:mod:`pipeline.reports.campaigns`) on the command
line. Each command's docstring is its --help."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from pipeline.cli.french import Formatter


def _date(text: str) -> date:
    import pandas as pd

    from pipeline.core.normalise import parse_dates

    value = parse_dates(pd.Series([text], dtype="string")).iloc[0]
    if pd.isna(value):
        raise argparse.ArgumentTypeError(f"date attendue jj/mm/aaaa ou aaaa-mm-jj : {text!r}")
    return value.date()


def _wave(text: str) -> int:
    from pipeline.indicators import wave_months

    try:
        return wave_months(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def _code(text: str) -> str:
    return text.replace(" ", "").upper()


def _print(frame, fmt: str) -> None:
    from pipeline.core.exports import bom_for_stdout, csv_text
    from pipeline.outputs.text import format_table

    if fmt == "csv":
        sys.stdout.write(csv_text(frame, bom=bom_for_stdout()))
    else:
        print(format_table(frame.astype(object).where(frame.notna(), None)))


def cmd_survey(args) -> int:
    """Campagnes d'enquête : planifie chaque vague à partir des résultats de jury, écrit le fichier de
    participants de l'outil d'enquête (LimeSurvey, ou CSV/XLSX pour un publipostage), relit ses réponses
    avec `insertion ingest`, et suit invitations, réponses et taux de réponse. Voir « Campagnes
    d'enquête » dans le README.

    Exemple :
      insertion survey plan --certification RNCP40344 --wave 24m
      insertion survey export --certification RNCP40344 --wave 24m --out participants.csv
      insertion ingest reponses-limesurvey.csv        # avec reponses-limesurvey.mapping.json à côté
      insertion survey status --certification RNCP40344
    """
    return 0  # argparse asks for one of the commands


def cmd_plan(args) -> int:
    """Qui enquêter, et quand : chaque certifié dont la vague (6 mois, 2 ans) s'ouvre d'ici
    --due-before (défaut aujourd'hui) et qui n'y a pas répondu, compté par certification, promotion,
    vague et site, avec la fenêtre (réglages INSERTION_WINDOW_6M / INSERTION_WINDOW_24M : mois après
    le jury) et son état : à venir, ouverte, close (en retard : la fenêtre s'est fermée sans réponse).

    Exemple :
      insertion survey plan
      insertion survey plan --certification RNCP40344 --wave 24m --due-before 31/03/2027
      insertion survey plan --format csv > plan.csv
    """
    from pipeline.cli.common import in_force, open_reader, settings_of
    from pipeline.reports import campaigns

    settings = settings_of(args)
    with open_reader(settings) as con:
        settings = in_force(con, settings)
        campaigns.known_certification(con, args.certification)
        counts = campaigns.plan_counts(con, args.certification, args.wave, args.due_before)
    if counts.empty:
        print("Personne à enquêter à cette date.")
        return 0
    _print(campaigns.plan_table(counts), args.format)
    if args.format == "table":
        by_status = counts.groupby("status")["to_survey"].sum()
        parts = [f"{by_status.get(s, 0)} fenêtre {s}" for s in campaigns.STATUS_LABELS]
        print(f"\nÀ enquêter (personne × vague) : {by_status.sum()}, dont " + ", ".join(parts) + ".")
    return 0


def cmd_export(args) -> int:
    """Écrit le fichier de participants d'une vague d'une certification : les certifiés dont la fenêtre
    est ouverte (ou s'ouvre d'ici --due-before) et qui n'ont pas répondu, avec leur jeton. Les coordonnées
    sont lues dans les fichiers de contacts (--contacts, sinon INSERTION_CONTACTS_DIR et les fichiers de
    jury du dossier brut), jointes sur le pseudonyme, et écrites dans ce seul fichier (mode 0600) : jamais
    dans l'entrepôt. L'entrepôt garde trace que chaque pseudonyme a été invité (ou relancé, --relance).

    Formats : limesurvey (« Import participants from CSV » de LimeSurvey : firstname, lastname, email,
    token, validfrom, validuntil, attribute_1 <Certification>…), csv (Excel en français, pour un
    publipostage ou un formulaire), xlsx.

    Exemple :
      insertion survey export --certification RNCP40344 --wave 24m --out participants.csv
      insertion survey export --certification RNCP40344 --wave 24m --format xlsx --out publipostage.xlsx
      insertion survey export --certification RNCP40344 --wave 24m --relance --out relance.csv
    """
    from pipeline.cli.common import in_force, open_writer, settings_of
    from pipeline.core import audit
    from pipeline.load.pseudonymise import warehouse_key
    from pipeline.outputs import participants
    from pipeline.reports import campaigns
    from pipeline.warehouse import db as warehouse

    settings = settings_of(args)
    out = Path(args.out)
    fmt = args.format or ("xlsx" if out.suffix.lower() == ".xlsx" else "limesurvey")
    with open_writer(settings) as con:
        settings = in_force(con, settings)
        campaigns.known_certification(con, args.certification)
        key = warehouse_key(con, settings.key_file)
        found = participants.participants(
            con,
            settings,
            key,
            args.certification,
            args.wave,
            contact_paths=args.contacts,
            promotion=args.promotion,
            reminder=args.relance,
            due_before=args.due_before,
        )
        for note in found.notes:
            print(f"  {note}", file=sys.stderr)
        if found.frame.empty:
            print(_nobody(found), file=sys.stderr)
            return 1
        path = participants.write_participants(found.frame, out, fmt)
        participants.record_mailings(con, found.frame, "relance" if args.relance else "invitation", path.name)
        warehouse.publish_snapshot(con, settings)
    audit.record(
        "export",
        commande="survey status --relances" if getattr(args, "relances", None) else "survey export",
        fichier=str(path),
        lignes=len(found.frame),
        format=fmt,
        certification=args.certification,
        vague=args.wave,
    )
    print(f"{path} (lecture et écriture pour vous seul·e) : {len(found.frame)} participant(s), format {fmt}.")
    if found.without_contact:
        print(
            f"  {found.without_contact} personne(s) à enquêter sans adresse e-mail dans les fichiers de contacts : "
            "complétez-les puis relancez l'export.",
            file=sys.stderr,
        )
    return 0


def _nobody(found) -> str:
    """Why nobody can be invited: no window open without an answer; or people due but no contact file
    found (issue #24: say so, and where it was looked for), or none of them in the contact files read."""
    if not found.without_contact:
        return "Personne à inviter : aucune fenêtre ouverte sans réponse."
    if found.contact_files:
        files = [str(p) for p in found.contact_files[:5]]
        more = len(found.contact_files) - len(files)
        return (
            f"Personne à inviter : les {found.without_contact} personne(s) à inviter n'ont pas d'adresse "
            "e-mail dans les fichiers de contacts lus ("
            + ", ".join(files)
            + (f" et {more} autre(s)" if more else "")
            + ") : complétez-les ou indiquez-en d'autres avec --contacts FICHIER."
        )
    places = [f"{path}{'' if path.exists() else ' (absent)'}" for path in found.searched]
    return (
        f"Aucun fichier de contacts trouvé : {found.without_contact} personne(s) à inviter, mais aucun fichier "
        "CSV ou XLSX avec une colonne de référence candidat et une colonne e-mail dans "
        + ", ".join(places)
        + ". Placez le fichier de contacts dans le premier dossier (réglage INSERTION_CONTACTS_DIR) ou "
        "indiquez-le avec --contacts FICHIER."
    )


def cmd_status(args) -> int:
    """Où en est chaque vague : certifiés, invités, répondants, taux de réponse (répondants ÷
    certifiés, comme dans les statistiques), jours restants dans la fenêtre, taux projeté à sa clôture et
    une alerte s'il finira sous INSERTION_MIN_RESPONSE_RATE ; par certification, promotion, vague (et site
    quand une promotion en a plusieurs). --relances écrit le fichier de participants des invités non
    répondants d'une vague (mêmes formats et règles que `survey export`).

    Exemple :
      insertion survey status
      insertion survey status --certification RNCP40344 --wave 24m
      insertion survey status --certification RNCP40344 --wave 24m --relances relance.csv
    """
    from pipeline.cli.common import in_force, open_reader, settings_of
    from pipeline.core.labels import WAVE_LABELS
    from pipeline.reports import campaigns

    if args.relances:
        if not (args.certification and args.wave):
            raise ValueError("--relances demande --certification et --wave")
        args.out, args.relance, args.format, args.promotion, args.due_before = (
            args.relances,
            True,
            None,
            None,
            None,
        )
        return cmd_export(args)
    settings = settings_of(args)
    with open_reader(settings) as con:
        settings = in_force(con, settings)
        campaigns.known_certification(con, args.certification)
        frame = campaigns.status(con, settings, args.certification, args.wave, open_only=args.open_only)
    if frame.empty:
        print("Aucune vague à suivre.")
        return 0
    _print(campaigns.status_table(frame, settings.small_cohort_threshold), args.format)
    alerts = frame[frame["alert"].notna() & frame["site"].isna() & (frame["status"] == "ouverte")]
    for row in alerts.itertuples():
        wave = WAVE_LABELS[row.wave]
        print(
            f"⚠ {row.certification_code}, promotion {row.promotion}, vague {wave} : {row.alert}",
            file=sys.stderr,
        )
    return 0


def register(add) -> None:
    """Add ``survey`` and its commands to the ``insertion`` parser (``add`` as in :mod:`pipeline.cli`)."""
    p = add("survey", cmd_survey, "planifie, exporte et suit les campagnes d'enquête")
    commands = p.add_subparsers(dest="survey_command", metavar="COMMANDE", required=True, title="commandes")

    def command(name, func, help):
        c = commands.add_parser(
            name,
            help=help,
            description=func.__doc__,
            formatter_class=Formatter,
        )
        c.add_argument(
            "--warehouse",
            metavar="CHEMIN",
            help="fichier de l'entrepôt DuckDB (variable INSERTION_WAREHOUSE)",
        )
        c.set_defaults(func=func)
        return c

    c = command("plan", cmd_plan, "qui enquêter, et quand")
    c.add_argument("--certification", type=_code, metavar="CODE", help="une certification, p. ex. RNCP40344")
    c.add_argument("--wave", type=_wave, metavar="6m|24m", help="une vague")
    c.add_argument(
        "--due-before",
        type=_date,
        metavar="DATE",
        help="fenêtres ouvertes d'ici cette date (défaut aujourd'hui)",
    )
    c.add_argument(
        "--format", choices=["table", "csv"], default="table", help="format de sortie (défaut table)"
    )

    c = command("export", cmd_export, "écrit un fichier de participants (LimeSurvey, CSV, XLSX)")
    c.add_argument("--certification", type=_code, required=True, metavar="CODE")
    c.add_argument("--wave", type=_wave, required=True, metavar="6m|24m")
    c.add_argument("--out", required=True, metavar="FICHIER", help="le fichier à écrire (mode 0600)")
    c.add_argument(
        "--format", choices=["limesurvey", "csv", "xlsx"], help="défaut : limesurvey (xlsx pour un .xlsx)"
    )
    c.add_argument(
        "--contacts",
        nargs="+",
        type=Path,
        metavar="FICHIER",
        help="fichiers de contacts (référence, nom, prénom, e-mail)",
    )
    c.add_argument("--promotion", type=int, metavar="ANNÉE", help="une seule promotion")
    c.add_argument(
        "--due-before", type=_date, metavar="DATE", help="aussi les fenêtres ouvertes d'ici cette date"
    )
    c.add_argument(
        "--relance", action="store_true", help="seulement les invités qui n'ont pas répondu (une relance)"
    )

    c = command("status", cmd_status, "invitations, réponses et taux de réponse de chaque vague")
    c.add_argument("--certification", type=_code, metavar="CODE")
    c.add_argument("--wave", type=_wave, metavar="6m|24m")
    c.add_argument("--open-only", action="store_true", help="seulement les fenêtres ouvertes aujourd'hui")
    c.add_argument(
        "--format", choices=["table", "csv"], default="table", help="format de sortie (défaut table)"
    )
    c.add_argument(
        "--relances", metavar="FICHIER", help="écrit le fichier de participants des non-répondants à relancer"
    )
    c.add_argument(
        "--contacts", nargs="+", type=Path, metavar="FICHIER", help="avec --relances : fichiers de contacts"
    )
