"""``insertion survey plan|export|status``: the survey campaigns (:mod:`pipeline.reports.campaigns`) on the command
line. Each command's docstring is its --help."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path


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
    """Survey campaigns: plan each wave from the jury results, write the participants file of the survey
    tool (LimeSurvey, or CSV/XLSX for a mail merge), read its responses back with `insertion ingest`, and
    follow invitations, answers and response rates. See « Survey campaigns » in the README.

    Example:
      insertion survey plan --certification RNCP40344 --wave 24m
      insertion survey export --certification RNCP40344 --wave 24m --out participants.csv
      insertion ingest reponses-limesurvey.csv        # with reponses-limesurvey.mapping.json beside it
      insertion survey status --certification RNCP40344
    """
    return 0  # argparse asks for one of the commands


def cmd_plan(args) -> int:
    """Who must be surveyed, and when: every certified person whose wave (6 months, 2 years) opens by
    --due-before (default today) and who has not answered it, counted per certification, promotion,
    wave and site, with the window (settings INSERTION_WINDOW_6M / INSERTION_WINDOW_24M: months after
    the jury) and its state: à venir, ouverte, close (overdue: the window ended without an answer).

    Example:
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
    """Write the participants file of one wave of one certification: the certified whose window is open
    (or opens by --due-before) and who have not answered, with their token. Contact details are read
    from the contact files (--contacts, else INSERTION_CONTACTS_DIR and the cohort files of the raw
    folder), joined on the pseudonym, and written to this file only (mode 0600): never to the warehouse.
    The warehouse records that each pseudonym was invited (or reminded, --relance).

    Formats: limesurvey (LimeSurvey's « Import participants from CSV »: firstname, lastname, email, token,
    validfrom, validuntil, attribute_1 <Certification>…), csv (French Excel, for a mail merge or a form),
    xlsx.

    Example:
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
            print(
                "Personne à inviter : aucune fenêtre ouverte sans réponse"
                + (f" ({found.without_contact} personne(s) sans e-mail)" if found.without_contact else "")
                + ".",
                file=sys.stderr,
            )
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


def cmd_status(args) -> int:
    """Where each wave stands: certified, invited, respondents, response rate (respondents ÷ certified, as
    in the statistics), days left in the window, the rate projected at its close and an alert when it
    will end under INSERTION_MIN_RESPONSE_RATE; per certification, promotion, wave (and site when a
    promotion has several). --relances writes the participants file of the invited non-respondents of
    one wave (same formats and rules as `survey export`).

    Example:
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
    p = add("survey", cmd_survey, "plan, export and follow survey campaigns")
    commands = p.add_subparsers(dest="survey_command", metavar="COMMAND", required=True)

    def command(name, func, help):
        c = commands.add_parser(
            name,
            help=help,
            description=func.__doc__,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        c.add_argument("--warehouse", metavar="PATH", help="DuckDB warehouse file (env INSERTION_WAREHOUSE)")
        c.set_defaults(func=func)
        return c

    c = command("plan", cmd_plan, "who must be surveyed, when")
    c.add_argument("--certification", type=_code, metavar="CODE", help="one certification, e.g. RNCP40344")
    c.add_argument("--wave", type=_wave, metavar="6m|24m", help="one wave")
    c.add_argument(
        "--due-before", type=_date, metavar="DATE", help="windows opening by this date (default today)"
    )
    c.add_argument("--format", choices=["table", "csv"], default="table")

    c = command("export", cmd_export, "write a participants file (LimeSurvey, CSV, XLSX)")
    c.add_argument("--certification", type=_code, required=True, metavar="CODE")
    c.add_argument("--wave", type=_wave, required=True, metavar="6m|24m")
    c.add_argument("--out", required=True, metavar="FILE", help="the file to write (mode 0600)")
    c.add_argument(
        "--format", choices=["limesurvey", "csv", "xlsx"], help="default: limesurvey (xlsx for .xlsx)"
    )
    c.add_argument(
        "--contacts",
        nargs="+",
        type=Path,
        metavar="FILE",
        help="contact files (reference, nom, prénom, e-mail)",
    )
    c.add_argument("--promotion", type=int, metavar="YEAR", help="one promotion only")
    c.add_argument("--due-before", type=_date, metavar="DATE", help="also windows opening by this date")
    c.add_argument(
        "--relance", action="store_true", help="only the invited who have not answered (a reminder)"
    )

    c = command("status", cmd_status, "invitations, answers and response rates of each wave")
    c.add_argument("--certification", type=_code, metavar="CODE")
    c.add_argument("--wave", type=_wave, metavar="6m|24m")
    c.add_argument("--open-only", action="store_true", help="only the windows open today")
    c.add_argument("--format", choices=["table", "csv"], default="table")
    c.add_argument(
        "--relances", metavar="FILE", help="write the participants file of the non-respondents to remind"
    )
    c.add_argument("--contacts", nargs="+", type=Path, metavar="FILE", help="with --relances: contact files")
