"""The app's URLs plus /bench/baseline/: a bare Django view doing one INSERT."""

from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt

BASELINE_TABLE = "bench_baseline"


@csrf_exempt
def baseline(request: HttpRequest) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {BASELINE_TABLE} (body) VALUES (%s)", [request.body.decode()])
    return HttpResponse(status=200)


urlpatterns = [
    path("bench/baseline/", baseline),
    path("", include("onboarding.urls")),
]
