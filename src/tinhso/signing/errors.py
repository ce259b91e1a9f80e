"""Why a signature could not be made."""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured

from tinhso.core.errors import DomainError


class CertificateUnusable(DomainError):
    """The certificate may not sign: revoked, expired, not yet valid, or not issued here."""

    def __init__(self, message: str) -> None:
        super().__init__(message=message, status=409, code="certificate_unusable")


class SigningFailed(DomainError):
    """The signature could not be made (the PKI refused the certificate, or the PDF)."""

    def __init__(self, message: str) -> None:
        super().__init__(message=message, status=422, code="signing_failed")


class SigningNotConfigured(ImproperlyConfigured):
    """A key store adapter was chosen that this installation cannot use yet."""
