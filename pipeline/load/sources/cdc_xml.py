"""Reading a Caisse des Dépôts flux (« accrochage des certifications », issue #27) as a stream of passages,
in bounded memory, refusing hostile XML.

The flux (namespace :data:`NAMESPACE`, XSD versions 1.1.x and 2.0.0) is ``cpf:flux``: ``idFlux``,
``horodatage``, ``emetteur/idClient``, then ``certificateurs/certificateur/{idClient, idContrat,
certifications/certification/{type, code, natureDeposant, passageCertifications/passageCertification/{…}}}}``
(``certificateurs`` inside ``emetteur`` or beside it: elements are read by their local name and parent).
An empty optional element comes as ``xsi:nil="true"`` and reads as None.

The parser is expat's, fed 1 MiB at a time: only the passage being read and the current part (a few
thousand passages) are held. A DOCTYPE is read past, but any entity declaration (internal or external: the
« billion laughs » and external-entity attacks) stops the reading with a French message, as does an
external entity reference.

Personal data: under ``identificationTitulaire`` only the NIR is read, and only to be checked and digested
by the caller; names, birth date, sex and birthplace (``nomNaissance``, ``nomUsage``, ``prenom1``,
``anneeNaissance``, ``moisNaissance``, ``jourNaissance``, ``sexe``, ``codeInsee``…) are never collected: their
text is not even buffered.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from xml.parsers import expat

from pipeline.core.errors import InputError

NAMESPACE = "urn:cdc:cpf:pc5:schema:1.0.0"
ROOT = "flux"
BLOCK = 1 << 20

# the fields of a passage, in the order of a row (its line first: the row a person finds in the file)
PASSAGE_FIELDS = (
    "idTechnique",
    "obtentionCertification",
    "donneeCertifiee",
    "dateDebutValidite",
    "dateFinValidite",
    "presenceNiveauLangueEuro",
    "presenceNiveauNumeriqueEuro",
    "modaliteAcces",
    "voieAccesVAE",
    "initiativeInscription",
)
# a row: (line, type, code, natureDeposant, certifier idClient, idContrat, *PASSAGE_FIELDS, identification, nir)
ROW_FIELDS = (
    "source_row",
    "certification_type",
    "certification_text",
    "nature_deposant",
    "certifier_id",
    "contract_id",
    *PASSAGE_FIELDS,
    "identification",
    "nir",
)
_FIELD_INDEX = {name: i for i, name in enumerate(PASSAGE_FIELDS)}
_CERTIFICATION = {"type", "code", "natureDeposant"}
_HEADER = {"idFlux", "horodatage"}


@dataclass
class Header:
    """What the flux says of itself (read before its passages)."""

    flux_id: str | None = None
    timestamp: str | None = None  # horodatage, as written
    issuer: str | None = None  # emetteur/idClient
    passages: int = 0  # every passage read, RS included
    rs_passages: int = 0
    certifications: dict = field(default_factory=dict)  # type -> count of passages


def hostile(what: str) -> str:
    return (
        f"flux CDC refusé : {what} (un flux d'accrochage n'en contient jamais ; un fichier XML qui en déclare "
        "peut faire exploser la mémoire ou lire des fichiers de la machine)"
    )


class _Reader:
    """The expat handlers: a small state machine over the local names of the elements."""

    def __init__(self, header: Header):
        self.header = header
        self.stack: list[str] = []
        self.local: dict[str, str] = {}
        self.buf: list[str] = []
        self.capture = False
        self.nil = False
        self.rows: list[tuple] = []
        self.certification: dict[str, str | None] = {}
        self.certifier: dict[str, str | None] = {}
        self.passage: list | None = None
        self.line = 0
        self.identification: str | None = None
        self.nir: str | None = None
        self.in_holder = False
        self.root_checked = False

    def name(self, raw: str) -> str:
        local = self.local.get(raw)
        if local is None:
            local = self.local[raw] = raw.rpartition(":")[2]
        return local

    def start(self, raw: str, attributes: dict) -> None:
        local = self.name(raw)
        if not self.root_checked:
            self.check_root(raw, local, attributes)
        self.stack.append(local)
        self.nil = bool(attributes) and any(
            k.endswith("nil") and v.strip() == "true" for k, v in attributes.items()
        )
        if self.passage is not None:
            if local == "identificationTitulaire":
                self.in_holder = True
            elif self.in_holder:
                if local == "identifiantNational":
                    self.identification = "nir"
                elif local == "titulaire":
                    self.identification = self.identification or "titulaire"
                # only the NIR's text is read under identificationTitulaire
                self.capture = local == "nir"
                self.buf.clear()
                return
            self.capture = local in _FIELD_INDEX
        elif local == "passageCertification":
            self.passage = [None] * len(PASSAGE_FIELDS)
            self.line = self.parser.CurrentLineNumber
            self.identification = self.nir = None
            self.capture = False
        else:
            self.capture = local in _CERTIFICATION or local in _HEADER or local in ("idClient", "idContrat")
        self.buf.clear()

    def check_root(self, raw: str, local: str, attributes: dict) -> None:
        prefix = raw.rpartition(":")[0]
        declared = attributes.get(f"xmlns:{prefix}" if prefix else "xmlns")
        if local != ROOT or declared != NAMESPACE:
            raise ValueError(
                f"premier élément <{raw}> (espace de noms {declared or 'aucun'}) : attendu <cpf:flux> de "
                f"l'espace de noms {NAMESPACE}"
            )
        self.root_checked = True

    def text(self, data: str) -> None:
        if self.capture:
            self.buf.append(data)

    def end(self, raw: str) -> None:
        local = self.stack.pop()
        value = None if self.nil else ("".join(self.buf).strip() or None) if self.capture else None
        self.capture, self.nil = False, False
        self.buf.clear()
        parent = self.stack[-1] if self.stack else ""
        if self.passage is not None:
            if local == "passageCertification":
                self.finish_passage()
            elif local == "identificationTitulaire":
                self.in_holder = False
            elif self.in_holder:
                if local == "nir":
                    self.nir = value
            elif local in _FIELD_INDEX:
                self.passage[_FIELD_INDEX[local]] = value
        elif local == "certification":
            self.certification = {}
        elif local in _CERTIFICATION and parent == "certification":
            self.certification[local] = value
        elif local == "certificateur":
            self.certifier = {}
        elif parent == "certificateur" and local in ("idClient", "idContrat"):
            self.certifier[local] = value
        elif parent == "emetteur" and local == "idClient":
            self.header.issuer = value
        elif parent == ROOT and local == "idFlux":
            self.header.flux_id = value
        elif parent == ROOT and local == "horodatage":
            self.header.timestamp = value

    def finish_passage(self) -> None:
        kind = (self.certification.get("type") or "").strip().upper() or None
        self.header.passages += 1
        self.header.certifications[kind] = self.header.certifications.get(kind, 0) + 1
        if kind == "RS":
            self.header.rs_passages += 1
        else:
            self.rows.append(
                (
                    self.line,
                    kind,
                    self.certification.get("code"),
                    self.certification.get("natureDeposant"),
                    self.certifier.get("idClient"),
                    self.certifier.get("idContrat"),
                    *self.passage,
                    self.identification,
                    self.nir,
                )
            )
        self.passage, self.nir, self.identification = None, None, None


def passages(path: Path, header: Header, part_size: int = 20_000) -> Iterator[list[tuple]]:
    """The flux's passages of certifications other than RS, ``part_size`` rows at a time (tuples in the
    order of :data:`ROW_FIELDS`); ``header`` is filled as the flux is read (RS passages are counted there).
    Raises :class:`InputError` for a file that is not a well-formed flux or declares entities."""
    reader = _Reader(header)
    parser = expat.ParserCreate()
    reader.parser = parser
    parser.buffer_text = True
    parser.buffer_size = 1 << 16
    parser.StartElementHandler = reader.start
    parser.EndElementHandler = reader.end
    parser.CharacterDataHandler = reader.text

    def refuse(what: str):
        def handler(*_args):
            raise InputError(path, hostile(what), row=parser.CurrentLineNumber)

        return handler

    parser.EntityDeclHandler = refuse("déclaration d'entité (<!ENTITY …>) dans son DOCTYPE")
    parser.UnparsedEntityDeclHandler = refuse("déclaration d'entité externe dans son DOCTYPE")
    parser.ExternalEntityRefHandler = refuse("référence à une entité externe")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    try:
        with path.open("rb") as stream:
            while True:
                block = stream.read(BLOCK)
                parser.Parse(block, not block)
                if len(reader.rows) >= part_size or not block:
                    rows, reader.rows = reader.rows, []
                    if rows:
                        yield rows
                if not block:
                    break
    except expat.ExpatError as exc:
        raise InputError(
            path,
            f"XML mal formé ({expat.errors.messages[exc.code] if exc.code else exc}, colonne {exc.offset + 1}) : "
            "le fichier est peut-être tronqué ; demandez-en une nouvelle copie",
            row=exc.lineno,
        ) from exc
    except ValueError as exc:  # the first element is not the flux's
        raise InputError(path, f"n'est pas un flux d'accrochage CDC : {exc}", row=1) from exc
    if not reader.root_checked:
        raise InputError(path, "n'est pas un flux d'accrochage CDC : aucun élément")


def root_of(path: Path) -> tuple[str, str | None] | None:
    """(local name, namespace) of the document's first element, read up to it (streamed; an entity
    declaration before it stops the reading), or None when the file is not XML up to there."""
    found: list = []
    parser = expat.ParserCreate()

    def start(raw: str, attributes: dict) -> None:
        prefix, _, local = raw.rpartition(":")
        found.append((local, attributes.get(f"xmlns:{prefix}" if prefix else "xmlns")))
        raise StopIteration

    def stop(*_args):
        raise StopIteration

    parser.StartElementHandler = start
    parser.EntityDeclHandler = stop
    try:
        with path.open("rb") as stream:
            for block in iter(lambda: stream.read(1 << 16), b""):
                parser.Parse(block, False)
    except StopIteration:
        pass
    except (expat.ExpatError, OSError, ValueError):
        return None
    return found[0] if found else None
