"""The ``insertion`` command: a thin layer over the library. Each command's docstring is its --help."""

from __future__ import annotations

import argparse
import os
import sys

from pipeline.cli import accrochage, admin, dossier, french, load, read, survey, unload
from pipeline.cli.common import EPILOG

french.install()  # argparse's own texts (usage, options, errors) in French


def _parser() -> argparse.ArgumentParser:
    parser = french.Parser(
        prog="insertion",
        description="Insertion professionnelle des certifications RNCP : charge les résultats des jurys et les "
        "enquêtes d'insertion dans un entrepôt DuckDB et calcule les statistiques de France Compétences.",
        epilog="Pour commencer : insertion build && insertion stats RNCP34179\n\n" + EPILOG,
        formatter_class=french.Formatter,
    )
    common = french.Parser(add_help=False)
    common.add_argument(
        "--warehouse",
        metavar="CHEMIN",
        help="fichier de l'entrepôt DuckDB (variable INSERTION_WAREHOUSE ; par défaut "
        "data/warehouse/insertion.duckdb)",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMANDE", title="commandes")

    def add(name, func, help):
        p = sub.add_parser(
            name,
            parents=[common],
            help=help,
            description=func.__doc__,
            epilog=EPILOG,
            formatter_class=french.Formatter,
        )
        p.set_defaults(func=func)
        return p

    for group in (load, unload, read, survey, dossier, accrochage, admin):
        group.register(add)
    return parser


def main(argv: list[str] | None = None) -> int:
    import duckdb

    from pipeline.core import private
    from pipeline.core.errors import InputError
    from pipeline.warehouse.db import WarehouseBusy

    try:
        args = _parser().parse_args(argv)  # the parser reads the settings (a bad value is an error)
        with private.umask():  # whatever a command creates is its owner's only (issue #25)
            return args.func(args)
    except BrokenPipeError:  # `insertion stats … | head`: the reader left; stop quietly, as Unix tools do
        _stdout_to_devnull()
        return 141
    except duckdb.CatalogException:
        print(
            "erreur : l'entrepôt n'a pas encore cette table ou vue ; lancez « insertion build ».",
            file=sys.stderr,
        )
        return 2
    except (InputError, WarehouseBusy, FileNotFoundError, ValueError) as exc:
        print(f"erreur : {_french(exc)}", file=sys.stderr)
        return 2
    except duckdb.IOException:
        print(
            "erreur : l'entrepôt est ouvert par un autre processus ; attendez qu'il finisse.",
            file=sys.stderr,
        )
        return 2


def _french(exc: Exception) -> str:
    """The message of an error a user reads: ours are French; Python's own (``int('abc')``, a missing
    file) are said in French without their internals."""
    if isinstance(exc, FileNotFoundError) and exc.filename is not None:
        return f"fichier introuvable : {exc.filename}"
    text = str(exc)
    if isinstance(exc, ValueError) and text.startswith(("invalid literal", "could not convert", "time data")):
        return f"valeur invalide ({text.split(':', 1)[-1].strip()})"
    return text


def _stdout_to_devnull() -> None:
    """After a broken pipe: what is still buffered for stdout goes nowhere (no second error at exit)."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


def run() -> None:
    """The ``insertion`` command: :func:`main`, then an immediate exit. Once a command has returned,
    everything it wrote is closed (DuckDB checkpointed, files renamed, worker processes joined); Python's
    own teardown would still spend about 0.5 s unloading GX's 1,500 modules, which is a tenth of an
    incremental load. An exception still ends the usual way, with its traceback."""
    import logging

    code = main()
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        _stdout_to_devnull()
        code = code or 141
    sys.stderr.flush()
    logging.shutdown()
    os._exit(int(code or 0))


if __name__ == "__main__":
    run()
