from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "tinhso.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from tinhso.core.db import on_connection_created

        connection_created.connect(on_connection_created, dispatch_uid="tinhso.core.db")
