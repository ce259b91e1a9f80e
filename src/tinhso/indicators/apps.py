from django.apps import AppConfig


class IndicatorsConfig(AppConfig):
    name = "tinhso.indicators"
    label = "indicators"
    verbose_name = "Chỉ số"

    def ready(self) -> None:
        """The definitions live in this app, one module per source app, so that the source
        apps (below this one in the layers) never import the registry."""
        from tinhso.indicators.sources import register_all

        register_all()
