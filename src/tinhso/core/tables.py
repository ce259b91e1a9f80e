"""Tables of figures as downloads: CSV (UTF-8 with a byte-order mark, so Excel in Vietnamese
shows the tone marks; CKAN's datastore and pandas read it as well) or JSON, with the same
columns in both. Used by the public exports the open data portal links to."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from typing import Any, Literal

from django.http import HttpResponse

Format = Literal["csv", "json"]


def table_response(rows: Iterable[dict[str, Any]], columns: Sequence[str], fmt: Format,
                   filename: str, *, max_age: int = 300) -> HttpResponse:
    """`rows` as a download named `filename`.csv or .json, publicly cacheable for `max_age`
    seconds (the figures come from rollups that change as dossiers move)."""
    if fmt == "csv":
        out = io.StringIO()
        out.write("\ufeff")
        writer = csv.DictWriter(out, fieldnames=list(columns), extrasaction="ignore",
                                lineterminator="\n")
        writer.writeheader()
        writer.writerows({k: ("" if v is None else v) for k, v in row.items()} for row in rows)
        response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    else:
        body = json.dumps({"fields": list(columns),
                           "records": [{c: row.get(c) for c in columns} for row in rows]},
                          ensure_ascii=False)
        response = HttpResponse(body, content_type="application/json")
    response["Content-Disposition"] = f'inline; filename="{filename}.{fmt}"'
    response["Cache-Control"] = f"public, max-age={max_age}"
    return response
