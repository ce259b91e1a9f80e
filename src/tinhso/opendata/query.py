"""The part of Solr's query language that CKAN clients and harvesters send, turned into
database filters: `field:value`, `field:"a value"`, `field:(a OR b)`, `field:[from TO to]`,
`-field:value`, free words, joined by AND (the default) and OR. Every value becomes a bound
parameter; anything else is a Search Query Error, never SQL."""

from __future__ import annotations

import calendar
import datetime as dt
import re
import uuid
from collections.abc import Callable
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _

from tinhso.core.errors import DomainError
from tinhso.core.text import fold
from tinhso.opendata import fulltext
from tinhso.opendata.dictize import agency_code
from tinhso.opendata.models import AccessLevel, Dataset, Resource, State

MAX_CLAUSES = 50
MAX_WORDS = 10
NOTHING = Q(pk__in=[])

_TOKEN = re.compile(
    r"""\s*(?:
      (?P<op>AND|OR|NOT|&&|\|\|)(?=\s|$)
    | (?P<sign>[+-])?(?:
          (?P<field>[A-Za-z_][\w.]*):(?P<value>"[^"]*"|\[[^\]]*\]|\{[^}]*\}|\([^)]*\)|[^\s()"]+)
        | (?P<term>"[^"]*"|[^\s"()]+)
      )
    )""", re.VERBOSE)


class SearchQueryError(DomainError):
    """A q, fq or sort expression that cannot be understood (CKAN's Search Query Error)."""

    def __init__(self, message: str) -> None:
        super().__init__(message=message, status=400, code="search_query")


def _unquote(value: str) -> str:
    return value[1:-1] if len(value) >= 2 and value[0] == value[-1] == '"' else value


def _values(raw: str) -> list[str]:
    if raw.startswith("(") and raw.endswith(")"):
        parts = re.findall(r'"[^"]*"|[^\s]+', raw[1:-1])
        return [_unquote(p) for p in parts if p not in ("OR", "||")]
    return [_unquote(raw)]


_NOW = re.compile(r"NOW((?:[+-]\d+[A-Z]+|/[A-Z]+)*)")
_MATH = re.compile(r"([+-])(\d+)([A-Z]+)|/([A-Z]+)")
_UNITS = {"YEAR": "years", "MONTH": "months", "DAY": "days", "DATE": "days", "HOUR": "hours",
          "MINUTE": "minutes", "SECOND": "seconds"}


def _add_months(t: dt.datetime, months: int) -> dt.datetime:
    y, m = divmod(t.month - 1 + months, 12)
    year, month = t.year + y, m + 1
    return t.replace(year=year, month=month, day=min(t.day, calendar.monthrange(year, month)[1]))


def _round(t: dt.datetime, unit: str) -> dt.datetime:
    t = t.replace(microsecond=0)
    if unit in ("MINUTE", "HOUR", "DAY", "DATE", "MONTH", "YEAR"):
        t = t.replace(second=0)
    if unit in ("HOUR", "DAY", "DATE", "MONTH", "YEAR"):
        t = t.replace(minute=0)
    if unit in ("DAY", "DATE", "MONTH", "YEAR"):
        t = t.replace(hour=0)
    if unit in ("MONTH", "YEAR"):
        t = t.replace(day=1)
    if unit == "YEAR":
        t = t.replace(month=1)
    return t


def now_math(text: str, now: dt.datetime | None = None) -> dt.datetime | None:
    """Solr's date math on NOW (UTC), as CKAN clients send it: `NOW`, `NOW-7DAYS`,
    `NOW/DAY`, `NOW-1MONTH/DAY` (units YEAR, MONTH, DAY, HOUR, MINUTE, SECOND, plural or
    not); None when `text` is not such an expression."""
    m = _NOW.fullmatch(text)
    if m is None:
        return None
    t = now or dt.datetime.now(dt.UTC)
    for op in _MATH.finditer(m[1]):
        unit = (op[3] or op[4]).removesuffix("S")
        if unit not in _UNITS and unit != "MILLI":
            raise ValueError(unit)
        if op[4]:
            t = _round(t, unit)
            continue
        n = int(op[2]) * (-1 if op[1] == "-" else 1)
        if unit in ("YEAR", "MONTH"):
            t = _add_months(t, n * (12 if unit == "YEAR" else 1))
        elif unit != "MILLI":
            t += dt.timedelta(**{_UNITS[unit]: n})
    return t


def _moment(text: str, field: str) -> dt.datetime | None:
    if text == "*":
        return None
    try:
        if text.startswith("NOW"):
            moment = now_math(text)
            if moment is not None:
                return moment
            raise ValueError(text)
        value = dt.datetime.fromisoformat(text)
    except (ValueError, OverflowError):
        raise SearchQueryError(_("Thời điểm không hợp lệ trong %(field)s: %(value)s")
                               % {"field": field, "value": text}) from None
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _range(field: str, raw: str) -> Q:
    m = re.fullmatch(r"[\[{]\s*(\S+)\s+TO\s+(\S+)\s*[\]}]", raw)
    if not m:
        raise SearchQueryError(_("Khoảng không hợp lệ: %(value)s") % {"value": raw})
    low, high = _moment(m[1], field), _moment(m[2], field)
    inclusive = raw.startswith("[")
    cond = Q()
    if low is not None:
        cond &= Q(**{f"{field}__{'gte' if inclusive else 'gt'}": low})
    if high is not None:
        cond &= Q(**{f"{field}__{'lte' if inclusive else 'lt'}": high})
    return cond


def _through(rel: str, **lookup: Any) -> Q:
    through = getattr(Dataset, rel).through.objects.filter(**lookup)
    return Q(pk__in=through.values("dataset_id"))


def _organization(v: str) -> Q:
    code = agency_code(v)
    return Q(owner_org__code=code) if code else NOTHING


def _owner_org(v: str) -> Q:
    return Q(owner_org_id=int(v)) if v.isdigit() else _organization(v)


def _id(v: str) -> Q:
    try:
        return Q(pk=uuid.UUID(v))
    except ValueError:
        return NOTHING


def _text(v: str) -> Q:
    """Every word of `v`, whole (`word*`: a prefix): through the full-text index on
    PostgreSQL, the same words matched on SQLite (`fulltext.words_q`)."""
    return fulltext.words_q(v) or Q()


def _phrase(v: str) -> Q:
    """The folded phrase as it is written, found in the folded text; on PostgreSQL the
    full-text index first narrows to the datasets having its words."""
    folded = fold(v)
    if not folded:
        return Q()
    cond = Q(search_folded__contains=folded)
    if fulltext.enabled():
        cond = (fulltext.words_q(v, prefixes=False) or Q()) & cond
    return cond


def _capacity(v: str) -> Q:
    if v == "public":
        return ~Q(access_level=AccessLevel.NAMED)
    return Q(access_level=AccessLevel.NAMED) if v == "private" else NOTHING


FIELDS: dict[str, Callable[[str], Q]] = {
    "organization": _organization,
    "owner_org": _owner_org,
    "groups": lambda v: _through("groups", group__name=v),
    "tags": lambda v: _through("tags", tag__name=v),
    "res_format": lambda v: Q(pk__in=Resource.objects.filter(state=State.ACTIVE, format__iexact=v)
                             .exclude(access_level=AccessLevel.NAMED).values("dataset_id")),
    "license_id": lambda v: Q(license_id=v),
    "name": lambda v: Q(name=v),
    "id": _id,
    "frequency": lambda v: Q(frequency=v),
    "access_level": lambda v: Q(access_level=v),
    "capacity": _capacity,
    "dataset_type": lambda v: Q() if v == "dataset" else NOTHING,
    "type": lambda v: Q() if v == "dataset" else NOTHING,
    "text": _text,
    "title": _text,
    "notes": _text,
}
RANGE_FIELDS = {"metadata_modified", "metadata_created"}


def _clause(m: re.Match[str]) -> Q:
    field, raw = m["field"], m["value"]
    if field is None:
        term = m["term"]
        if term in ("*", "*:*"):
            return Q()
        return _phrase(term[1:-1]) if term.startswith('"') else _text(term)
    if field in RANGE_FIELDS:
        if raw[0] in "[{":
            return _range(field, raw)
        moment = _moment(_unquote(raw), field)
        return Q(**{field: moment})
    if field not in FIELDS:
        raise SearchQueryError(_("Không tìm theo trường “%(field)s” được.") % {"field": field})
    if raw[0] in "[{":
        raise SearchQueryError(_("Trường “%(field)s” không tìm theo khoảng.") % {"field": field})
    fn = FIELDS[field]
    cond = NOTHING
    for v in _values(raw):
        one = HAS_VALUE.get(field, Q()) if v == "*" else fn(v)
        if not one:  # an empty Q matches every dataset: so does the whole OR
            return Q()
        cond |= one
    return cond


# `field:*`: the datasets that have some value in the field (every dataset has the others).
HAS_VALUE: dict[str, Q] = {
    "tags": Q(pk__in=Dataset.tags.through.objects.values("dataset_id")),
    "groups": Q(pk__in=Dataset.groups.through.objects.values("dataset_id")),
    "res_format": Q(pk__in=Resource.objects.filter(state=State.ACTIVE).exclude(format="")
                    .exclude(access_level=AccessLevel.NAMED).values("dataset_id")),
    "license_id": ~Q(license_id=""),
    "frequency": ~Q(frequency=""),
}


def parse(expression: str) -> Q:
    """A Q for a q or fq expression: AND of OR-groups, read left to right."""
    text = expression.strip()
    if not text or text == "*:*":
        return Q()
    groups: list[Q] = []
    current: Q | None = None
    pending_or = negate = False
    pos, clauses = 0, 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            raise SearchQueryError(_("Biểu thức tìm kiếm không hợp lệ gần: %(near)s")
                                   % {"near": text[pos:pos + 30]})
        pos = m.end()
        if m["op"]:
            if m["op"] in ("OR", "||"):
                pending_or = True
            elif m["op"] == "NOT":
                negate = True
            continue
        clauses += 1
        if clauses > MAX_CLAUSES:
            raise SearchQueryError(_("Biểu thức tìm kiếm quá dài."))
        cond = _clause(m)
        if negate or m["sign"] == "-":
            cond = ~cond
        negate = False
        if pending_or and current is not None:
            current |= cond
        else:
            if current is not None:
                groups.append(current)
            current = cond
        pending_or = False
    if current is not None:
        groups.append(current)
    out = Q()
    for g in groups:
        out &= g
    return out


def plain_words(expression: str) -> list[str] | None:
    """The full-text lexemes of a `q` made only of plain words (joined by spaces or AND: what
    a search box and most clients send), as `parse` ANDs them; None for anything else (a
    field, OR, NOT, a sign, a phrase, a word that can never match), which only `parse` reads.
    The facet index can then count the words from its cache of word bitmaps."""
    text = expression.strip()
    found: list[str] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            return None
        pos = m.end()
        if m["op"] in ("AND", "&&"):
            continue
        term = m["term"]
        if m["op"] or m["sign"] or m["field"] or term.startswith('"'):
            return None
        if term in ("*", "*:*"):
            continue
        lexemes = fulltext.lexemes(term)
        if lexemes is None:
            return None
        found += [x for x in lexemes if x not in found]
    return found


SORT_FIELDS = {
    "metadata_modified": "metadata_modified",
    "metadata_created": "metadata_created",
    "name": "name",
    "title_string": "title",
    "title": "title",
    "id": "id",
}


SCORE = "score"


def parse_sort(sort: str, *, scored: bool = False) -> list[str]:
    """Order-by terms for a CKAN sort ("score desc, metadata_modified desc"). `score` (Solr's
    relevance) is checked, then skipped unless `scored` (the search has words to rank on):
    then it stays as `-score`/`score` for `ranking.page`, and ties go to the most recently
    changed (`-metadata_modified`) when the sort does not say. Always ends on the id, so pages
    are stable."""
    order: list[str] = []
    for part in (p.strip() for p in sort.split(",")):
        if not part:
            continue
        bits = part.split()
        field = bits[0]
        direction = bits[1].lower() if len(bits) > 1 else "asc"
        if len(bits) > 2 or direction not in ("asc", "desc") or (
                field not in SORT_FIELDS and field != SCORE):
            raise SearchQueryError(_('Tham số "sort" không hợp lệ: %(sort)s') % {"sort": part})
        if field == SCORE and not scored:
            continue
        column = SORT_FIELDS.get(field, field)
        if column not in (o.lstrip("-") for o in order):
            order.append(f"-{column}" if direction == "desc" else column)
    bare = [o.lstrip("-") for o in order]
    if SCORE in bare and "metadata_modified" not in bare and "id" not in bare:
        order.append("-metadata_modified")
    if "id" not in bare:
        order.append("id")
    return order


def score_words(expression: str) -> list[tuple[str, bool]]:
    """The words relevance is counted on: (folded word, is a `word*` prefix) of the free words
    and phrases of a `q` and of its `text:`, `title:` and `notes:` clauses, negated ones left
    out, each once, at most MAX_WORDS. Never raises: `parse` has read (or refused) the
    expression already."""
    found: list[tuple[str, bool]] = []
    text = expression.strip()
    pos, negate = 0, False
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            break
        pos = m.end()
        if m["op"]:
            negate = negate or m["op"] == "NOT"
            continue
        skip, negate = negate or m["sign"] == "-", False
        if m["field"] is not None:
            raw = m["value"]
            if m["field"] not in ("text", "title", "notes") or raw[0] in "[{":
                continue
            values = _values(raw)
        elif m["term"] in ("*", "*:*"):
            continue
        else:
            values = [m["term"]]
        if skip:
            continue
        for value in values:
            quoted = value.startswith('"')
            for term in fulltext.terms(_unquote(value), prefixes=not quoted) or []:
                if term not in found:
                    found.append(term)
    return found[:MAX_WORDS]
