from __future__ import annotations

from django.urls import path, register_converter

from tinhso.catalog import views
from tinhso.catalog.codes import CODE_PATH_PATTERN


class ProcedureCodeConverter:
    """Loose on purpose: the view answers 404 for a code that is not well formed."""

    regex = CODE_PATH_PATTERN

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(ProcedureCodeConverter, "proccode")

app_name = "catalog"
urlpatterns = [
    path("", views.procedure_search, name="search"),
    path("<proccode:code>/", views.procedure_detail, name="detail"),
    path("<proccode:code>/phien-ban/<int:number>/", views.procedure_version, name="version"),
]
