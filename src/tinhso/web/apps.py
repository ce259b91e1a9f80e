from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "tinhso.web"
    label = "web"
