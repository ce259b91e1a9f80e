"""Delivery to the national portal: a real HTTP server on loopback stands in for it."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone

from tinhso.catalog.tests.factories import make_agency, make_procedure
from tinhso.onestop.models import Dossier, OutboxMessage
from tinhso.onestop.outbox import backoff, outbox_deliver
from tinhso.onestop.status import Channel, Status


class StandIn:
    """A national portal on 127.0.0.1 that records what it receives and can be made to fail."""

    def __init__(self) -> None:
        self.received: list[dict] = []
        self.fail_next = 0
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's naming
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                if standin.fail_next:
                    standin.fail_next -= 1
                    self.send_response(503)
                    self.end_headers()
                    return
                standin.received.append(body)
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/dvcqg"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def portal():
    standin = StandIn()
    yield standin
    standin.close()


def _dossier(n: int) -> Dossier:
    agency = make_agency()
    version = make_procedure(agency, code=f"1.00{1000 + n}")
    now = timezone.now()
    return Dossier.objects.create(
        code=f"{agency.code}-251127-{n:04d}", province_code="38", procedure=version.procedure,
        version=version, channel=Channel.ONLINE, status=Status.SUBMITTED,
        applicant_name="Nguyễn Văn A", applicant_id_number="038205012345", agency=agency,
        receiving_agency=agency, current_agency=agency, submitted_at=now,
    )


def _message(dossier: Dossier, status: int) -> OutboxMessage:
    now = timezone.now()
    return OutboxMessage.objects.create(
        dossier=dossier, province_code="38", created_at=now, next_attempt_at=now,
        payload={"code": dossier.code, "status": status},
    )


@pytest.mark.django_db
def test_messages_arrive_once_in_order_per_dossier(portal):
    first, second = _dossier(1), _dossier(2)
    for status in (1, 2, 4):
        _message(first, status)
    _message(second, 1)
    report = outbox_deliver(url=portal.url)
    assert report.delivered == 4
    assert [m["status"] for m in portal.received if m["code"] == first.code] == [1, 2, 4]
    assert outbox_deliver(url=portal.url).delivered == 0  # nothing is sent twice
    assert len(portal.received) == 4


@pytest.mark.django_db
def test_a_failure_holds_back_the_later_messages_and_is_retried_with_backoff(portal):
    dossier = _dossier(3)
    m1, m2 = _message(dossier, 1), _message(dossier, 2)
    portal.fail_next = 1
    now = timezone.now()
    report = outbox_deliver(url=portal.url, now=now)
    assert report.failed == 1
    assert report.waiting == 1
    assert portal.received == []
    m1.refresh_from_db()
    assert m1.attempts == 1
    assert m1.next_attempt_at == now + backoff(1)
    assert outbox_deliver(url=portal.url, now=now).delivered == 0  # not due yet
    report = outbox_deliver(url=portal.url, now=now + timedelta(minutes=5))
    assert report.delivered == 2
    assert [m["status"] for m in portal.received] == [1, 2]
    assert [m["message_id"] for m in portal.received] == [m1.pk, m2.pk]


@pytest.mark.django_db
def test_an_unreachable_portal_keeps_messages_waiting():
    _message(_dossier(4), 1)
    report = outbox_deliver(url="http://127.0.0.1:9/khong-co")
    assert report.failed == 1
    assert OutboxMessage.objects.get().delivered_at is None


def test_backoff_grows_and_is_capped():
    assert backoff(1) == timedelta(seconds=30)
    assert backoff(2) == timedelta(minutes=1)
    assert backoff(30) == timedelta(hours=6)


@pytest.mark.django_db
def test_delivery_reads_the_outbox_once_and_writes_once_per_message(portal,
                                                                   django_assert_num_queries):
    for n in (5, 6, 7):
        d = _dossier(n)
        _message(d, 1)
        _message(d, 2)
    with django_assert_num_queries(1 + 6):
        assert outbox_deliver(url=portal.url).delivered == 6


@pytest.mark.django_db(transaction=True)
def test_a_submission_is_delivered_after_commit_when_a_portal_is_configured(portal, settings,
                                                                            media):
    from tinhso.onestop.tests.world import make_world

    w = make_world()
    settings.TINHSO_NATIONAL_PORTAL_URL = ""
    first = w.submit_online(timezone.now())
    assert OutboxMessage.objects.get(dossier=first).delivered_at is None  # waits for a portal
    assert portal.received == []

    settings.TINHSO_NATIONAL_PORTAL_URL = portal.url
    second = w.submit_online(timezone.now())
    # The task queued on commit ran (tests run tasks at once) and sent the backlog in order.
    assert [m["code"] for m in portal.received] == [first.code, second.code]
    assert not OutboxMessage.objects.filter(delivered_at__isnull=True).exists()
