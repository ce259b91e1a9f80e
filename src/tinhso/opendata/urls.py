from django.urls import path

from tinhso.opendata import ckan, views

FEEDS = ("ttl", "rdf", "jsonld")  # DCAT-AP serializations (`dcat.SERIALIZATIONS`)

urlpatterns = [
    path("api/3/action/<str:name>", ckan.action),
    path("api/action/<str:name>", ckan.action),
    path("api/util/status", ckan.util_status),
    path("dataset/<uuid:package_id>/resource/<uuid:resource_id>/download/<str:filename>",
         views.download, name="opendata-download"),
    *(path(f"catalog.{ext}", views.catalog, {"ext": ext}, name=f"opendata-catalog-{ext}")
      for ext in FEEDS),
    *(path(f"dataset/<str:name>.{ext}", views.dataset_rdf, {"ext": ext},
           name=f"opendata-dataset-{ext}") for ext in FEEDS),
]
