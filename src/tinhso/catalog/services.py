"""Every write to the catalog. A change never edits a version: it adds the next one, with the
date it takes effect, so what the catalog said on any day stays readable.

`actor=None` means the operator at the console (`tinhso catalog import`), who is trusted; the
API and the pages always pass the signed-in user, whose permission is checked here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Max

from tinhso.catalog.cache import catalog_cache_clear
from tinhso.catalog.formats import FileProblem, parse_catalog
from tinhso.catalog.models import Fee, Procedure, ProcedureVersion, RequiredDocument
from tinhso.catalog.schema import (
    CONTENT_FIELDS,
    ProcedureData,
    ProcedureDataError,
    clean_procedure,
    today,
)
from tinhso.catalog.selectors import parse_code_or_error, version_content
from tinhso.core.audit import audit_record
from tinhso.core.errors import DomainError, FieldError, NotAllowed, NotFound
from tinhso.directory.models import Agency
from tinhso.directory.permissions import agency_scope, ensure_can

MANAGE = "catalog.procedure.manage"
IMPORT = "catalog.import"


@dataclass
class RowError:
    row: int | None  # None: the file as a whole
    field: str
    message: str


class CatalogImportError(DomainError):
    """An import refused as a whole; `row_errors` lists every problem found."""

    def __init__(self, row_errors: list[RowError]) -> None:
        super().__init__(
            message="Tệp nhập có lỗi; chưa ghi thủ tục nào.",
            errors=[FieldError(_row_field(e), e.message) for e in row_errors],
            status=422,
            code="import_invalid",
        )
        self.row_errors = row_errors


def _row_field(error: RowError) -> str:
    return error.field if error.row is None else f"rows[{error.row}].{error.field}"


@dataclass
class ImportResult:
    created: list[str] = field(default_factory=list)  # new procedures
    versioned: list[str] = field(default_factory=list)  # new version of a known procedure
    unchanged: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"created": len(self.created), "versioned": len(self.versioned),
                "unchanged": len(self.unchanged),
                "total": len(self.created) + len(self.versioned) + len(self.unchanged)}


# --- writing versions ---------------------------------------------------------------------


@dataclass
class _PendingVersion:
    procedure: Procedure
    number: int
    data: ProcedureData
    agency: Agency


def _write_versions(pending: Sequence[_PendingVersion], *, actor: Any,
                    batch_size: int = 500) -> list[ProcedureVersion]:
    """Insert versions with their documents and fees in a few bulk statements."""
    created_by = actor if actor is not None and actor.is_authenticated else None
    versions = []
    for p in pending:
        d = p.data
        v = ProcedureVersion(
            procedure=p.procedure, number=p.number,
            effective_from=d.effective_from or today(), change_note=d.change_note,
            created_by=created_by, name=d.name, field=d.field, agency=p.agency,
            online_level=d.online_level, legacy_level=d.legacy_level,
            government_level=d.government_level, deadline_value=d.deadline_value,
            deadline_unit=d.deadline_unit, deadline_note=d.deadline_note,
            result_type=d.result_type, legal_basis=d.legal_basis, is_joint=d.is_joint,
            sources=d.sources,
        )
        v.refresh_folded(p.procedure.code)
        versions.append(v)
    ProcedureVersion.objects.bulk_create(versions, batch_size=batch_size)
    documents, fees = [], []
    for v, p in zip(versions, pending, strict=True):
        for i, doc in enumerate(p.data.required_documents, start=1):
            documents.append(RequiredDocument(
                version=v, position=i, name=doc.name, is_mandatory=doc.mandatory,
                file_types=",".join(doc.file_types), copies=doc.copies,
            ))
        for i, fee in enumerate(p.data.fees, start=1):
            fees.append(Fee(version=v, position=i, amount=fee.amount,
                            description=fee.description))
    RequiredDocument.objects.bulk_create(documents, batch_size=batch_size)
    Fee.objects.bulk_create(fees, batch_size=batch_size)
    catalog_cache_clear()
    transaction.on_commit(catalog_cache_clear)  # a reader may have cached the old one meanwhile
    return versions


def _latest_versions(codes: Sequence[str]) -> dict[str, ProcedureVersion]:
    """The highest-numbered version of each code (future-dated included)."""
    latest_numbers = (
        ProcedureVersion.objects.filter(procedure__code__in=codes)
        .values("procedure_id").annotate(n=Max("number"))
    )
    wanted = {(r["procedure_id"], r["n"]) for r in latest_numbers}
    if not wanted:
        return {}
    qs = (
        ProcedureVersion.objects.filter(procedure__code__in=codes)
        .select_related("procedure", "agency").prefetch_related("documents", "fees")
    )
    return {v.procedure.code: v for v in qs if (v.procedure_id, v.number) in wanted}


def _comparable(content: dict[str, Any]) -> dict[str, Any]:
    out = {k: content[k] for k in CONTENT_FIELDS}
    out["required_documents"] = [
        {"name": d["name"], "mandatory": d["mandatory"], "file_types": list(d["file_types"]),
         "copies": d["copies"]}
        for d in content["required_documents"]
    ]
    out["fees"] = [{"amount": f["amount"], "description": f["description"]}
                   for f in content["fees"]]
    return out


def _data_content(data: ProcedureData) -> dict[str, Any]:
    content = data.content()
    return _comparable(content)


def _check_date_order(data: ProcedureData, latest: ProcedureVersion) -> str | None:
    start = data.effective_from or today()
    if start < latest.effective_from:
        return (f"Ngày hiệu lực phải từ {latest.effective_from:%d/%m/%Y} trở đi "
                f"(ngày hiệu lực của phiên bản {latest.number}).")
    return None


# --- one procedure ---------------------------------------------------------------------------


def _agency(code: str) -> Agency:
    agency = Agency.objects.filter(code=code).first()
    if agency is None:
        raise DomainError.for_field("agency_code", "Không có cơ quan mang mã này.")
    return agency


def _clean(raw: dict[str, Any] | ProcedureData) -> ProcedureData:
    if isinstance(raw, ProcedureData):
        raw = {**raw.__dict__,
               "required_documents": [d.__dict__ for d in raw.required_documents],
               "fees": [f.__dict__ for f in raw.fees]}
    try:
        return clean_procedure(raw)
    except ProcedureDataError as exc:
        raise DomainError(
            message="Dữ liệu thủ tục không hợp lệ.",
            errors=[FieldError(p.field, p.message) for p in exc.problems],
            status=422,
        ) from None


@transaction.atomic
def procedure_create(*, actor: Any, data: dict[str, Any] | ProcedureData) -> ProcedureVersion:
    """A new procedure with its first version, by someone who manages the agency."""
    clean = _clean(data)
    agency = _agency(clean.agency_code)
    if actor is not None:
        ensure_can(actor, MANAGE, agency)
    if Procedure.objects.filter(code=clean.code).exists():
        raise DomainError.for_field("code", "Đã có thủ tục mang mã này.", code="duplicate")
    procedure = Procedure.objects.create(code=clean.code)
    (version,) = _write_versions([_PendingVersion(procedure, 1, clean, agency)], actor=actor)
    audit_record(actor=actor, action="catalog.procedure.create", obj=procedure,
                 data={"version": 1, "agency": agency.code})
    return version


@transaction.atomic
def procedure_update(*, actor: Any, code: str, data: dict[str, Any] | ProcedureData
                     ) -> ProcedureVersion:
    """Record a change as the next version. The actor must manage the procedure's agency
    (and the new agency, if the change moves it). Unchanged content writes nothing and
    returns the latest version."""
    code = parse_code_or_error(code)
    procedure = Procedure.objects.select_for_update().filter(code=code).first()
    if procedure is None:
        raise NotFound("Không tìm thấy thủ tục hành chính với mã này.")
    if isinstance(data, dict):
        data = {**data, "code": code}
    else:
        data.code = code
    clean = _clean(data)
    latest = _latest_versions([code])[code]
    agency = _agency(clean.agency_code)
    if actor is not None:
        scope = agency_scope(actor, MANAGE)
        if not (scope.contains(latest.agency) and scope.contains(agency)):
            raise NotAllowed("Bạn chỉ được sửa thủ tục của cơ quan mình quản lý.")
    if _data_content(clean) == _comparable(version_content(latest)):
        return latest
    if problem := _check_date_order(clean, latest):
        raise DomainError.for_field("effective_from", problem)
    (version,) = _write_versions(
        [_PendingVersion(procedure, latest.number + 1, clean, agency)], actor=actor
    )
    audit_record(actor=actor, action="catalog.procedure.update", obj=procedure,
                 data={"version": version.number, "effective_from": version.effective_from,
                       "agency": agency.code})
    return version


# --- import ----------------------------------------------------------------------------------


@transaction.atomic
def catalog_import(*, actor: Any, data: bytes | str, fmt: str,
                   progress: Callable[[int], None] | None = None) -> ImportResult:
    """Import a catalog file: every row valid, or nothing written and every error returned.

    A row for an unknown code creates the procedure; for a known code whose content differs
    from its latest version, it adds the next version (effective from `effective_from`, or
    today); identical content is left alone, so importing the same file twice is harmless.
    """
    scope = None
    if actor is not None:
        ensure_can(actor, IMPORT)
        scope = agency_scope(actor, IMPORT)
    try:
        records = parse_catalog(data, fmt)
    except FileProblem as exc:
        raise CatalogImportError([RowError(None, exc.field, exc.message)]) from None

    agencies = {a.code: a for a in Agency.objects.all()}
    errors: list[RowError] = []
    cleaned: list[tuple[int, ProcedureData]] = []
    seen: dict[str, int] = {}
    for row, raw in records:
        try:
            item = clean_procedure(raw, known_agency_codes=set(agencies))
        except ProcedureDataError as exc:
            errors.extend(RowError(row, p.field, p.message) for p in exc.problems)
        else:
            if scope is not None and not scope.contains(agencies[item.agency_code]):
                errors.append(RowError(row, "agency_code",
                                       "Cơ quan này nằm ngoài phạm vi bạn được nhập."))
            elif item.code in seen:
                errors.append(RowError(row, "code",
                                       f"Mã thủ tục trùng với dòng {seen[item.code]}."))
            else:
                seen[item.code] = row
                cleaned.append((row, item))
        if progress:
            progress(1)
    if not records and not errors:
        errors.append(RowError(None, "file", "Tệp không có thủ tục nào."))

    latest = _latest_versions([d.code for _, d in cleaned])
    result = ImportResult()
    new_procedures: list[Procedure] = []
    pending: list[_PendingVersion] = []
    for row, item in cleaned:
        agency = agencies[item.agency_code]
        current = latest.get(item.code)
        if current is None:
            procedure = Procedure(code=item.code)
            new_procedures.append(procedure)
            pending.append(_PendingVersion(procedure, 1, item, agency))
            result.created.append(item.code)
        elif _data_content(item) == _comparable(version_content(current)):
            result.unchanged.append(item.code)
        elif problem := _check_date_order(item, current):
            errors.append(RowError(row, "effective_from", problem))
        else:
            pending.append(_PendingVersion(current.procedure, current.number + 1, item, agency))
            result.versioned.append(item.code)
    if errors:
        raise CatalogImportError(errors)

    Procedure.objects.bulk_create(new_procedures, batch_size=500)
    _write_versions(pending, actor=actor)
    audit_record(actor=actor, action="catalog.import", object_type="catalog.catalog",
                 object_id="catalog",
                 data={**result.as_dict(), "format": fmt,
                       "created_codes": result.created[:2000],
                       "versioned_codes": result.versioned[:2000]})
    return result


def load_versions(rows: Sequence[tuple[ProcedureData, bool]], *, agencies: dict[str, Agency],
                  batch_size: int = 500) -> int:
    """For the demo loader: create procedures that do not exist yet (by code), in bulk.
    `rows` are (data, is_generated). Returns how many were created. No permission check:
    only code run by the operator calls this."""
    existing = set(Procedure.objects.filter(code__in=[d.code for d, _ in rows])
                   .values_list("code", flat=True))
    new = [(d, g) for d, g in rows if d.code not in existing]
    procedures = [Procedure(code=d.code, is_generated=g) for d, g in new]
    Procedure.objects.bulk_create(procedures, batch_size=batch_size)
    _write_versions(
        [_PendingVersion(p, 1, d, agencies[d.agency_code])
         for p, (d, _) in zip(procedures, new, strict=True)],
        actor=None, batch_size=batch_size,
    )
    return len(procedures)
