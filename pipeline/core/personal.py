"""Personal data written where it was not asked for (issue #25): an e-mail address or a phone number typed
in a free-text field (a job title, a sector, a site) is set aside at ingestion, the row kept.

The personal-data rule (README, « Personal data ») drops a column whose header or content looks personal;
a column the file maps to a field of ours (« Intitulé du poste ») is kept whole, so its values are screened
one by one here: a value holding an e-mail address or a French phone number anywhere is emptied in the
typed rows (never loaded, never in a mart) and masked in the record kept for quarantine, and a note says
how many values of which column were set aside (never the values).
"""

from __future__ import annotations

import re

import pandas as pd

EMAIL = re.compile(r"[^@\s<>()\[\],;:\"']+@[^@\s<>()\[\],;:\"']+\.[A-Za-z]{2,}")
PHONE = re.compile(r"(?<![\d+])(?:\+33\s?(?:\(0\)\s?)?|0033\s?|0)[1-9](?:[\s.\-]?\d{2}){4}(?!\d)")
MASK = "[retiré : adresse e-mail ou numéro de téléphone]"


def holds_contact(series: pd.Series) -> pd.Series:
    """True where a text value holds an e-mail address or a French phone number. Each distinct value is
    looked at once (a column of a national file repeats its job titles, dates and codes)."""
    values = series.dropna()
    if values.empty:
        return pd.Series(False, index=series.index)
    found = {
        v
        for v in pd.unique(values.astype(str))
        if ("@" in v and EMAIL.search(v)) or (sum(c.isdigit() for c in v) >= 9 and PHONE.search(v))
    }
    if not found:
        return pd.Series(False, index=series.index)
    return series.astype("string").isin(found).fillna(False).astype(bool)


def screen(frame: pd.DataFrame, original: pd.DataFrame | None, mapped: dict[str, str], skip=()) -> list[str]:
    """Empty, in ``frame``, every mapped text value holding an e-mail or a phone number, and mask the same
    field in ``original`` (the record as read, kept for quarantine; its columns are the file's headers,
    ``mapped`` says which is which). ``skip``: columns not to screen (a pseudonymised reference). Returns
    the notes (French) for the load's log."""
    notes = []
    for column, header in mapped.items():
        if column in skip:
            continue
        hits = pd.Series(False, index=frame.index)
        if original is not None and header in original:
            hits |= holds_contact(original[header])
        typed = frame.get(column)
        if typed is not None and not (
            pd.api.types.is_numeric_dtype(typed) or pd.api.types.is_datetime64_any_dtype(typed)
        ):
            hits |= holds_contact(typed)
        if not hits.any():
            continue
        if column in frame:
            frame[column] = frame[column].where(~hits, pd.NA)
        if original is not None and header in original:
            original[header] = original[header].astype(object).where(~hits, MASK)
        notes.append(
            f"« {header} » : {int(hits.sum())} valeur(s) contenant une adresse e-mail ou un numéro de "
            "téléphone écartée(s) (données personnelles ; les lignes sont gardées)"
        )
    return notes
