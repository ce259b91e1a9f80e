"""Submitting a dossier: online, by post, or entered at the desk."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from tinhso.accounts.identity import IdentityError, normalize_tax_code, parse_citizen_id
from tinhso.catalog.models import GovernmentLevel, OnlineLevel, ProcedureVersion
from tinhso.catalog.selectors import current_version_cached
from tinhso.core.audit import audit_row
from tinhso.core.errors import DomainError, NotAllowed
from tinhso.core.onetrip import Trip
from tinhso.core.storage import Syncing
from tinhso.directory.models import AdminUnit, Agency, Role
from tinhso.directory.permissions import can
from tinhso.onestop import files as filestore
from tinhso.onestop.codes import local_day, next_dossier_code
from tinhso.onestop.models import (
    Dossier,
    DossierEvent,
    DossierFile,
)
from tinhso.onestop.notify import notify_applicant
from tinhso.onestop.rollups import rollup_bump_many
from tinhso.onestop.services._common import (
    MAX_FILES,
    MAX_FORM_BYTES,
    RECEIVE,
    _actor_name,
    _authenticated,
    _log_refusal,
    _moment,
    _outbox,
    _text,
)
from tinhso.onestop.services.intake import _receive
from tinhso.onestop.status import Channel, Status

# --- submission -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Submission:
    """What `dossier_submit` did; unpacks as `(dossier, created)`. When the dossier was made
    now, `files` and `events` are the rows written, so an answer can be built without reading
    them back."""

    dossier: Dossier
    created: bool
    files: tuple[DossierFile, ...] = ()
    events: tuple[DossierEvent, ...] = ()

    def __iter__(self) -> Iterator[Any]:
        return iter((self.dossier, self.created))


def _applicant_fields(*, applicant: Any, name: str, id_number: str, address: str, phone: str,
                      email: str, at: dt.datetime) -> dict[str, str]:
    if applicant is not None:
        name = name or applicant.full_name or applicant.get_full_name()
        id_number = id_number or applicant.citizen_id or applicant.tax_code or ""
        address = address or applicant.address
        phone = phone or applicant.phone
        email = email or applicant.email
    fields = {
        "applicant_name": _text(name, "applicant_name", required=True, max_length=150),
        "applicant_address": _text(address, "applicant_address", max_length=255),
        "applicant_phone": _text(phone, "applicant_phone", max_length=20),
        "applicant_email": _text(email, "applicant_email", max_length=254),
    }
    raw_id = _text(id_number, "applicant_id_number", required=True, max_length=20)
    try:
        digits = raw_id.replace(" ", "")
        if len(digits) == 12 and digits.isdigit():
            number = parse_citizen_id(digits, today=local_day(at)).number
        else:
            number = normalize_tax_code(digits)
    except IdentityError as exc:
        raise DomainError.for_field("applicant_id_number", str(exc)) from None
    fields["applicant_id_number"] = number
    if fields["applicant_email"]:
        try:
            validate_email(fields["applicant_email"])
        except ValidationError:
            raise DomainError.for_field("applicant_email",
                                        _("Địa chỉ thư điện tử không hợp lệ.")) from None
    phone = fields["applicant_phone"]
    if phone and not all(ch.isdigit() or ch in "+ .-" for ch in phone):
        raise DomainError.for_field("applicant_phone", _("Số điện thoại không hợp lệ."))
    return fields


def _clean_form(value: Any, path: str = "form_data") -> Any:
    if isinstance(value, str):
        return _text(value, path, multiline=True)
    if isinstance(value, dict):
        return {_text(k, path, max_length=100): _clean_form(v, f"{path}.{k}")
                for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean_form(v, f"{path}.{i}") for i, v in enumerate(value)]
    if value is None or isinstance(value, bool | int | float):
        return value
    raise DomainError.for_field(path, _("Giá trị không hợp lệ."))


def _receiving_agency(version: ProcedureVersion, given: Any, unit: AdminUnit | None) -> Agency:
    if given:
        agency = given if isinstance(given, Agency) else (
            Agency.objects.filter(code=str(given).strip()).first())
        if agency is None or not agency.is_active:
            raise DomainError.for_field("receiving_agency", _("Không tìm thấy nơi tiếp nhận."))
        # Decree 118/2025: any desk in the province may receive, whatever the address.
        if agency.province_code != version.agency.province_code:
            raise DomainError.for_field("receiving_agency",
                                        _("Nơi tiếp nhận phải thuộc tỉnh giải quyết thủ tục."))
        return agency
    if version.government_level == GovernmentLevel.COMMUNE:
        if unit is not None:
            commune = (Agency.objects.filter(unit=unit, is_active=True,
                                             kind__in=[Agency.Kind.COMMUNE,
                                                       Agency.Kind.PEOPLES_COMMITTEE])
                       .order_by("kind", "code").first())
            if commune is not None:
                return commune
        return version.agency
    centre = (Agency.objects.filter(kind=Agency.Kind.SERVICE_CENTRE, is_active=True,
                                    province_code=version.agency.province_code)
              .order_by("code").first())
    return centre or version.agency


def _same_applicant(source: Dossier, applicant: Any, id_number: str) -> bool:
    if source.applicant_id and applicant is not None:
        return source.applicant_id == applicant.pk
    return source.applicant_id_number == id_number


def _link_reused(source: DossierFile) -> str:
    src = filestore.media_root() / source.storage_path
    rel = Path(source.storage_path).parent / f"{uuid.uuid4().hex}{src.suffix}"
    dst = filestore.media_root() / rel
    try:
        os.link(src, dst)
    except OSError:
        shutil.copyfile(src, dst)
    return rel.as_posix()


def dossier_submit(
    *,
    actor: Any,
    procedure_code: str,
    channel: int,
    applicant: Any = None,
    applicant_name: str = "",
    applicant_id_number: str = "",
    applicant_address: str = "",
    applicant_phone: str = "",
    applicant_email: str = "",
    form_data: dict[str, Any] | None = None,
    files: Sequence[tuple[int | None, str, Any]] = (),
    reuse: Sequence[tuple[int | None, DossierFile]] = (),
    receiving_agency: Agency | str | None = None,
    idempotency_key: str = "",
    unit: AdminUnit | None = None,
    at: dt.datetime | None = None,
) -> Submission:
    """Submit a dossier; returns a Submission (unpacks as (dossier, created)). In person
    (channel 1) the one-stop officer enters and receives it at once (two events). The same
    (actor, idempotency_key) returns the dossier made the first time, with created=False.
    Files are written before the transaction and removed again if it fails."""
    at = _moment(at)
    if not _authenticated(actor):
        exc = NotAllowed(_("Cần đăng nhập để nộp hồ sơ."))
        _log_refusal(actor, "submit", exc, object_type="catalog.procedure",
                     object_id=str(procedure_code)[:64])
        raise exc
    # A repeated key is found by the unique (submitted_by, idempotency_key) constraint when the
    # dossier is inserted (below), not by reading first: retries are rare, submissions are not.
    key = _text(idempotency_key, "idempotency_key", max_length=100)
    try:
        channel = Channel(int(channel))
    except (TypeError, ValueError):
        raise DomainError.for_field("channel", _("Kênh nộp không hợp lệ.")) from None
    try:
        version = current_version_cached(str(procedure_code or ""), on=local_day(at))
    except DomainError as lookup_error:
        raise DomainError.for_field("procedure_code", lookup_error.message,
                                    code=lookup_error.code) from None
    if applicant is None and channel != Channel.IN_PERSON and actor.kind != "officer":
        applicant = actor
    fields = _applicant_fields(applicant=applicant, name=applicant_name,
                               id_number=applicant_id_number, address=applicant_address,
                               phone=applicant_phone, email=applicant_email, at=at)
    form = _clean_form(form_data or {})
    if not isinstance(form, dict):
        raise DomainError.for_field("form_data", _("Tờ khai phải là một đối tượng."))
    if len(json.dumps(form, ensure_ascii=False).encode()) > MAX_FORM_BYTES:
        raise DomainError.for_field("form_data", _("Tờ khai quá lớn."))
    receiving = _receiving_agency(version, receiving_agency, unit)
    if channel == Channel.IN_PERSON and not can(actor, RECEIVE, receiving):
        refused = NotAllowed(
            _("Chỉ cán bộ một cửa của nơi tiếp nhận mới nhập hồ sơ nộp trực tiếp."))
        _log_refusal(actor, "submit", refused, object_type="catalog.procedure",
                     object_id=version.procedure.code)
        raise refused
    if channel == Channel.ONLINE and version.online_level == OnlineLevel.NONE:
        raise DomainError.for_field("channel", _("Thủ tục này chưa cung cấp dịch vụ trực tuyến."))

    # Files: every check before anything is written.
    documents = {d.pk: d for d in version.documents.all()}
    if len(files) + len(reuse) > MAX_FILES:
        raise DomainError.for_field("files", _("Tối đa %(n)d tệp mỗi hồ sơ.") % {"n": MAX_FILES})
    uploads = []
    for document_id, name, content in files:
        if document_id is not None and document_id not in documents:
            raise DomainError.for_field("files", _("Tệp “%(name)s” gắn với thành phần hồ sơ "
                                                   "không thuộc thủ tục này.") % {"name": name})
        uploads.append(filestore.file_check(name, content, document_id=document_id))
    reused = []
    for document_id, source in reuse:
        if document_id is not None and document_id not in documents:
            raise DomainError.for_field("files", _("Thành phần hồ sơ không thuộc thủ tục này."))
        if not source.is_digitized:
            raise DomainError.for_field("files", _("Giấy tờ “%(name)s” chưa được số hóa.")
                                        % {"name": source.name})
        if not _same_applicant(source.dossier, applicant, fields["applicant_id_number"]):
            raise NotAllowed(_("Chỉ được dùng lại giấy tờ đã số hóa của chính người nộp."))
        reused.append((document_id, source))
    provided = {u.document_id for u in uploads} | {doc for doc, _src in reused}
    missing = [d for d in documents.values() if d.is_mandatory and d.pk not in provided]
    if missing:
        raise DomainError.for_field(
            "files", _("Thiếu thành phần hồ sơ bắt buộc: %(names)s.")
            % {"names": "; ".join(d.name for d in sorted(missing, key=lambda d: d.position))},
            code="missing_documents",
        )
    fee_total = sum(f.amount for f in version.fees.all())

    written: list[filestore.Written] = []
    linked: list[str] = []
    try:
        for upload in uploads:
            written.append(filestore.file_write(upload, at=at, sync=False))
        # The files reach the disk while the rows are written; they must be there before the
        # rows that name them commit.
        syncing = Syncing(w.absolute for w in written)
        for _doc, source in reused:
            linked.append(_link_reused(source))
        with transaction.atomic():
            made = _create(actor=actor, version=version, channel=channel, applicant=applicant,
                              fields=fields, form=form, receiving=receiving, key=key, unit=unit,
                              fee_total=fee_total, at=at, written=written,
                              reused=list(zip(reused, linked, strict=True)))
            syncing.wait()
    except IntegrityError:
        _discard(written, linked)
        if key:
            existing = _submitted_before(actor, key)
            if existing is not None:
                return Submission(existing, created=False)
        raise
    except BaseException:
        _discard(written, linked)
        raise
    return made


def _submitted_before(actor: Any, key: str) -> Dossier | None:
    """The dossier `actor` already submitted with idempotency `key`, if any."""
    return Dossier.objects.filter(submitted_by=actor, idempotency_key=key).first()


def _discard(written: list[filestore.Written], linked: list[str]) -> None:
    filestore.file_discard(written)
    for rel in linked:
        (filestore.media_root() / rel).unlink(missing_ok=True)


def _create(*, actor: Any, version: ProcedureVersion, channel: Channel, applicant: Any,
            fields: dict[str, str], form: dict[str, Any], receiving: Agency, key: str,
            unit: AdminUnit | None, fee_total: int, at: dt.datetime,
            written: list[filestore.Written],
            reused: list[tuple[tuple[int | None, DossierFile], str]]) -> Submission:
    d = Dossier(
        code=next_dossier_code(receiving, at), province_code=version.agency.province_code,
        procedure=version.procedure, version=version, channel=channel, status=Status.SUBMITTED,
        applicant=applicant, unit=unit, form_data=form, agency=version.agency,
        receiving_agency=receiving, current_agency=receiving, current_step=0,
        current_role=Role.ONESTOP_OFFICER, submitted_at=at, fee_total=fee_total,
        idempotency_key=key, submitted_by=actor, **fields,
    )
    event = DossierEvent(
        dossier=d, province_code=d.province_code, at=at, actor=actor,
        actor_name=_actor_name(actor), agency=receiving, action="submit", from_status=None,
        to_status=Status.SUBMITTED, data={"channel": int(channel)},
    )
    rows = [filestore.file_row(dossier=d, written=w, kind=DossierFile.Kind.COMPONENT,
                               actor=actor, at=at, save=False) for w in written]
    for (document_id, source), rel in reused:
        rows.append(DossierFile(
            dossier=d, kind=DossierFile.Kind.COMPONENT,
            document_id=document_id if document_id is not None else source.document_id,
            name=source.name, content_type=source.content_type, size=source.size,
            sha256=source.sha256, storage_path=rel, uploaded_at=at, uploaded_by=actor,
            is_digitized=True, reused_from=source,
        ))
    # Every row of a new dossier in one round trip on PostgreSQL (core.onetrip): keys first,
    # then the rows that refer to them.
    with Trip() as trip:
        trip.reserve(d, event, *rows)
        trip.insert(d, event)
        trip.insert(audit_row(actor=actor, action="dossier.submit", obj=d,
                              data={"code": d.code, "procedure": version.procedure.code,
                                    "channel": int(channel), "files": len(written) + len(reused)}))
        rollup_bump_many(d, {"submitted": 1, "reused": 1} if reused else {"submitted": 1}, at,
                         trip=trip)
        trip.insert(_outbox(d, at, save=False), *rows)
    if channel == Channel.IN_PERSON:
        _receive(d, actor=actor, at=at, comment="")
        return Submission(d, created=True)  # receiving wrote more: readers read them back
    notify_applicant(d, "submitted")
    return Submission(d, created=True, files=tuple(rows), events=(event,))
