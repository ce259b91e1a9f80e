"""The open data portal's pages (Vietnamese paths, under /du-lieu/)."""

from __future__ import annotations

from django.urls import path

from tinhso.opendata.pages import dataset, portal, publish

app_name = "opendata_pages"
urlpatterns = [
    path("", portal.home, name="home"),
    path("bo-du-lieu/", portal.search, name="search"),
    path("bo-du-lieu/<str:name>/", dataset.dataset, name="dataset"),
    path("bo-du-lieu/<str:name>/de-nghi-truy-cap/", publish.access_request, name="access_request"),
    path("bo-du-lieu/<str:name>/phien-ban/", dataset.versions, name="versions"),
    path("bo-du-lieu/<str:name>/phien-ban/<int:number>/", dataset.version, name="version"),
    path("bo-du-lieu/<str:name>/tai-nguyen/<uuid:resource_id>/", dataset.resource, name="resource"),
    path("cong-bo/", publish.mine, name="mine"),
    path("cong-bo/moi/", publish.dataset_new, name="dataset_new"),
    path("cong-bo/<str:name>/sua/", publish.dataset_edit, name="dataset_edit"),
    path("cong-bo/<str:name>/tai-nguyen/", publish.resource_new, name="resource_new"),
    path(
        "cong-bo/<str:name>/tai-nguyen/<uuid:resource_id>/sua/",
        publish.resource_edit,
        name="resource_edit",
    ),
    path(
        "cong-bo/<str:name>/tai-nguyen/<uuid:resource_id>/xoa/",
        publish.resource_delete,
        name="resource_delete",
    ),
    path("cong-bo/<str:name>/cong-bo/", publish.dataset_publish, name="dataset_publish"),
    path("cong-bo/<str:name>/xoa/", publish.dataset_delete, name="dataset_delete"),
    path("to-chuc/", portal.organizations, name="organizations"),
    path("to-chuc/<str:name>/", portal.organization, name="organization"),
]
