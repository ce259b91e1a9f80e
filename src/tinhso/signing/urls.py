"""The signing app's pages (Vietnamese paths)."""

from __future__ import annotations

from django.urls import path

from tinhso.signing import views

app_name = "signing"
urlpatterns = [
    path("xac-thuc-chu-ky/", views.verify, name="verify"),
    path("chu-ky-so/anh/", views.images, name="images"),
]
