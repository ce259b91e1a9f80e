"""Online submission of a dossier by a citizen or a business account."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from tinhso.accounts.models import User
from tinhso.catalog.models import OnlineLevel
from tinhso.catalog.selectors import get_current_version
from tinhso.core.errors import DomainError, NotAllowed
from tinhso.onestop import services
from tinhso.onestop.forms import CONTENT_FIELD, SubmitForm
from tinhso.onestop.status import Channel
from tinhso.onestop.views.common import forbidden


@login_required
def dossier_new(request: HttpRequest, procedure_code: str) -> HttpResponse:
    try:
        version = get_current_version(procedure_code)
    except DomainError:
        raise Http404(_("Không tìm thấy thủ tục hành chính với mã này.")) from None
    user = request.user
    if getattr(user, "kind", "") == User.Kind.OFFICER:
        return forbidden(request, NotAllowed(_(
            "Tài khoản cán bộ không nộp hồ sơ trực tuyến; hồ sơ nộp trực tiếp được nhập tại "
            "quầy một cửa.")))
    context = {"version": version, "online": version.online_level != OnlineLevel.NONE}
    if not context["online"]:
        return render(request, "onestop/submit.html", context)
    if request.method == "POST":
        form = SubmitForm(request.POST, request.FILES, version=version)
        if form.is_valid():
            data = form.cleaned_data
            try:
                dossier, _created = services.dossier_submit(
                    actor=user, procedure_code=version.procedure.code, channel=Channel.ONLINE,
                    applicant=user, applicant_name=data["applicant_name"],
                    applicant_id_number=data["applicant_id_number"],
                    applicant_address=data["applicant_address"],
                    applicant_phone=data["applicant_phone"],
                    applicant_email=data["applicant_email"],
                    form_data={CONTENT_FIELD: data["content"]}, files=form.uploads(),
                )
            except NotAllowed as exc:
                return forbidden(request, exc)
            except DomainError as exc:
                form.add_domain_error(exc)
            else:
                messages.success(request, _(
                    "Đã nộp hồ sơ. Mã hồ sơ của bạn: %(code)s. Hãy ghi lại mã này để tra cứu.")
                    % {"code": dossier.code})
                return redirect("onestop:dossier", code=dossier.code)
        status = 422
    else:
        form = SubmitForm(version=version, initial={
            "applicant_name": getattr(user, "full_name", "") or user.get_username(),
            "applicant_id_number": (getattr(user, "citizen_id", "")
                                    or getattr(user, "tax_code", "") or ""),
            "applicant_address": getattr(user, "address", ""),
            "applicant_phone": getattr(user, "phone", ""),
            "applicant_email": getattr(user, "email", ""),
        })
        status = 200
    context["form"] = form
    return render(request, "onestop/submit.html", context, status=status)
