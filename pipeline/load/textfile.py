"""Read a delimited text file (CSV, TSV) in chunks of rows, in bounded memory whatever its size (issue #24),
and any supported file, whole or in chunks (:func:`read_table`, :func:`table_chunks`).

The file is never held whole: its encoding is told by one pass over it in blocks of 1 MiB (as
:func:`pipeline.load.readers.detect_encoding` tells it from all its bytes), its header row and delimiter
from its head, a last row cut short from its tail; pandas then reads it ``rows`` rows at a time. Rows keep
the numbers of the whole file: the header row of a CSV is row 1, its first data row is row 2.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator
from pathlib import Path

import pandas as pd

from pipeline.core.errors import InputError
from pipeline.load.readers import (
    BROKEN_UTF8_MARK,
    EXCEL_SUFFIXES,
    RawTable,
    check_headers,
    check_nul_in_headers,
    detect_delimiter,
    drop_blank_rows,
    read_excel,
    utf16_without_bom,
)

BLOCK = 1 << 20
_CP1252_UNDEFINED = (b"\x81", b"\x8d", b"\x8f", b"\x90", b"\x9d")  # the bytes Windows-1252 leaves out
_LINE_ENDS = ("\n", "\r", "\v", "\f", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029")  # str.splitlines'


def scan_text(path: Path) -> tuple[str, bool]:
    """(encoding, whether the text holds a NUL) of a text file, told as :func:`detect_encoding` tells it
    but read once in blocks of 1 MiB, never whole: UTF-8 unless a byte sequence is not UTF-8 anywhere in
    the file (then Windows-1252, or Latin-1 when a byte Windows-1252 lacks is there)."""
    with path.open("rb") as fh:
        head = fh.read(4096)
        if not head.strip() and not _has_text(fh):
            raise InputError(
                path, "le fichier est vide : attendu une ligne d'en-tête et des lignes de données"
            )
        fh.seek(0)
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            encoding = "utf-16"
        elif head.startswith(codecs.BOM_UTF8):
            encoding = "utf-8-sig"
        else:
            encoding = utf16_without_bom(head) or "utf-8"
        utf16 = encoding.startswith("utf-16")
        decoder = codecs.getincrementaldecoder(encoding)()
        valid, undefined, nul, start, newlines = True, False, False, 0, 0
        while True:
            block = fh.read(BLOCK)
            if not utf16:
                nul = nul or b"\x00" in block
                undefined = undefined or any(b in block for b in _CP1252_UNDEFINED)
            if valid:
                pending = len(decoder.getstate()[0])
                try:
                    text = decoder.decode(block, final=not block)
                except UnicodeDecodeError as exc:
                    at = start - pending + exc.start  # the byte that cannot be decoded, in the file
                    if utf16 or encoding == "utf-8-sig":
                        _not_decodable(path, encoding, head, block, at - start, at, newlines)
                    valid = False
                else:
                    if utf16:
                        nul = nul or "\x00" in text
                        newlines += text.count("\n")
            if not utf16:
                newlines += block.count(b"\n")
            if not block:
                break
            start += len(block)
    if not valid:
        encoding = "latin-1" if undefined else "cp1252"
    return encoding, nul


def _has_text(fh) -> bool:
    """Whether the rest of a file holds anything but white space (its first bytes were blank)."""
    while block := fh.read(BLOCK):
        if block.strip():
            return True
    return False


def _not_decodable(path, encoding, head, block, at_in_block, at, newlines) -> None:
    """Raise the error of a UTF-8 file (by its BOM) that is not UTF-8 at byte ``at``, or of UTF-16 text cut
    in the middle of a character: the file and the line of that byte."""
    if encoding == "utf-8-sig":
        line = newlines + block[: max(0, at_in_block)].count(b"\n") + 1
        raise InputError(
            path,
            BROKEN_UTF8_MARK,
            row=line,
        )
    order = encoding if encoding != "utf-16" else _utf16_order(head)
    before = block[: max(0, at_in_block) // 2 * 2].decode(order, errors="replace")
    raise InputError(
        path,
        f"texte {encoding.upper()} illisible à l'octet {at} (attendu des caractères entiers : le fichier "
        "semble tronqué ou abîmé ; exportez-le à nouveau)",
        row=newlines + before.count("\n") + 1,
    )


def _utf16_order(head: bytes) -> str:
    return "utf-16-le" if head.startswith(codecs.BOM_UTF16_LE) else "utf-16-be"


def _header_line(fh) -> tuple[int, str] | None:
    """(index, text) of the first line of a text stream that holds more than separators (the header
    row), lines counted as ``str.splitlines`` counts them; None when there is none."""
    index, carry = 0, ""
    while True:
        piece = fh.read(1 << 16)
        text = carry + piece
        if piece and text.endswith("\r"):  # a CR LF cut between two pieces is one line end
            text += fh.read(1)
        if not text:
            return None
        lines = text.splitlines()
        carry = "" if not piece or text.endswith(_LINE_ENDS) else lines.pop()
        for i, line in enumerate(lines):
            if line.strip(" ;,\t"):
                return index + i, line
        index += len(lines)
        if not piece:
            return None


def _cut_fields(path: Path, encoding: str, delimiter: str, columns: int) -> int | None:
    """A file cut in the middle of its last row (no final line break, fewer fields than the header) was
    half-written: the number of fields of that row, read from the file's last MiB; else None. A last row
    with all its fields and no final line break is a whole row."""
    size = path.stat().st_size
    start = max(0, size - BLOCK)
    with path.open("rb") as fh:
        head = fh.read(4)
        fh.seek(start - start % 2 if encoding.startswith("utf-16") else start)
        tail = fh.read()
    if encoding == "utf-16":
        tail = tail[2:] if start == 0 else tail
        order = _utf16_order(head)
    else:
        order = "utf-8" if encoding == "utf-8-sig" else encoding
    text = tail.decode(order, errors="ignore").lstrip("\ufeff")
    if text.endswith(("\n", "\r")):
        return None
    lines = text.splitlines()
    if not lines or (start > 0 and len(lines) == 1):  # a last line longer than the tail: not told
        return None
    last = lines[-1]
    if not last.strip(" ;,\t"):
        return None
    fields = next(csv.reader([last], delimiter=delimiter), [])
    return len(fields) if len(fields) < columns else None


def csv_chunks(
    path: Path, rows: int | None = None, first_rows: int | None = None, cut_last_row: str = "reject"
) -> Iterator[RawTable]:
    """Read a CSV file ``rows`` rows at a time (the first chunk: ``first_rows``), or whole when ``rows`` is
    None; rows keep the numbers of the whole file. A last row cut short (no final line break, fewer
    fields than the header) rejects the file (``cut_last_row="reject"``), or is kept and marked in the
    last chunk's ``cut_row`` (``"quarantine"``: the pipeline quarantines that row and loads the others)."""
    encoding, has_nul = scan_text(path)
    size = path.stat().st_size
    with path.open("rb") as binary, io.TextIOWrapper(binary, encoding=encoding, newline="") as text:
        found = _header_line(text)
        if found is None:
            raise InputError(
                path,
                "le fichier ne contient que des séparateurs : attendu une ligne d'en-tête et des lignes de données",
            )
        first, line = found
        delimiter = detect_delimiter(line)
        headers = next(csv.reader([line], delimiter=delimiter))
        check_nul_in_headers(path, headers, row=first + 1)
        check_headers(path, headers)
        cut = _cut_fields(path, encoding, delimiter, len(headers))
        text.seek(0)
        options = dict(
            sep=delimiter, dtype=str, keep_default_na=False, skiprows=first, skip_blank_lines=False
        )
        try:
            if rows is None:
                reader, current = None, pd.read_csv(text, on_bad_lines="error", **options)
            else:
                reader = pd.read_csv(text, on_bad_lines="error", chunksize=rows, **options)
                current = _next_chunk(reader, first_rows or rows)
            offset = 0
            while current is not None:
                position = binary.tell()
                following = _next_chunk(reader, rows) if reader is not None else None
                last = following is None
                table = _chunk_table(path, current, first, offset, cut if last else None, cut_last_row)
                table.encoding, table.delimiter, table.has_nul = encoding, delimiter, has_nul
                table.position, table.size, table.last = (size if last else position), size, last
                offset += len(current)
                yield table
                current = following
        except pd.errors.ParserError as exc:
            raise _parser_error(path, exc, first, delimiter) from exc


def _next_chunk(reader, rows: int) -> pd.DataFrame | None:
    """The next ``rows`` rows, None at the end (a file with a header only gives one empty chunk)."""
    try:
        return reader.get_chunk(rows)
    except StopIteration:
        return None


def _parser_error(path: Path, exc: Exception, first: int, delimiter: str) -> InputError:
    msg = str(exc)
    if "EOF" in msg:
        return InputError(
            path, "un champ entre guillemets n'est jamais fermé : le fichier semble tronqué (écrit à moitié)"
        )
    row = _line_in_message(msg)
    return InputError(
        path,
        f"nombre de champs incorrect ({msg.split('. ')[-1]}) ; séparateur attendu : {delimiter!r}",
        row=row + first if row else None,
    )


def _chunk_table(path, frame, first: int, offset: int, cut: int | None, cut_last_row: str) -> RawTable:
    """One chunk of rows as a :class:`RawTable`: its row numbers in the file, blank rows dropped, a last
    row cut short marked (or the file rejected, as ``cut_last_row`` says)."""
    frame = frame.reset_index(drop=True)
    if cut is not None and frame.empty:
        cut = None
    if cut is not None and cut_last_row == "reject":
        raise InputError(
            path,
            f"la dernière ligne a {cut} champs sur {len(frame.columns)} et pas de fin de ligne : "
            "le fichier semble tronqué (écrit à moitié) ; exportez-le à nouveau",
            row=first + 1 + offset + len(frame),
        )
    frame.columns = [str(c).strip() for c in frame.columns]
    begin = first + 2 + offset
    source_row = pd.Series(range(begin, begin + len(frame)), index=frame.index, dtype="int64")
    cut_source = int(source_row.iloc[-1]) if cut is not None else None
    frame, source_row = drop_blank_rows(frame, source_row, keep=cut_source)
    table = RawTable(path, frame, source_row)
    if cut is not None:
        index = int(source_row[source_row == cut_source].index[0])
        table.cut_row = (index, cut)
    return table


def read_csv(path: Path, cut_last_row: str = "reject") -> RawTable:
    """Read a whole CSV file (see :func:`csv_chunks`)."""
    return next(csv_chunks(path, cut_last_row=cut_last_row))


def _line_in_message(msg: str) -> int | None:
    m = re.search(r"line (\d+)", msg)
    return int(m.group(1)) if m else None


def read_table(path: Path, header_score, cut_last_row: str = "reject") -> RawTable:
    """Read any supported file whole; raise :class:`InputError` for what cannot be read. ``cut_last_row``:
    see :func:`csv_chunks`."""
    return next(table_chunks(path, header_score, cut_last_row))


def table_chunks(
    path: Path,
    header_score,
    cut_last_row: str = "reject",
    rows: int | None = None,
    first_rows: int | None = None,
) -> Iterator[RawTable]:
    """Any supported file ``rows`` rows at a time (the first chunk: ``first_rows``), whole when ``rows`` is
    None. A text file is read as it goes; a workbook is read whole by its reader (a sheet holds at most
    1,048,576 rows), then handed out in chunks so that typing and validation stay bounded."""
    if not path.exists():
        raise InputError(path, "fichier introuvable")
    if path.suffix.lower() not in EXCEL_SUFFIXES:
        with path.open("rb") as fh:
            magic = fh.read(4)
        if magic == b"PK\x03\x04":
            raise InputError(
                path, "archive zip, pas un CSV : attendu un .csv, un .xlsx ou un zip d'export RNCP"
            )
        yield from csv_chunks(path, rows, first_rows, cut_last_row)
        return
    whole = read_excel(path, header_score)
    if rows is None:
        yield whole
        return
    start, size = 0, first_rows or rows
    while True:
        end = min(start + size, len(whole.frame))
        part = RawTable(
            path,
            whole.frame.iloc[start:end].reset_index(drop=True),
            whole.source_row.iloc[start:end].reset_index(drop=True),
            sheet=whole.sheet,
            notes=whole.notes,
        )
        part.last = end >= len(whole.frame)
        part.position, part.size = end, len(whole.frame)  # rows, not bytes: a share done all the same
        yield part
        if part.last:
            return
        start, size = end, rows
