"""The publishers' pages about their data's quality, under /du-lieu/quan-ly/ (included in
config/urls.py before the portal's /du-lieu/ pages)."""

from __future__ import annotations

from django.urls import path

from tinhso.opendata import quality_views

app_name = "opendata_quality"
urlpatterns = [
    path("qua-han/", quality_views.stale, name="stale"),
]
