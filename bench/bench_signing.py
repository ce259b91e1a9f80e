"""Signing benchmark: personal + agency PAdES B-LT signatures of a 2-page document, and
validation of both signatures, in documents a second and CPU milliseconds per document.

Plain script, against the configured database (run `tinhso migrate` first; it runs
`pki init` and issues a bench officer and agency certificate if missing):

    TINHSO_VAR_DIR=/tmp/bench-var .venv/bin/python bench/bench_signing.py [--n 30] [--workers 2]

`--workers N` runs N processes at once (each warms up first: PKI, OCSP answers, unlocked key)
and reports their aggregate rate. Issue 4's targets on 2 cores: 20 documents/s signing,
50/s validating.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import platform
import statistics
import sys
import time
from typing import Any


def setup() -> tuple[Any, Any, bytes]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tinhso.config.settings")
    import django

    django.setup()
    from tinhso.config.runtime import tune_gc

    tune_gc()  # the garbage collector set up as in the web server (config/wsgi.py)
    from weasyprint import HTML

    from tinhso.accounts.models import User
    from tinhso.directory.models import AdminUnit, Agency, Grant, Role
    from tinhso.signing import services
    from tinhso.signing.models import Certificate, CertKind

    services.pki_init()
    unit, _ = AdminUnit.objects.get_or_create(
        code="99998", level=AdminUnit.Level.PROVINCE, valid_from=None,
        defaults={"name": "Tỉnh Thử", "kind": "tỉnh", "province_code": "38"})
    agency, _ = Agency.objects.get_or_create(
        code="000.99.98.H56", defaults={"name": "UBND tỉnh Thanh Hóa (thử tải)",
                                        "kind": Agency.Kind.PEOPLES_COMMITTEE, "unit": unit,
                                        "province_code": "38"})
    admin, made = User.objects.get_or_create(username="bench-pki-admin",
                                             defaults={"kind": "officer"})
    if made:
        Grant.objects.create(user=admin, role=Role.PROVINCE_ADMIN, province_code="38")
    officer, _ = User.objects.get_or_create(username="bench-signer",
                                            defaults={"kind": "officer",
                                                      "full_name": "Nguyễn Văn An"})
    personal = (Certificate.objects.filter(user=officer, kind=CertKind.PERSONAL,
                                           revoked_at=None).last()
                or services.certificate_issue_personal(actor=admin, user=officer, agency=agency,
                                                       title="Chủ tịch"))
    org = (Certificate.objects.filter(agency=agency, kind=CertKind.ORGANIZATION,
                                      revoked_at=None).last()
           or services.certificate_issue_organization(actor=admin, agency=agency))
    body = "".join(f"<p>Điều {i}. Giao các sở, ngành triển khai kế hoạch chuyển đổi số.</p>"
                   for i in range(1, 26))
    pdf = HTML(string=f"<html lang='vi'><body><h1>QUYẾT ĐỊNH</h1>{body}</body></html>").write_pdf()
    return personal, org, pdf


def sign_both(personal: Any, org: Any, pdf: bytes) -> bytes:
    from tinhso.signing.pades import Placement, pdf_sign_agency, pdf_sign_personal, seal_placement

    block = Placement(1, (330.0, 420.0, 510.0, 520.0))
    signed = pdf_sign_personal(pdf, certificate=personal, placement=block)
    return pdf_sign_agency(signed, certificate=org, placement=seal_placement(block))


def run(n: int, personal: Any, org: Any, pdf: bytes) -> dict[str, float]:
    from tinhso.signing.validation import pdf_validate

    signed = sign_both(personal, org, pdf)  # warm-up: PKI, OCSP answers, unlocked keys, fonts
    assert pdf_validate(signed).ok
    t0, cpu = time.time(), time.process_time()
    documents = [sign_both(personal, org, pdf) for _ in range(n)]
    t1, sign_cpu = time.time(), time.process_time() - cpu
    cpu = time.process_time()
    for signed in documents:  # each document as signed (own timestamps, own signature bytes)
        assert pdf_validate(signed).ok
    t2 = time.time()
    return {"n": n, "sign_wall": t1 - t0, "sign_cpu": sign_cpu, "val_wall": t2 - t1,
            "val_cpu": time.process_time() - cpu, "t0": t0, "t1": t1, "t2": t2}


def _worker(args: tuple[int, int, int, bytes]) -> dict[str, float]:
    from django.db import connections

    from tinhso.signing.models import Certificate

    connections.close_all()
    n, personal_pk, org_pk, pdf = args
    return run(n, Certificate.objects.get(pk=personal_pk), Certificate.objects.get(pk=org_pk), pdf)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=30, help="documents per measurement")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    personal, org, pdf = setup()
    print(f"python {sys.version.split()[0]} on {platform.machine()}, {os.cpu_count()} CPUs, "
          f"load {os.getloadavg()[0]:.1f}; {len(pdf)} B 2-page PDF")
    results = []
    for _ in range(args.repeat):
        if args.workers == 1:
            r = run(args.n, personal, org, pdf)
            results.append((args.n / r["sign_wall"], 1000 * r["sign_cpu"] / args.n,
                            args.n / r["val_wall"], 1000 * r["val_cpu"] / args.n))
        else:
            from django.db import connections

            connections.close_all()
            with mp.get_context("fork").Pool(args.workers) as pool:
                rs = pool.map(_worker, [(args.n, personal.pk, org.pk, pdf)] * args.workers)
            # Aggregate over the span from the first start to the last finish.
            total = sum(r["n"] for r in rs)
            results.append((total / (max(r["t1"] for r in rs) - min(r["t0"] for r in rs)),
                            1000 * statistics.mean(r["sign_cpu"] / r["n"] for r in rs),
                            total / (max(r["t2"] for r in rs) - min(r["t1"] for r in rs)),
                            1000 * statistics.mean(r["val_cpu"] / r["n"] for r in rs)))
    for label, i, unit in (("sign personal + agency (B-LT)", 0, "docs/s"),
                           ("  CPU per document", 1, "ms"),
                           ("validate both signatures", 2, "docs/s"),
                           ("  CPU per document", 3, "ms")):
        values = [r[i] for r in results]
        print(f"{label:<34} {min(values):8.1f} – {max(values):8.1f} {unit}"
              f"  (workers={args.workers}, n={args.n}, runs={args.repeat})")


if __name__ == "__main__":
    main()
