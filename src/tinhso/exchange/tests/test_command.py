"""`tinhso exchange`: the peer registry from the command line, and flushing the outbox."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from tinhso.exchange.models import OutboxItem, Peer
from tinhso.exchange.tests.test_exchange import send

pytestmark = pytest.mark.django_db


def test_peers_are_registered_and_listed_from_the_command_line():
    out = StringIO()
    call_command("exchange", "peer", "000.00.", "https://vanban.bo-x.gov.vn", "--name", "Bộ X",
                 stdout=out)
    call_command("exchange", "peer", "000.00.", "https://vanban2.bo-x.gov.vn", "--untrusted",
                 stdout=out)
    peer = Peer.objects.get()
    assert (peer.base_url, peer.trusted) == ("https://vanban2.bo-x.gov.vn", False)
    listing = StringIO()
    call_command("exchange", "peers", stdout=listing)
    assert "000.00." in listing.getvalue() and "KHÔNG tin cậy" in listing.getvalue()
    with pytest.raises(CommandError):
        call_command("exchange", "peer", "000.01.", "ftp://x")


def test_deliver_flushes_what_is_due_and_says_what_happened(net):
    pkg = send(net)
    Peer.objects.update(base_url="http://127.0.0.1:9")  # down
    out = StringIO()
    call_command("exchange", "deliver", "--quiet-progress", stdout=out)
    assert "thử lại sau 1" in out.getvalue()
    assert OutboxItem.objects.get(package=pkg).attempts == 1
