from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def procedure_search(request: HttpRequest) -> HttpResponse:
    return render(request, "catalog/search.html", {})
