"""``generate``, ``serve``, ``users``, ``audit``: data for tests, the dashboard, its accounts and the audit
journal."""

from __future__ import annotations

import sys
from pathlib import Path

from pipeline.cli.common import settings_of, settle_pending
from pipeline.core.config import Settings


def cmd_generate(args) -> int:
    """Écrit des fichiers bruts fictifs réalistes à l'échelle nationale : résultats de jury et les deux
    vagues d'enquête, CSV et XLSX mêlés, en-têtes français, quelques défauts réalistes. Tailles des
    promotions, taux d'insertion et parts de VAE sont calés sur de vraies statistiques publiées
    (STATISTIQUES_PROMOTIONS de l'export RNCP et pages des fiches ; voir --calibrate-from). Même graine,
    mêmes fichiers.

    Exemple :
      insertion generate --certifications 2000 --years 2015-2024 --out data/raw/national/
      insertion generate --certifications 50 --years 2019-2023 --target-certified 100000 --out /tmp/gen --seed 7
    """
    from pipeline.load import generate
    from pipeline.outputs.renewal import parse_years

    published = generate.published_rows([Path(p) for p in args.calibrate_from])
    calibration = generate.calibrate(published)
    years = parse_years(args.years)
    print(
        f"Calage ({calibration['source']}) : taille des promotions log-normale mu={calibration['size_mu']:.2f} "
        f"sigma={calibration['size_sigma']:.2f}, insertion {calibration['insertion_mean']:.0%} "
        f"± {calibration['insertion_sd']:.0%}, VAE {calibration['vae_share']:.1%}"
    )

    def progress(done: int, total: int) -> None:
        bar = "#" * int(30 * done / total)
        print(f"\r[{bar:<30}] {done}/{total} groupes de fichiers", end="", file=sys.stderr, flush=True)

    totals = generate.national(
        Path(args.out),
        args.certifications,
        range(years[0], years[-1] + 1),
        seed=args.seed,
        defects=args.defects,
        target_certified=args.target_certified,
        calibration=calibration,
        progress=progress,
        cdc_share=args.cdc_share,
    )
    print(file=sys.stderr)
    print(
        f"Écrit : {totals['files']} fichiers sous {args.out} : {totals['certified']:,} certifiés, "
        f"{totals['cohort_rows']:,} lignes de jury, {totals['survey_rows']:,} réponses d'enquête, "
        f"{totals['defects']:,} lignes défectueuses, {totals['cdc_passages']:,} passages de flux CDC. "
        f"Métiers visés : {str(Path(args.out)).rstrip('/')}-reference/"
    )
    return 0


def cmd_serve(args) -> int:
    """Sert le tableau de bord sur l'instantané publié, en lecture seule, de l'entrepôt.

    Serveur de développement de Dash par défaut ; --prod utilise gunicorn (deux processus par cœur, 8 fils
    chacun). Écoute sur 127.0.0.1 ; tout autre --host exige des comptes (`insertion users add`), et dès
    qu'un compte existe chacun se connecte et voit ce que son rôle permet. Sans compte, sur 127.0.0.1
    seulement, INSERTION_DASHBOARD_PASSWORD active encore l'authentification HTTP (utilisateur
    « insertion »). `insertion build` peut tourner pendant ce temps : le tableau de bord prend le nouvel
    instantané sans redémarrer.

    Exemple :
      insertion serve
      insertion users add c.moreau --role direction && insertion serve --prod --host 0.0.0.0 --port 8050
    """
    from dashboard.app import serve

    settings = settings_of(args)
    if not settings.snapshot.exists():
        print(
            f"erreur : {settings.snapshot} n'existe pas ; lancez d'abord « insertion build »", file=sys.stderr
        )
        return 2
    settle_pending(settings)
    serve(
        settings.snapshot,
        settings.data_docs_dir,
        host=args.host,
        port=args.port,
        prod=args.prod,
        workers=args.workers,
        accounts=settings.accounts,
    )
    return 0


def cmd_users(args) -> int:
    """Gère les comptes du tableau de bord (fichier INSERTION_ACCOUNTS, mode 0600, hors de git).

    Rôles : direction (toutes les pages), qualite (toutes sauf SQL), analyste (la page SQL), partenaire
    (lié à un ou plusieurs SIRET avec --siret : seulement les lignes de ces SIRET, sur chaque page). Le mot
    de passe est demandé deux fois au terminal (jamais sur la ligne de commande) ; --password-stdin le lit
    sur la première ligne de l'entrée standard, pour les scripts. Dès qu'un compte existe, le tableau de
    bord demande à chacun de se connecter ; servir ailleurs que sur 127.0.0.1 exige des comptes.

    Exemple :
      insertion users add c.moreau --role direction
      insertion users add of-lyon --role partenaire --siret 12345678900015 --siret 12345678900023
      printf '%s\\n' "$MOT_DE_PASSE" | insertion users add analyste1 --role analyste --password-stdin
      insertion users list
      insertion users passwd c.moreau
      insertion users remove of-lyon
    """
    from pipeline.core import accounts, audit
    from pipeline.core.accounts import AccountError

    store = accounts.AccountStore(Settings.load().accounts)
    if args.action == "list":
        rows = sorted(store.accounts().values(), key=lambda a: a.name)
        if not rows:
            print(f"Aucun compte dans {store.path}.")
            return 0
        for a in rows:
            sirets = f"  SIRET {', '.join(a.sirets)}" if a.sirets else ""
            print(f"{a.name:<24} {a.label:<12} modifié le {a.updated[:10]}{sirets}")
        return 0
    if not args.name:
        raise AccountError(f"insertion users {args.action} : l'identifiant du compte est attendu.")
    if args.action == "remove":
        removed = store.get(args.name)
        store.remove(args.name)
        audit.record(
            "compte", operation="suppression", compte=args.name.strip().lower(), role_compte=removed.role
        )
        print(f"Compte « {args.name} » supprimé de {store.path}.")
        return 0
    if args.action == "add":
        if not args.role:
            raise AccountError(f"insertion users add : --role attendu ({', '.join(accounts.ROLES)}).")
        accounts.check_name(args.name)  # before the password is typed
        accounts.check_binding(args.role, args.siret or [])
        password = _read_password(args.password_stdin, args.name)
        account = store.add(args.name, args.role, password, args.siret or [])
        audit.record(
            "compte",
            operation="création",
            compte=account.name,
            role_compte=account.role,
            siret=list(account.sirets),
        )
        bound = f", SIRET {', '.join(account.sirets)}" if account.sirets else ""
        print(f"Compte « {account.name} » ({account.label}{bound}) ajouté à {store.path}.")
        return 0
    if store.get(args.name) is None:
        raise AccountError(f"Aucun compte « {args.name} » dans {store.path}.")
    store.passwd(args.name, _read_password(args.password_stdin, args.name))
    audit.record("compte", operation="mot de passe changé", compte=args.name.strip().lower())
    print(f"Mot de passe de « {args.name} » changé (ses sessions ouvertes sont fermées).")
    return 0


def _read_password(from_stdin: bool, name: str = "") -> str:
    """The first line of stdin (--password-stdin), else asked twice on the terminal without echo."""
    import getpass

    from pipeline.core import accounts
    from pipeline.core.accounts import AccountError

    if from_stdin:
        return accounts.check_password(sys.stdin.readline().rstrip("\r\n"), name)
    if not sys.stdin.isatty():
        raise AccountError("Pas de terminal pour saisir le mot de passe : utilisez --password-stdin.")
    first = accounts.check_password(getpass.getpass("Mot de passe : "), name)
    if getpass.getpass("Confirmez le mot de passe : ") != first:
        raise AccountError("Les deux saisies du mot de passe diffèrent.")
    return first


def cmd_audit(args) -> int:
    """Lit le journal d'audit : connexions, pages et données vues (avec leurs filtres), téléchargements et
    exports, requêtes SQL, déclarations, retraits, décisions de relecture et changements de comptes — qui,
    quand, depuis quelle adresse —, du plus récent au plus ancien. Le journal (à côté d'INSERTION_ACCOUNTS,
    mode 0600) n'est écrit que par le produit et chaîné ligne à ligne : --verify dit si une ligne a été
    modifiée, insérée ou retirée. Les lignes plus vieilles qu'INSERTION_AUDIT_RETENTION_DAYS (365) sont
    purgées, et la purge est journalisée. La lecture est elle-même journalisée. Dans le tableau de bord :
    la page « Journal » (direction seulement).

    Exemple :
      insertion audit --since 7                      # les sept derniers jours
      insertion audit --user c.moreau --since 2026-11-01 --format csv > journal.csv
      insertion audit --action sql
      insertion audit --verify
    """
    from pipeline.core import audit
    from pipeline.core.exports import bom_for_stdout, csv_text

    settings = Settings.load()
    journal = audit.Journal(audit.journal_path(settings.accounts), settings.audit_retention_days)
    if args.verify:
        problems = journal.verify()
        audit.record("journal", journal=journal, verification=True, anomalies=len(problems))
        for problem in problems:
            print(problem)
        print(
            f"Journal {journal.path} : "
            + (
                "intact."
                if not problems
                else f"{len(problems)} anomalie(s) : il a été modifié hors du produit."
            )
        )
        return 1 if problems else 0
    since = audit.parse_since(args.since) if args.since else None
    filters = {
        k: v
        for k, v in (("personne", args.user), ("depuis", args.since), ("action_filtre", args.action))
        if v
    }
    audit.record("journal", journal=journal, **filters)
    rows = journal.rows(user=args.user, since=since, action=args.action)
    import pandas as pd

    frame = pd.DataFrame([audit.shown(r) for r in rows], columns=list(audit.HEADERS)).rename(
        columns=audit.HEADERS
    )
    if args.format == "csv":
        sys.stdout.write(csv_text(frame, bom=bom_for_stdout()))
        return 0
    if frame.empty:
        print("Aucune ligne du journal ne répond à ces critères.")
        return 0
    for r in frame.itertuples(index=False):
        print(" | ".join(str(v) for v in r if v not in ("", None)))
    print(f"{len(frame)} ligne(s).", file=sys.stderr)
    return 0


def generate_sources() -> list[str]:
    """The RNCP excerpts of the raw folder and the published statistics of the reference folder (settings
    INSERTION_RAW_DIR and INSERTION_REFERENCE_DIR, so that a wheel install finds them too)."""
    settings = Settings.load()
    candidates = [
        *(settings.raw_dir / "rncp").glob("*.xml"),
        settings.reference_dir / "published_statistics.csv",
    ]
    return [str(p) for p in candidates if p.exists()]


def register(add) -> None:
    """Add this group's commands to the ``insertion`` parser (``add`` as in :mod:`pipeline.cli`)."""
    from pipeline.core.audit import ACTIONS

    p = add("generate", cmd_generate, "écrit des fichiers bruts fictifs réalistes à l'échelle nationale")
    p.add_argument("--certifications", type=int, default=2000, help="nombre de certifications (défaut 2000)")
    p.add_argument("--years", default="2015-2024", help="p. ex. 2015-2024")
    p.add_argument("--out", required=True, metavar="DOSSIER")
    p.add_argument("--seed", type=int, default=1, help="graine du hasard (défaut 1)")
    p.add_argument(
        "--defects", type=float, default=0.0005, help="part de lignes défectueuses (défaut 0.0005)"
    )
    p.add_argument(
        "--target-certified",
        type=int,
        metavar="N",
        help="met les promotions à l'échelle d'environ N certifiés",
    )
    p.add_argument(
        "--cdc-share",
        type=float,
        default=0.2,
        metavar="PART",
        help="part des groupes de fichiers qui reçoivent aussi leurs flux CDC, dans <out>/cdc/ (défaut 0,2 ; 0 : aucun)",
    )
    p.add_argument(
        "--calibrate-from",
        nargs="*",
        metavar="FICHIER",
        default=generate_sources(),
        help="exports XML RNCP et fichiers CSV de statistiques publiées pour le calage "
        "(défaut : les extraits fournis)",
    )

    p = add("serve", cmd_serve, "sert le tableau de bord sur http://127.0.0.1:8050")
    p.add_argument("--host", default="127.0.0.1", help="adresse d'écoute (défaut 127.0.0.1)")
    p.add_argument("--port", type=int, default=8050, help="port (défaut 8050)")
    p.add_argument(
        "--prod",
        action="store_true",
        help="sert avec gunicorn (deux processus par cœur, 8 fils chacun) au lieu du serveur de développement de Dash",
    )
    p.add_argument("--workers", type=int, help="avec --prod : nombre de processus (défaut : deux par cœur)")

    p = add("users", cmd_users, "gère les comptes et rôles du tableau de bord")
    p.add_argument(
        "action",
        choices=["add", "remove", "list", "passwd"],
        help="ajouter, retirer, lister, changer le mot de passe",
    )
    p.add_argument("name", nargs="?", help="le nom du compte (add, remove, passwd)")
    p.add_argument("--role", choices=["direction", "qualite", "partenaire", "analyste"], help="avec add")
    p.add_argument(
        "--siret",
        action="append",
        metavar="SIRET",
        help="avec add --role partenaire (à répéter pour plusieurs)",
    )
    p.add_argument(
        "--password-stdin",
        action="store_true",
        help="lit le mot de passe sur la première ligne de l'entrée standard",
    )

    p = add("audit", cmd_audit, "lit le journal d'audit (qui a vu et changé quoi)")
    p.add_argument(
        "--user", metavar="NOM", help="une personne (un compte, ou l'utilisateur d'une ligne de commande)"
    )
    p.add_argument("--since", metavar="DATE", help="aaaa-mm-jj, jj/mm/aaaa ou un nombre de jours")
    p.add_argument("--action", choices=sorted(ACTIONS))
    p.add_argument(
        "--format", choices=["table", "csv"], default="table", help="format de sortie (défaut table)"
    )
    p.add_argument("--verify", action="store_true", help="vérifie la chaîne des lignes (code 1 si rompue)")
