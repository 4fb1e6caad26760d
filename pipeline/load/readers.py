"""Read a CSV or XLSX file into a DataFrame of text, whatever its encoding, delimiter or Excel layout.

Rows are numbered as the user sees them: the header row of a CSV is row 1, its first data row is row 2;
in a workbook, the row number is the sheet's own.
"""

from __future__ import annotations

import codecs
import csv
import math
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import pandas as pd

from pipeline.core.errors import InputError
from pipeline.core.normalise import norm

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
    # a last row cut short (no final line break, fewer fields than the header), when the reader was asked
    # to keep it: its index in ``frame`` and the number of fields it has (quarantined, not loaded)
    cut_row: tuple[int, int] | None = None
    has_nul: bool | None = None  # whether the text holds a NUL byte (None: not known, look at each cell)
    # a chunk of a file read in chunks (csv_chunks): bytes read so far of the file's size, last chunk
    position: int | None = None
    size: int | None = None
    last: bool = True


def detect_encoding(data: bytes, path: Path) -> str:
    """UTF-16 (by its BOM, or by NULs at every other byte), UTF-8 with or without BOM, else Windows-1252.

    A stray NUL byte elsewhere does not make a file UTF-16: it stays in the text, and the row that holds
    it is quarantined (:func:`nul_cells`)."""
    return _decoded(data, path)[1]


# a file that starts with a UTF-8 mark (BOM) but is not UTF-8 further on (the text reader says the same)
BROKEN_UTF8_MARK = (
    "commence par une marque UTF-8 mais n'est pas en UTF-8 à cet endroit (attendu de l'UTF-8 partout : "
    "exportez-le à nouveau)"
)


def _decoded(data: bytes, path: Path) -> tuple[str | None, str]:
    """(text, encoding) as :func:`detect_encoding` tells it, the text decoded once on the way (None for
    UTF-16, told by its shape without decoding)."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return None, "utf-16"
    if data.startswith(codecs.BOM_UTF8):
        encoding = "utf-8-sig"
    else:
        utf16 = utf16_without_bom(data[:4096])
        if utf16:
            return None, utf16
        encoding = "utf-8"
    try:
        return data.decode(encoding), encoding
    except UnicodeDecodeError as exc:
        if encoding == "utf-8-sig":
            line = data[3 : 3 + exc.start].count(b"\n") + 1
            raise InputError(
                path,
                BROKEN_UTF8_MARK,
                row=line,
            ) from exc
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1"


def utf16_without_bom(sample: bytes) -> str | None:
    """``utf-16-le`` / ``utf-16-be`` when the sample has the shape of UTF-16 text without BOM: a NUL at
    (nearly) every other byte, on one side only (the high byte of Latin characters), else None."""
    half = len(sample) // 2
    if half < 4:
        return None
    even, odd = sample[0 : 2 * half : 2].count(0) / half, sample[1 : 2 * half : 2].count(0) / half
    if odd >= 0.5 and even <= 0.05:
        return "utf-16-le"
    if even >= 0.5 and odd <= 0.05:
        return "utf-16-be"
    return None


def detect_delimiter(header_line: str) -> str:
    """The delimiter among ; , TAB that splits the header line into the most fields."""
    counts = {d: len(next(csv.reader([header_line], delimiter=d))) for d in DELIMITERS}
    return max(DELIMITERS, key=lambda d: (counts[d], -DELIMITERS.index(d)))


def check_nul_in_headers(path: Path, headers: list[str], row: int) -> None:
    """A NUL byte in the header row: the columns cannot be told, so the file is rejected."""
    for i, header in enumerate(headers, start=1):
        if "\x00" in header:
            raise InputError(
                path,
                f"l'en-tête {i} contient un octet NUL (0x00), attendu du texte : le fichier est abîmé ; exportez-le à nouveau",
                row=row,
                column=header.replace("\x00", NUL_SHOWN),
            )


NUL_SHOWN = "\u2400"  # ␀, how a stray NUL byte is shown in messages and in the quarantine


def nul_cells(frame: pd.DataFrame) -> dict[str, pd.Series]:
    """header -> mask of the rows whose value holds a NUL byte, for the columns that have any."""
    out = {}
    for column in frame.columns:
        values = frame[column]
        if values.dtype == object or isinstance(values.dtype, pd.StringDtype):
            mask = values.astype("string").str.contains("\x00", regex=False).fillna(False).astype(bool)
            if mask.any():
                out[column] = mask
    return out


def drop_blank_rows(
    frame: pd.DataFrame, source_row: pd.Series, keep: int | None = None
) -> tuple[pd.DataFrame, pd.Series]:
    blank = (frame.fillna("").astype(str).apply(lambda c: c.str.strip()) == "").all(axis=1)
    if keep is not None:
        blank &= source_row != keep
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
    _check_workbook(path)
    try:
        sheets = pd.read_excel(path, sheet_name=None, header=None, dtype=object, engine="calamine")
    except Exception as exc:  # calamine raises its own error types for broken archives
        raise InputError(path, f"illisible comme classeur ({exc.__class__.__name__} : {exc})") from exc
    best = None
    for name, sheet in sheets.items():
        for i in range(min(30, len(sheet))):
            cells = [_cell_text(v) for v in sheet.iloc[i].tolist()]
            score = header_score(cells)
            if best is None or score > best[0]:
                best = (score, name, i)
    if best is None or best[0] == 0:
        raise InputError(
            path,
            "aucune feuille n'a de ligne d'en-tête reconnaissable (voir data/templates/ pour les colonnes attendues)",
        )
    _, name, header_at = best
    sheet = sheets[name]
    headers = [_cell_text(v) for v in sheet.iloc[header_at].tolist()]
    check_headers(path, [h for h in headers if h], row=header_at + 1)
    body = sheet.iloc[header_at + 1 :].map(_cell_text)
    keep = [i for i, h in enumerate(headers) if h or (body.iloc[:, i] != "").any()]
    frame = body.iloc[:, keep].copy()
    frame.columns = [headers[i] or f"column {i + 1}" for i in keep]
    frame = frame.reset_index(drop=True)
    source_row = pd.Series(range(header_at + 2, header_at + 2 + len(frame)), dtype="int64")
    frame, source_row = drop_blank_rows(frame, source_row)
    notes = [f"sheet {name!r}, header on row {header_at + 1}"] if len(sheets) > 1 or header_at else []
    return RawTable(path, frame, source_row, sheet=str(name), notes=notes)


def excel_head_rows(path: Path, rows: int = 30) -> list[list[str]]:
    """The first rows of every sheet of a workbook, as text (to tell its kind without reading it all)."""
    import python_calamine

    _check_workbook(path)
    try:
        book = python_calamine.CalamineWorkbook.from_path(str(path))
        sheets = [book.get_sheet_by_name(name).to_python(nrows=rows) for name in book.sheet_names]
    except Exception as exc:  # calamine raises its own error types for broken archives
        raise InputError(path, f"illisible comme classeur ({exc.__class__.__name__} : {exc})") from exc
    return [[_cell_text(v) for v in row] for sheet in sheets for row in sheet]


OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Compound File (Office 97-2003, encrypted Office files)


def _check_workbook(path: Path) -> None:
    """Say what a file named like a workbook is when it is not one a reader can open: empty, a text/CSV
    file renamed, a password-protected workbook, a truncated archive (the reader itself only says
    "Cannot detect file format")."""
    size = path.stat().st_size
    with path.open("rb") as fh:
        head = fh.read(65536)
    if not head.strip():
        raise InputError(
            path,
            f"le fichier est vide ({size} octet{'s' if size > 1 else ''}) : attendu un classeur Excel "
            "(.xlsx) avec une ligne d'en-tête et des lignes de données ; exportez-le à nouveau",
        )
    if head.startswith(OLE_MAGIC):
        data = path.read_bytes()
        if "EncryptedPackage".encode("utf-16-le") in data:
            raise InputError(
                path,
                "classeur protégé par mot de passe (chiffré, format OLE « EncryptedPackage ») : attendu un "
                "classeur sans mot de passe ; dans Excel, retirez le mot de passe (Fichier > Informations > "
                "Protéger le classeur) et enregistrez-le à nouveau",
            )
        if path.suffix.lower() != ".xls":
            raise InputError(
                path,
                f"classeur Excel 97-2003 (.xls) nommé {path.suffix} : attendu un classeur du format de son "
                "nom ; renommez-le en .xls ou enregistrez-le au format .xlsx",
            )
        return
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        try:
            with zipfile.ZipFile(path) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, OSError) as exc:
            raise InputError(
                path,
                f"classeur tronqué (archive ZIP incomplète : {size} octets, sans sa table des fichiers) : "
                "le fichier a été coupé pendant la copie ou le téléchargement ; exportez-le à nouveau",
            ) from exc
        if path.suffix.lower() in (".xlsx", ".xlsm") and "xl/workbook.xml" not in names:
            raise InputError(
                path,
                "pas un classeur Excel (archive ZIP sans xl/workbook.xml) : attendu un classeur .xlsx",
            )
        return
    if _looks_like_a_table(head):
        raise InputError(
            path,
            f"pas un classeur Excel (c'est un fichier texte/CSV renommé en {path.suffix}) : renommez-le "
            "en .csv pour le charger comme CSV, ou ouvrez-le dans Excel et enregistrez-le au format .xlsx",
        )


def _looks_like_a_table(head: bytes) -> bool:
    """Whether the start of a file is delimited text (UTF-8, UTF-16 or Windows-1252, no binary bytes, its
    first line split by ; , or TAB): a CSV file, whatever its name."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = head[:4096].decode("utf-16", errors="ignore")
    elif utf16 := utf16_without_bom(head[:4096]):
        text = head[:4096].decode(utf16, errors="ignore")
    else:
        sample = head[:4096]
        if sum(1 for b in sample if b < 32 and b not in (9, 10, 13)) > len(sample) // 100:
            return False
        text = sample.decode("utf-8", errors="ignore")
    line = next((ln for ln in text.lstrip("\ufeff").splitlines() if ln.strip()), "")
    return any(d in line for d in DELIMITERS)


def mark_defects(raw: RawTable, batch) -> None:
    """Add to a typed batch (:class:`pipeline.load.batch.Batch`) the defect columns its suite checks when they
    exist (``pipeline/load/gate.py``): ``<column>_nul`` for a field that holds a stray NUL byte, and
    ``last_row_cut`` for a last row cut short. Each is named after the file's header in ``batch.mapped``,
    so that the quarantine reason shows the column and its value. NUL bytes are shown as ␀ in the record
    kept for the quarantine and in the batch, never loaded: the field or the row goes to quarantine."""
    from pipeline.core.codes import CUT_ROW, NUL_SUFFIX

    frame, original = batch.frame, batch.original
    nul = nul_cells(raw.frame) if raw.has_nul is not False else {}
    if nul:
        for column, header in list(batch.mapped.items()):
            if header in nul and not column.endswith(NUL_SUFFIX) and column != CUT_ROW:
                name = ("candidate_hash" if column == "candidate_ref" else column) + NUL_SUFFIX
                text = raw.frame[header].astype("string").str.replace("\x00", NUL_SHOWN, regex=False)
                frame[name] = text.where(nul[header]).astype("string")
                batch.mapped[name] = header
        for table in (frame, original):
            for column in table.columns:
                values = table[column]
                if values.dtype == object or isinstance(values.dtype, pd.StringDtype):
                    table[column] = values.mask(
                        values.astype("string").str.contains("\x00", regex=False).fillna(False).astype(bool),
                        values.astype("string").str.replace("\x00", NUL_SHOWN, regex=False),
                    )
    if raw.cut_row is not None:
        index, fields = raw.cut_row
        headers = [str(h) for h in raw.frame.columns]
        marker = pd.Series(pd.NA, index=frame.index, dtype="string")
        marker.loc[index] = f"{fields} of {len(headers)} fields, no line end"
        frame[CUT_ROW] = marker
        present = [h for h in reversed(headers[:fields]) if h in original.columns]
        missing = [h for h in headers[fields:] if h in original.columns]
        shown = (present or missing or [None])[0]
        if shown is not None:
            batch.mapped[CUT_ROW] = shown


def check_headers(path: Path, headers: list[str], row: int = 1) -> None:
    names = [norm(h) for h in headers]
    duplicated = sorted({h for h, n in zip(headers, names, strict=True) if n and names.count(n) > 1})
    if duplicated:
        raise InputError(
            path,
            f"en-tête(s) en double {duplicated} : chaque nom de colonne doit figurer une seule fois",
            row=row,
        )
