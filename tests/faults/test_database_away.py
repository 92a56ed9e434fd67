"""The database goes away for a moment under a production server: webhooks get 5xx, the
provider delivers again, and each delivery is applied exactly once when it is back.

gunicorn serves the app with DATABASE_URL pointing at a TCP proxy in front of
PostgreSQL; the test cuts the proxy (open connections reset, new ones refused), lets
the DollarPe emulator deliver its webhooks into the outage, then restores it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from kyc.models import AuditEvent, Status, Verification, WebhookEvent
from tests.support import builders
from tests.support.processes import Gunicorn, TcpProxy, database_url, uses_postgres
from tests.support.waiting import wait_for

CUSTOMERS = 4

pytestmark = pytest.mark.skipif(
    not uses_postgres(), reason="needs PostgreSQL reached over TCP (not the SQLite fallback)"
)


@pytest.fixture
def proxy() -> Iterator[TcpProxy]:
    settings_dict = connection.settings_dict
    tcp = TcpProxy(settings_dict["HOST"] or "127.0.0.1", int(settings_dict["PORT"] or 5432))
    yield tcp
    tcp.close()


@pytest.fixture
def server(proxy: TcpProxy, tmp_path: Path, transactional_db: Any) -> Iterator[Gunicorn]:
    app = Gunicorn(
        tmp_path / "gunicorn.log", DATABASE_URL=database_url(host="127.0.0.1", port=proxy.port)
    )
    yield app
    app.stop()


def _deliveries(customer_ids: set[str], url: str, emulator: Any) -> list[dict[str, Any]]:
    return [
        d for d in emulator.deliveries() if d["payload"]["id"] in customer_ids and d["url"] == url
    ]


@pytest.mark.django_db(transaction=True)
def test_webhooks_during_a_database_outage_get_5xx_then_apply_once(
    emulator: Any, celery_worker: Any, proxy: TcpProxy, server: Gunicorn
) -> None:
    emulator.config(auto_decision=False, webhook_retry_delays=[1, 1, 2, 2, 3, 5, 8, 13])
    verifications = [builders.processing() for _ in range(CUSTOMERS)]
    customer_ids = {builders.customer_id(v) for v in verifications}
    url = builders.register_webhook_url(server.url)
    rows_before = WebhookEvent.objects.count()

    proxy.cut()
    for customer_id in customer_ids:
        emulator.decide(customer_id)  # the decision is delivered at once, into the outage
    wait_for(
        lambda: _deliveries(customer_ids, url, emulator),
        lambda found: len(found) == CUSTOMERS and all(d["attempts"] for d in found),
    )
    # Refused with a "try later" answer, and nothing of them was written, not even in part.
    refused = _deliveries(customer_ids, url, emulator)
    assert {a["status_code"] for d in refused for a in d["attempts"]} == {503}
    assert WebhookEvent.objects.count() == rows_before
    statuses = Verification.objects.filter(pk__in=[v.pk for v in verifications])
    assert set(statuses.values_list("status", flat=True)) == {Status.PROCESSING}

    proxy.restore()
    # The emulator writes down an answer after it got it, and the app may have applied the
    # delivery by then: wait for both sides to settle, each on its own evidence.
    delivered = wait_for(
        lambda: _deliveries(customer_ids, url, emulator),
        lambda found: all(d["status"] != "pending" for d in found),
        limit=60,
    )
    assert {d["status"] for d in delivered} == {"delivered"}
    assert all(d["attempts"][-1]["status_code"] == 200 for d in delivered)
    wait_for(
        lambda: list(statuses.values_list("status", flat=True)),
        lambda found: found == [Status.VERIFIED] * CUSTOMERS,
        limit=60,
    )
    rows = WebhookEvent.objects.filter(entity_id__in=customer_ids)
    assert Counter(rows.values_list("entity_id", "state")) == {
        (customer_id, WebhookEvent.State.PROCESSED): 1 for customer_id in customer_ids
    }
    applied = AuditEvent.objects.filter(
        verification__in=verifications, to_status=Status.VERIFIED
    ).values_list("verification_id", flat=True)
    assert Counter(applied) == {v.pk: 1 for v in verifications}
