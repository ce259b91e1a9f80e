"""Online payment of fees through a gateway that follows VNPay's signed-redirect protocol.

The citizen is sent to the gateway with the order's parameters signed by HMAC-SHA512 over the
sorted, URL-encoded `vnp_*` parameters (the merchant's shared secret as key); the gateway sends
them back to our return URL (and, server to server, to our IPN URL) with the result, signed
the same way. We trust a result only when its signature verifies, its amount matches and it
refers to a pending payment of ours; a repeated callback changes nothing.

The stand-in gateway served at /_gia-lap/cong-thanh-toan/ (settings.TINHSO_STANDINS) speaks
the same protocol, so the code here is the code a real gateway would meet.
"""

from __future__ import annotations

import hashlib
import hmac
import urllib.parse
from collections.abc import Mapping
from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings

VN = ZoneInfo("Asia/Ho_Chi_Minh")
SUCCESS = "00"


def _secret() -> bytes:
    secret = settings.TINHSO_PAYMENT_SECRET
    if not secret:
        # No configured secret: derive a stable one from SECRET_KEY for the stand-in gateway.
        secret = hmac.new(settings.SECRET_KEY.encode(), b"tinhso-payment", hashlib.sha256).hexdigest()
    return secret.encode()


def _canonical(params: Mapping[str, str]) -> str:
    """The signed string: vnp_* parameters except the hash, sorted by name, URL-encoded."""
    items = sorted((k, v) for k, v in params.items()
                   if k.startswith("vnp_") and k not in ("vnp_SecureHash", "vnp_SecureHashType")
                   and v != "")
    return urllib.parse.urlencode(items, quote_via=urllib.parse.quote_plus)


def sign(params: Mapping[str, str], secret: bytes | None = None) -> str:
    return hmac.new(secret or _secret(), _canonical(params).encode(), hashlib.sha512).hexdigest()


def verify(params: Mapping[str, str], secret: bytes | None = None) -> bool:
    given = params.get("vnp_SecureHash", "")
    return bool(given) and hmac.compare_digest(given.lower(), sign(params, secret))


def payment_params(*, reference: str, amount: int, description: str, return_url: str,
                   client_ip: str, at: datetime) -> dict[str, str]:
    """The signed parameters that send a citizen to the gateway for one payment."""
    params = {
        "vnp_Version": "2.1.0",
        "vnp_Command": "pay",
        "vnp_TmnCode": settings.TINHSO_PAYMENT_MERCHANT,
        "vnp_Amount": str(amount * 100),  # VNPay counts in hundredths of a dong
        "vnp_CurrCode": "VND",
        "vnp_TxnRef": reference,
        "vnp_OrderInfo": description[:255],
        "vnp_OrderType": "other",
        "vnp_Locale": "vn",
        "vnp_ReturnUrl": return_url,
        "vnp_IpAddr": client_ip or "127.0.0.1",
        "vnp_CreateDate": at.astimezone(VN).strftime("%Y%m%d%H%M%S"),
    }
    params["vnp_SecureHash"] = sign(params)
    return params


def gateway_url(params: Mapping[str, str]) -> str:
    base = settings.TINHSO_PAYMENT_GATEWAY_URL
    return f"{base}?{urllib.parse.urlencode(params)}"


def gateway_result(request_params: Mapping[str, str], *, success: bool, transaction_no: str,
                   at: datetime) -> dict[str, str]:
    """What a gateway sends back for a request: used by the stand-in gateway."""
    result = {k: v for k, v in request_params.items()
              if k in ("vnp_TmnCode", "vnp_Amount", "vnp_TxnRef", "vnp_OrderInfo")}
    result.update({
        "vnp_ResponseCode": SUCCESS if success else "24",  # 24: the customer cancelled
        "vnp_TransactionStatus": SUCCESS if success else "02",
        "vnp_TransactionNo": transaction_no,
        "vnp_BankCode": "NCB",
        "vnp_PayDate": at.astimezone(VN).strftime("%Y%m%d%H%M%S"),
    })
    result["vnp_SecureHash"] = sign(result)
    return result
