from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "tinhso.exchange"
    label = "exchange"
    verbose_name = "Liên thông văn bản"

    def ready(self) -> None:
        # Status messages follow each step of an incoming record that came in a package.
        from tinhso.exchange import receivers  # noqa: F401
