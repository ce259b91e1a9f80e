"""Every write about people: registration of applicants, officers and their grants."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from tinhso.accounts.identity import IdentityError, normalize_tax_code, parse_citizen_id
from tinhso.accounts.models import User
from tinhso.core.audit import audit_record
from tinhso.core.errors import DomainError, FieldError, NotAllowed
from tinhso.core.text import UnsafeText, clean_text
from tinhso.directory.models import PROVINCE_WIDE_ROLES, Agency, Grant, Role
from tinhso.directory.permissions import ensure_can


def _text(errors: list[FieldError], name: str, value: str, *, required: bool = True,
          max_length: int = 150) -> str:
    try:
        cleaned = clean_text(value or "")
    except UnsafeText:
        errors.append(FieldError(name, "Chứa ký tự điều khiển hoặc ký tự ẩn không được phép."))
        return ""
    if required and not cleaned:
        errors.append(FieldError(name, "Trường này là bắt buộc.", "required"))
    elif len(cleaned) > max_length:
        errors.append(FieldError(name, f"Tối đa {max_length} ký tự.", "max_length"))
    return cleaned


def _raise(errors: list[FieldError]) -> None:
    if errors:
        raise DomainError("Dữ liệu không hợp lệ.", errors=errors, status=422)


@transaction.atomic
def applicant_register(
    *, username: str, password: str, full_name: str, kind: str = User.Kind.CITIZEN,
    citizen_id: str = "", tax_code: str = "", phone: str = "", address: str = "",
    email: str = "", ip: str | None = None,
) -> User:
    """A citizen (identified by ID number) or a business (by tax code) opens an account."""
    errors: list[FieldError] = []
    username = _text(errors, "username", username)
    full_name = _text(errors, "full_name", full_name, max_length=150)
    address = _text(errors, "address", address, required=False, max_length=255)
    cid: str | None = None
    tax: str | None = None
    if kind == User.Kind.CITIZEN:
        try:
            cid = parse_citizen_id(citizen_id).number
        except IdentityError as exc:
            errors.append(FieldError("citizen_id", str(exc)))
    elif kind == User.Kind.BUSINESS:
        try:
            tax = normalize_tax_code(tax_code)
        except IdentityError as exc:
            errors.append(FieldError("tax_code", str(exc)))
    else:
        errors.append(FieldError("kind", "Loại tài khoản phải là công dân hoặc doanh nghiệp."))
    if username and User.objects.filter(username__iexact=username).exists():
        errors.append(FieldError("username", "Tên đăng nhập đã được dùng.", "taken"))
    if cid and User.objects.filter(citizen_id=cid).exists():
        errors.append(FieldError("citizen_id", "Số định danh này đã có tài khoản.", "taken"))
    if tax and User.objects.filter(tax_code=tax).exists():
        errors.append(FieldError("tax_code", "Mã số thuế này đã có tài khoản.", "taken"))
    candidate = User(username=username, full_name=full_name, email=email)
    try:
        validate_password(password, candidate)
    except ValidationError as exc:
        errors.extend(FieldError("password", str(m), "weak") for m in exc.messages)
    _raise(errors)
    user = User(username=username, full_name=full_name, kind=kind, citizen_id=cid, tax_code=tax,
                phone=phone, address=address, email=email)
    user.set_password(password)
    user.save()
    audit_record(actor=user, action="account.register", obj=user, ip=ip,
                 data={"kind": kind})
    return user


def system_account(username: str, full_name: str) -> User:
    """The account a system job (exchange, harvesting, publishing) acts as: an officer row,
    made once, inactive and without a usable password, so nobody signs in with it. Callers give
    it what it may do for one run, in memory (`directory.permissions.grants_in_memory`)."""
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(username=username, full_name=full_name, kind=User.Kind.OFFICER,
                    is_active=False)
        user.set_unusable_password()
        user.save()
    return user


@transaction.atomic
def officer_create(*, actor: Any, username: str, full_name: str, agency: Agency, role: str,
                   password: str | None = None, email: str = "") -> User:
    """An admin creates an officer account acting in `role` for `agency`."""
    ensure_can(actor, "directory.grant.manage", agency)
    errors: list[FieldError] = []
    username = _text(errors, "username", username)
    full_name = _text(errors, "full_name", full_name)
    if username and User.objects.filter(username__iexact=username).exists():
        errors.append(FieldError("username", "Tên đăng nhập đã được dùng.", "taken"))
    _raise(errors)
    user = User(username=username, full_name=full_name, kind=User.Kind.OFFICER, email=email)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    audit_record(actor=actor, action="officer.create", obj=user, data={"agency": agency.code})
    grant_add(actor=actor, user=user, role=role, agency=agency)
    return user


@transaction.atomic
def grant_add(*, actor: Any, user: User, role: str, agency: Agency | None = None,
              province_code: str = "") -> Grant:
    """Give `user` a role in an agency, or (province admin, observer) in a province."""
    try:
        role_value = Role(role)
    except ValueError:
        raise DomainError.for_field("role", "Vai trò không hợp lệ.") from None
    if role_value == Role.APPLICANT:
        raise DomainError.for_field("role", "Người nộp hồ sơ không cần phân quyền.")
    if user.kind != User.Kind.OFFICER:
        raise DomainError.for_field("user", "Chỉ tài khoản cán bộ, công chức mới được phân quyền.")
    if role_value in PROVINCE_WIDE_ROLES:
        if agency is not None:
            raise DomainError.for_field("agency", "Vai trò cấp tỉnh không gắn với một cơ quan.")
        if not province_code:
            raise DomainError.for_field("province_code", "Cần mã tỉnh.")
        if not _is_province_admin(actor, province_code):
            raise NotAllowed("Chỉ quản trị tỉnh được giao vai trò cấp tỉnh.")
        grant, _ = Grant.objects.get_or_create(user=user, role=role_value, agency=None,
                                               province_code=province_code)
    else:
        if agency is None:
            raise DomainError.for_field("agency", "Vai trò này cần một cơ quan.")
        ensure_can(actor, "directory.grant.manage", agency)
        grant, _ = Grant.objects.get_or_create(user=user, role=role_value, agency=agency,
                                               defaults={"province_code": agency.province_code})
    audit_record(actor=actor, action="grant.add", obj=user,
                 data={"role": role_value.value, "agency": agency.code if agency else None,
                       "province": grant.province_code})
    user.__dict__.pop("_tinhso_grants", None)
    return grant


def _is_province_admin(actor: Any, province_code: str) -> bool:
    return bool(
        getattr(actor, "is_authenticated", False)
        and Grant.objects.filter(user=actor, role=Role.PROVINCE_ADMIN, agency=None,
                                 province_code=province_code).exists()
    )
