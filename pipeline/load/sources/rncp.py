"""France Compétences' RNCP open-data export: the XML flow V4.1 and the CSV parts, plain or zipped.

The XML is streamed fiche by fiche (``iterparse``, each element cleared once read), so a national export
of a few hundred MB loads in bounded memory. Real quirks handled: SIRET preceded by a TAB, doubled
apostrophes (``d''air``), ``Nsf_Intitule`` prefixed by its code, ``dd/mm/yyyy`` dates, elements left
out, CRLF, quoting. The RS export (répertoire spécifique) is refused: it has no insertion statistics.
"""

from __future__ import annotations

import io
import re
import sys
import zipfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from xml.etree.ElementTree import Element, iterparse

import pandas as pd

from pipeline.core.codes import is_job_code
from pipeline.core.errors import InputError
from pipeline.core.partners import habilitation_state, habilitation_type
from pipeline.load import referential
from pipeline.load.batch import Batch, Kind
from pipeline.load.referential import TABLES
from pipeline.load.sources.base import CERTAIN, FileSource, Written
from pipeline.load.sources.cdc_xml import NAMESPACE as CDC_NAMESPACE
from pipeline.load.sources.cdc_xml import ROOT as CDC_FLUX

ROUTES = ("FI", "CA", "FC", "CQ", "CL", "VAE")
ROUTE_LABELS = {  # VoixdAccès part: Si_Jury label -> code
    "apres un parcours de formation sous statut d eleve ou d etudiant": "FI",
    "en contrat d apprentissage": "CA",
    "apres un parcours de formation continue": "FC",
    "en contrat de professionnalisation": "CQ",
    "par candidature individuelle": "CL",
    "par experience": "VAE",
}
CSV_PART = re.compile(r"export_fiches_CSV_(?P<part>.+?)_(?P<date>\d{4}_\d{2}_\d{2})\.csv$", re.I)
RS_EXPORT = re.compile(r"export[-_]fiches[-_]RS", re.I)
CDC_ROOT = f"{{{CDC_NAMESPACE}}}{CDC_FLUX}"  # the first element of a CDC flux, as ElementTree names it


def detect(path: Path) -> bool:
    """True for an RNCP/RS export (zip, XML flow or CSV part).

    An XML file is told by its first element, found after its prolog (declaration, comments, processing
    instructions, DOCTYPE with its internal subset, however long), never by a fixed window of bytes. A
    ``.xml`` file that is XML but not the RNCP flow is still taken here, so that reading it says why."""
    name = path.name
    if RS_EXPORT.search(name) or CSV_PART.search(name):
        return True
    suffix = path.suffix.lower()
    if suffix == ".zip":
        return True
    if not _starts_like_xml(path):
        return False
    root = xml_root(path)
    if root == CDC_ROOT:  # issue #27: the Caisse des Dépôts flux has its own source
        return False
    return suffix == ".xml" or root == "FICHES"


_XML_STARTS = (b"<?xml", b"<!DOCTYPE", b"<!--", b"<FICHES")


def _starts_like_xml(path: Path) -> bool:
    """Whether the file begins as an XML document (after a byte-order mark and blank space)."""
    try:
        with path.open("rb") as fh:
            head = fh.read(512)
    except OSError:
        return False
    for bom, encoding in ((b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if head.startswith(bom):
            head = head[2:].decode(encoding, errors="ignore").encode("utf-8")
    head = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    return head.startswith(_XML_STARTS) or (head[:1] == b"<" and head[1:2].isalpha())


def xml_root(path: Path) -> str | None:
    """The name of the document's first element (read up to it, streamed), or None when the file is not
    well-formed before it."""
    try:
        with path.open("rb") as fh:
            for _, element in iterparse(fh, events=("start",)):
                return element.tag
    except (SyntaxError, OSError):  # ParseError
        return None
    return None


def _date(text: str | None):
    if not text:
        return None
    try:
        return datetime.strptime(text.strip(), "%d/%m/%Y").date()
    except ValueError:
        return None


def _int(text: str | None):
    try:
        return int(text) if text not in (None, "") else None
    except ValueError:
        return None


def _text(value: str | None) -> str | None:
    """Clean a field: TAB before SIRETs, doubled apostrophes, surrounding spaces; empty -> None."""
    if value is None:
        return None
    cleaned = value.replace("\t", "").replace("''", "'").strip()
    return cleaned or None


def _child(el: Element, path: str) -> str | None:
    found = el.find(path)
    return _text(found.text) if found is not None and found.text else None


def parse_fiche(el: Element) -> dict[str, list[tuple]]:
    """One ``<FICHE>`` element -> rows for each referential table."""
    code = _child(el, "NUMERO_FICHE")
    rows: dict[str, list[tuple]] = {t: [] for t in TABLES}
    if not code:
        return rows
    actif = _child(el, "ACTIF")
    rows["rncp_fiches"].append(
        (
            code,
            _child(el, "INTITULE"),
            _child(el, "ABREGE/CODE"),
            _child(el, "NOMENCLATURE_EUROPE/NIVEAU"),
            None if actif is None else actif.lower() == "oui",
            _date(_child(el, "DATE_FIN_ENREGISTREMENT")),
            _date(_child(el, "DATE_EFFET")),
            _child(el, "TYPE_ENREGISTREMENT"),
        )
    )
    for c in el.iterfind("CERTIFICATEURS/CERTIFICATEUR"):
        rows["rncp_certifiers"].append(
            (
                code,
                _child(c, "SIRET_CERTIFICATEUR"),
                _child(c, "NOM_CERTIFICATEUR"),
                _child(c, "ETAT_CERTIFICATEUR"),
            )
        )
    for p in el.iterfind("PARTENAIRES/PARTENAIRE"):
        habilitation = _child(p, "HABILITATION_PARTENAIRE")
        rows["rncp_partners"].append(
            (
                code,
                _child(p, "SIRET_PARTENAIRE"),
                _child(p, "NOM_PARTENAIRE"),
                habilitation,
                habilitation_type(habilitation),
                habilitation_state(_child(p, "ETAT_HABILITATION")),
                _date(_child(p, "DATE_ACTIF")),
                _date(_child(p, "DATE_DERNIERE_MODIFICATION_ETAT")),
            )
        )
    for n in el.iterfind("CODES_NSF/NSF"):
        rows["rncp_nsf"].append((code, _child(n, "CODE"), _child(n, "LIBELLE")))
    for f in el.iterfind("FORMACODES/FORMACODE"):
        rows["rncp_formacodes"].append((code, _child(f, "CODE"), _child(f, "LIBELLE")))
    for r in el.iterfind("CODES_ROME/ROME"):
        rome = _child(r, "CODE")
        rows["rncp_rome"].append((code, rome, _child(r, "LIBELLE"), is_job_code(rome)))
    for b in el.iterfind("BLOCS_COMPETENCES/BLOC_COMPETENCES"):
        rows["rncp_blocks"].append((code, _child(b, "CODE"), _child(b, "LIBELLE")))
    for route in ROUTES:
        jury = el.find(f"SI_JURY_{route}")
        if jury is not None:
            rows["rncp_access_routes"].append(
                (code, route, (_child(jury, "ACTIF") or "").lower() == "oui", _child(jury, "COMPOSITION"))
            )
    for old in el.iterfind("ANCIENNES_CERTIFICATIONS/ANCIENNE_CERTIFICATION/ID_FICHE_ANCIENNE_CERTIFICATION"):
        rows["rncp_lineage"].append((_text(old.text), code, code))
    for new in el.iterfind("NOUVELLES_CERTIFICATIONS/NOUVELLE_CERTIFICATION/ID_FICHE_NOUVELLE_CERTIFICATION"):
        rows["rncp_lineage"].append((code, _text(new.text), code))
    for s in el.iterfind("STATISTIQUES_PROMOTIONS/STATISTIQUES_PROMOTION"):
        rows["published_statistics"].append(
            (
                code,
                _int(_child(s, "ANNEE")),
                _int(_child(s, "NOMBRE_CERTIFIES")),
                _int(_child(s, "NOMBRE_CERTIFIES_VAE")),
                _int(_child(s, "TAUX_INSERTION_GLOBAL_6MOIS")),
                None,
                _int(_child(s, "TAUX_INSERTION_METIER_2ANS")),
                "rncp export",
            )
        )
    return rows


def iter_xml(stream, name: str, batch_size: int = 2000) -> Iterator[dict[str, list[tuple]]]:
    """Stream ``<FICHE>`` elements, yielding the rows of ``batch_size`` fiches at a time."""
    batch: dict[str, list[tuple]] = {t: [] for t in TABLES}
    count = 0
    try:
        context = iterparse(stream, events=("start", "end"))
        _, root = next(context)
        if root.tag != "FICHES":
            raise InputError(
                name, f"élément racine <{root.tag}> au lieu de <FICHES> (attendu le flux XML RNCP V4.1)"
            )
        for event, el in context:
            if event != "end" or el.tag != "FICHE":
                continue
            code = _child(el, "NUMERO_FICHE") or ""
            if code.upper().startswith("RS"):
                raise InputError(name, f"la fiche {code} relève du répertoire spécifique (RS) : " + _RS_HELP)
            for table, rows in parse_fiche(el).items():
                batch[table].extend(rows)
            root.clear()  # bounded memory: drop fiches already read
            count += 1
            if count % batch_size == 0:
                yield batch
                batch = {t: [] for t in TABLES}
    except SyntaxError as exc:  # ParseError
        raise InputError(name, f"XML mal formé ({exc}) : le fichier est peut-être tronqué") from exc
    yield batch


_RS_HELP = (
    "les certifications du RS n'ont pas de statistiques d'insertion ; chargez plutôt l'export RNCP "
    "(export-fiches-rncp-v4-1-*.zip ou export-fiches-csv-*.zip)"
)


def _read_part(stream, name: str) -> pd.DataFrame:
    try:
        frame = pd.read_csv(stream, sep=";", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise InputError(name, f"illisible comme partie CSV de l'export RNCP ({exc})") from exc
    frame.columns = [c.strip() for c in frame.columns]
    if "Numero_Fiche" not in frame.columns:
        raise InputError(
            name,
            "pas de colonne 'Numero_Fiche' (attendu une partie CSV de l'export RNCP)",
            row=1,
            column="Numero_Fiche",
        )
    return frame.map(_text)


def parse_part(part: str, frame: pd.DataFrame, name: str) -> dict[str, list[tuple]]:
    """Rows of one CSV part (Standard, Rome, Nsf, …) for the referential tables."""
    rows: dict[str, list[tuple]] = {}
    key = part.lower().replace("é", "e")
    get = frame.get

    def col(name_: str) -> pd.Series:
        return get(name_, pd.Series([None] * len(frame), index=frame.index))

    codes = col("Numero_Fiche")
    if key == "standard":
        active = col("Actif").map(lambda v: None if v is None else v.upper() in {"ACTIVE", "OUI", "ACTIF"})
        rows["rncp_fiches"] = list(
            zip(
                codes,
                col("Intitule"),
                col("Abrege_Libelle"),
                col("Nomenclature_Europe_Niveau"),
                active,
                col("Date_Fin_Enregistrement").map(_date),
                col("Date_Effet").map(_date),
                col("Type_Enregistrement"),
                strict=True,
            )
        )
    elif key == "rome":
        rome = col("Codes_Rome_Code")
        rows["rncp_rome"] = list(
            zip(codes, rome, col("Codes_Rome_Libelle"), rome.map(is_job_code), strict=True)
        )
    elif key == "nsf":
        nsf = col("Nsf_Code")
        labels = [
            re.sub(rf"^{re.escape(c)}\s*:\s*", "", lab) if c and lab else lab
            for c, lab in zip(nsf, col("Nsf_Intitule"), strict=True)
        ]
        rows["rncp_nsf"] = list(zip(codes, nsf, labels, strict=True))
    elif key == "formacode":
        rows["rncp_formacodes"] = list(
            zip(codes, col("Formacode_Code"), col("Formacode_Libelle"), strict=True)
        )
    elif key == "certificateurs":
        rows["rncp_certifiers"] = list(
            zip(codes, col("Siret_Certificateur"), col("Nom_Certificateur"), [None] * len(frame), strict=True)
        )
    elif key == "partenaires":
        habilitations = col("Habilitation_Partenaire")
        none = [None] * len(frame)
        rows["rncp_partners"] = list(
            zip(
                codes,
                col("Siret_Partenaire"),
                col("Nom_Partenaire"),
                habilitations,
                habilitations.map(habilitation_type),
                none,  # the CSV part lists the partners without their state or dates
                none,
                none,
                strict=True,
            )
        )
    elif key == "ccn":
        out = []
        for i in (1, 2, 3):
            out += [
                (c, n, lab)
                for c, n, lab in zip(codes, col(f"Ccn_{i}_Numero"), col(f"Ccn_{i}_Libelle"), strict=True)
                if n
            ]
        rows["rncp_ccn"] = out
    elif key in {"blocs_de_competences", "blocs_competences"}:
        rows["rncp_blocks"] = list(
            zip(codes, col("Bloc_Competences_Code"), col("Bloc_Competences_Libelle"), strict=True)
        )
    elif key in {"voixdacces", "voix_d_acces", "voiesdacces"}:
        from pipeline.core.normalise import norm

        routes = col("Si_Jury").map(lambda v: ROUTE_LABELS.get(norm(v)))
        rows["rncp_access_routes"] = [(c, r, True, None) for c, r in zip(codes, routes, strict=True) if r]
    elif key == "ancienne_nouvelle_certification":
        out = []
        for c, old, new in zip(
            codes, col("Ancienne_Certification"), col("Nouvelle_Certification"), strict=True
        ):
            if old:
                out.append((old, c, c))
            if new:
                out.append((c, new, c))
        rows["rncp_lineage"] = out
    else:
        raise InputError(name, f"partie CSV de l'export RNCP inconnue : {part!r}")
    return rows


def iter_export(path: Path) -> Iterator[tuple[str, dict[str, list[tuple]]]]:
    """(member name, rows) for every XML flow or CSV part in ``path`` (a zip, an XML or a CSV part)."""
    if RS_EXPORT.search(path.name):
        raise InputError(path, "export du répertoire spécifique (RS) : " + _RS_HELP)
    if path.suffix.lower() == ".zip":
        try:
            archive = zipfile.ZipFile(path)
        except zipfile.BadZipFile as exc:
            raise InputError(path, "archive zip illisible (téléchargement tronqué ?)") from exc
        with archive:
            names = [n for n in archive.namelist() if not n.endswith("/")]
            if any(RS_EXPORT.search(n) for n in names):
                raise InputError(path, "contient l'export du répertoire spécifique (RS) : " + _RS_HELP)
            usable = [n for n in names if n.lower().endswith(".xml") or CSV_PART.search(Path(n).name)]
            if not usable:
                raise InputError(
                    path,
                    "ne contient ni flux XML ni partie CSV de l'export RNCP (attendu export_fiches_*.xml/.csv)",
                )
            for member in usable:
                label = f"{path.name}!{member}"
                with archive.open(member) as stream:
                    if member.lower().endswith(".xml"):
                        for rows in iter_xml(stream, label):
                            yield label, rows
                    else:
                        part = CSV_PART.search(Path(member).name).group("part")
                        yield (
                            label,
                            parse_part(part, _read_part(io.TextIOWrapper(stream, "utf-8-sig"), label), label),
                        )
        return
    if path.suffix.lower() == ".xml" or (_starts_like_xml(path) and xml_root(path) == "FICHES"):
        with path.open("rb") as stream:
            for rows in iter_xml(stream, str(path)):
                yield str(path), rows
        return
    match = CSV_PART.search(path.name)
    if not match:
        raise InputError(
            path, "pas un fichier de l'export RNCP (attendu export_fiches_CSV_<Partie>_AAAA_MM_JJ.csv)"
        )
    yield str(path), parse_part(match.group("part"), _read_part(path, str(path)), str(path))


# the fiches an export carries (rows of every referential table, streamed), checked by the rncp_referential
# suite once written
RNCP = Kind(
    name="rncp",
    label="RNCP export",
    table="rncp_fiches",
    columns=tuple(TABLES["rncp_fiches"]),
    required=(),
    distinctive=(),
    suite="rncp_referential",
)


class RncpExport(FileSource):
    """The source: told by its name or its XML root, streamed into the referential tables in the load's
    transaction (bounded memory), validated fiche by fiche once written."""

    kind, unit = "rncp", "fiches"
    parallel = False  # written as it is read: in the process that holds the warehouse

    def detect(self, path: Path, head) -> int:
        return CERTAIN if detect(path) else 0

    def read(self, path: Path, settings, key: bytes, mapping: Path | None = None) -> Batch:
        return Batch(RNCP, path, None, stream=iter_export(path))  # nothing read until written

    def write(self, con, batch: Batch, verdict, load_id: int, gate) -> Written:
        written = referential.load_rncp(con, batch, load_id, gate, progress=_progress)
        _progress("")
        return written


def _progress(message: str) -> None:
    """One line of progress on the terminal (long RNCP exports), rewritten in place."""
    if sys.stderr.isatty():
        print(f"\r  … {message}" if message else "\r\033[K", end="", file=sys.stderr, flush=True)


SOURCE = RncpExport()
