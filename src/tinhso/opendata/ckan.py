"""The CKAN Action API over HTTP: `/api/3/action/<name>` and `/api/action/<name>`.

Transport as CKAN 2.11 has it (ckan/views/api.py): GET for read actions (query parameters,
repeated keys become lists), POST for every action (a JSON object, or a form); the envelope
`{"help", "success", "result"}`; errors as `{"help", "success": false, "error": {"__type",
...}}` with 403, 404, 409 (Validation Error, by field) and 400; an unknown action or bad body is
a 400 whose body is a bare JSON string. The API token comes raw in `Authorization` (or
`X-CKAN-API-Key`). Token callers need no CSRF token; a browser session's POST does. An
uploaded file past TINHSO_OPENDATA_MAX_UPLOAD_BYTES is refused as CKAN refuses it, a 409
Validation Error on `upload`, while it streams in (`uploads`): nothing is stored."""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from typing import Any

import orjson
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import SuspiciousOperation
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.middleware.csrf import CsrfViewMiddleware
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from tinhso.accounts.tokens import token_authenticate
from tinhso.core.audit import client_ip
from tinhso.core.errors import DomainError, NotAllowed, NotFound
from tinhso.opendata.actions import READ, WRITE, Context
from tinhso.opendata.query import SearchQueryError
from tinhso.opendata.uploads import declared_too_big, limit_uploads, too_big
from tinhso.opendata.usage import usage_count

logger = logging.getLogger(__name__)

MAX_BODY = 5 * 1024 * 1024


class BadRequest(Exception):
    pass


_ENCODER = DjangoJSONEncoder()
_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME


def _json(status: int, body: Any) -> HttpResponse:
    """The body as UTF-8 JSON. orjson writes a page of 100 datasets in ~1 ms where the
    standard library takes 6-15; dates, decimals and lazy texts are written as Django's
    encoder writes them. An integer past 64 bits (a datastore cell) falls back to `json`."""
    try:
        content = orjson.dumps(body, default=_ENCODER.default, option=_OPTIONS)
    except orjson.JSONEncodeError:
        content = json.dumps(body, cls=DjangoJSONEncoder, ensure_ascii=False).encode()
    return HttpResponse(content, status=status, content_type="application/json")


def _bad_request(message: str) -> HttpResponse:
    return _json(400, f"Bad request - {message}")


def _mixed(multi: Any) -> dict[str, Any]:
    return {k: v[0] if len(v) == 1 else v for k, v in multi.lists()}


def _request_data(request: HttpRequest, read: bool) -> dict[str, Any]:
    if request.method in ("GET", "HEAD"):
        if not read:
            raise BadRequest("JSON Error: Invalid request. Please use POST method for your "
                             "request")
        return _mixed(request.GET)
    content_type = request.content_type or ""
    if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = request.POST
        values = list(form.values())
        if len(form) == 1 and values[0] in ("1", ""):
            data = _decode(next(iter(form.keys())))
        else:
            data = _mixed(form)
        data.update(request.FILES.dict())
        return data
    body = request.body
    if not body:
        return {}
    return _decode(body.decode("utf-8", errors="replace"))


def _has_nul(value: Any) -> bool:
    """A NUL in any string (PostgreSQL refuses them in text; nothing legitimate sends one)."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def _decode(text: str) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except RecursionError:
        raise BadRequest("JSON Error: nested too deeply") from None
    except ValueError as exc:
        raise BadRequest(f"JSON Error: Error decoding JSON data. Error: {exc!r}") from None
    if not isinstance(data, dict):
        raise BadRequest(f"Bad request data: Request data JSON decoded to {data!r} but it "
                         "needs to be a dictionary.")
    return data


def _caller(request: HttpRequest) -> tuple[Any, bool]:
    """(user, authenticated by token). A token that does not authenticate is refused rather
    than ignored, so a harvester with a revoked key is told, not silently shown less."""
    raw = request.headers.get("Authorization") or request.headers.get("X-CKAN-API-Key") or ""
    raw = raw.strip()
    if raw.lower().startswith("bearer "):
        raw = raw[7:].strip()
    if raw:
        user = token_authenticate(raw)
        if user is None:
            raise NotAllowed(_("Mã truy cập API không hợp lệ hoặc đã hết hạn."))
        return user, True
    return getattr(request, "user", AnonymousUser()), False


def _csrf_ok(request: HttpRequest) -> bool:
    check = CsrfViewMiddleware(lambda r: HttpResponse())
    return check.process_view(request, lambda r: HttpResponse(), (), {}) is None


def _error(exc: DomainError) -> tuple[int, dict[str, Any]]:
    if isinstance(exc, NotAllowed):
        return 403, {"__type": "Authorization Error", "message": f"Access denied: {exc.message}"}
    if isinstance(exc, NotFound):
        return 404, {"__type": "Not Found Error", "message": f"Not found: {exc.message}"}
    if isinstance(exc, SearchQueryError):
        return 400, {"__type": "Search Query Error",
                     "message": f"Search Query is invalid: {exc.message}"}
    fields: dict[str, list[str]] = defaultdict(list)
    for e in exc.errors:
        fields[e.field].append(e.message)
    if not fields:
        fields["message"].append(exc.message)
    return 409, {**fields, "__type": "Validation Error"}


def _refused(envelope: dict[str, Any], exc: DomainError) -> HttpResponse:
    status, error = _error(exc)
    return _json(status, {**envelope, "success": False, "error": error})


def _count(name: str, data: dict[str, Any], result: Any) -> None:
    """Count a successful call that reads a dataset's data (memory only, see `usage`)."""
    if name == "package_show":
        usage_count(result["id"], "api")
    elif name == "resource_show":
        usage_count(result["package_id"], "api", result["id"])
    elif name == "datastore_search":
        rid = result.get("resource_id") if isinstance(result, dict) else None
        usage_count(None, "api", rid or data.get("resource_id"))


@csrf_exempt
def action(request: HttpRequest, name: str, ver: int = 3) -> HttpResponse:
    fn = READ.get(name) or WRITE.get(name)
    if fn is None:
        return _bad_request(f"Action name not known: {name}")
    if request.method not in ("GET", "HEAD", "POST"):  # HEAD: link checkers, as CKAN answers
        return HttpResponse(status=405, headers={"Allow": "GET, HEAD, POST"})
    envelope: dict[str, Any] = {
        "help": request.build_absolute_uri(f"/api/{ver}/action/help_show") + f"?name={name}",
    }
    multipart = (request.content_type or "") == "multipart/form-data"
    limit = None
    if multipart:  # a file: refused by its declared length, else counted as it streams in
        if declared_too_big(request):
            return _refused(envelope, too_big())
        limit = limit_uploads(request)
    elif int(request.META.get("CONTENT_LENGTH") or 0) > MAX_BODY:
        return _bad_request("Request body too large")
    try:
        data = _request_data(request, name in READ)
        if _has_nul(data):
            raise BadRequest("JSON Error: NUL characters are not allowed")
    except BadRequest as exc:
        return _bad_request(str(exc))
    except (MultiPartParserError, SuspiciousOperation) as exc:
        return _bad_request(str(exc) or type(exc).__name__)
    if limit is not None and limit.oversize:
        return _refused(envelope, too_big())
    data.pop("callback", None)
    try:
        user, by_token = _caller(request)
        if (request.method == "POST" and not by_token and user.is_authenticated
                and not _csrf_ok(request)):
            raise NotAllowed(_("Thiếu mã CSRF: dùng mã truy cập API trong tiêu đề "
                               "Authorization."))
        ctx = Context(user=user, site_url=request.build_absolute_uri("/").rstrip("/"),
                      ip=client_ip(request))
        if request.method == "HEAD":  # a link checker's look: no download logged
            ctx.rights.looking = True
        envelope["result"] = fn(ctx, data)
        envelope["success"] = True
        if request.method != "HEAD":  # a check, not a use
            _count(name, data, envelope["result"])
        return _json(200, envelope)
    except DomainError as exc:
        return _refused(envelope, exc)
    except Exception:
        logger.exception("CKAN action %s failed", name)
        return _json(500, {**envelope, "success": False,
                           "error": {"__type": "Internal Server Error",
                                     "message": "Internal Server Error"}})


def util_status(request: HttpRequest) -> HttpResponse:
    """udata's harvester asks /api/util/status: CKAN's status_show."""
    return action(request, "status_show")
