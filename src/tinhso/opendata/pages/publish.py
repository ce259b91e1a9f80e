"""The publishers' pages (/du-lieu/cong-bo/): their agencies' datasets, and forms to create
and edit a dataset, add, edit or remove a resource (an upload or a link), publish a draft and
delete. Every
write is a service of `opendata.services` (the same checks as the API, one transaction, an
audit event); its field errors go back on the form. A dataset of another agency is "not
found" (`selectors.owned_dataset`), and nothing is written; so is a resource that is not one
of that dataset's active resources."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import EmptyPage, Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods, require_POST

from tinhso.core.errors import DomainError, NotAllowed, NotFound
from tinhso.directory.models import Agency
from tinhso.directory.permissions import agency_scope, can
from tinhso.opendata import selectors, services, uploads
from tinhso.opendata.access import PUBLISH
from tinhso.opendata.models import Dataset, Resource, State
from tinhso.opendata.pages.common import BadPage, error_page, odd_name, page_number
from tinhso.opendata.pages.forms import (
    AccessRequestForm,
    DatasetForm,
    ResourceForm,
    add_domain_errors,
)

PER_PAGE = 25


def _forbidden(request: HttpRequest, message: str = "") -> HttpResponse:
    return error_page(request, message or _("Bạn không có quyền công bố dữ liệu."), 403)


def _agencies(user: Any) -> list[Agency]:
    return list(
        Agency.objects.filter(agency_scope(user, PUBLISH).q(), is_active=True).order_by("name")
    )


def _owned(request: HttpRequest, name: str) -> Dataset | None:
    if odd_name(name):
        return None
    try:
        ds = selectors.owned_dataset(request.user, name)
    except NotFound:
        return None
    return ds if ds.state != State.DELETED and ds.name == name else None


def _to_dataset(ds: Dataset) -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("opendata_pages:dataset", args=[ds.name]))


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    if not can(request.user, PUBLISH):
        return _forbidden(request)
    try:
        page = Paginator(selectors.datasets_owned(request.user), PER_PAGE).page(
            page_number(request)
        )
    except BadPage as e:
        return error_page(request, str(e), 400)
    except EmptyPage:
        return error_page(request, _("Không có trang này."), 404)
    return render(request, "opendata/pages/publish/mine.html", {"page": page})


@login_required
@require_http_methods(["GET", "POST"])
def dataset_new(request: HttpRequest) -> HttpResponse:
    user = request.user
    agencies = _agencies(user)
    if not agencies:
        return _forbidden(request)
    form = DatasetForm(request.POST or None, agencies=agencies, initial={"access_level": "open"})
    state = State.DRAFT if request.POST.get("state") == State.DRAFT else State.ACTIVE
    return _dataset_form(request, form, None, _("Đã tạo bộ dữ liệu."),
                         lambda data: services.dataset_create(
                             actor=user, data={**data, "state": state}))


@login_required
@require_http_methods(["GET", "POST"])
def dataset_edit(request: HttpRequest, name: str) -> HttpResponse:
    user = request.user
    ds = _owned(request, name)
    if ds is None:
        return error_page(request, _("Không tìm thấy bộ dữ liệu."), 404)
    form = DatasetForm(
        request.POST or None, agencies=_agencies(user), initial=DatasetForm.initial_of(ds)
    )
    return _dataset_form(request, form, ds, _("Đã lưu thay đổi."),
                         lambda data: services.dataset_patch(
                             actor=user, data={**data, "id": str(ds.pk)}))


def _dataset_form(request: HttpRequest, form: DatasetForm, ds: Any, done: str,
                  save: Callable[[dict[str, Any]], Any]) -> HttpResponse:
    """The dataset form's round: on a valid POST, `save` (a service) the form's data; its
    field errors go back on the form (422), a refusal is a 403 page."""
    if request.method == "POST" and form.is_valid():
        try:
            saved = save(form.data_dict())
        except NotAllowed as e:
            return _forbidden(request, e.message)
        except DomainError as e:
            add_domain_errors(form, e)
        else:
            messages.success(request, done)
            return _to_dataset(saved)
    return render(request, "opendata/pages/publish/dataset_form.html",
                  {"form": form, "ds": ds}, status=422 if form.errors else 200)


@csrf_exempt  # the size limit must be in place before the CSRF check parses the body
@login_required
@require_http_methods(["GET", "POST"])
def resource_new(request: HttpRequest, name: str) -> HttpResponse:
    ds = _owned(request, name)
    if ds is None:
        return error_page(request, _("Không tìm thấy bộ dữ liệu."), 404)
    if request.method == "POST" and uploads.declared_too_big(request):
        form = ResourceForm({}, upload_too_big=True)  # the body is not read at all
        form.errors.pop("name", None)
        return _resource_form(request, ds, form, status=413)
    limit = uploads.limit_uploads(request) if request.method == "POST" else None
    return _resource_new(request, ds, limit)


@csrf_protect
def _resource_new(request: HttpRequest, ds: Dataset,
                  limit: uploads.SizeLimit | None) -> HttpResponse:
    form = ResourceForm(request.POST or None, request.FILES or None,
                        upload_too_big=limit is not None and limit.oversize)
    if request.method == "POST" and form.is_valid():
        try:
            services.resource_add(actor=request.user, data=form.data_dict(str(ds.pk)))
        except NotAllowed as e:
            return _forbidden(request, e.message)
        except DomainError as e:
            add_domain_errors(form, e)
        else:
            messages.success(request, _("Đã thêm tài nguyên."))
            return _to_dataset(ds)
    status = 413 if form.upload_too_big else 422 if form.errors else 200
    return _resource_form(request, ds, form, status=status)


def _resource_form(request: HttpRequest, ds: Dataset, form: ResourceForm,
                   status: int, res: Resource | None = None) -> HttpResponse:
    return render(request, "opendata/pages/publish/resource_form.html",
                  {"form": form, "ds": ds, "res": res}, status=status)


def _owned_resource(request: HttpRequest, name: str,
                    resource_id: Any) -> tuple[Dataset, Resource] | None:
    """The dataset (as `_owned`) and one of its active resources; None when either is not
    there for this caller."""
    ds = _owned(request, name)
    if ds is None:
        return None
    try:
        res = selectors.resource_for(request.user, str(resource_id))
    except NotFound:
        return None
    return (ds, res) if res.dataset_id == ds.pk else None


def _resource_missing(request: HttpRequest) -> HttpResponse:
    return error_page(request, _("Không tìm thấy tài nguyên."), 404)


def _stored_file(res: Resource) -> str:
    return res.url if res.url_type == "upload" else ""


@csrf_exempt  # the size limit must be in place before the CSRF check parses the body
@login_required
@require_http_methods(["GET", "POST"])
def resource_edit(request: HttpRequest, name: str, resource_id: Any) -> HttpResponse:
    """CKAN's resource edit: name, description, format, and a new file or link
    (`resource_patch`: the fields the form does not show stay as they are)."""
    found = _owned_resource(request, name, resource_id)
    if found is None:
        return _resource_missing(request)
    ds, res = found
    if request.method == "POST" and uploads.declared_too_big(request):
        form = ResourceForm(ResourceForm.initial_of(res), upload_too_big=True,
                            stored_file=_stored_file(res))  # the body is not read at all
        return _resource_form(request, ds, form, status=413, res=res)
    limit = uploads.limit_uploads(request) if request.method == "POST" else None
    return _resource_edit(request, ds, res, limit)


@csrf_protect
def _resource_edit(request: HttpRequest, ds: Dataset, res: Resource,
                   limit: uploads.SizeLimit | None) -> HttpResponse:
    form = ResourceForm(request.POST or None, request.FILES or None,
                        initial=ResourceForm.initial_of(res), stored_file=_stored_file(res),
                        upload_too_big=limit is not None and limit.oversize)
    if request.method == "POST" and form.is_valid():
        try:
            services.resource_change(actor=request.user, data=form.patch_dict(res), patch=True)
        except NotAllowed as e:
            return _forbidden(request, e.message)
        except NotFound:  # removed meanwhile
            return _resource_missing(request)
        except DomainError as e:
            add_domain_errors(form, e)
        else:
            messages.success(request, _("Đã lưu thay đổi của tài nguyên."))
            return HttpResponseRedirect(
                reverse("opendata_pages:resource", args=[ds.name, res.pk]))
    status = 413 if form.upload_too_big else 422 if form.errors else 200
    return _resource_form(request, ds, form, status=status, res=res)


@login_required
@require_http_methods(["GET", "POST"])
def resource_delete(request: HttpRequest, name: str, resource_id: Any) -> HttpResponse:
    """Asks first (GET); the POST removes the resource (`resource_delete`): it leaves the
    dataset's page and the API, and its file URLs answer 404, as the API's do."""
    found = _owned_resource(request, name, resource_id)
    if found is None:
        return _resource_missing(request)
    ds, res = found
    if request.method == "POST":
        try:
            services.resource_remove(actor=request.user, ref=str(res.pk))
        except NotAllowed as e:
            return _forbidden(request, e.message)
        except NotFound:
            return _resource_missing(request)
        messages.success(
            request,
            _("Đã xóa tài nguyên “%(name)s”.") % {"name": res.name or _("Tài nguyên không tên")},
        )
        return _to_dataset(ds)
    return render(request, "opendata/pages/publish/resource_delete.html", {"ds": ds, "res": res})


@login_required
@require_POST
def dataset_publish(request: HttpRequest, name: str) -> HttpResponse:
    ds = _owned(request, name)
    if ds is None:
        return error_page(request, _("Không tìm thấy bộ dữ liệu."), 404)
    try:
        services.dataset_patch(actor=request.user, data={"id": str(ds.pk), "state": State.ACTIVE})
    except NotAllowed as e:
        return _forbidden(request, e.message)
    except DomainError as e:
        return error_page(request, e.message, 422)
    messages.success(request, _("Đã công bố bộ dữ liệu."))
    return _to_dataset(ds)


@login_required
@require_http_methods(["GET", "POST"])
def dataset_delete(request: HttpRequest, name: str) -> HttpResponse:
    ds = _owned(request, name)
    if ds is None:
        return error_page(request, _("Không tìm thấy bộ dữ liệu."), 404)
    if request.method == "POST":
        try:
            services.dataset_delete(actor=request.user, ref=str(ds.pk))
        except NotAllowed as e:
            return _forbidden(request, e.message)
        messages.success(
            request,
            _("Đã xóa bộ dữ liệu “%(title)s”; các phiên bản vẫn được lưu.") % {"title": ds.title},
        )
        return HttpResponseRedirect(reverse("opendata_pages:mine"))
    return render(request, "opendata/pages/publish/delete.html", {"ds": ds})


@login_required
@require_http_methods(["GET", "POST"])
def access_request(request: HttpRequest, name: str) -> HttpResponse:
    """An officer asks, for their agency, the owner of a restricted dataset for its data."""
    from tinhso.opendata.sharing import request_create

    user = request.user
    try:
        ds = None if odd_name(name) else selectors.dataset_for(user, name)
    except NotFound:
        ds = None
    if ds is None or ds.name != name or ds.state != State.ACTIVE:
        return error_page(request, _("Không tìm thấy bộ dữ liệu."), 404)
    agencies = _agencies(user)
    if not agencies:
        return _forbidden(request)
    form = AccessRequestForm(request.POST or None, agencies=agencies)
    if request.method == "POST" and form.is_valid():
        c = form.cleaned_data
        try:
            request_create(
                actor=user,
                dataset=str(ds.pk),
                purpose=c["purpose"],
                agency=form.agencies[c["agency"]],
                wanted_until=c["wanted_until"],
            )
        except NotAllowed as e:
            return _forbidden(request, e.message)
        except DomainError as e:
            add_domain_errors(form, e)
        else:
            messages.success(
                request,
                _("Đã gửi đề nghị tới cơ quan chủ quản; kết quả sẽ được báo cho cơ quan của bạn."),
            )
            return _to_dataset(ds)
    return render(
        request,
        "opendata/pages/publish/access_request.html",
        {"form": form, "ds": ds},
        status=422 if form.errors else 200,
    )
