"""Every CSV and XLSX the product writes goes through here: text that a spreadsheet would run as a formula
(beginning with ``=``, ``+``, ``-``, ``@``, TAB or CR — OWASP's CSV-injection list) is neutralised, numbers
stay numbers, and CSV is written for French Excel (UTF-8 with BOM, ``;``)."""

from __future__ import annotations

import io
import os
import sys
import tempfile
from pathlib import Path

import pandas as pd

from pipeline.core.errors import InputError

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"


def neutralise(value):
    """A text cell a spreadsheet would evaluate gets a leading apostrophe (OWASP); anything else as is."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy whose text cells are neutralised (numeric columns untouched)."""
    out = frame.copy()
    for column in out.columns:
        if pd.api.types.is_numeric_dtype(out[column]):
            continue
        values = out[column]
        risky = values.map(lambda v: isinstance(v, str) and v.startswith(FORMULA_START)).astype(bool)
        if risky.any():  # only those cells change: the others keep their type (numbers stay numbers)
            out[column] = values.astype(object).where(~risky, "'" + values[risky].astype(str))
    out.columns = [neutralise(str(c)) for c in out.columns]
    return out


def bom_for_stdout() -> bool:
    """CSV printed by a command gets the BOM when it goes to a file or a pipe (``> routes.csv``), not
    when it is read on a terminal."""
    return not sys.stdout.isatty()


def csv_text(frame: pd.DataFrame, bom: bool = True) -> str:
    """CSV for French Excel: neutralised text, ``;``, with a BOM (``bom=False`` for a terminal)."""
    buffer = io.StringIO()
    safe_frame(frame).to_csv(buffer, index=False, sep=";", lineterminator="\r\n" if bom else "\n")
    return (BOM if bom else "") + buffer.getvalue()


def write_atomic(path: Path, write) -> None:
    path = Path(path)
    if not path.parent.is_dir():
        raise InputError(path, "écriture impossible : son dossier n'existe pas")
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        write(Path(tmp))
        os.replace(tmp, path)
    except PermissionError as exc:
        raise InputError(path, "écriture impossible (accès refusé)") from exc
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
