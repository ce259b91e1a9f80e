from django.urls import path

from tinhso.catalog import views

app_name = "catalog"
urlpatterns = [
    path("", views.procedure_search, name="search"),
]
