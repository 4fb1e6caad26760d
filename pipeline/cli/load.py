"""``build``, ``ingest``, ``watch``, ``validate``, ``quality``: loading files and checking them."""

from __future__ import annotations

import sys
from pathlib import Path

from pipeline.cli.common import finish, in_force, open_reader, open_writer, settings_of
from pipeline.core.config import Settings


def cmd_build(args) -> int:
    """Charge tous les fichiers de data/raw/, les fichiers de référence, et recalcule les statistiques.

    Les fichiers déjà chargés (même sha256) sont ignorés : le relancer ne change rien.

    Exemple :
      insertion build
      insertion build --raw-dir /chemin/vers/exports --warehouse /tmp/w.duckdb
    """
    from pipeline.indicators.formats import fr_decimal
    from pipeline.load.gate import Gate, preload
    from pipeline.load.ingest import ingest_files, raw_files
    from pipeline.load.pseudonymise import warehouse_key
    from pipeline.load.staging import clean

    preload()
    settings = Settings.load(warehouse=args.warehouse, raw_dir=args.raw_dir)
    files = raw_files(settings.raw_dir, settings)
    gate = Gate(settings)  # build applies (and records) the settings of its environment

    def plan(workers) -> None:
        how = f"{workers.count} processus" if workers.count > 1 else "un fichier à la fois"
        if workers.small:
            how += f" (moins de {settings.workers_from_mib} Mio : INSERTION_WORKERS_FROM_MIB)"
        print(
            f"Lecture des fichiers de jury et d'enquête ({fr_decimal(workers.mib)} Mio) : {how}.", flush=True
        )

    shown = iter(range(1, len(files) + 1))

    def show(report) -> None:
        print(
            f"[{next(shown)}/{len(files)}] {report.summary()}",
            file=sys.stderr if report.status == "rejected" else sys.stdout,
            flush=True,
        )
        _print_notes(report)

    with open_writer(settings) as con:
        clean(settings.warehouse.parent)  # what a killed load left staged
        key = warehouse_key(con, settings.key_file)
        reports = ingest_files(con, files, settings, key, gate, on_report=show, on_plan=plan)
        finish(con, settings, gate, record=True)
    rejected = sum(r.status == "rejected" for r in reports)
    print(f"Entrepôt {settings.warehouse} : {len(files)} fichier(s), {rejected} rejeté(s).")
    return 1 if rejected else 0


def cmd_ingest(args) -> int:
    """Valide et charge un ou plusieurs fichiers (résultats de jury ou enquêtes, CSV ou XLSX ; exports
    LimeSurvey ; référentiels RNCP et ROME).

    Le type est reconnu à l'en-tête du fichier ; --kind l'impose. Un fichier déjà chargé est ignoré.
    Un fichier qui ne peut pas être chargé est signalé (fichier, ligne, colonne, ce qui était attendu),
    rien n'en est écrit, et la commande sort avec le code 1. Les lignes qui échouent à un contrôle vont
    en quarantaine.

    Exemple :
      insertion ingest exports/jury-2024.csv exports/enquete-6-mois.xlsx
      insertion ingest --kind survey_answers enquete-forms.csv
      insertion ingest reponses-limesurvey.csv --mapping reponses-limesurvey.mapping.json
    """
    from pipeline.load.gate import Gate, preload
    from pipeline.load.ingest import ingest_file, touched_certifications
    from pipeline.load.pseudonymise import warehouse_key
    from pipeline.load.staging import clean

    preload()
    settings = settings_of(args)
    reports = []
    with open_writer(settings) as con:
        settings = in_force(con, settings)  # a load applies the settings of the figures it joins
        clean(settings.warehouse.parent)  # what a killed load left staged
        gate = Gate(settings)
        key = warehouse_key(con, settings.key_file)
        for path in args.files:
            report = ingest_file(
                con, Path(path), settings, key, kind=args.kind, gate=gate, mapping=args.mapping
            )
            reports.append(report)
            _print_report(report)
        finish(con, settings, gate, scope=touched_certifications(con, reports))
    rejected = sum(r.status == "rejected" for r in reports)
    return 1 if rejected else 0


def _print_report(report) -> None:
    """A load's summary line (on stderr when the file was rejected), its notes and its warnings."""
    print(report.summary(), file=sys.stderr if report.status == "rejected" else sys.stdout, flush=True)
    from pipeline.core.quality_labels import reason_fr

    _print_notes(report)
    for warning in report.warnings:
        print(f"  avertissement : {reason_fr(warning)}", flush=True)


def _print_notes(report) -> None:
    """What the reading of a loaded file noted (responses passed over, values set aside, the fiches of a
    warning…), one line each: on the console as in ``load_log.message``."""
    from pipeline.core.quality_labels import reason_fr

    for note in report.notes if report.status == "loaded" else ():
        print(f"  remarque : {reason_fr(note)}", flush=True)


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def cmd_watch(args) -> int:
    """Surveille data/raw/ et charge chaque fichier nouveau ou modifié dès qu'il est complet, jusqu'à Ctrl-C.

    Un fichier est chargé quand sa taille et sa date ne changent plus entre deux regards (jamais à moitié
    écrit), exactement comme `insertion ingest` le chargerait ; seules les certifications qu'il touche
    sont alors recalculées et l'instantané est publié. Les fichiers sont lus et validés par des processus
    (INSERTION_WORKERS) qui gardent Great Expectations chargé : un petit fichier est dans le tableau de
    bord en quelques secondes, et un long fichier (ou un fichier de lignes en erreur, refusé après ses
    premières lignes) ne retient jamais les autres. L'entrepôt n'est ouvert que pour écrire : d'autres
    commandes peuvent passer entre-temps (si l'une le tient, la surveillance écrit à un regard suivant).

    Exemple :
      insertion watch
      insertion watch --raw-dir /srv/exports --interval 5
    """
    import signal
    import time

    from pipeline.load.gate import Gate, preload
    from pipeline.load.ingest import loaded_digests, touched_certifications
    from pipeline.load.pseudonymise import warehouse_key
    from pipeline.load.sources import find
    from pipeline.load.staging import clean, discard
    from pipeline.load.watch import Arrivals, Checks, write_done
    from pipeline.warehouse.db import WarehouseBusy

    signal.signal(signal.SIGTERM, _interrupt)  # a service manager's stop ends it like Ctrl-C
    preload()  # this process records the workers' results and renders the Data Docs
    settings = Settings.load(warehouse=args.warehouse, raw_dir=args.raw_dir)
    if not settings.raw_dir.is_dir():
        raise FileNotFoundError(f"{settings.raw_dir} : dossier à surveiller introuvable")
    with open_writer(settings) as con:
        settings = in_force(con, settings)
        key = warehouse_key(con, settings.key_file)
        known = loaded_digests(con)
    clean(settings.warehouse.parent)
    gate = Gate(settings)  # renders the Data Docs of what the workers validated
    arrivals = Arrivals(settings.raw_dir, settings)
    checks = Checks(settings, key)
    print(
        f"Surveillance de {settings.raw_dir} toutes les {args.interval:g} s (Ctrl-C pour arrêter).",
        flush=True,
    )
    counts = dict.fromkeys(("loaded", "skipped", "rejected"), 0)
    waiting, started = [], None  # checked but not written yet (the warehouse was busy); first arrival
    busy = False
    try:
        while True:
            for path in arrivals.ready():
                started = started or time.perf_counter()
                source = find(path, settings.header_mapping)
                try:
                    digest = source.digest(path)
                except OSError:  # removed meanwhile: its check says so
                    digest = ""
                if digest and digest in known:
                    counts["skipped"] += 1
                else:
                    checks.submit(path, source, digest)
                arrivals.handled([path])
            waiting += checks.done()
            if waiting:
                try:
                    with open_writer(settings) as con:
                        reports = write_done(con, waiting, gate)
                        for report in reports:
                            if report.status != "skipped":
                                _print_report(report)
                        if any(r.status == "loaded" for r in reports):
                            finish(con, settings, gate, scope=touched_certifications(con, reports))
                        known = loaded_digests(con)
                except WarehouseBusy as exc:
                    if not busy:  # once per wait, not at every look
                        print(f"en attente : {exc}", file=sys.stderr, flush=True)
                    busy = True
                else:
                    waiting, busy = [], False
                    for report in reports:
                        counts[report.status] += 1
            if started is not None and not waiting and not checks.pending:
                print(
                    f"À jour ({time.perf_counter() - started:.1f} s) : {counts['loaded']} fichier(s) chargé(s), "
                    f"{counts['skipped']} déjà là, {counts['rejected']} rejeté(s).",
                    flush=True,
                )
                counts = dict.fromkeys(counts, 0)
                started = None
            time.sleep(args.interval)
    except KeyboardInterrupt:
        print("Arrêté.")
        return 0
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second stop does not interrupt the stopping
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        checks.close()
        for *_, checked in waiting:
            discard(checked.batch)


def cmd_validate(args) -> int:
    """Relance toutes les suites Great Expectations sur l'entrepôt, plus les contrôles entre sources.

    Affiche une ligne par contrôle, enregistre les passages dans l'entrepôt (validation_runs,
    validation_results), réécrit les Data Docs, et sort avec le code 1 quand un contrôle de niveau
    erreur échoue.

    Exemple :
      insertion validate
      insertion validate --failed-only
    """
    from pipeline.load import checks
    from pipeline.load.gate import Gate
    from pipeline.load.pseudonymise import check_key
    from pipeline.outputs import text
    from pipeline.reports import declared as declarations
    from pipeline.reports import habilitation, quality
    from pipeline.warehouse import db as warehouse
    from pipeline.warehouse import models

    settings = settings_of(args)
    with open_writer(settings) as con:
        settings = in_force(con, settings)
        gate = Gate(settings)
        models.build_models(con, settings)
        verdicts = checks.validate_warehouse(con, gate)
        warehouse.publish_snapshot(con, settings)
        key_problem = check_key(con, settings.key_file)
        partners = habilitation.by_partner(con)  # issue #16: counts per partner
        drifted = declarations.warnings(con)
    table = quality.summary(verdicts)
    if args.failed_only:
        table = table[table["result"] != "ok"]
    print(
        text.format_table(quality.in_french(table)) if not table.empty else "Tous les contrôles sont passés."
    )
    if not partners.empty:
        print(f"\n{habilitation.TITLE} ({partners['Certifiés concernés'].sum()} certifiés) :")
        print(text.format_table(partners))
    docs = gate.build_docs()
    if docs:
        print(f"Data Docs : {docs}")
    for line in drifted:  # issue #17: a declared rate the current data would move by a point or more
        print(f"avertissement : chiffre déclaré modifié — {line}")
    failed = [o for v in verdicts for o in v.outcomes if not o.success and o.severity == "error"]
    print(
        f"{len(failed)} contrôle(s) de niveau erreur en échec." if failed else "Aucun échec de niveau erreur."
    )
    if key_problem:
        print(f"Erreur : {key_problem} (README, « Clé de pseudonymisation »).", file=sys.stderr)
    return 1 if failed or key_problem else 0


def cmd_quality(args) -> int:
    """Montre l'historique des validations : les passages (par chargement et sur tout l'entrepôt), les
    contrôles d'un passage, ou les lignes en quarantaine.

    Exemple :
      insertion quality                 # les derniers passages
      insertion quality --run 12        # chaque contrôle du passage 12, avec ses écarts et exemples
      insertion quality --quarantine    # lignes et champs écartés, avec leurs motifs
      insertion quality --issues        # les règles appliquées aux chiffres (doublons, orphelins, fenêtres…)
    """
    from pipeline.outputs import text
    from pipeline.reports import quality

    settings = settings_of(args)
    counts = None
    with open_reader(settings) as con:
        if args.issues:
            frame = quality.issues(con)
        elif args.quarantine:
            frame = quality.quarantine(con, args.limit)
            counts = quality.quarantine_counts(con, args.limit)
            counts = quality.in_french(counts)
        elif args.run is not None:
            frame = quality.run_details(con, args.run)
        else:
            frame = quality.history(con, args.limit)
    if frame.empty:
        print("Rien d'enregistré pour l'instant.")
        return 0
    if counts is not None and not counts.empty:  # every failing row counted, beside the examples kept
        print(
            "Lignes et champs écartés par fichier, colonne et contrôle (la quarantaine en garde des exemples) :"
        )
        print(text.format_table(counts.astype(object).where(counts.notna(), None)) + "\n")
    frame = quality.in_french(frame)
    print(text.format_table(frame.astype(object).where(frame.notna(), None)))
    return 0


def register(add) -> None:
    """Add this group's commands to the ``insertion`` parser (``add`` as in :mod:`pipeline.cli`)."""
    p = add("build", cmd_build, "charge data/raw/ et recalcule les statistiques")
    p.add_argument("--raw-dir", metavar="DOSSIER", help="dossier à charger (défaut data/raw)")

    p = add("ingest", cmd_ingest, "valide et charge des fichiers")
    p.add_argument("files", nargs="+", metavar="FICHIER", help="les fichiers à charger")
    p.add_argument(
        "--kind",
        # the sources' names (pipeline.load.sources.NAMES, not imported here so that the CLI starts fast)
        choices=[
            "cdc_flux",
            "rncp",
            "rome_codes",
            "rome_appellations",
            "cohort_results",
            "survey_answers",
            "limesurvey",
        ],
        help="impose le type des fichiers (leur source)",
    )
    p.add_argument(
        "--mapping",
        type=Path,
        metavar="FILE.json",
        help="correspondance d'un export de réponses LimeSurvey (défaut : <export>.mapping.json à côté), ou d'un "
        "flux CDC : idTechnique ↔ Référence candidat (défaut : data/reference/cdc_correspondance.csv s'il existe)",
    )

    p = add("watch", cmd_watch, "charge les nouveaux fichiers de data/raw/ à leur arrivée")
    p.add_argument("--raw-dir", metavar="DOSSIER", help="dossier à surveiller (défaut data/raw)")
    p.add_argument(
        "--interval", type=float, default=1.0, metavar="SECONDES", help="temps entre deux regards (défaut 1)"
    )

    p = add("validate", cmd_validate, "relance toutes les suites sur l'entrepôt")
    p.add_argument("--failed-only", action="store_true", help="liste seulement les contrôles en échec")

    p = add("quality", cmd_quality, "montre l'historique des validations et la quarantaine")
    p.add_argument("--run", type=int, metavar="NUMÉRO", help="montre chaque contrôle d'un passage")
    p.add_argument(
        "--quarantine", action="store_true", help="liste les lignes en quarantaine et leurs motifs"
    )
    p.add_argument(
        "--issues", action="store_true", help="les règles appliquées aux chiffres, par certification"
    )
    p.add_argument("--limit", type=int, default=50, help="nombre de lignes (défaut 50)")
