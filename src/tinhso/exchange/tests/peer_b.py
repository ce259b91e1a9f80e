"""Installation B of the two-installation test, driven as its own process with its own
settings (TINHSO_VAR_DIR, SQLite file, PKI directory):

    python -m tinhso.exchange.tests.peer_b setup <A's URL> <A's agency code> <A's root PEM file>
    python -m tinhso.exchange.tests.peer_b direct
    python -m tinhso.exchange.tests.peer_b state

Each prints one JSON object on its last line."""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

RECEIVER_CODE = "000.99.01.H57"


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tinhso.config.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from tinhso.accounts.models import User
    from tinhso.accounts.tests.factories import AgencyFactory, officer
    from tinhso.directory.models import Agency, Role
    from tinhso.documents import services as ds
    from tinhso.documents.models import IncomingRecord
    from tinhso.exchange.delivery import outbox_deliver
    from tinhso.exchange.models import Package
    from tinhso.exchange.services import peer_save
    from tinhso.signing import services as signing
    from tinhso.signing.models import Certificate, CertKind

    action = sys.argv[1]
    out: dict = {}
    if action == "setup":
        a_url, a_code, a_root = sys.argv[2], sys.argv[3], sys.argv[4]
        call_command("migrate", verbosity=0)
        signing.pki_init()
        trust = Path(settings.TINHSO_SIGNING_PKI_DIR) / "trust"
        trust.mkdir(parents=True, exist_ok=True)
        shutil.copy(a_root, trust / "installation-a.pem")
        receiver = AgencyFactory(code=RECEIVER_CODE, name="Sở Tài chính tỉnh B", short_name="STC")
        AgencyFactory(code=a_code, name="UBND tỉnh A", short_name="UBND")
        admin = officer(Role.PROVINCE_ADMIN, None, username="b-admin")
        officer(Role.LEADER, receiver, username="b-leader", full_name="Giám đốc B")
        signing.certificate_issue_organization(actor=admin, agency=receiver)
        peer_save(actor=None, organ_prefix=a_code[:7], name="Tỉnh A", base_url=a_url)
        out["root_pem"] = Certificate.objects.get(kind=CertKind.ROOT).pem
    elif action == "direct":
        rec = IncomingRecord.objects.get(agency__code=RECEIVER_CODE)
        ds.incoming_direct(record=rec, actor=User.objects.get(username="b-leader"),
                           direction="Giao phòng Ngân sách nghiên cứu.")
        report = outbox_deliver()
        out.update(delivered=report.delivered, retrying=report.retrying,
                   refused=report.refused)
    out["incoming"] = [
        {"number": r.number, "notation": r.document.notation, "status": r.status,
         "sender": r.document.agency.code, "files": r.document.files.count(),
         "attachments": [{"title": a.title, "signed": a.is_signed, "sha256": a.signed_sha256}
                         for a in r.document.attachments.order_by("seq")]}
        for r in IncomingRecord.objects.select_related("document__agency")]
    out["packages"] = [
        {"direction": p.direction, "kind": p.kind, "status_code": p.status_code,
         "result": p.result, "verification": p.verification}
        for p in Package.objects.order_by("pk")]
    out["agencies"] = Agency.objects.count()
    print(json.dumps(out, ensure_ascii=False, default=str))


if __name__ == "__main__":
    main()
