"""The datastore: a tabular upload becomes a typed, searchable table (loaded in the background,
swapped in whole), searched through CKAN's datastore_search with its parameters, paged by key,
and never shown to a caller who may not download the file."""

from __future__ import annotations

import json
import unicodedata

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tinhso.accounts.tests.factories import AgencyFactory, UserFactory, officer
from tinhso.directory.models import Role
from tinhso.opendata import services
from tinhso.opendata.dictize import org_name
from tinhso.opendata.models import DatastoreTable
from tinhso.opendata.tests.world import dataset, publisher, token

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    owner, partner, stranger = AgencyFactory(), AgencyFactory(), AgencyFactory()
    author = publisher(owner)
    ds = dataset(author, owner, "dan-so", title="Dân số theo xã")
    return {"owner": owner, "partner": partner, "stranger": stranger, "author": author, "ds": ds}


def upload(capture, actor, ds, name: str, content: bytes, **extra):
    """Upload a file as resource_create does; the load runs when the transaction commits."""
    with capture(execute=True):
        res = services.resource_add(
            actor=actor,
            data={"package_id": str(ds.pk), "upload": SimpleUploadedFile(name, content), **extra},
        )
    return res


def replace(capture, actor, res, name: str, content: bytes):
    with capture(execute=True):
        return services.resource_change(
            actor=actor,
            patch=True,
            data={"id": str(res.pk), "upload": SimpleUploadedFile(name, content)},
        )


def search(client, key=None, **params):
    headers = {"HTTP_AUTHORIZATION": key} if key else {}
    return client.post(
        "/api/3/action/datastore_search",
        json.dumps(params),
        content_type="application/json",
        **headers,
    )


def ok(response):
    body = response.json()
    assert response.status_code == 200, body
    assert body["success"] is True
    return body["result"]


def status(res):
    return DatastoreTable.objects.get(resource=res)


COMMUNES = (
    "xa,dan_so,dien_tich,ma,ngay\n"
    "Hà Nội,8400000,3359.8,001,01/02/2024\n"
    "Đà Nẵng,1200000,1285.4,002,15/03/2024\n"
    "Huế,650000,N/A,003,30/04/2024\n"
    "Hải Phòng,2100000,1561.8,004,\n"
)


def test_a_csv_upload_becomes_a_typed_searchable_table(
    client, world, django_capture_on_commit_callbacks
):
    res = upload(
        django_capture_on_commit_callbacks,
        world["author"],
        world["ds"],
        "xa.csv",
        COMMUNES.encode(),
    )
    row = status(res)
    assert row.status == "done" and row.rows_loaded == 4 and row.active and row.progress == 100
    found = ok(search(client, resource_id=str(res.pk)))
    assert found["fields"] == [
        {"id": "_id", "type": "int"},
        {"id": "xa", "type": "text"},
        {"id": "dan_so", "type": "int"},
        {"id": "dien_tich", "type": "numeric"},
        {"id": "ma", "type": "text"},
        {"id": "ngay", "type": "date"},
    ]
    assert found["total"] == 4
    assert found["records"][0] == {
        "_id": 1,
        "xa": "Hà Nội",
        "dan_so": 8400000,
        "dien_tich": 3359.8,
        "ma": "001",
        "ngay": "2024-02-01",
    }
    assert found["records"][2]["dien_tich"] is None


def test_types_are_inferred_over_the_whole_file(client, world, django_capture_on_commit_callbacks):
    lines = ["so,ma,lan_cuoi"] + [f"{i},{i},{i}" for i in range(1, 10_001)]
    lines += ["10001.5,abc,N/A"]  # a decimal, a word and a missing value after 10,000 rows
    res = upload(
        django_capture_on_commit_callbacks,
        world["author"],
        world["ds"],
        "so.csv",
        "\n".join(lines).encode(),
    )
    found = ok(search(client, resource_id=str(res.pk), limit=1, sort="_id desc"))
    assert {f["id"]: f["type"] for f in found["fields"]} == {
        "_id": "int",
        "so": "numeric",
        "ma": "text",
        "lan_cuoi": "int",
    }
    assert found["records"] == [{"_id": 10_001, "so": 10001.5, "ma": "abc", "lan_cuoi": None}]
    assert found["total"] == 10_001


def test_bad_rows_are_reported_by_line_and_the_rest_loaded(
    client, world, django_capture_on_commit_callbacks
):
    content = "ten,gia_tri\nA,1\nB,2,thua\nC\nD,4\n"
    res = upload(
        django_capture_on_commit_callbacks, world["author"], world["ds"], "le.csv", content.encode()
    )
    row = status(res)
    assert row.status == "done" and row.rows_loaded == 2 and row.rows_rejected == 2
    assert [(e["line"], e["error"]) for e in row.row_errors] == [
        (3, "TOO MANY COLUMNS"),
        (4, "MISSING COLUMNS"),
    ]
    assert [r["ten"] for r in ok(search(client, resource_id=str(res.pk)))["records"]] == ["A", "D"]
    info = ok(search(client, resource_id=str(res.pk), fields="ten", limit=0))
    assert info["records"] == [] and info["total"] == 2
    meta = ok(client.get("/api/3/action/datastore_info", {"id": str(res.pk)}))["meta"]
    assert meta["rows_rejected"] == 2 and meta["row_errors"][0]["line"] == 3
    assert meta["status"] == "done" and meta["progress"] == 100 and meta["rows_loaded"] == 2


TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}


def cp1258(text: str) -> bytes:
    """Text as Windows-1258 writes it: a letter with a tone mark as the letter and a combining
    tone mark (the code page has no room for every precomposed Vietnamese letter)."""
    out = b""
    for ch in text:
        try:
            out += ch.encode("cp1258")
        except UnicodeEncodeError:
            parts = unicodedata.normalize("NFD", ch)
            tone = "".join(c for c in parts if c in TONES)
            base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in TONES))
            out += (base + tone).encode("cp1258")
    return out


@pytest.mark.parametrize(
    ("content", "encoding"),
    [
        ("\ufeffxã,số\nHà Nội,1\n".encode(), "utf-8-sig"),
        (cp1258("xã,số\nHà Nội,1\n"), "cp1258"),
        ("xã,số\n".encode() + cp1258("Hà Nội,1\n"), "utf-8+cp1258"),
        ("xã,số\nHà Nội,1\n".encode("utf-16"), "utf-16"),
    ],
)
def test_vietnamese_text_in_any_encoding_reads_the_same(
    client, world, content, encoding, django_capture_on_commit_callbacks
):
    res = upload(django_capture_on_commit_callbacks, world["author"], world["ds"], "x.csv", content)
    assert status(res).encoding == encoding
    found = ok(search(client, resource_id=str(res.pk)))
    assert found["records"] == [{"_id": 1, "xã": "Hà Nội", "số": 1}]
    assert ok(search(client, resource_id=str(res.pk), filters={"xã": "Hà Nội"}))["total"] == 1


def test_an_xlsx_sheet_loads_like_a_csv(client, world, django_capture_on_commit_callbacks):
    import datetime as dt
    import io

    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Xã", "Dân số", "Ngày"])
    sheet.append(["Hà Nội", 8400000, dt.date(2024, 2, 1)])
    sheet.append(["Huế", 650000.5, dt.date(2024, 4, 30)])
    sheet.append([None, None, None])
    buf = io.BytesIO()
    book.save(buf)
    res = upload(
        django_capture_on_commit_callbacks, world["author"], world["ds"], "xa.xlsx", buf.getvalue()
    )
    found = ok(search(client, resource_id=str(res.pk)))
    assert [f["type"] for f in found["fields"]] == ["int", "text", "numeric", "timestamp"]
    assert found["records"][1]["Dân số"] == 650000.5 and found["total"] == 2


def test_an_unreadable_file_is_an_error_and_the_previous_table_stays(
    client, world, django_capture_on_commit_callbacks
):
    res = upload(
        django_capture_on_commit_callbacks,
        world["author"],
        world["ds"],
        "xa.csv",
        COMMUNES.encode(),
    )
    replace(
        django_capture_on_commit_callbacks,
        world["author"],
        res,
        "hong.xlsx",
        b"PK\x03\x04 not really a workbook",
    )
    row = status(res)
    assert row.status == "error" and "XLSX" in row.message
    assert ok(search(client, resource_id=str(res.pk)))["total"] == 4  # still the old table
    replace(django_capture_on_commit_callbacks, world["author"], res, "moi.csv", b"a,b\n1,2\n")
    assert ok(search(client, resource_id=str(res.pk)))["records"] == [{"_id": 1, "a": 1, "b": 2}]
    assert status(res).status == "done"


def test_a_reload_swaps_the_table_whole_under_a_reader(
    client, world, django_capture_on_commit_callbacks
):
    """A reader that opened the old table reads it whole while a reload publishes a new one; the
    next reader gets the new one; an old file is gone once replaced."""
    from tinhso.opendata.datastore import storage

    old_rows = "n\n" + "".join(f"{i}\n" for i in range(1, 50_001))
    res = upload(
        django_capture_on_commit_callbacks, world["author"], world["ds"], "a.csv", old_rows.encode()
    )
    old = status(res).table_file
    reader = storage.cursor(old)
    replace(django_capture_on_commit_callbacks, world["author"], res, "b.csv", b"n\n7\n")
    assert reader.execute("SELECT count(*), max(n) FROM data").fetchone() == (50_000, 50_000)
    reader.close()
    assert ok(search(client, resource_id=str(res.pk)))["records"] == [{"_id": 1, "n": 7}]
    assert not storage.table_path(old).exists()


def test_a_load_that_fails_midway_publishes_nothing(
    client, world, monkeypatch, django_capture_on_commit_callbacks
):
    from tinhso.opendata.datastore import loader

    res = upload(
        django_capture_on_commit_callbacks,
        world["author"],
        world["ds"],
        "xa.csv",
        COMMUNES.encode(),
    )
    before = status(res).table_file

    def broken(csv_path, part, work, nfc=False, progress=None):
        part.write_bytes(b"half a table")
        progress(40, 1)
        raise RuntimeError("disk full")

    monkeypatch.setattr(loader, "_write_table", broken)
    replace(django_capture_on_commit_callbacks, world["author"], res, "b.csv", b"n\n7\n")
    row = status(res)
    assert row.status == "error" and "disk full" in row.message
    assert row.table_file == before and row.progress == 40
    assert ok(search(client, resource_id=str(res.pk)))["total"] == 4
    leftovers = [p.name for p in loader.storage.resource_dir(res.pk).iterdir()]
    assert leftovers == [before.rsplit("/", 1)[-1]]


def test_a_superseded_load_is_not_published(world, django_capture_on_commit_callbacks):
    from tinhso.opendata.datastore.loader import load_table

    res = upload(
        django_capture_on_commit_callbacks, world["author"], world["ds"], "a.csv", b"n\n1\n"
    )
    first = status(res).revision
    replace(django_capture_on_commit_callbacks, world["author"], res, "b.csv", b"n\n2\n")
    assert load_table(str(res.pk), first) == "skipped"


def test_an_empty_or_header_only_file(client, world, django_capture_on_commit_callbacks):
    res = upload(
        django_capture_on_commit_callbacks, world["author"], world["ds"], "h.csv", b"a,b\n"
    )
    assert status(res).status == "done"
    assert ok(search(client, resource_id=str(res.pk)))["records"] == []


# -- datastore_search semantics -----------------------------------------------------------------


@pytest.fixture
def communes(world, django_capture_on_commit_callbacks):
    return str(
        upload(
            django_capture_on_commit_callbacks,
            world["author"],
            world["ds"],
            "xa.csv",
            COMMUNES.encode(),
        ).pk
    )


def test_filters_q_fields_sort_and_distinct(client, communes):
    rid = communes
    names = lambda r: [x["xa"] for x in ok(r)["records"]]  # noqa: E731
    assert names(search(client, resource_id=rid, filters={"ma": ["001", "003"]})) == [
        "Hà Nội",
        "Huế",
    ]
    assert names(search(client, resource_id=rid, filters={"dan_so": 1200000})) == ["Đà Nẵng"]
    assert names(search(client, resource_id=rid, filters={"ngay": None})) == ["Hải Phòng"]
    assert names(search(client, resource_id=rid, q="ha noi")) == ["Hà Nội"]
    assert names(search(client, resource_id=rid, q="ĐÀ")) == ["Đà Nẵng"]
    assert names(search(client, resource_id=rid, q={"xa": "hai"})) == ["Hải Phòng"]
    assert names(search(client, resource_id=rid, q={"ma": "hai"})) == []
    assert names(search(client, resource_id=rid, sort="dan_so desc", limit=2)) == [
        "Hà Nội",
        "Hải Phòng",
    ]
    assert names(search(client, resource_id=rid, sort='"dien_tich" asc, xa')) == [
        "Đà Nẵng",
        "Hải Phòng",
        "Hà Nội",
        "Huế",
    ]
    picked = ok(search(client, resource_id=rid, fields=["ma", "xa"], limit=1))
    assert picked["fields"] == [{"id": "ma", "type": "text"}, {"id": "xa", "type": "text"}]
    assert picked["records"] == [{"ma": "001", "xa": "Hà Nội"}]
    distinct = ok(
        search(
            client,
            resource_id=rid,
            fields="ngay",
            distinct=True,
            filters={"ma": ["003", "004"]},
            sort="ngay",
        )
    )
    assert distinct["total"] == 2


def test_records_formats(client, communes):
    rid = communes
    lists = ok(search(client, resource_id=rid, records_format="lists", limit=1, fields="xa,dan_so"))
    assert lists["records"] == [["Hà Nội", 8400000]]
    as_csv = ok(search(client, resource_id=rid, records_format="csv", fields="xa,ma", limit=2))[
        "records"
    ]
    assert as_csv == "Hà Nội,001\nĐà Nẵng,002\n"
    as_tsv = ok(search(client, resource_id=rid, records_format="tsv", fields="xa,ma", limit=1))[
        "records"
    ]
    assert as_tsv == "Hà Nội\t001\n"


def test_get_requests_take_json_parameters(client, communes):
    r = client.get(
        "/api/3/action/datastore_search",
        {
            "resource_id": communes,
            "filters": '{"ma": "002"}',
            "fields": "xa",
            "include_total": "false",
        },
    )
    result = ok(r)
    assert result["records"] == [{"xa": "Đà Nẵng"}] and "total" not in result


def _error(response, status_code, kind):
    body = response.json()
    assert response.status_code == status_code, body
    assert body["success"] is False and body["error"]["__type"] == kind
    return body["error"]


def test_bad_parameters_are_validation_errors_naming_the_field(client, communes):
    rid = communes
    assert "resource_id" in _error(search(client), 409, "Validation Error")
    err = _error(
        search(
            client,
            resource_id=rid,
            sort="xa; DROP TABLE data",
            limit="many",
            filters={"khong_co": 1},
            records_format="xml",
            fields=["_full_text"],
        ),
        409,
        "Validation Error",
    )
    assert {"sort", "limit", "filters", "records_format", "fields"} <= set(err)
    assert "filters" in _error(
        search(client, resource_id=rid, filters={"dan_so": "nhiều"}), 409, "Validation Error"
    )
    assert "filters" in _error(
        search(client, resource_id=rid, filters={"xa": {"$ne": 1}}), 409, "Validation Error"
    )
    assert "after" in _error(
        search(client, resource_id=rid, sort="xa", after=3), 409, "Validation Error"
    )
    _error(
        search(client, resource_id="00000000-0000-0000-0000-000000000000"), 404, "Not Found Error"
    )
    _error(search(client, resource_id="' OR 1=1 --"), 404, "Not Found Error")
    assert ok(search(client, resource_id=rid, limit=10**9))["limit"] == 32_000


def test_pages_follow_the_key_to_the_end(client, world, django_capture_on_commit_callbacks):
    rows = "n,chan\n" + "".join(f"{i},{'co' if i % 2 == 0 else 'khong'}\n" for i in range(1, 1_001))
    rid = str(
        upload(
            django_capture_on_commit_callbacks, world["author"], world["ds"], "n.csv", rows.encode()
        ).pk
    )
    seen: list[int] = []
    url = f"/api/3/action/datastore_search?resource_id={rid}&limit=300"
    for _page in range(10):
        page = ok(client.get(url))
        if not page["records"]:
            break
        seen += [r["n"] for r in page["records"]]
        url = page["_links"]["next"]
        assert "after=" in url and "offset" not in url
    assert seen == list(range(1, 1_001))
    deep = ok(search(client, resource_id=rid, offset=900, limit=3, fields="n"))
    assert deep["records"] == [{"n": 901}, {"n": 902}, {"n": 903}]
    evens = ok(search(client, resource_id=rid, filters={"chan": "co"}, offset=10, limit=2))
    assert [r["n"] for r in evens["records"]] == [22, 24] and evens["total"] == 500
    keyed = ok(search(client, resource_id=rid, filters={"chan": "co"}, after=22, limit=2))
    assert [r["n"] for r in keyed["records"]] == [24, 26]


# -- access ------------------------------------------------------------------------------------


@pytest.mark.parametrize("level", ["agencies", "named"])
def test_restricted_tables_never_reach_an_outsider(
    client, world, level, django_capture_on_commit_callbacks
):
    extra = (
        {"access_level": "agencies"}
        if level == "agencies"
        else {"private": True, "shared_with": [org_name(world["partner"])]}
    )
    ds = dataset(world["author"], world["owner"], f"bi-mat-{level}", **extra)
    rid = str(
        upload(
            django_capture_on_commit_callbacks, world["author"], ds, "xa.csv", COMMUNES.encode()
        ).pk
    )
    citizen = token(UserFactory(kind="citizen"))
    stranger = token(officer(Role.ONESTOP_OFFICER, world["stranger"]))
    partner = token(officer(Role.ONESTOP_OFFICER, world["partner"]))
    owner = token(world["author"])
    refused = "Authorization Error" if level == "agencies" else "Not Found Error"
    for key in (None, citizen):
        for action in ("datastore_search", "datastore_info"):
            r = client.get(
                f"/api/3/action/{action}",
                {"resource_id": rid, "id": rid},
                **({"HTTP_AUTHORIZATION": key} if key else {}),
            )
            body = r.json()
            assert body["success"] is False and body["error"]["__type"] == refused
            assert "Hà Nội" not in r.content.decode()
    if level == "agencies":
        assert ok(search(client, stranger, resource_id=rid))["total"] == 4
    else:
        _error(search(client, stranger, resource_id=rid), 404, "Not Found Error")
        assert ok(search(client, partner, resource_id=rid))["total"] == 4
    assert ok(search(client, owner, resource_id=rid, q="hue"))["total"] == 1


def test_a_deleted_resource_is_not_searchable(client, world, communes):
    services.resource_remove(actor=world["author"], ref=communes)
    _error(search(client, resource_id=communes), 404, "Not Found Error")


def test_more_kinds_and_odd_headers(client, world, django_capture_on_commit_callbacks):
    content = (
        "_id,ten,ten,co,luc,ngay_sai,\n"
        "1,A,a,true,2024-01-02 08:30:00,31/01/2024,x\n"
        "2,B,b,FALSE,2024-01-03T09:00,31/02/2024,y\n"
    )
    res = upload(
        django_capture_on_commit_callbacks, world["author"], world["ds"], "k.csv", content.encode()
    )
    found = ok(search(client, resource_id=str(res.pk)))
    assert [(f["id"], f["type"]) for f in found["fields"]] == [
        ("_id", "int"),
        ("_id_2", "int"),
        ("ten", "text"),
        ("ten_1", "text"),
        ("co", "bool"),
        ("luc", "timestamp"),
        ("ngay_sai", "text"),
        ("column6", "text"),
    ]
    assert found["records"][1]["co"] is False
    assert found["records"][0]["luc"] == "2024-01-02T08:30:00"
    assert ok(search(client, resource_id=str(res.pk), filters={"co": True}))["total"] == 1


def test_decomposed_text_is_composed_so_filters_match(
    client, world, django_capture_on_commit_callbacks
):
    nfd = unicodedata.normalize("NFD", "xã\nHà Nội\n")
    res = upload(
        django_capture_on_commit_callbacks, world["author"], world["ds"], "mac.csv", nfd.encode()
    )
    assert ok(search(client, resource_id=str(res.pk), filters={"xã": "Hà Nội"}))["total"] == 1
    assert ok(search(client, resource_id=str(res.pk), q="ha noi"))["total"] == 1


def test_row_errors_are_listed_up_to_a_cap_and_all_counted(
    world, django_capture_on_commit_callbacks
):
    content = "a,b\n" + "1,2,3\n" * 150 + "4,5\n"
    res = upload(
        django_capture_on_commit_callbacks, world["author"], world["ds"], "r.csv", content.encode()
    )
    row = status(res)
    assert row.rows_rejected == 150 and len(row.row_errors) == 100 and row.rows_loaded == 1
    assert row.row_errors[0]["line"] == 2 and row.row_errors[-1]["line"] == 101


def test_the_status_is_pending_until_the_load_runs(
    client, world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        res = services.resource_add(
            actor=world["author"],
            data={
                "package_id": str(world["ds"].pk),
                "upload": SimpleUploadedFile("p.csv", b"a\n1\n"),
            },
        )
    assert status(res).status == "pending"
    _error(search(client, resource_id=str(res.pk)), 404, "Not Found Error")
    meta = ok(client.get("/api/3/action/datastore_info", {"id": str(res.pk)}))["meta"]
    assert meta["status"] == "pending" and meta["datastore_active"] is False


def test_a_resource_that_becomes_a_link_stops_serving_its_table(
    client, world, communes, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.resource_change(
            actor=world["author"],
            patch=True,
            data={"id": communes, "url": "https://x.vn/nguon-khac.csv"},
        )
    _error(search(client, resource_id=communes), 404, "Not Found Error")
    assert not list(loader_dir(communes).glob("*.duckdb"))


def test_a_resource_replaced_by_a_link_in_package_update_is_not_searchable(client, world, communes):
    services.dataset_update(
        actor=world["author"],
        data={
            "id": str(world["ds"].pk),
            "name": "dan-so",
            "title": "Dân số theo xã",
            "owner_org": org_name(world["owner"]),
            "resources": [{"id": communes, "url": "https://x.vn/nguon-khac.csv"}],
        },
    )
    _error(search(client, resource_id=communes), 404, "Not Found Error")


def test_a_pdf_is_not_loaded(world, django_capture_on_commit_callbacks):
    res = upload(
        django_capture_on_commit_callbacks, world["author"], world["ds"], "bc.pdf", b"%PDF-1.4"
    )
    assert not DatastoreTable.objects.filter(resource=res).exists()


def loader_dir(resource_id):
    from tinhso.opendata.datastore import storage

    return storage.resource_dir(resource_id)


def test_resource_and_package_show_say_whether_the_table_is_served(
    client, world, django_capture_on_commit_callbacks
):
    # CKAN clients look at `datastore_active` before calling datastore_search.
    table = upload(django_capture_on_commit_callbacks, world["author"], world["ds"], "xa.csv",
                   COMMUNES.encode())
    pdf = upload(django_capture_on_commit_callbacks, world["author"], world["ds"], "a.pdf",
                 b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    shown = ok(client.get("/api/3/action/resource_show", {"id": str(table.pk)}))
    assert shown["datastore_active"] is True
    package = ok(client.get("/api/3/action/package_show", {"id": str(world["ds"].pk)}))
    active = {r["id"]: r["datastore_active"] for r in package["resources"]}
    assert active == {str(table.pk): True, str(pdf.pk): False}
