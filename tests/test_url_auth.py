"""Every URL and every API operation is either on the public list below or refuses an
anonymous visitor. A new page or endpoint must be added here on purpose to be public."""

from __future__ import annotations

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

# Pages anyone may open (regular expressions over the path, matched in full).
PUBLIC_PAGES = [
    r"/",
    r"/healthz",
    r"/dang-nhap/",
    r"/dang-xuat/",  # POST only; logging out an anonymous visitor does nothing
    r"/i18n/setlang/",
    r"/thu-tuc/.*",  # the procedure catalog is public information
    r"/tra-cuu/.*",  # tracking a dossier by its code shows no personal data
    r"/xac-thuc-chu-ky/",  # checking a PDF's signatures: nothing stored, no account needed
    r"/chi-so/.*",  # the DX dashboard and report: public indicators only without a login
    # the open data portal: what the caller may see (the CKAN API's rules); the publishers'
    # forms (/du-lieu/cong-bo/), access requests and /du-lieu/quan-ly/ are checked
    r"/du-lieu/",
    r"/du-lieu/bo-du-lieu/",
    r"/du-lieu/bo-du-lieu/[^/]+/(phien-ban/|tai-nguyen/[^/]+/)?",
    r"/du-lieu/to-chuc/([^/]+/)?",
    r"/thanh-toan/ket-qua/",  # the gateway's redirect back: trusted only by its signature
    r"/thanh-toan/ipn/",  # the gateway's server-to-server call: trusted only by its signature
    r"/_gia-lap/cong-thanh-toan/",  # the stand-in gateway (TINHSO_STANDINS): signed orders only
    r"/api/v1/.*",  # API operations are checked one by one below
    r"/api/(3/)?action/.*",  # CKAN Action API: reads are public, writes checked below
    r"/api/util/status",  # CKAN's status for harvesters (udata)
    r"/catalog\.(ttl|rdf|jsonld)",  # DCAT-AP feed: public datasets only
    r"/dataset/[^/]+\.(ttl|rdf|jsonld)",  # DCAT-AP of one public dataset
    r"/admin/.*",  # Django admin: checked below, answers with its own login page
    r"/static/.*",
]

# API operations anyone may call: (method, path template).
PUBLIC_API = {
    ("get", "/api/v1/calendar/due"),
    ("get", "/api/v1/units/export"),  # administrative units: public information
    ("get", "/api/v1/procedures"),
    ("get", "/api/v1/procedures/{code}"),
    ("get", "/api/v1/procedures/{code}/versions"),
    ("get", "/api/v1/procedures/{code}/versions/{number}"),
    ("get", "/api/v1/procedures/export"),
    ("get", "/api/v1/tracking/{code}"),  # public tracking by code, no personal data
    ("post", "/api/v1/signatures/verify"),  # checking a PDF's signatures, nothing stored
    ("get", "/api/v1/indicators"),  # public indicators: aggregate figures only
    ("get", "/api/v1/indicators/{code}"),  # one public indicator's definition
    ("get", "/api/v1/indicators/{code}/values"),
    ("get", "/api/v1/indicators/table"),  # public indicators by unit: aggregate figures only
    ("get", "/api/v1/stats/dossiers/monthly"),  # counts by month and agency, no dossier
    ("get", "/api/v1/opendata/changes"),  # the change feed: public datasets only
    ("get", "/api/v1/opendata/datasets/{ref}/quality"),  # what the caller sees only
    ("get", "/api/v1/opendata/datasets/{ref}/usage"),  # what the caller sees only
}

SAMPLE = {"code": "1.001193", "number": "1", "n": "1", "pk": "1", "id": "1"}


def _walk(patterns, prefix=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _walk(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern)


def _concrete(route: str) -> str:
    route = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: SAMPLE.get(m.group(1), "1"), route)
    route = route.lstrip("^").rstrip("$").replace("\\Z", "")
    return "/" + route


def test_every_page_is_public_on_purpose_or_refuses_anonymous_visitors(client, db):
    offenders = []
    for route in _walk(get_resolver().url_patterns):
        if "(?P" in route or "\\" in route:
            continue  # admin's regex routes: covered by the admin check
        path = _concrete(route)
        if any(re.fullmatch(p, path) for p in PUBLIC_PAGES):
            continue
        response = client.get(path)
        if response.status_code not in (302, 401, 403, 404, 405):
            offenders.append((path, response.status_code))
    assert offenders == []


def test_admin_sends_anonymous_visitors_to_its_login(client, db):
    response = client.get("/admin/accounts/user/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def _operations(client):
    schema = client.get("/api/v1/openapi.json").json()
    for path, item in schema["paths"].items():
        for method, op in item.items():
            yield method, path, op


def test_every_api_operation_is_public_on_purpose_or_needs_a_token(client, db):
    undeclared = [
        (method, path) for method, path, op in _operations(client)
        if not op.get("security") and (method, path) not in PUBLIC_API
    ]
    assert undeclared == [], "public by accident? add to PUBLIC_API or give the operation auth"


@pytest.mark.django_db
def test_protected_api_operations_refuse_anonymous_callers(client):
    checked = 0
    for method, path, op in _operations(client):
        if not op.get("security"):
            continue
        url = re.sub(r"\{(\w+)\}", lambda m: SAMPLE.get(m.group(1), "1"), path)
        response = getattr(client, method)(url, content_type="application/json")
        assert response.status_code in (401, 403), (method, path, response.status_code)
        checked += 1
    assert checked >= 1


def test_the_public_api_list_names_only_operations_that_exist(client, db):
    existing = {(method, path) for method, path, _op in _operations(client)}
    assert PUBLIC_API - existing == set()


@pytest.mark.django_db
def test_ckan_write_actions_refuse_anonymous_callers(client):
    from tinhso.opendata.actions import WRITE

    for name in WRITE:
        response = client.post(f"/api/3/action/{name}", {"id": "x", "package_id": "x"},
                               content_type="application/json")
        assert response.status_code == 403, name
        assert response.json()["error"]["__type"] == "Authorization Error"
