"""Read a CSV or XLSX file into a DataFrame of text, whatever its encoding, delimiter or Excel layout.

Rows are numbered as the user sees them: the header row of a CSV is row 1, its first data row is row 2;
in a workbook, the row number is the sheet's own.
"""

from __future__ import annotations

import codecs
import csv
import io
import math
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import pandas as pd

from .errors import InputError
from .normalise import norm

DELIMITERS = [";", ",", "\t"]
EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods"}


@dataclass
class RawTable:
    """The text of one file: ``frame`` has the file's own headers; ``source_row`` holds row numbers."""

    path: Path
    frame: pd.DataFrame
    source_row: pd.Series
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    notes: list[str] = field(default_factory=list)


def detect_encoding(data: bytes, path: Path) -> str:
    """UTF-16 (BOM), UTF-8 with or without BOM, else Windows-1252."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if data.startswith(codecs.BOM_UTF8):
        encoding = "utf-8-sig"
    elif b"\x00" in data[:4096]:
        return "utf-16-le" if data[1:2] == b"\x00" else "utf-16-be"
    else:
        encoding = "utf-8"
    try:
        data.decode(encoding)
        return encoding
    except UnicodeDecodeError as exc:
        if encoding == "utf-8-sig":
            line = data[3 : 3 + exc.start].count(b"\n") + 1
            raise InputError(
                path,
                "starts with a UTF-8 mark but is not UTF-8 here (expected UTF-8 throughout: export it again)",
                row=line,
            ) from exc
    try:
        data.decode("cp1252")
        return "cp1252"
    except UnicodeDecodeError:
        return "latin-1"


def detect_delimiter(header_line: str) -> str:
    """The delimiter among ; , TAB that splits the header line into the most fields."""
    counts = {d: len(next(csv.reader([header_line], delimiter=d))) for d in DELIMITERS}
    return max(DELIMITERS, key=lambda d: (counts[d], -DELIMITERS.index(d)))


def read_csv(path: Path) -> RawTable:
    data = path.read_bytes()
    if not data.strip():
        raise InputError(path, "the file is empty (expected a header row and data rows)")
    encoding = detect_encoding(data, path)
    text = data.decode(encoding)
    if text.startswith("\ufeff"):
        text = text[1:]
    lines = text.splitlines()
    first = next((i for i, line in enumerate(lines) if line.strip(" ;,\t")), None)
    if first is None:
        raise InputError(path, "the file holds only separators (expected a header row and data rows)")
    delimiter = detect_delimiter(lines[first])
    _check_headers(path, next(csv.reader([lines[first]], delimiter=delimiter)))
    try:
        frame = pd.read_csv(
            io.StringIO(text),
            sep=delimiter,
            dtype=str,
            keep_default_na=False,
            skiprows=first,
            skip_blank_lines=False,
            on_bad_lines="error",
        )
    except pd.errors.ParserError as exc:
        msg = str(exc)
        row = _line_in_message(msg)
        if "EOF" in msg:
            raise InputError(
                path, "a quoted field is never closed: the file looks truncated (half-written)"
            ) from exc
        raise InputError(
            path,
            f"wrong number of fields ({msg.split('. ')[-1]}); expected delimiter {delimiter!r}",
            row=row + first if row else None,
        ) from exc
    _check_truncated(path, text, frame, delimiter, first)
    frame.columns = [str(c).strip() for c in frame.columns]
    source_row = pd.Series(range(first + 2, first + 2 + len(frame)), index=frame.index, dtype="int64")
    frame, source_row = _drop_blank_rows(frame, source_row)
    return RawTable(path, frame, source_row, encoding=encoding, delimiter=delimiter)


def _line_in_message(msg: str) -> int | None:
    m = re.search(r"line (\d+)", msg)
    return int(m.group(1)) if m else None


def _check_truncated(path: Path, text: str, frame: pd.DataFrame, delimiter: str, first: int) -> None:
    """A file cut in the middle of its last row (no final newline, too few fields) is half-written."""
    if text.endswith(("\n", "\r")) or frame.empty:
        return
    last = text.splitlines()[-1]
    fields = next(csv.reader([last], delimiter=delimiter))
    if len(fields) < len(frame.columns):
        raise InputError(
            path,
            f"the last row has {len(fields)} of {len(frame.columns)} fields and no line end: "
            "the file looks truncated (half-written); export it again",
            row=first + 1 + len(frame),
        )


def _drop_blank_rows(frame: pd.DataFrame, source_row: pd.Series) -> tuple[pd.DataFrame, pd.Series]:
    blank = (frame.fillna("").astype(str).apply(lambda c: c.str.strip()) == "").all(axis=1)
    return frame[~blank].reset_index(drop=True), source_row[~blank].reset_index(drop=True)


def _cell_text(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d") if value.time() == datetime.min.time() else value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_excel(path: Path, header_score) -> RawTable:
    """Read the sheet whose header row best matches the known headers (``header_score(list) -> int``).

    The header row is searched in the first 30 rows, so title blocks and merged cells above it are skipped.
    """
    try:
        sheets = pd.read_excel(path, sheet_name=None, header=None, dtype=object, engine="calamine")
    except Exception as exc:  # calamine raises its own error types for broken archives
        raise InputError(path, f"cannot be read as a workbook ({exc.__class__.__name__}: {exc})") from exc
    best = None
    for name, sheet in sheets.items():
        for i in range(min(30, len(sheet))):
            cells = [_cell_text(v) for v in sheet.iloc[i].tolist()]
            score = header_score(cells)
            if best is None or score > best[0]:
                best = (score, name, i)
    if best is None or best[0] == 0:
        raise InputError(
            path, "no sheet has a recognisable header row (see data/templates/ for the expected columns)"
        )
    _, name, header_at = best
    sheet = sheets[name]
    headers = [_cell_text(v) for v in sheet.iloc[header_at].tolist()]
    _check_headers(path, [h for h in headers if h], row=header_at + 1)
    body = sheet.iloc[header_at + 1 :].map(_cell_text)
    keep = [i for i, h in enumerate(headers) if h or (body.iloc[:, i] != "").any()]
    frame = body.iloc[:, keep].copy()
    frame.columns = [headers[i] or f"column {i + 1}" for i in keep]
    frame = frame.reset_index(drop=True)
    source_row = pd.Series(range(header_at + 2, header_at + 2 + len(frame)), dtype="int64")
    frame, source_row = _drop_blank_rows(frame, source_row)
    notes = [f"sheet {name!r}, header on row {header_at + 1}"] if len(sheets) > 1 or header_at else []
    return RawTable(path, frame, source_row, sheet=str(name), notes=notes)


def excel_head_rows(path: Path, rows: int = 30) -> list[list[str]]:
    """The first rows of every sheet of a workbook, as text (to tell its kind without reading it all)."""
    import python_calamine

    try:
        book = python_calamine.CalamineWorkbook.from_path(str(path))
        sheets = [book.get_sheet_by_name(name).to_python(nrows=rows) for name in book.sheet_names]
    except Exception as exc:  # calamine raises its own error types for broken archives
        raise InputError(path, f"cannot be read as a workbook ({exc.__class__.__name__}: {exc})") from exc
    return [[_cell_text(v) for v in row] for sheet in sheets for row in sheet]


def read_table(path: Path, header_score) -> RawTable:
    """Read any supported file; raise :class:`InputError` for what cannot be read."""
    if not path.exists():
        raise InputError(path, "no such file")
    if path.suffix.lower() in EXCEL_SUFFIXES:
        table = read_excel(path, header_score)
    else:
        if path.read_bytes()[:4] == b"PK\x03\x04":
            raise InputError(
                path, "is a zip archive, not a CSV (expected a .csv, .xlsx, or an RNCP export zip)"
            )
        table = read_csv(path)
    return table


def _check_headers(path: Path, headers: list[str], row: int = 1) -> None:
    names = [norm(h) for h in headers]
    duplicated = sorted({h for h, n in zip(headers, names, strict=True) if n and names.count(n) > 1})
    if duplicated:
        raise InputError(
            path, f"duplicated header(s) {duplicated}: each column name must appear once", row=row
        )
