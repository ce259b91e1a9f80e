"""The edXML package (QCVN 102:2016) as this platform writes and reads it.

A package is one XML document in the namespace `http://www.mic.gov.vn/TBT/QCVN_102_2016`:

    <edXML>
      <edXMLEnvelope>
        <edXMLHeader>
          <MessageHeader> From, To+, DocumentId, Code (CodeNumber, CodeNotation),
                          PromulgationInfo (Place, PromulgationDate), DocumentType (Type,
                          TypeName), Subject, SignerInfo (Competence, Position, FullName),
                          DueDate, OtherInfo (Priority, SentAt) </MessageHeader>
            or <Status> ResponseFor (OrganId, Code, DocumentId), From, To, StatusCode,
                        Description, Timestamp, StaffInfo (Staff) </Status>
          <TraceHeaderList> Business (BusinessDocType), TraceHeader (OrganId, Timestamp)* </..>
          <ds:Signature/>   (placed by `signing.xmldsig`, enveloped, covering the whole package)
        </edXMLHeader>
        <edXMLBody><edXMLManifest> Reference (ContentId, ContentType, AttachmentName,
                                               Description)* </edXMLManifest></edXMLBody>
      </edXMLEnvelope>
      <AttachmentEncoded> Attachment (ContentId, AttachmentName, ContentType,
                                      ContentTransferEncoded = base64)* </AttachmentEncoded>
    </edXML>

Attachments (the signed PDF first, then the separately filed attachments) travel base64
inside the XML rather than as MIME parts, so the one enveloped XML signature covers them.

Status codes follow the codes used by the national exchange's public client code (QCVN 102
itself is not public in full; see docs): 01 arrived, 02 returned (refused, with a reason),
03 accepted, 04 assigned, 05 processing, 06 done.

The parser refuses what is malformed or hostile (a DTD or entity, an unknown root, a missing
or oversize element, bad base64, a date that is not one) with `EdxmlError` naming the element.
It never resolves entities or touches the network."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import enum
import re
import uuid
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

NS = "http://www.mic.gov.vn/TBT/QCVN_102_2016"
DS_NS = "http://www.w3.org/2000/09/xmldsig#"
NSMAP = {None: NS}
MAX_PACKAGE_BYTES = 40 * 1024 * 1024  # a package with its base64 attachments
MAX_TEXT = 2000  # any one text element
MAX_RECIPIENTS = 200
MAX_ATTACHMENTS = 50
ORGAN_ID = re.compile(r"^[0-9A-Za-z.\-]{3,32}$")
MESSAGE_ID = re.compile(r"^[0-9A-Za-z\-]{8,64}$")


class EdxmlError(ValueError):
    """A package that cannot be read; `element` names where it went wrong."""

    def __init__(self, element: str, message: str) -> None:
        super().__init__(f"{element}: {message}")
        self.element = element
        self.message = message


class StatusCode(enum.StrEnum):
    ARRIVED = "01"
    RETURNED = "02"
    ACCEPTED = "03"
    ASSIGNED = "04"
    PROCESSING = "05"
    DONE = "06"


class Business(enum.IntEnum):
    """TraceHeaderList/Business/BusinessDocType: what a document package does."""

    NEW = 0
    REVOKE = 1
    UPDATE = 2
    REPLACE = 3


# OtherInfo/Priority, as the national exchange numbers urgency.
PRIORITY_BY_URGENCY = {"normal": 0, "urgent": 1, "very_urgent": 2, "flash": 3}
URGENCY_BY_PRIORITY = {v: k for k, v in PRIORITY_BY_URGENCY.items()}


@dataclass(frozen=True)
class Organ:
    organ_id: str
    name: str = ""


@dataclass(frozen=True)
class Signer:
    full_name: str
    position: str = ""
    competence: str = ""


@dataclass(frozen=True)
class Attachment:
    name: str
    content_type: str
    data: bytes
    description: str = ""


@dataclass(frozen=True)
class Trace:
    organ_id: str
    at: dt.datetime


@dataclass(frozen=True)
class DocumentMessage:
    """A document sent from one organ to others."""

    message_id: str
    sender: Organ
    recipients: tuple[Organ, ...]
    code_number: str
    code_notation: str
    place: str
    promulgation_date: dt.date
    doc_type: str  # our type value (quyet_dinh)
    doc_type_name: str  # its name (Quyết định)
    subject: str
    signer: Signer
    sent_at: dt.datetime
    priority: int = 0
    due_date: dt.date | None = None
    business: Business = Business.NEW
    traces: tuple[Trace, ...] = ()
    attachments: tuple[Attachment, ...] = ()

    @property
    def urgency(self) -> str:
        return URGENCY_BY_PRIORITY.get(self.priority, "normal")


@dataclass(frozen=True)
class StatusMessage:
    """What became of a document at one recipient."""

    message_id: str
    response_for: str  # the DocumentMessage's message_id
    response_for_organ: str  # the organ that sent that document
    response_for_code: str  # its notation
    sender: Organ  # the recipient reporting
    to: Organ
    code: StatusCode
    at: dt.datetime
    description: str = ""
    staff: str = ""
    traces: tuple[Trace, ...] = field(default_factory=tuple)


Message = DocumentMessage | StatusMessage


def new_message_id() -> str:
    return str(uuid.uuid4())


# ---------------------------------------------------------------- building


def _q(tag: str) -> str:
    return f"{{{NS}}}{tag}"


def _sub(parent: Any, tag: str, text: str | None = None) -> Any:
    el = etree.SubElement(parent, _q(tag))
    if text is not None:
        el.text = text
    return el


def _iso(value: dt.datetime) -> str:
    if value.utcoffset() is None:
        raise ValueError("aware datetimes only")
    return value.isoformat()


def _organ(parent: Any, tag: str, organ: Organ) -> None:
    el = _sub(parent, tag)
    _sub(el, "OrganId", organ.organ_id)
    _sub(el, "OrganName", organ.name)


def _root() -> tuple[Any, Any, Any]:
    root = etree.Element(_q("edXML"), nsmap=NSMAP)
    envelope = _sub(root, "edXMLEnvelope")
    header = _sub(envelope, "edXMLHeader")
    return root, envelope, header


def _traces(header: Any, business: int | None, traces: tuple[Trace, ...]) -> None:
    thl = _sub(header, "TraceHeaderList")
    if business is not None:
        b = _sub(thl, "Business")
        _sub(b, "BusinessDocType", str(int(business)))
    for t in traces:
        th = _sub(thl, "TraceHeader")
        _sub(th, "OrganId", t.organ_id)
        _sub(th, "Timestamp", _iso(t.at))


def _placeholder(header: Any) -> None:
    """Where `signing.xmldsig` puts the enveloped signature (signxml's placeholder)."""
    etree.SubElement(header, f"{{{DS_NS}}}Signature", Id="placeholder", nsmap={"ds": DS_NS})


def _serialize(root: Any) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def build_document(msg: DocumentMessage) -> bytes:
    """The unsigned package for `msg` (with the signature's placeholder)."""
    root, envelope, header = _root()
    mh = _sub(header, "MessageHeader")
    _organ(mh, "From", msg.sender)
    for r in msg.recipients:
        _organ(mh, "To", r)
    _sub(mh, "DocumentId", msg.message_id)
    code = _sub(mh, "Code")
    _sub(code, "CodeNumber", msg.code_number)
    _sub(code, "CodeNotation", msg.code_notation)
    prom = _sub(mh, "PromulgationInfo")
    _sub(prom, "Place", msg.place)
    _sub(prom, "PromulgationDate", msg.promulgation_date.isoformat())
    dtype = _sub(mh, "DocumentType")
    _sub(dtype, "Type", msg.doc_type)
    _sub(dtype, "TypeName", msg.doc_type_name)
    _sub(mh, "Subject", msg.subject)
    si = _sub(mh, "SignerInfo")
    _sub(si, "Competence", msg.signer.competence)
    _sub(si, "Position", msg.signer.position)
    _sub(si, "FullName", msg.signer.full_name)
    if msg.due_date is not None:
        _sub(mh, "DueDate", msg.due_date.isoformat())
    other = _sub(mh, "OtherInfo")
    _sub(other, "Priority", str(int(msg.priority)))
    _sub(other, "SentAt", _iso(msg.sent_at))
    _traces(header, msg.business, msg.traces)
    _placeholder(header)
    body = _sub(envelope, "edXMLBody")
    manifest = _sub(body, "edXMLManifest")
    encoded = _sub(root, "AttachmentEncoded")
    for i, a in enumerate(msg.attachments, start=1):
        cid = f"att{i}"
        ref = _sub(manifest, "Reference")
        _sub(ref, "ContentId", f"cid:{cid}")
        _sub(ref, "ContentType", a.content_type)
        _sub(ref, "AttachmentName", a.name)
        _sub(ref, "Description", a.description)
        att = _sub(encoded, "Attachment")
        _sub(att, "ContentId", cid)
        _sub(att, "AttachmentName", a.name)
        _sub(att, "ContentType", a.content_type)
        _sub(att, "ContentTransferEncoded", base64.b64encode(a.data).decode("ascii"))
    return _serialize(root)


def build_status(msg: StatusMessage) -> bytes:
    """The unsigned status message for `msg` (with the signature's placeholder)."""
    root, _envelope, header = _root()
    st = _sub(header, "Status")
    rf = _sub(st, "ResponseFor")
    _sub(rf, "OrganId", msg.response_for_organ)
    _sub(rf, "Code", msg.response_for_code)
    _sub(rf, "DocumentId", msg.response_for)
    _organ(st, "From", msg.sender)
    _organ(st, "To", msg.to)
    _sub(st, "MessageId", msg.message_id)
    _sub(st, "StatusCode", str(msg.code.value))
    _sub(st, "Description", msg.description)
    _sub(st, "Timestamp", _iso(msg.at))
    staff = _sub(st, "StaffInfo")
    _sub(staff, "Staff", msg.staff)
    _traces(header, None, msg.traces)
    _placeholder(header)
    return _serialize(root)


def build(msg: Message) -> bytes:
    return build_document(msg) if isinstance(msg, DocumentMessage) else build_status(msg)


# ---------------------------------------------------------------- parsing


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                           dtd_validation=False, huge_tree=False, remove_pis=True,
                           remove_comments=True)


def parse_tree(data: bytes) -> Any:
    """The package's element tree, refused when malformed, oversize or carrying a DTD."""
    if not isinstance(data, bytes | bytearray):
        raise EdxmlError("edXML", "not bytes")
    if len(data) > MAX_PACKAGE_BYTES:
        raise EdxmlError("edXML", f"package larger than {MAX_PACKAGE_BYTES} bytes")
    if not data.strip():
        raise EdxmlError("edXML", "empty package")
    try:
        tree = etree.fromstring(bytes(data), parser=_parser()).getroottree()
    except etree.XMLSyntaxError as exc:
        raise EdxmlError("edXML", f"not well-formed XML ({exc.msg})") from None
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise EdxmlError("DOCTYPE", "a DTD is not allowed in a package")
    root = tree.getroot()
    for el in root.iter():
        if isinstance(el, etree._Entity):
            raise EdxmlError(str(el.getparent().tag if el.getparent() is not None else "edXML"),
                             "entity references are not allowed")
    if root.tag != _q("edXML"):
        raise EdxmlError("edXML", f"root element is {etree.QName(root).localname!r} in "
                                  f"namespace {etree.QName(root).namespace!r}")
    return root


def _child(parent: Any, path: str, *, required: bool = True) -> Any:
    el = parent
    for part in path.split("/"):
        found = el.findall(_q(part))
        if len(found) > 1:
            raise EdxmlError(part, "appears more than once")
        if not found:
            if required:
                raise EdxmlError(part, "missing")
            return None
        el = found[0]
    return el


def _text(parent: Any, path: str, *, required: bool = True, max_length: int = MAX_TEXT,
          allow_empty: bool = True) -> str:
    el = _child(parent, path, required=required)
    name = path.rsplit("/", 1)[-1]
    if el is None:
        return ""
    if len(el):
        raise EdxmlError(name, "must hold text, not elements")
    value = el.text or ""
    if len(value) > max_length:
        raise EdxmlError(name, f"longer than {max_length} characters")
    if not allow_empty and not value.strip():
        raise EdxmlError(name, "empty")
    return value


def _organ_id(value: str, element: str) -> str:
    if not ORGAN_ID.match(value):
        raise EdxmlError(element, f"not an organ id: {value[:40]!r}")
    return value


def _date(value: str, element: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise EdxmlError(element, f"not a date (YYYY-MM-DD): {value[:40]!r}") from None


def _datetime(value: str, element: str) -> dt.datetime:
    try:
        result = dt.datetime.fromisoformat(value)
    except ValueError:
        raise EdxmlError(element, f"not a date and time: {value[:40]!r}") from None
    if result.utcoffset() is None:
        raise EdxmlError(element, "a time zone is required")
    return result


def _parse_organ(el: Any, element: str) -> Organ:
    return Organ(organ_id=_organ_id(_text(el, "OrganId"), f"{element}/OrganId"),
                 name=_text(el, "OrganName", required=False, max_length=255))


def _parse_traces(header: Any) -> tuple[int | None, tuple[Trace, ...]]:
    thl = _child(header, "TraceHeaderList", required=False)
    if thl is None:
        return None, ()
    business: int | None = None
    if _child(thl, "Business", required=False) is not None:
        raw = _text(thl, "Business/BusinessDocType")
        if raw not in {str(int(b)) for b in Business}:
            raise EdxmlError("BusinessDocType", f"not one of 0, 1, 2, 3: {raw[:10]!r}")
        business = int(raw)
    traces = tuple(
        Trace(organ_id=_organ_id(_text(th, "OrganId"), "TraceHeader/OrganId"),
              at=_datetime(_text(th, "Timestamp"), "TraceHeader/Timestamp"))
        for th in thl.findall(_q("TraceHeader")))
    if len(traces) > MAX_RECIPIENTS:
        raise EdxmlError("TraceHeaderList", "too many trace headers")
    return business, traces


def _message_id(value: str, element: str) -> str:
    if not MESSAGE_ID.match(value):
        raise EdxmlError(element, f"not a message id: {value[:70]!r}")
    return value


def _parse_attachments(root: Any, envelope: Any) -> tuple[Attachment, ...]:
    manifest = _child(envelope, "edXMLBody/edXMLManifest", required=False)
    refs = manifest.findall(_q("Reference")) if manifest is not None else []
    encoded = _child(root, "AttachmentEncoded", required=False)
    items = encoded.findall(_q("Attachment")) if encoded is not None else []
    if len(items) > MAX_ATTACHMENTS:
        raise EdxmlError("AttachmentEncoded", f"more than {MAX_ATTACHMENTS} attachments")
    if len(refs) != len(items):
        raise EdxmlError("edXMLManifest", "references and attachments do not match")
    by_cid = {}
    for ref in refs:
        cid = _text(ref, "ContentId", max_length=100).removeprefix("cid:")
        by_cid[cid] = _text(ref, "Description", required=False)
    out = []
    for att in items:
        cid = _text(att, "ContentId", max_length=100)
        if cid not in by_cid:
            raise EdxmlError("Attachment/ContentId", f"{cid[:40]!r} is not in the manifest")
        raw = _text(att, "ContentTransferEncoded", max_length=MAX_PACKAGE_BYTES)
        try:
            data = base64.b64decode("".join(raw.split()), validate=True)
        except (binascii.Error, ValueError):
            raise EdxmlError("ContentTransferEncoded", "not base64") from None
        out.append(Attachment(name=_text(att, "AttachmentName", max_length=255,
                                         allow_empty=False),
                              content_type=_text(att, "ContentType", max_length=100,
                                                 allow_empty=False),
                              data=data, description=by_cid[cid]))
    return tuple(out)


def _parse_document(root: Any, envelope: Any, header: Any, mh: Any) -> DocumentMessage:
    recipients = tuple(_parse_organ(t, "To") for t in mh.findall(_q("To")))
    if not recipients:
        raise EdxmlError("To", "missing")
    if len(recipients) > MAX_RECIPIENTS:
        raise EdxmlError("To", f"more than {MAX_RECIPIENTS} recipients")
    priority_raw = _text(mh, "OtherInfo/Priority", required=False) or "0"
    if priority_raw not in {"0", "1", "2", "3", "4"}:
        raise EdxmlError("Priority", f"not 0-4: {priority_raw[:10]!r}")
    due = _text(mh, "DueDate", required=False)
    business, traces = _parse_traces(header)
    return DocumentMessage(
        message_id=_message_id(_text(mh, "DocumentId"), "DocumentId"),
        sender=_parse_organ(_child(mh, "From"), "From"),
        recipients=recipients,
        code_number=_text(mh, "Code/CodeNumber", max_length=20, allow_empty=False),
        code_notation=_text(mh, "Code/CodeNotation", max_length=60, allow_empty=False),
        place=_text(mh, "PromulgationInfo/Place", required=False, max_length=255),
        promulgation_date=_date(_text(mh, "PromulgationInfo/PromulgationDate"),
                                "PromulgationDate"),
        doc_type=_text(mh, "DocumentType/Type", max_length=32, allow_empty=False),
        doc_type_name=_text(mh, "DocumentType/TypeName", required=False, max_length=100),
        subject=_text(mh, "Subject", max_length=MAX_TEXT, allow_empty=False),
        signer=Signer(full_name=_text(mh, "SignerInfo/FullName", required=False, max_length=150),
                      position=_text(mh, "SignerInfo/Position", required=False, max_length=150),
                      competence=_text(mh, "SignerInfo/Competence", required=False,
                                       max_length=150)),
        sent_at=_datetime(_text(mh, "OtherInfo/SentAt"), "SentAt"),
        priority=int(priority_raw),
        due_date=_date(due, "DueDate") if due else None,
        business=Business(business if business is not None else 0),
        traces=traces,
        attachments=_parse_attachments(root, envelope),
    )


def _parse_status(header: Any, st: Any) -> StatusMessage:
    code = _text(st, "StatusCode", max_length=4)
    if code not in {c.value for c in StatusCode}:
        raise EdxmlError("StatusCode", f"not one of 01-06: {code[:10]!r}")
    _business, traces = _parse_traces(header)
    return StatusMessage(
        message_id=_message_id(_text(st, "MessageId"), "MessageId"),
        response_for=_message_id(_text(st, "ResponseFor/DocumentId"), "ResponseFor/DocumentId"),
        response_for_organ=_organ_id(_text(st, "ResponseFor/OrganId"), "ResponseFor/OrganId"),
        response_for_code=_text(st, "ResponseFor/Code", required=False, max_length=60),
        sender=_parse_organ(_child(st, "From"), "From"),
        to=_parse_organ(_child(st, "To"), "To"),
        code=StatusCode(code),
        at=_datetime(_text(st, "Timestamp"), "Timestamp"),
        description=_text(st, "Description", required=False),
        staff=_text(st, "StaffInfo/Staff", required=False, max_length=150),
        traces=traces,
    )


def parse(data: bytes) -> Message:
    """The message a package carries (its signature is checked separately)."""
    root = parse_tree(data)
    envelope = _child(root, "edXMLEnvelope")
    header = _child(envelope, "edXMLHeader")
    mh = _child(header, "MessageHeader", required=False)
    st = _child(header, "Status", required=False)
    if (mh is None) == (st is None):
        raise EdxmlError("edXMLHeader", "needs exactly one of MessageHeader or Status")
    if mh is not None:
        return _parse_document(root, envelope, header, mh)
    return _parse_status(header, st)
