import logging

from django.apps import AppConfig


class SigningConfig(AppConfig):
    name = "tinhso.signing"
    label = "signing"
    verbose_name = "Chữ ký số"

    def ready(self) -> None:
        # pyHanko subsets the stamp font on every signature; fontTools logs each step at INFO.
        logging.getLogger("fontTools").setLevel(logging.WARNING)
        # Bulk readers for pyHanko's hex strings and names, memoised name preparation: for
        # signing (which reads the signed file back) as much as for validation.
        from tinhso.signing import speedups

        speedups.install()
