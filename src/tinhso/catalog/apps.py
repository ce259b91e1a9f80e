from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "tinhso.catalog"
    label = "catalog"
