"""One development PKI for the whole test session, made once (RSA keys are slow) inside a
transaction that is rolled back; each test gets the same rows re-inserted (milliseconds).

Tests that need poppler's `pdfsig` (with NSS's `certutil`) or `qpdf` are skipped when those
are missing, and the run ends with a banner saying so."""

from __future__ import annotations

import copy
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction

from tinhso.accounts.models import User
from tinhso.accounts.tests.factories import AgencyFactory, officer
from tinhso.directory.models import AdminUnit, Agency, Grant, Role
from tinhso.signing import devpki, services
from tinhso.signing.models import Certificate

TOOLS = ("pdfsig", "certutil", "qpdf")
SKIP_REASON = "SIGNING TOOL TESTS SKIPPED: {tool} not found (apt-get install poppler-utils libnss3-tools qpdf)"
HERE = Path(__file__).parent
TIMINGS: dict[str, float] = {}


class _Rollback(Exception):
    pass


@dataclass
class Pki:
    admin: User
    agency: Agency
    signer: User
    personal: Certificate
    organization: Certificate
    other_personal: Certificate  # a second officer's, for revocation tests
    expired: Certificate
    directory: Path


def _snapshot(agency: Agency, users: list[User]) -> dict[str, list[Any]]:
    """The rows the session fixture made (and only those: migrations may have made others)."""
    return {"units": list(AdminUnit.objects.filter(pk=agency.unit_id)),
            "agencies": [Agency.objects.get(pk=agency.pk)],
            "users": list(User.objects.filter(pk__in=[u.pk for u in users])),
            "grants": list(Grant.objects.filter(user__in=users)),
            "certs": list(Certificate.objects.all())}


@pytest.fixture(scope="session")
def pki_session(django_db_setup: Any, django_db_blocker: Any,
                tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[dict, dict]]:
    from django.conf import settings

    saved = settings.TINHSO_SIGNING_PKI_DIR, settings.TINHSO_SIGNING_KEY_SECRET
    settings.TINHSO_SIGNING_PKI_DIR = tmp_path_factory.mktemp("pki")
    settings.TINHSO_SIGNING_KEY_SECRET = "test-key-encryption-secret"
    devpki.reset()
    started = time.perf_counter()
    names: dict[str, Any] = {}
    with django_db_blocker.unblock():
        try:
            with transaction.atomic():
                agency = AgencyFactory(code="000.98.01.H56", name="UBND tỉnh Thanh Hóa",
                                       short_name="UBND", kind=Agency.Kind.PEOPLES_COMMITTEE)
                admin = officer(Role.PROVINCE_ADMIN, None, username="signing-admin")
                an = officer(Role.LEADER, agency, username="signing-an", full_name="Nguyễn Văn An")
                binh = officer(Role.LEADER, agency, username="signing-binh",
                               full_name="Trần Thị Bình")
                cuong = officer(Role.LEADER, agency, username="signing-cuong",
                                full_name="Lê Văn Cường")
                services.pki_init()
                issue = services.certificate_issue_personal
                names = {
                    "admin": admin.pk, "agency": agency.pk, "signer": an.pk,
                    "personal": issue(actor=admin, user=an, agency=agency, title="Chủ tịch").pk,
                    "organization": services.certificate_issue_organization(
                        actor=admin, agency=agency).pk,
                    "other_personal": issue(actor=admin, user=binh, agency=agency).pk,
                    "expired": issue(actor=admin, user=cuong, agency=agency, valid_days=365,
                                     valid_from=time_ago(days=3 * 365)).pk,
                }
                snap = _snapshot(agency, [admin, an, binh, cuong])
                raise _Rollback
        except _Rollback:
            pass
    TIMINGS["PKI (4 CA + 4 subject keys, certificates) made once"] = time.perf_counter() - started
    yield snap, names
    settings.TINHSO_SIGNING_PKI_DIR, settings.TINHSO_SIGNING_KEY_SECRET = saved
    devpki.reset()


def time_ago(**kw: int) -> Any:
    import datetime as dt

    from django.utils import timezone

    return timezone.now() - dt.timedelta(**kw)


def _restore(snap: dict[str, list[Any]]) -> None:
    for key in ("units", "agencies", "users", "grants", "certs"):
        objs = [copy.copy(o) for o in snap[key]]
        for o in objs:
            o._state.adding = True
        if objs:
            type(objs[0]).objects.bulk_create(objs)
    for cert in snap["certs"]:  # keep the per-process PKI cache key unchanged between tests
        Certificate.objects.filter(pk=cert.pk).update(updated_at=cert.updated_at)


@pytest.fixture
def pki(db: Any, pki_session: tuple[dict, dict]) -> Pki:
    snap, names = pki_session
    _restore(snap)
    from django.conf import settings

    return Pki(
        admin=User.objects.get(pk=names["admin"]), agency=Agency.objects.get(pk=names["agency"]),
        signer=User.objects.get(pk=names["signer"]),
        personal=Certificate.objects.get(pk=names["personal"]),
        organization=Certificate.objects.get(pk=names["organization"]),
        other_personal=Certificate.objects.get(pk=names["other_personal"]),
        expired=Certificate.objects.get(pk=names["expired"]),
        directory=Path(settings.TINHSO_SIGNING_PKI_DIR),
    )


@pytest.fixture(scope="session")
def two_page_pdf() -> bytes:
    """A 2-page document rendered by WeasyPrint; the signature block sits on page 2."""
    from weasyprint import HTML

    body = "".join(f"<p>Điều {i}. Giao Sở Nông nghiệp và Phát triển nông thôn chủ trì, phối hợp "
                   f"với các sở, ngành liên quan triển khai kế hoạch chuyển đổi số.</p>"
                   for i in range(1, 26))
    html = (f"<html lang='vi'><body style='font-family: serif'><h1>QUYẾT ĐỊNH</h1>{body}"
            f"<p style='text-align:right'>CHỦ TỊCH</p></body></html>")
    return HTML(string=html).write_pdf()


def tool_path(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(SKIP_REASON.format(tool=name))
    return path


def missing_tool() -> str | None:
    return next((t for t in TOOLS if shutil.which(t) is None), None)


def require_tools() -> None:
    tool = missing_tool()
    if tool:
        pytest.skip(SKIP_REASON.format(tool=tool))


@pytest.fixture(scope="session")
def nss_db(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """A factory: the NSS database pdfsig validates against, trusting the session's root."""
    made: dict[str, Path] = {}

    def make(root_pem: str) -> Path:
        require_tools()
        if root_pem not in made:
            path = tmp_path_factory.mktemp("nssdb")
            (path / "root.pem").write_text(root_pem)
            certutil = tool_path("certutil")
            subprocess.run([certutil, "-N", "-d", f"sql:{path}", "--empty-password"],  # noqa: S603
                           check=True, capture_output=True)
            subprocess.run([certutil, "-A", "-d", f"sql:{path}", "-n", "tinhso-dev-root",  # noqa: S603
                            "-t", "CT,C,C", "-i", str(path / "root.pem")],
                           check=True, capture_output=True)
            made[root_pem] = path
        return made[root_pem]

    return make


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    for what, seconds in TIMINGS.items():
        terminalreporter.write_line(f"signing tests: {what}: {seconds:.2f} s")
    skipped = sum(1 for r in terminalreporter.stats.get("skipped", [])
                  if "SIGNING TOOL TESTS SKIPPED" in str(getattr(r, "longrepr", "")))
    if skipped:
        terminalreporter.write_sep("!", f"{skipped} signing tests did not run: pdfsig, certutil "
                                   "or qpdf is missing", red=True, bold=True)
