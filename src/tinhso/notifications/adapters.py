"""Where a notification leaves the platform. E-mail goes through Django's mail framework; SMS
and Zalo are adapter points: a province plugs in its operator's or Zalo OA's client by naming a
class in settings.TINHSO_NOTIFICATION_ADAPTERS ({"sms": "dotted.path.Class", ...})."""

from __future__ import annotations

from typing import Protocol

from django.conf import settings
from django.core.mail import send_mail
from django.utils.module_loading import import_string


class NotConfigured(Exception):
    """No adapter is set up for the channel: the notification is recorded and not sent."""


class Adapter(Protocol):
    def send(self, *, recipient: str, subject: str, body: str) -> None: ...


class EmailAdapter:
    def send(self, *, recipient: str, subject: str, body: str) -> None:
        send_mail(subject, body, None, [recipient], fail_silently=False)


class UnconfiguredAdapter:
    """SMS and Zalo until a province configures its provider."""

    def __init__(self, channel: str) -> None:
        self.channel = channel

    def send(self, *, recipient: str, subject: str, body: str) -> None:
        raise NotConfigured(f"chưa cấu hình kênh {self.channel}")


def channel_configured(channel: str) -> bool:
    """Whether messages on `channel` can leave the platform at all."""
    return channel == "email" or channel in (getattr(settings, "TINHSO_NOTIFICATION_ADAPTERS", {})
                                             or {})


def adapter_for(channel: str) -> Adapter:
    configured = getattr(settings, "TINHSO_NOTIFICATION_ADAPTERS", {}) or {}
    if channel in configured:
        return import_string(configured[channel])()
    if channel == "email":
        return EmailAdapter()
    return UnconfiguredAdapter(channel)
