"""Two installations, two processes, two databases: A (this test's live server, its test
database and the session PKI) sends a signed document to B (gunicorn in a subprocess with its
own SQLite file and its own PKI; each trusts the other's root). B is down at first: the package
waits in A's outbox and goes when B is up. B verifies both signatures (and the agency's
signature on the document's separately filed attachment, which B keeps with it), registers the
document and answers "arrived"; B's leader directs it, and "accepted" comes back to A."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.utils import timezone

from tinhso.documents.models import DocumentEvent
from tinhso.exchange import services
from tinhso.exchange.delivery import outbox_deliver
from tinhso.exchange.models import OutboxItem, Package, Peer
from tinhso.exchange.tests.net import RECEIVER_PREFIX, make_net
from tinhso.exchange.tests.test_attachments import TITLE, _attach
from tinhso.signing.devpki import ROOT
from tinhso.signing.models import Certificate

BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env(var: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "TINHSO_"))}
    env.update(DJANGO_SETTINGS_MODULE="tinhso.config.settings", TINHSO_VAR_DIR=str(var),
               TINHSO_SECRET_KEY="installation-b-secret-key-for-tests-only",
               TINHSO_SIGNING_KEY_SECRET="installation-b-key-secret",
               TINHSO_TASKS_BACKEND="django_tasks.backends.dummy.DummyBackend",
               TINHSO_LOG_LEVEL="WARNING")
    return env


def _b(env: dict[str, str], *args: str) -> dict:
    result = subprocess.run([sys.executable, "-m", "tinhso.exchange.tests.peer_b", *args],  # noqa: S603
                            env=env, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def _wait(url: str, server: subprocess.Popen, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"installation B stopped: {server.stderr.read()[-3000:]!r}")
        try:
            with urllib.request.urlopen(url, timeout=1):  # noqa: S310 - loopback
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"installation B did not answer at {url}")


@pytest.mark.django_db(transaction=True)
def test_two_installations_exchange_a_document_and_its_statuses(live_server, pki, two_page_pdf,
                                                                settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "a-media"
    var_b = tmp_path / "b"
    var_b.mkdir()
    env = _env(var_b)
    port = _free_port()
    b_url = f"http://127.0.0.1:{port}"
    a_root = tmp_path / "a-root.pem"
    a_root.write_text(Certificate.objects.get(label=ROOT).pem)
    started = time.perf_counter()
    setup = _b(env, "setup", live_server.url, pki.agency.code, str(a_root))
    setup_seconds = time.perf_counter() - started
    trust_a = Path(pki.directory) / "trust"
    trust_a.mkdir(exist_ok=True)
    (trust_a / "installation-b.pem").write_text(setup["root_pem"])
    server = None
    try:
        net = make_net(pki, two_page_pdf, base_url=live_server.url)
        Peer.objects.filter(organ_prefix=RECEIVER_PREFIX).update(base_url=b_url)
        doc = net.issued()
        annex = _attach(net, doc, two_page_pdf)  # a separately filed attachment goes along
        [pkg] = services.document_send_external(document=doc, actor=net.clerk)

        # The delivery task ran on commit, but B is down: the package stays in the outbox,
        # to be retried later.
        item = OutboxItem.objects.get(package=pkg)
        assert item.delivered_at is None and item.failed_at is None
        assert item.attempts == 1 and item.last_error
        assert outbox_deliver().retrying == 0  # not due again yet

        server = subprocess.Popen(  # noqa: S603 - our own server
            [str(BIN / "gunicorn"), "tinhso.config.wsgi:application", "-b",
             f"127.0.0.1:{port}", "-w", "1", "--threads", "2", "--log-level", "warning"],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        _wait(f"{b_url}/healthz", server)

        started = time.perf_counter()
        report = outbox_deliver(now=item.next_attempt_at)
        delivery_seconds = time.perf_counter() - started
        assert report.delivered == 1, OutboxItem.objects.get(package=pkg).last_error
        pkg.refresh_from_db()
        assert pkg.last_status == "01"  # B's signed answer, verified here

        state = _b(env, "state")
        [incoming] = state["incoming"]
        assert incoming["notation"] == doc.notation
        assert incoming["sender"] == pki.agency.code
        assert incoming["files"] == 1
        assert incoming["attachments"] == [
            {"title": TITLE, "signed": True, "sha256": annex.signed_sha256}]
        [received] = [p for p in state["packages"] if p["kind"] == "document"]
        assert received["result"] == "arrived"
        assert received["verification"]["xml"]["ok"] is True
        assert received["verification"]["pdf"]["ok"] is True
        assert [a["ok"] for a in received["verification"]["attachments"]] == [True]

        # The same package again (at-least-once): the same answer, nothing new at B.
        OutboxItem.objects.filter(pk=item.pk).update(delivered_at=None,
                                                     next_attempt_at=timezone.now())
        assert outbox_deliver().delivered == 1
        assert len(_b(env, "state")["incoming"]) == 1

        # B's leader directs it; B delivers "accepted" (03) to A.
        directed = _b(env, "direct")
        assert directed["delivered"] == 1, directed
        pkg.refresh_from_db()
        assert pkg.last_status == "03"
        seen = list(DocumentEvent.objects.filter(document=doc, action="remote_status")
                    .order_by("pk").values_list("data__status", flat=True))
        assert seen == ["01", "03"]
        assert Package.objects.filter(direction="in", kind="status").count() == 2
        print(f"\ntwo installations: B set up (migrate, PKI) in {setup_seconds:.1f} s; "
              f"one package delivered and answered in {delivery_seconds:.2f} s")
    finally:
        (trust_a / "installation-b.pem").unlink(missing_ok=True)
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
