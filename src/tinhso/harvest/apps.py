from django.apps import AppConfig


class HarvestConfig(AppConfig):
    name = "tinhso.harvest"
    label = "harvest"
    verbose_name = "Thu thập dữ liệu mở"
