"""The commune DX criteria: scoring rules (ratio, count, yes/no, tiered), each commune's score
and standard, the review that locks a year, and the count of communes that attained it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinhso.core.errors import DomainError, NotAllowed
from tinhso.indicators import dx, selectors, services
from tinhso.indicators.attainment import Rag
from tinhso.indicators.models import DxAnswer
from tinhso.indicators.periods import Period
from tinhso.indicators.registry import Value, get
from tinhso.indicators.tests.province import AT, Province, make_province
from tinhso.indicators.values import scope_resolve

D = Decimal
TIERS = {"basis": "ratio", "tiers": [[50, 2], [80, 4], [95, 5]]}


# --- the rules, on their own ------------------------------------------------------------------


@pytest.mark.parametrize(("rule", "params", "answer", "expected"), [
    ("ratio", {"target": "80"}, dx.Answer(numerator=40, denominator=100), D("5.00")),
    ("ratio", {"target": "80"}, dx.Answer(numerator=90, denominator=100), D(10)),
    ("ratio", {"target": "80"}, dx.Answer(numerator=0, denominator=0), D(0)),  # no division
    ("count", {"target": "4"}, dx.Answer(count=1), D("2.50")),
    ("yes_no", {}, dx.Answer(yes=True), D(10)),
    ("yes_no", {}, dx.Answer(yes=False), D(0)),
    ("tiered", dx.rule_check("tiered", TIERS, D(10)), dx.Answer(numerator=85, denominator=100),
     D(4)),
    ("tiered", dx.rule_check("tiered", TIERS, D(10)), dx.Answer(numerator=10, denominator=100),
     D(0)),
])
def test_each_rule_scores_as_the_framework_says(rule, params, answer, expected):
    assert dx.points(rule, params, D(10), answer) == expected


@pytest.mark.parametrize(("rule", "params", "field"), [
    ("ratio", {"target": "150"}, "params.target"),
    ("count", {}, "params.target"),
    ("tiered", {"basis": "ratio", "tiers": [[80, 2], [50, 4]]}, "params.tiers.1"),
    ("tiered", {"basis": "ratio", "tiers": [[80, 20]]}, "params.tiers.0"),
    ("tiered", {"basis": "other", "tiers": [[1, 1]]}, "params.basis"),
    ("magic", {}, "rule"),
])
def test_a_bad_rule_names_its_parameter(rule, params, field):
    with pytest.raises(dx.RuleError) as exc:
        dx.rule_check(rule, params, D(10))
    assert exc.value.field == field


counts = st.integers(min_value=0, max_value=10**9)
maxima = st.decimals(min_value=0, max_value=1000, places=2)


@given(counts, counts, st.integers(min_value=0, max_value=100), maxima)
def test_ratio_points_stay_between_zero_and_the_maximum(a, b, target, top):
    n, d = min(a, b), max(a, b)
    p = dx.points("ratio", {"target": str(target)}, top, dx.Answer(numerator=n, denominator=d))
    assert 0 <= p <= top


@given(counts, counts, st.integers(min_value=0, max_value=10**6), maxima)
def test_more_never_scores_less(a, b, target, top):
    low, high = sorted((a, b))
    params = {"target": str(target)}
    assert (dx.points("count", params, top, dx.Answer(count=low))
            <= dx.points("count", params, top, dx.Answer(count=high)))
    tiers = dx.rule_check("tiered", {"basis": "count", "tiers": [[1, top / 2], [1000, top]]}, top)
    assert (dx.points("tiered", tiers, top, dx.Answer(count=low))
            <= dx.points("tiered", tiers, top, dx.Answer(count=high)))


@given(st.lists(st.tuples(maxima, maxima, st.booleans()), max_size=10), maxima)
def test_the_standard_needs_the_pass_score_and_every_mandatory_criterion(rows, pass_score):
    scored = [(min(p, m), m, mandatory) for p, m, mandatory in rows]
    score = dx.total(scored, pass_score)
    assert score.total == sum((p for p, _m, _x in scored), D(0))
    expected = score.total >= pass_score and all(p == m for p, m, x in scored if x)
    assert score.attained == expected


# --- the framework, the communes' answers and the lock ----------------------------------------


@pytest.fixture
def p(db, media):
    return make_province()


def _framework(p: Province):
    return services.dx_framework_create(
        actor=p.reviewer, province_code="38", code="2361-2025",
        name="Bộ tiêu chí chuyển đổi số cấp xã", regulation="Quyết định 2361/QĐ-BTTTT",
        pass_score="15", at=AT, pillars=[
            {"code": "CQS", "name": "Chính quyền số", "criteria": [
                {"code": "1.1", "name": "Tỷ lệ hồ sơ trực tuyến", "rule": "ratio",
                 "max_points": "10", "params": {"target": 80}},
                {"code": "1.2", "name": "Có cổng thông tin điện tử", "rule": "yes_no",
                 "max_points": "5", "mandatory": True},
            ]},
            {"code": "XHS", "name": "Xã hội số", "criteria": [
                {"code": "2.1", "name": "Số tổ công nghệ số cộng đồng", "rule": "count",
                 "max_points": "5", "params": {"target": 4}},
                {"code": "2.2", "name": "Tỷ lệ hộ có cáp quang", "rule": "tiered",
                 "max_points": "5", "params": TIERS},
            ]},
        ])


ANSWERS = [
    {"criterion": "1.1", "numerator": 90, "denominator": 100},
    {"criterion": "1.2", "yes": True},
    {"criterion": "2.1", "count": 2},
    {"criterion": "2.2", "numerator": 60, "denominator": 100},
]


def test_a_commune_scores_itself_and_attains_the_standard(p):
    framework = _framework(p)
    a = services.dx_assessment_save(actor=p.commune_officer, framework=framework,
                                    unit_code="16100", year=2026, answers=ANSWERS, at=AT)
    assert (a.score, a.max_score, a.attained) == (D("19.50"), D(25), True)  # 10+5+2.5+2
    a = services.dx_assessment_save(actor=p.commune_officer, framework=framework,
                                    unit_code="16100", year=2026, revision=1, at=AT,
                                    answers=[{"criterion": "1.2", "yes": False}])
    assert (a.score, a.attained, a.revision) == (D("14.50"), False, 2)  # mandatory missed
    assert DxAnswer.objects.filter(assessment=a).count() == 4


def test_a_commune_answers_only_for_itself(p):
    framework = _framework(p)
    for who in (p.tax_officer, p.observer):
        with pytest.raises(NotAllowed):
            services.dx_assessment_save(actor=who, framework=framework, unit_code="16100",
                                        year=2026, answers=ANSWERS, at=AT)
    with pytest.raises(NotAllowed):
        services.dx_assessment_save(actor=p.commune_officer, framework=framework,
                                    unit_code="16200", year=2026, answers=ANSWERS, at=AT)


@pytest.mark.parametrize(("answer", "field"), [
    ({"criterion": "9.9", "yes": True}, "answers.0.criterion"),
    ({"criterion": "1.1", "numerator": 5}, "answers.0.denominator"),
    ({"criterion": "1.1", "numerator": 5, "denominator": 4}, "answers.0.numerator"),
    ({"criterion": "1.2"}, "answers.0.yes"),
    ({"criterion": "2.1", "count": -1}, "answers.0.count"),
])
def test_bad_answers_name_the_field(p, answer, field):
    framework = _framework(p)
    with pytest.raises(DomainError) as exc:
        services.dx_assessment_save(actor=p.commune_officer, framework=framework,
                                    unit_code="16100", year=2026, answers=[answer], at=AT)
    assert [e.field for e in exc.value.errors] == [field]


def test_a_bad_framework_names_the_field_and_writes_nothing(p):
    with pytest.raises(DomainError) as exc:
        services.dx_framework_create(
            actor=p.reviewer, province_code="38", code="X", name="X", pass_score="1", at=AT,
            pillars=[{"code": "A", "name": "A", "criteria": [
                {"code": "1", "name": "n", "rule": "ratio", "max_points": "5",
                 "params": {"target": 120}}]}])
    assert exc.value.errors[0].field == "pillars.0.criteria.0.params.target"
    with pytest.raises(DomainError) as exc:
        services.dx_framework_create(
            actor=p.reviewer, province_code="38", code="X", name="X", pass_score="50", at=AT,
            pillars=[{"code": "A", "name": "A", "criteria": [
                {"code": "1", "name": "n", "rule": "yes_no", "max_points": "5"}]}])
    assert exc.value.errors[0].field == "pass_score"
    with pytest.raises(NotAllowed):
        services.dx_framework_create(actor=p.science_officer, province_code="38", code="Y",
                                     name="Y", pass_score="1", pillars=[], at=AT)


def test_the_lock_freezes_the_year_and_the_communes_then_count(p):
    framework = _framework(p)
    services.dx_assessment_save(actor=p.commune_officer, framework=framework, unit_code="16100",
                                year=2026, answers=ANSWERS, at=AT)
    services.dx_assessment_save(actor=p.reviewer, framework=framework, unit_code="16200",
                                year=2026, answers=ANSWERS[:1], at=AT)
    indicator = get("dx.communes_attained")
    assert indicator is not None

    def count(period: str) -> Value:
        return indicator.compute(scope_resolve("38"), Period.parse(period))

    assert count("2026") == Value(0, None, 0)  # nothing counts before the review
    with pytest.raises(NotAllowed):
        services.dx_lock(actor=p.commune_officer, framework=framework, year=2026, at=AT)
    services.dx_lock(actor=p.reviewer, framework=framework, year=2026, at=AT)
    with pytest.raises(DomainError) as exc:
        services.dx_assessment_save(actor=p.commune_officer, framework=framework,
                                    unit_code="16100", year=2026, answers=ANSWERS, at=AT)
    assert (exc.value.status, exc.value.code) == (409, "locked")
    assert count("2026") == Value(1, None, 1)
    ranked = list(selectors.dx_assessments_for(p.observer, framework, 2026))
    assert [(a.unit.code, a.attained) for a in ranked] == [("16100", True), ("16200", False)]

    # The aggregate target "1 commune reaches the standard in 2026" is attained.
    services.target_decision_create(
        actor=p.reviewer, agency=p.science, number="12/QĐ-UBND", date=dt.date(2026, 1, 5),
        title="Chỉ tiêu xã đạt chuẩn chuyển đổi số", at=AT,
        targets=[{"indicator": "dx.communes_attained", "unit": "38", "year": 2026,
                  "comparator": "gte", "value": 1}])
    where = selectors.unit_for_view(p.observer, "38", 2026)
    [row] = selectors.attainment_rows(selectors.targets_for(p.observer, year=2026, unit=where),
                                      today=dt.date(2026, 12, 31))
    assert (row.attainment.actual, row.attainment.status) == (D(1), Rag.GREEN)


def test_the_dx_api_ranks_the_communes(client, p):
    client.force_login(p.reviewer)
    response = client.post("/api/v1/indicators/dx/frameworks", {
        "code": "F1", "name": "Bộ tiêu chí", "pass_score": "5", "pillars": [
            {"code": "A", "name": "Chính quyền số", "criteria": [
                {"code": "1", "name": "Cổng thông tin", "rule": "yes_no", "max_points": "5"},
            ]}]}, content_type="application/json")
    assert response.status_code == 201, response.json()
    assert response.json()["criteria"][0]["rule"] == "yes_no"
    client.force_login(p.commune_officer)
    saved = client.put("/api/v1/indicators/dx/assessments", {
        "framework": "F1", "unit": "16100", "year": 2026,
        "answers": [{"criterion": "1", "yes": True}]}, content_type="application/json")
    assert saved.status_code == 200, saved.json()
    assert (saved.json()["score"], saved.json()["attained"]) == (5.0, True)
    bad = client.put("/api/v1/indicators/dx/assessments", {
        "framework": "F1", "unit": "16100", "year": 2026,
        "answers": [{"criterion": "1"}]}, content_type="application/json")
    assert (bad.status_code, bad.json()["errors"][0]["field"]) == (422, "answers.0.yes")
    client.force_login(p.observer)
    page = client.get("/api/v1/indicators/dx/assessments",
                      {"framework": "F1", "year": 2026}).json()
    assert (page["count"], page["attained"], page["locked"]) == (1, 1, False)
    assert page["results"][0]["unit"] == "16100"
    assert client.post("/api/v1/indicators/dx/locks", {"framework": "F1", "year": 2026},
                       content_type="application/json").status_code == 403


def test_the_ranking_costs_the_same_queries_for_more_communes(client, p):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tinhso.accounts.tests.factories import UnitFactory

    framework = _framework(p)
    client.force_login(p.observer)

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get("/api/v1/indicators/dx/assessments",
                                  {"framework": framework.code, "year": 2026})
        assert response.status_code == 200
        return len(ctx.captured_queries)

    services.dx_assessment_save(actor=p.reviewer, framework=framework, unit_code="16100",
                                year=2026, answers=ANSWERS, at=AT)
    few = queries()
    for _ in range(5):
        unit = UnitFactory()
        services.dx_assessment_save(actor=p.reviewer, framework=framework, unit_code=unit.code,
                                    year=2026, answers=ANSWERS, at=AT)
    assert queries() == few
