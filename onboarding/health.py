"""GET /healthz: is every service the app depends on answering?

Each check runs with a short timeout and reports its own state, so an operator
sees which dependency is down; the status is 200 only when every one the app cannot do
without answers (the cache it can: "degraded").
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.files.storage import storages
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from onboarding.celery import app as celery_app

CHECK_TIMEOUT = 3


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_broker() -> None:
    with celery_app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=CHECK_TIMEOUT)
        if settings.CELERY_BROKER_URL.startswith("filesystem"):
            # The filesystem transport "connects" to anything: check the folder itself.
            folder = settings.CELERY_BROKER_FOLDER
            if not (os.path.isdir(folder) and os.access(folder, os.W_OK)):
                raise OSError("broker folder is missing or not writable")


def check_cache() -> None:
    # The webhook wake-up flag lives there. Without it the intake still works (every
    # delivery publishes its own drain), so a failure here degrades, it does not fail.
    cache.set("healthz", "ok", CHECK_TIMEOUT)
    if cache.get("healthz") != "ok":
        raise OSError("the cache did not keep a value")


def check_storage() -> None:
    storage: Any = storages["documents"]
    storage.connection.meta.client.head_bucket(Bucket=storage.bucket_name)


CHECKS: dict[str, Callable[[], None]] = {
    "database": check_database,
    "broker": check_broker,
    "cache": check_cache,
    "storage": check_storage,
}


# Down means slower, not broken: reported, and the status says "degraded" (still 200).
OPTIONAL = {"cache"}


def _run(check: Callable[[], None]) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        check()
    except Exception as exc:  # any failure is a failed check, whatever raised it
        # The class name says what failed without echoing URLs or credentials.
        return {"ok": False, "error": type(exc).__name__, "ms": _ms(started)}
    return {"ok": True, "ms": _ms(started)}


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    results = {name: _run(check) for name, check in CHECKS.items()}
    healthy = all(result["ok"] for name, result in results.items() if name not in OPTIONAL)
    status = "unavailable" if not healthy else "ok"
    if healthy and not all(result["ok"] for result in results.values()):
        status = "degraded"
    return JsonResponse({"status": status, "checks": results}, status=200 if healthy else 503)
