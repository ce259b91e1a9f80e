"""Entered figures: an assigned agency enters them with evidence, a reviewer verifies or
rejects, every change is a new revision, and only verified figures count."""

from __future__ import annotations

import hashlib

import pytest

from tinhso.core.errors import DomainError, NotAllowed
from tinhso.core.models import AuditEvent
from tinhso.indicators import services
from tinhso.indicators.models import Entry, EntryRevision, Evidence
from tinhso.indicators.periods import Period
from tinhso.indicators.registry import Value, get
from tinhso.indicators.tests.province import AT, PNG, enter, make_province
from tinhso.indicators.values import indicator_read, scope_resolve
from tinhso.onestop.tests.world import PDF

pytestmark = pytest.mark.django_db


@pytest.fixture
def p(db, media):
    return make_province()


def _value(code: str, unit: str, period: str) -> Value:
    indicator = get(code)
    assert indicator is not None
    return indicator.compute(scope_resolve(unit), Period.parse(period))


def test_the_entered_indicators_are_declared_with_who_enters_them():
    indicator = get("entered.einvoice_rate")
    assert indicator is not None and indicator.entered
    assert (indicator.kind, indicator.unit, indicator.responsible) == ("rate", "%", "Thuế tỉnh")
    assert get("entered.qr_merchants").kind == "count"  # type: ignore[union-attr]
    assert not get("onestop.online_rate").entered  # type: ignore[union-attr]


def test_only_a_verified_figure_counts(p):
    entry = enter(p)
    assert _value("entered.einvoice_rate", "38", "2025") == Value(0, None, None)
    services.entry_verify(actor=p.reviewer, entry=entry, revision=1, at=AT)
    assert _value("entered.einvoice_rate", "38", "2025") == Value(850, 1000, 85.0)
    assert _value("entered.einvoice_rate", "38", "2024") == Value(0, None, None)


def test_evidence_is_stored_with_its_checksum(p, media):
    entry = enter(p, files=[("bien-ban.pdf", PDF), ("anh.png", PNG)])
    files = list(Evidence.objects.filter(entry=entry).order_by("pk"))
    assert [(f.name, f.content_type) for f in files] == [("bien-ban.pdf", "application/pdf"),
                                                         ("anh.png", "image/png")]
    stored = (media / files[0].storage_path).read_bytes()
    assert stored == PDF and files[0].sha256 == hashlib.sha256(PDF).hexdigest()


def test_a_revision_keeps_the_earlier_ones_and_the_verified_value_until_reviewed(p):
    entry = enter(p)
    services.entry_verify(actor=p.reviewer, entry=entry, revision=1, at=AT)
    entry = services.entry_revise(actor=p.tax_officer, entry=entry, revision=1, numerator=900,
                                  denominator=1000, note="Số liệu chính thức", at=AT)
    assert (entry.revision, entry.status) == (2, "submitted")
    assert _value("entered.einvoice_rate", "38", "2025").value == 85.0  # still the verified one
    services.entry_verify(actor=p.reviewer, entry=entry, revision=2, at=AT)
    assert _value("entered.einvoice_rate", "38", "2025").value == 90.0
    revisions = list(EntryRevision.objects.filter(entry=entry).order_by("number")
                     .values_list("number", "numerator", "status"))
    assert revisions == [(1, 850, "verified"), (2, 900, "verified")]


def test_a_rejection_needs_a_reason_and_leaves_the_figure_uncounted(p):
    entry = enter(p)
    with pytest.raises(DomainError) as exc:
        services.entry_reject(actor=p.reviewer, entry=entry, revision=1, reason="  ", at=AT)
    assert exc.value.errors[0].field == "reason"
    entry = services.entry_reject(actor=p.reviewer, entry=entry, revision=1,
                                  reason="Thiếu biên bản", at=AT)
    assert entry.status == "rejected"
    assert _value("entered.einvoice_rate", "38", "2025").value is None
    rejected = EntryRevision.objects.get(entry=entry)
    assert (rejected.reason, rejected.reviewed_by) == ("Thiếu biên bản", p.reviewer)
    actions = list(AuditEvent.objects.filter(object_id=str(entry.pk),
                                             object_type="indicators.entry")
                   .order_by("seq").values_list("action", flat=True))
    assert actions == ["indicator_entry.create", "indicator_entry.reject"]


def test_a_stale_revision_number_is_a_conflict(p):
    entry = enter(p)
    services.entry_revise(actor=p.tax_officer, entry=entry, revision=1, numerator=1,
                          denominator=2, at=AT)
    with pytest.raises(DomainError) as exc:
        services.entry_verify(actor=p.reviewer, entry=entry, revision=1, at=AT)
    assert exc.value.status == 409


def test_nobody_reviews_twice_or_their_own_entry(p):
    entry = enter(p)
    services.entry_verify(actor=p.reviewer, entry=entry, revision=1, at=AT)
    with pytest.raises(DomainError) as exc:
        services.entry_reject(actor=p.reviewer_2, entry=entry, revision=1, reason="x", at=AT)
    assert exc.value.status == 409


@pytest.mark.parametrize(("who", "agency"), [
    ("science_officer", "tax"),  # an officer of another agency
    ("observer", "tax"),  # observers read, never write
    ("reviewer", "tax"),  # the reviewer does not enter
])
def test_only_the_agencys_own_officers_enter(p, who, agency):
    with pytest.raises(NotAllowed):
        enter(p, officer=getattr(p, who), agency=getattr(p, agency))
    assert not Entry.objects.exists()


def test_an_agency_not_assigned_the_indicator_is_refused_with_a_clear_message(p):
    with pytest.raises(NotAllowed, match="không được giao"):
        enter(p, officer=p.science_officer, agency=p.science)


def test_entering_agencies_cannot_review(p):
    entry = enter(p)
    with pytest.raises(NotAllowed):
        services.entry_verify(actor=p.tax_officer, entry=entry, revision=1, at=AT)


def test_a_commune_enters_only_for_itself(p):
    with pytest.raises(DomainError) as exc:
        enter(p, officer=p.commune_officer, agency=p.commune_committee,
              indicator="entered.fiber_households_rate", unit="16200", period="2026")
    assert exc.value.errors[0].field == "unit"
    entry = enter(p, officer=p.commune_officer, agency=p.commune_committee,
                  indicator="entered.fiber_households_rate", unit="16100", period="2026")
    services.entry_verify(actor=p.reviewer, entry=entry, revision=1, at=AT)
    # The commune's committee answers for the commune in the values API.
    assert _value("entered.fiber_households_rate", p.commune_committee.code, "2026").value == 85.0
    assert _value("entered.fiber_households_rate", p.science.code, "2026").value is None


@pytest.mark.parametrize(("figures", "field"), [
    ({"numerator": 5}, "denominator"),
    ({"denominator": 5}, "numerator"),
    ({"numerator": 5, "denominator": 0}, "denominator"),
    ({"numerator": 6, "denominator": 5}, "numerator"),
    ({"numerator": -1, "denominator": 5}, "numerator"),
    ({"numerator": "1.5", "denominator": 5}, "numerator"),
    ({"numerator": "abc", "denominator": 5}, "numerator"),
    ({"value": 5}, "value"),
])
def test_bad_figures_name_the_field_and_write_nothing(p, media, figures, field):
    with pytest.raises(DomainError) as exc:
        enter(p, **figures)
    assert [e.field for e in exc.value.errors] == [field]
    assert not Entry.objects.exists()
    assert not list((media / "indicators").rglob("*.pdf"))


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"period": "2025-13"}, "period"),
    ({"period": "2099"}, "period"),  # not started yet
    ({"unit": "16100", "period": "2024"}, "unit"),  # the new commune did not exist in 2024
    ({"unit": "99999"}, "unit"),
    ({"indicator": "onestop.online_rate"}, "indicator"),  # computed, not entered
    ({"files": []}, "files"),
    ({"files": [("x.exe", b"MZ\x90\x00")]}, "files"),
])
def test_bad_input_names_the_field(p, kwargs, field):
    with pytest.raises(DomainError) as exc:
        enter(p, **kwargs)
    assert [e.field for e in exc.value.errors] == [field]


def test_a_count_takes_a_value_within_range(p):
    entry = enter(p, officer=p.science_officer, agency=p.science, indicator="entered.qr_merchants",
                  value=92)
    assert EntryRevision.objects.get(entry=entry).value == 92
    with pytest.raises(DomainError) as exc:
        enter(p, officer=p.science_officer, agency=p.science,
              indicator="entered.qr_merchants", period="2024", numerator=1, denominator=2)
    assert exc.value.errors[0].field == "numerator"


def test_the_same_slot_twice_is_a_conflict_and_leaves_no_file_behind(p, media):
    enter(p)
    with pytest.raises(DomainError) as exc:
        enter(p)
    assert exc.value.status == 409
    assert Entry.objects.count() == 1
    assert len(list((media / "indicators").rglob("*.pdf"))) == 1


def test_a_locked_year_refuses_entries_and_reviews(p):
    entry = enter(p)
    with pytest.raises(DomainError) as exc:
        services.year_lock(actor=p.reviewer, province_code="38", year=2025, at=AT)
    assert exc.value.code == "pending"  # something still waits for review
    services.entry_verify(actor=p.reviewer, entry=entry, revision=1, at=AT)
    services.year_lock(actor=p.reviewer, province_code="38", year=2025, at=AT)
    with pytest.raises(DomainError) as exc:
        services.entry_revise(actor=p.tax_officer, entry=entry, revision=1, numerator=1,
                              denominator=2, at=AT)
    assert exc.value.code == "locked"
    with pytest.raises(DomainError) as exc:
        enter(p, unit="16001")
    assert exc.value.code == "locked"
    assert EntryRevision.objects.count() == 1


def test_a_verified_entered_value_reads_like_a_computed_one(p):
    entry = enter(p, period="2025-Q4")
    services.entry_verify(actor=p.reviewer, entry=entry, revision=1, at=AT)
    indicator = get("entered.einvoice_rate")
    assert indicator is not None
    reading = indicator_read(indicator, scope_resolve("38"), Period.parse("2025-Q4"))
    assert (reading.value.value, str(reading.previous_period), reading.previous.value) == (
        85.0, "2025-Q3", None)


def test_the_back_office_shows_entries_and_targets_read_only(client, p):
    from tinhso.accounts.tests.factories import UserFactory

    entry = enter(p)
    admin_user = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin_user)
    for page in ("entry", "assignment", "targetdecision", "yearlock", "dxframework",
                 "dxassessment"):
        assert client.get(f"/admin/indicators/{page}/").status_code == 200, page
    assert client.get(f"/admin/indicators/entry/{entry.pk}/change/").status_code == 200
    assert client.get("/admin/indicators/entry/add/").status_code == 403
