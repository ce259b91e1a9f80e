"""Online payment of fees with a gateway that follows VNPay's signed redirect and callback:
start (redirect to the gateway), the local stand-in gateway, the return page and the IPN.

Nothing is recorded unless the gateway's signature verifies, the reference is one of our
payments and the amount matches; a repeated or forged callback changes nothing."""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tinhso.core.audit import client_ip
from tinhso.core.errors import DomainError
from tinhso.onestop import payments, selectors, services
from tinhso.onestop.models import Payment
from tinhso.onestop.status import Status
from tinhso.onestop.views.common import forbidden

# VNPay's IPN answers.
IPN_OK = {"RspCode": "00", "Message": "Confirm Success"}
IPN_BAD_SIGNATURE = {"RspCode": "97", "Message": "Invalid signature"}
IPN_NOT_FOUND = {"RspCode": "01", "Message": "Order not found"}
IPN_ALREADY = {"RspCode": "02", "Message": "Order already confirmed"}
IPN_BAD_AMOUNT = {"RspCode": "04", "Message": "invalid amount"}
IPN_UNKNOWN = {"RspCode": "99", "Message": "Unknown error"}


@login_required
@require_POST
def payment_start(request: HttpRequest, reference: str) -> HttpResponse:
    """The applicant pays a pending fee: off to the gateway with the signed order."""
    payment = Payment.objects.select_related("dossier").filter(reference=reference).first()
    if payment is None:
        raise Http404(_("Không tìm thấy khoản thanh toán."))
    d = payment.dossier
    if not selectors.dossiers_visible_to(request.user).filter(pk=d.pk).exists():
        raise Http404(_("Không tìm thấy khoản thanh toán."))
    if d.applicant_id != request.user.pk:
        return forbidden(request)
    if payment.state != Payment.State.PENDING or d.status != Status.PAYING:
        return redirect("onestop:dossier", code=d.code)
    params = payments.payment_params(
        reference=payment.reference, amount=payment.amount,
        description=f"Thanh toan phi, le phi ho so {d.code}",
        return_url=request.build_absolute_uri(reverse("onestop:payment_return")),
        client_ip=client_ip(request) or "", at=timezone.now(),
    )
    return HttpResponseRedirect(payments.gateway_url(params))


def _check(params: Any) -> tuple[dict[str, str] | None, Payment | None]:
    """(None, payment) when the callback is trustworthy; else (the IPN answer, payment)."""
    if not payments.verify(params):
        return IPN_BAD_SIGNATURE, None
    payment = (Payment.objects.select_related("dossier")
               .filter(reference=params.get("vnp_TxnRef", "")).first())
    if payment is None:
        return IPN_NOT_FOUND, None
    if params.get("vnp_Amount", "") != str(payment.amount * 100):
        return IPN_BAD_AMOUNT, payment
    return None, payment


def _succeeded(params: Any) -> bool:
    return (params.get("vnp_ResponseCode") == payments.SUCCESS
            and params.get("vnp_TransactionStatus", payments.SUCCESS) == payments.SUCCESS)


def _confirm(payment: Payment, params: Any) -> dict[str, str]:
    """Record a verified successful payment once."""
    if payment.state != Payment.State.PENDING:
        return IPN_ALREADY
    try:
        services.dossier_confirm_payment(
            dossier=payment.dossier, actor=None, online=True, reference=payment.reference,
            gateway_transaction=str(params.get("vnp_TransactionNo", ""))[:64],
        )
    except DomainError:  # meanwhile confirmed, or the dossier left "awaiting payment"
        return IPN_ALREADY
    return IPN_OK


@require_GET
@never_cache
def payment_return(request: HttpRequest) -> HttpResponse:
    """Where the gateway sends the citizen back: verified, recorded once, result shown."""
    params = request.GET.dict()
    problem, payment = _check(params)
    if problem is not None or payment is None:
        return render(request, "onestop/payment_result.html",
                      {"outcome": "invalid", "payment": None}, status=400)
    if not _succeeded(params):
        outcome = "paid" if payment.state == Payment.State.PAID else "failed"
    else:
        _confirm(payment, params)
        payment.refresh_from_db()
        outcome = "paid" if payment.state == Payment.State.PAID else "failed"
    return render(request, "onestop/payment_result.html", {
        "outcome": outcome, "payment": payment, "code": payment.dossier.code,
    })


@require_GET
@never_cache
def payment_ipn(request: HttpRequest) -> JsonResponse:
    """The gateway's server-to-server notification (VNPay IPN): a JSON answer it understands."""
    params = request.GET.dict()
    try:
        problem, payment = _check(params)
        if problem is not None or payment is None:
            return JsonResponse(problem or IPN_UNKNOWN)
        if not _succeeded(params):
            # A failed or cancelled payment: acknowledged; the fee stays due, to pay again.
            return JsonResponse(IPN_ALREADY if payment.state != Payment.State.PENDING
                                else IPN_OK)
        return JsonResponse(_confirm(payment, params))
    except Exception:  # noqa: BLE001 - the gateway must always get an answer it understands
        return JsonResponse(IPN_UNKNOWN)


# --- the stand-in gateway (settings.TINHSO_STANDINS) ------------------------------------------


@require_http_methods(["GET", "POST"])
@never_cache
def standin_gateway(request: HttpRequest) -> HttpResponse:
    """A local gateway speaking VNPay's protocol: checks the merchant's signature, shows the
    order, and sends the citizen back to vnp_ReturnUrl with a signed result."""
    if not settings.TINHSO_STANDINS:
        raise Http404
    source = request.POST if request.method == "POST" else request.GET
    params: dict[str, str] = {k: str(v) for k, v in source.items() if k.startswith("vnp_")}
    if not payments.verify(params):
        return render(request, "onestop/standin_gateway.html", {"invalid": True}, status=400)
    if request.method == "POST":
        success = request.POST.get("decision") == "pay"
        result = payments.gateway_result(
            params, success=success, transaction_no=str(secrets.randbelow(10**8)).zfill(8),
            at=timezone.now())
        return HttpResponseRedirect(f"{params['vnp_ReturnUrl']}?{urlencode(result)}")
    try:
        amount = int(params.get("vnp_Amount", "0")) // 100
    except ValueError:
        amount = 0
    return render(request, "onestop/standin_gateway.html", {
        "params": sorted(params.items()), "amount": amount,
        "reference": params.get("vnp_TxnRef", ""), "info": params.get("vnp_OrderInfo", ""),
    })
