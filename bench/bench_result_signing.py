"""One-stop result signing benchmark: approving a dossier with a 2-page PDF result (the
approver's personal signature, then the agency's, both PAdES B-LT) and returning it, against
approving and returning without an electronic result, in wall and CPU milliseconds per dossier.

Plain script, against the configured database (run `tinhso migrate` first). Everything it
makes (a small one-stop world through the test factories, certificates, dossiers) is made in
one transaction that is rolled back at the end; stored files go to a temporary directory:

    TINHSO_VAR_DIR=/tmp/bench-var .venv/bin/python bench/bench_result_signing.py [--n 20]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from typing import Any


class _Rollback(Exception):
    pass


def _result_pdf() -> bytes:
    from weasyprint import HTML

    body = "".join(f"<p>Mục {i}. Nội dung kết quả giải quyết thủ tục hành chính.</p>"
                   for i in range(1, 40))
    return HTML(string=f"<html lang='vi'><body><h1>Phiếu lý lịch tư pháp</h1>{body}"
                       "</body></html>").write_pdf()


def _at_approval(w: Any, at: Any) -> Any:
    from tinhso.onestop import services as s

    d = w.submit_online(at)
    d = s.dossier_receive(dossier=d, actor=w.desk, at=at)
    d = s.dossier_forward(dossier=d, actor=w.desk, at=at)
    return s.dossier_forward(dossier=d, actor=w.specialist, at=at)


def measure(n: int, pdf: bytes | None, w: Any, at: Any) -> tuple[list[float], list[float]]:
    """Wall and CPU milliseconds of approve + return for `n` dossiers (made beforehand)."""
    from tinhso.onestop import services as s

    ready = [_at_approval(w, at) for _ in range(n)]
    walls, cpus = [], []
    for d in ready:
        t, c = time.perf_counter(), time.process_time()
        d = s.dossier_approve(dossier=d, actor=w.leader, at=at,
                              result=("ket-qua.pdf", pdf) if pdf is not None else None)
        s.dossier_return_result(dossier=d, actor=w.desk, at=at)
        walls.append(1000 * (time.perf_counter() - t))
        cpus.append(1000 * (time.process_time() - c))
    return walls, cpus


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=20, help="dossiers per measurement")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tinhso.config.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.db import transaction

    from tinhso.accounts.models import User
    from tinhso.accounts.tests.factories import officer
    from tinhso.directory.models import Role
    from tinhso.onestop.files import media_root
    from tinhso.onestop.models import DossierFile
    from tinhso.onestop.tests.world import make_world, vn
    from tinhso.signing import services
    from tinhso.signing.validation import pdf_validate

    settings.MEDIA_ROOT = tempfile.mkdtemp(prefix="bench-result-media-")
    pdf = _result_pdf()
    at = vn(2025, 3, 5, 8, 0)
    print(f"python {sys.version.split()[0]} on {platform.machine()}, {os.cpu_count()} CPUs, "
          f"load {os.getloadavg()[0]:.1f}; {len(pdf)} B 2-page result; "
          f"{settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}")
    try:
        with transaction.atomic():
            services.pki_init()
            w = make_world(fee=0)
            admin = officer(Role.PROVINCE_ADMIN, None, username="bench-result-admin")
            assert isinstance(admin, User)  # noqa: S101
            services.certificate_issue_organization(actor=admin, agency=w.dept)
            services.certificate_issue_personal(actor=admin, user=w.leader, agency=w.dept)
            measure(2, pdf, w, at)  # warm-up: PKI, OCSP answers, unlocked keys, fonts
            plain = measure(args.n, None, w, at)
            signed = measure(args.n, pdf, w, at)
            last = DossierFile.objects.filter(kind=DossierFile.Kind.RESULT).order_by("-pk")[0]
            final = (media_root() / last.storage_path).read_bytes()
            t = time.perf_counter()
            report = pdf_validate(final)
            validate_ms = 1000 * (time.perf_counter() - t)
            assert report.ok and len(report.signatures) == 2  # noqa: S101
            raise _Rollback
    except _Rollback:
        pass
    for label, (walls, cpus) in (("approve + return, no result", plain),
                                 ("approve (2 signatures) + return", signed)):
        print(f"{label:<34} median {statistics.median(walls):7.1f} ms wall, "
              f"{statistics.median(cpus):7.1f} ms CPU  (n={args.n}, "
              f"{1000 / statistics.median(walls):5.1f} dossiers/s)")
    extra = statistics.median(signed[0]) - statistics.median(plain[0])
    print(f"{'  signing adds':<34} {extra:7.1f} ms wall per dossier")
    print(f"{'validate both (pdf_validate)':<34} {validate_ms:7.1f} ms, {len(final)} B signed")


if __name__ == "__main__":
    main()
