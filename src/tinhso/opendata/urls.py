from django.urls import path

from tinhso.opendata import ckan, views

urlpatterns = [
    path("api/3/action/<str:name>", ckan.action),
    path("api/action/<str:name>", ckan.action),
    path("api/util/status", ckan.util_status),
    path("dataset/<uuid:package_id>/resource/<uuid:resource_id>/download/<str:filename>",
         views.download, name="opendata-download"),
]
