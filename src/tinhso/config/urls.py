from django.contrib import admin
from django.urls import include, path

from tinhso.config.api import api

urlpatterns = [
    path("api/v1/", api.urls),
    path("", include("tinhso.opendata.urls")),  # the CKAN Action API: /api/3/action/...
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("thu-tuc/", include("tinhso.catalog.urls")),
    path("du-lieu/quan-ly/", include("tinhso.opendata.quality_urls")),
    path("du-lieu/", include("tinhso.opendata.page_urls")),
    path("", include("tinhso.onestop.urls")),
    path("", include("tinhso.indicators.urls")),
    path("", include("tinhso.documents.urls")),
    path("", include("tinhso.signing.urls")),
    path("", include("tinhso.web.urls")),
]
