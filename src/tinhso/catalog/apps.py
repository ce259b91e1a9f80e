from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class CatalogConfig(AppConfig):
    name = "tinhso.catalog"
    label = "catalog"

    def ready(self) -> None:
        from tinhso.catalog.cache import catalog_cache_clear
        from tinhso.catalog.models import (
            Fee,
            Procedure,
            ProcedureVersion,
            RequiredDocument,
            WorkflowStep,
        )

        for model in (Procedure, ProcedureVersion, RequiredDocument, Fee, WorkflowStep):
            post_save.connect(catalog_cache_clear, sender=model,
                              dispatch_uid=f"catalog-cache-{model.__name__}-save")
            post_delete.connect(catalog_cache_clear, sender=model,
                                dispatch_uid=f"catalog-cache-{model.__name__}-delete")
