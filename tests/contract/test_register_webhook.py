"""`manage.py kyc_register_webhook` registers a URL the emulator then delivers to."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from tests.settings import free_port
from tests.support.scripted_http import scripted_server
from tests.support.waiting import wait_for


def test_registered_url_receives_signed_webhooks(emulator, capsys, settings):
    with scripted_server() as (url, receiver):
        call_command("kyc_register_webhook", url=url + "/webhooks/dollarpe/")
        assert "Webhook URL registered" in capsys.readouterr().out
        emulator.send_webhook("CUSTOMER", "6f1c2a1e-0000-4000-8000-000000000001", "VERIFIED")
        wait_for(lambda: receiver.requests, bool)
    method, path, headers, _ = receiver.requests[0]
    assert (method, path) == ("POST", "/webhooks/dollarpe/")
    assert {"X-TIMESTAMP", "X-SIGNATURE"} <= set(headers)


def test_default_url_comes_from_public_base_url(emulator, capsys, settings):
    settings.PUBLIC_BASE_URL = "https://kyc.example.com"
    call_command("kyc_register_webhook")
    assert "https://kyc.example.com/webhooks/dollarpe/" in capsys.readouterr().out


def test_unreachable_provider_fails_after_the_wait(settings):
    settings.DOLLARPE_BASE_URL = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(CommandError, match="unreachable"):
        call_command("kyc_register_webhook", wait=0.3)


def test_refused_registration_is_reported(emulator, settings):
    settings.DOLLARPE_API_SECRET = "wrong"
    with pytest.raises(CommandError, match="refused"):
        call_command("kyc_register_webhook")


def test_one_provider_by_name_through_the_registry(emulator, capsys, settings):
    settings.PUBLIC_BASE_URL = "https://kyc.example.com"
    call_command("kyc_register_webhook", provider=["dollarpe"])
    assert "Webhook URL registered with DollarPe: https://kyc.example.com/webhooks/dollarpe/" in (
        capsys.readouterr().out
    )


def test_a_provider_that_is_not_enabled_is_refused(settings):
    with pytest.raises(CommandError, match=r"Not an enabled provider: qolo\."):
        call_command("kyc_register_webhook", provider=["qolo"])
