"""The Caisse des Dépôts flux (« accrochage des certifications », issue #27): the list of certified people
the certifier sends to the CPF system, read as transmitted certifications.

Told by its namespace (:data:`~pipeline.load.sources.cdc_xml.NAMESPACE`), streamed part by part
(:mod:`pipeline.load.sources.cdc_xml`: bounded memory, hostile XML refused) into a temporary table of the
load's connection, then checked by its own suite (``expectations/cdc_flux.py``) part by part, and written
to ``landing_cdc_passages`` in the load's transaction. Passages of RS certifications are counted and set
aside with a note (the product follows RNCP certifications).

Personal data: the NIR, names, birth date, sex and birthplace never leave this module's memory. The NIR is
checked (:mod:`pipeline.core.nir`) and kept as a keyed digest of its 13 characters only; the quarantine,
the suite's results and the Data Docs show « (NIR masqué) ». The person is a pseudonym: the digest of
``idTechnique`` (most certifiers put their candidate reference there), or of the reference a mapping file
gives for it (``insertion ingest --mapping FILE``, else the certifier's register ``cdc_correspondance.csv``
in the reference folder: columns « idTechnique » and « Référence candidat »). The link with a
jury file's NIR is made in the warehouse (``pipeline/warehouse/sql/marts/60_fct_cdc_passages.sql``).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import pandas as pd
import pyarrow as pa

from pipeline.core import nir
from pipeline.core.errors import InputError
from pipeline.core.normalise import map_distinct
from pipeline.load.batch import Batch, Kind
from pipeline.load.pseudonymise import hmac_hex
from pipeline.load.sources.base import CERTAIN, FileSource, Written
from pipeline.load.sources.cdc_write import write_flux
from pipeline.load.sources.cdc_xml import NAMESPACE, ROW_FIELDS, Header, passages, root_of

PART_ROWS = 20_000  # passages read at a time
VALIDATED_PARTS = 10  # parts validated together: about 200,000 passages per run of the suite

# modaliteAcces -> the product's access routes (docs/methodology.md M35); none for a foreign diploma's
# equivalence: no route of the RNCP's jury says it, so it is never compared
ROUTES = {
    "FORMATION_INITIALE_HORS_APPRENTISSAGE": "FI",
    "FORMATION_INITIALE_APPRENTISSAGE": "CA",
    "FORMATION_CONTINUE_HORS_CONTRAT_DE_PROFESSIONNALISATION": "FC",
    "FORMATION_CONTINUE_CONTRAT_DE_PROFESSIONNALISATION": "CQ",
    "VAE": "VAE",
    "EQUIVALENCE_DIPLOME_ETRANGER": None,
    "CANDIDAT_LIBRE": "CL",
}
REFERENCE_HEADERS = ("reference candidat", "reference", "ref candidat", "identifiant candidat", "matricule")

CDC_FLUX = Kind(
    name="cdc_flux",
    label="flux d'accrochage CDC",
    table="landing_cdc_passages",
    columns=(),
    required=(),
    distinctive=(),
)


def is_flux(path: Path, data: bytes) -> bool:
    """Whether a file is a CDC flux: its first element is ``flux`` of the CDC namespace (its head names the
    namespace, or the document read up to its first element says so)."""
    head = data.lstrip(b"\xef\xbb\xbf").lstrip()
    if head[:1] == b"<" and NAMESPACE.encode() in data:
        return True
    if path.suffix.lower() != ".xml":
        return False
    return root_of(path) == ("flux", NAMESPACE)


REGISTER = "cdc_correspondance.csv"  # the certifier's register, in the reference folder (data/reference/)


def find_mapping(flux: Path, named: Path | None = None, reference_dir: Path | None = None) -> Path | None:
    """The mapping file of a flux (reference ↔ idTechnique): the one named (``insertion ingest --mapping``),
    else the certifier's register :data:`REGISTER` in the reference folder; None without one (idTechnique is
    the reference). Never a file of the raw folder: every file there is loaded as data."""
    if named is not None:
        if not Path(named).exists():
            raise InputError(named, "fichier de correspondance introuvable")
        return Path(named)
    if reference_dir is not None and (Path(reference_dir) / REGISTER).exists():
        return Path(reference_dir) / REGISTER
    return None


def _norm_header(text: str) -> str:
    from pipeline.core.normalise import norm

    return norm(text)


def mapping_columns(path: Path) -> tuple[str, str, str, str]:
    """(encoding, delimiter, idTechnique header, reference header) of a mapping file; raises
    :class:`InputError` naming the file and what is missing."""
    from pipeline.load.readers import detect_delimiter, detect_encoding

    with path.open("rb") as fh:
        data = fh.read(65536)
    encoding = detect_encoding(data, path)
    text = data.decode(encoding, errors="ignore").lstrip("\ufeff")
    line = next((ln for ln in text.splitlines() if ln.strip(" ;,\t")), "")
    if not line:
        raise InputError(
            path,
            "fichier de correspondance vide : attendu les colonnes idTechnique et Référence candidat",
            row=1,
        )
    delimiter = detect_delimiter(line)
    headers = [h.strip().strip('"') for h in line.split(delimiter)]
    by_norm = {_norm_header(h): h for h in headers}
    id_header = by_norm.get("idtechnique") or by_norm.get("id technique")
    ref_header = next((by_norm[h] for h in REFERENCE_HEADERS if h in by_norm), None)
    for header, what in ((id_header, "idTechnique"), (ref_header, "Référence candidat")):
        if header is None:
            raise InputError(
                path,
                f"fichier de correspondance sans colonne « {what} » (en-têtes lus : {', '.join(headers)}) : "
                "attendu les colonnes idTechnique et Référence candidat",
                row=1,
                column=what,
            )
    return ("utf-8" if encoding.startswith("utf-8") else encoding), delimiter, id_header, ref_header


def mapping_parts(path: Path, key: bytes):
    """The mapping file as arrow tables (id_hash, ref_hash), read a block at a time (bounded memory)."""
    from pyarrow import csv as pacsv

    encoding, delimiter, id_header, ref_header = mapping_columns(path)
    reader = pacsv.open_csv(
        path,
        read_options=pacsv.ReadOptions(encoding=encoding, block_size=1 << 22),
        parse_options=pacsv.ParseOptions(delimiter=delimiter),
        convert_options=pacsv.ConvertOptions(
            include_columns=[id_header, ref_header],
            column_types={id_header: pa.string(), ref_header: pa.string()},
        ),
    )
    for block in reader:
        ids, refs = block.column(id_header), block.column(ref_header)
        yield pa.table({"id_hash": hmac_hex(ids, key), "ref_hash": hmac_hex(refs, key)})


def _iso_dates(text: pd.Series) -> pd.Series:
    def convert(values) -> list:
        out = []
        for v in values:
            match = re.match(r"^(\d{4})-(\d{2})-(\d{2})", v)
            try:
                out.append(pd.Timestamp(int(match[1]), int(match[2]), int(match[3])) if match else pd.NaT)
            except ValueError:
                out.append(pd.NaT)
        return out

    return map_distinct(text, convert, "datetime64[us]")


def transmitted_on(header: Header, path: Path) -> tuple[date, str, str | None]:
    """The day the flux was transmitted: its horodatage's (the day as written), else the file's date;
    with where it came from and, for the latter, a note."""
    text = (header.timestamp or "").strip()
    match = re.match(r"^(\d{4})-(\d{2})-(\d{2})", text)
    if match:
        try:
            return date(int(match[1]), int(match[2]), int(match[3])), "horodatage", None
        except ValueError:
            pass
    day = datetime.fromtimestamp(path.stat().st_mtime).date()
    said = f"horodatage illisible ({text!r})" if text else "horodatage absent"
    return day, "file_date", f"{said} : date du fichier retenue comme date de transmission ({day:%d/%m/%Y})"


def type_part(rows: list[tuple], first_row: int, part: int, key: bytes) -> pd.DataFrame:
    """One part of the flux, typed: pseudonyms, the NIR's verdict and digest (the NIR dropped here), dates,
    routes. ``first_row``: the passage number of its first row is counted by the caller."""
    raw = pd.DataFrame.from_records(rows, columns=ROW_FIELDS).astype("string")
    out = pd.DataFrame({"source_line": raw["source_row"].astype("int64")})
    out.insert(0, "source_row", pd.Series(range(first_row, first_row + len(raw)), dtype="int64"))
    out["part"] = part
    out["certification_type"] = raw["certification_type"].str.strip().str.upper()
    code = raw["certification_text"].str.replace(r"[\s\u00a0]", "", regex=True).str.upper()
    digits = code.str.fullmatch(r"[0-9]+").fillna(False).astype(bool)
    out["certification_text"] = raw["certification_text"]
    out["certification_code"] = code.where(~digits, out["certification_type"] + code)
    out["nature_deposant"] = raw["nature_deposant"]
    out["certifier_id"], out["contract_id"] = raw["certifier_id"], raw["contract_id"]
    out["passage_hash"] = _digest(raw["idTechnique"], key)
    out["candidate_hash"] = out["passage_hash"]
    verdicts = map_distinct(raw["nir"], lambda values: [nir.check(v) for v in values], "string")
    links = map_distinct(raw["nir"], lambda values: [nir.link_text(v) for v in values], "string")
    out["nir_hash"] = _digest(links, key)
    del raw["nir"], links  # the NIR goes no further
    out["identification"] = raw["identification"]
    out["obtention"] = raw["obtentionCertification"].str.upper()
    out["certified_data"] = raw["donneeCertifiee"].str.lower()
    for column, element in (("certificate_date", "dateDebutValidite"), ("valid_until", "dateFinValidite")):
        out[column] = _iso_dates(raw[element])
        out[column + "_unparsed"] = raw[element].where(out[column].isna())
    out["language_level"] = raw["presenceNiveauLangueEuro"].str.lower()
    out["digital_level"] = raw["presenceNiveauNumeriqueEuro"].str.lower()
    out["access_mode"] = raw["modaliteAcces"].str.upper()
    out["access_route"] = out["access_mode"].map(ROUTES, na_action="ignore").astype("string")
    out["vae_route"], out["enrolment_initiative"] = raw["voieAccesVAE"], raw["initiativeInscription"]
    masked = pd.Series(nir.MASKED, index=out.index, dtype="string")
    out["nir_malformed"] = masked.where(verdicts == nir.MALFORMED)
    out["nir_bad_key"] = masked.where(verdicts == nir.BAD_KEY)
    return out


def _digest(text: pd.Series, key: bytes) -> pd.Series:
    return map_distinct(
        text, lambda values: hmac_hex(pa.array(list(values), type=pa.string()), key).to_pylist(), "string"
    )


@dataclass
class Flux:
    """A flux to be written (the batch's ``stream``): its file, the key, its mapping file, and what its
    reading found (:class:`~pipeline.load.sources.cdc_xml.Header`)."""

    path: Path
    key: bytes
    mapping: Path | None
    header: Header = field(default_factory=Header)

    def parts(self):
        """Typed parts of the flux (bounded memory), numbered from 0."""
        first = 1
        for part, rows in enumerate(passages(self.path, self.header, PART_ROWS)):
            yield type_part(rows, first, part, self.key)
            first += len(rows)

    def mapping_parts(self):
        """The mapping file's (id_hash, ref_hash) digests, a block at a time; nothing without one."""
        if self.mapping is not None:
            yield from mapping_parts(self.mapping, self.key)

    def transmitted(self) -> tuple[date, str, str | None]:
        """The day of transmission, once the flux is read (:func:`transmitted_on`)."""
        return transmitted_on(self.header, self.path)


class CdcFlux(FileSource):
    """The source: told by its namespace, streamed into ``landing_cdc_passages`` in the load's transaction
    (bounded memory), validated part by part as it is written."""

    kind, unit = "cdc_flux", "passages"
    parallel = False  # written as it is read: in the process that holds the warehouse

    def detect(self, path: Path, head) -> int:
        return CERTAIN if is_flux(path, head.data) else 0

    def digest(self, path: Path, mapping: Path | None = None) -> str:
        """The flux's sha256, with the sha256 of the mapping file named with ``--mapping`` (a corrected
        mapping loads the flux again). The register of the reference folder grows with every flux: it is
        not part of a flux's identity (after correcting it, unload the flux and load it again)."""
        sha = super().digest(path)
        if mapping is None or not Path(mapping).exists():
            return sha
        return hashlib.sha256(
            f"{sha}:{hashlib.sha256(Path(mapping).read_bytes()).hexdigest()}".encode()
        ).hexdigest()

    def read(self, path: Path, settings, key: bytes, mapping: Path | None = None) -> Batch:
        found = find_mapping(path, mapping, settings.reference_dir)
        if found is not None:
            mapping_columns(found)  # a mapping file without its columns rejects the flux before anything
        return Batch(CDC_FLUX, path, None, stream=Flux(path, key, found))

    def write(self, con, batch: Batch, verdict, load_id: int, gate) -> Written:
        return write_flux(con, batch, load_id, gate)


SOURCE = CdcFlux()
