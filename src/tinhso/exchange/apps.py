from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "tinhso.exchange"
    label = "exchange"
    verbose_name = "Liên thông văn bản"

    def ready(self) -> None:
        # Status messages follow each step of an incoming record that came in a package
        # (the receivers module connects them on import).
        from tinhso.documents.services import outgoing
        from tinhso.exchange import receivers  # noqa: F401
        from tinhso.exchange.services import peers_of

        # Recipients under a known peer's prefix are sent a package, not given a local record.
        if peers_of not in outgoing.ELSEWHERE:
            outgoing.ELSEWHERE.append(peers_of)
