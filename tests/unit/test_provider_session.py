"""Provider clients share their thread's HTTP session: a worker's tasks (a new client each)
reuse one kept-alive connection to the provider instead of opening one per call, and the
environment (proxies, CA bundle) is read once, not on every request."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from requests.adapters import HTTPAdapter

from kyc.providers import base
from kyc.providers.dollarpe.client import DollarPeClient


@pytest.fixture
def fresh_session(monkeypatch: pytest.MonkeyPatch) -> None:
    """This thread starts without a session (the environment of this test decides)."""
    monkeypatch.setattr(base, "_local", threading.local())


def test_clients_made_one_after_the_other_reuse_one_connection(
    emulator: Any, settings: Any, fresh_session
):
    for _ in range(3):  # as three tasks would: a client each
        DollarPeClient.from_settings().list_customers()
    url = settings.DOLLARPE_BASE_URL
    adapter = base.shared_session().get_adapter(url)
    assert isinstance(adapter, HTTPAdapter)
    pools = adapter.poolmanager.pools
    # urllib3 refuses to iterate the container itself (not thread-safe): its keys().
    keys = pools.keys()
    (pool,) = [pools[key] for key in keys if f"{key.key_host}:{key.key_port}" in url]
    assert pool.num_connections == 1
    assert pool.num_requests == 3


def test_each_thread_has_its_own_session(fresh_session):
    here = base.shared_session()
    there: list[Any] = []
    thread = threading.Thread(target=lambda: there.append(base.shared_session()))
    thread.start()
    thread.join()
    assert base.shared_session() is here
    assert there[0] is not here


def test_the_environment_is_read_once(monkeypatch: pytest.MonkeyPatch, fresh_session):
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/certs/ca-certificates.crt")
    session = base.shared_session()
    assert session.trust_env is False
    assert session.proxies["https"] == "http://proxy.example:3128"
    assert session.verify == "/etc/ssl/certs/ca-certificates.crt"


def test_with_a_no_proxy_list_requests_reads_it_per_host(
    monkeypatch: pytest.MonkeyPatch, fresh_session
):
    monkeypatch.setenv("NO_PROXY", "provider.internal")
    assert base.shared_session().trust_env is True
