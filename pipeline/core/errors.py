"""The one error type users see: it names the file, the row and the column, and what was expected (in French:
« fichier, ligne 3, colonne 'x' : attendu … »)."""

from __future__ import annotations

from pathlib import Path


class InputError(Exception):
    """A file that cannot be loaded. Nothing is written to the warehouse when this is raised."""

    def __init__(self, file: Path | str, message: str, row: int | None = None, column: str | None = None):
        self.file, self.row, self.column, self.message = str(file), row, column, message
        super().__init__(str(self))

    def __reduce__(self):  # picklable, so that worker processes can report it
        return (InputError, (self.file, self.message, self.row, self.column))

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"ligne {self.row}")
        if self.column is not None:
            where.append(f"colonne {self.column!r}")
        return f"{', '.join(where)} : {self.message}"
