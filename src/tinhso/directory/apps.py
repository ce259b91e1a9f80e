from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "tinhso.directory"
    label = "directory"
