"""The dashboard pages (Vietnamese paths)."""

from __future__ import annotations

from django.urls import path

from tinhso.indicators import views

app_name = "indicators"
urlpatterns = [
    path("chi-so/", views.dashboard, name="dashboard"),
    path("chi-so/bao-cao/", views.report_download, name="report"),
    path("chi-so/<str:code>/", views.indicator_detail, name="indicator"),
]
