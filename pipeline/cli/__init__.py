"""The ``insertion`` command: a thin layer over the library. Each command's docstring is its --help."""

from __future__ import annotations

import argparse
import os
import sys

from pipeline.cli import accrochage, admin, dossier, load, read, survey, unload
from pipeline.cli.common import EPILOG


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="insertion",
        description="Employment outcomes of RNCP certifications: load cohort results and insertion surveys "
        "into a DuckDB warehouse and compute France Compétences' statistics.",
        epilog="Start with: insertion build && insertion stats RNCP34179\n\n" + EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--warehouse",
        metavar="PATH",
        help="DuckDB warehouse file (env INSERTION_WAREHOUSE; default data/warehouse/insertion.duckdb)",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name, func, help):
        p = sub.add_parser(
            name,
            parents=[common],
            help=help,
            description=func.__doc__,
            epilog=EPILOG,
            formatter_class=argparse.RawDescriptionHelpFormatter,
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
    except duckdb.CatalogException as exc:
        print(
            f"error: the warehouse has no such table or view yet; run `insertion build` ({exc})",
            file=sys.stderr,
        )
        return 2
    except (InputError, WarehouseBusy, FileNotFoundError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def run() -> None:
    """The ``insertion`` command: :func:`main`, then an immediate exit. Once a command has returned,
    everything it wrote is closed (DuckDB checkpointed, files renamed, worker processes joined); Python's
    own teardown would still spend about 0.5 s unloading GX's 1,500 modules, which is a tenth of an
    incremental load. An exception still ends the usual way, with its traceback."""
    import logging

    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    logging.shutdown()
    os._exit(int(code or 0))


if __name__ == "__main__":
    run()
