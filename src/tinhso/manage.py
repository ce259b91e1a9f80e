"""The `tinhso` console command: Django's management commands under the project's name
(`tinhso migrate`, `tinhso demo`, `tinhso token --user NAME`, `tinhso audit verify`)."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tinhso.config.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["tinhso", *sys.argv[1:]])


if __name__ == "__main__":
    main()
