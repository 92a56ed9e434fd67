"""One user, one onboarding: no page or file of it shows anything to anyone else."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kyc.models import BankAccount
from kyc.services.status import verification_apply_status
from tests.onboarding.conftest import (
    created_verification,
    local_verification,
    make_user,
    store,
)
from tests.support import images

pytestmark = pytest.mark.django_db

PAGES = [
    "onboarding:start",
    "onboarding:profile",
    "onboarding:uploads",
    "onboarding:status",
    "onboarding:status_live",
    "onboarding:fix",
    "onboarding:bank",
    "onboarding:bank_live",
]


def secrets_of(verification) -> list[str]:
    return [
        verification.full_name,
        verification.email,
        verification.phone,
        verification.client_reference_id,
        verification.provider_customer_id,
    ]


def test_no_page_shows_anything_of_another_users_onboarding(client):
    owner = make_user()
    theirs = local_verification(owner, full_name="Zara Khan", status="VERIFIED")
    BankAccount.objects.create(
        verification=theirs, kind="vpa", vpa="zara@okaxis", label="za•••@okaxis"
    )
    client.force_login(make_user())
    for name in PAGES:
        content = client.get(reverse(name), follow=True).content.decode()
        for secret in [*secrets_of(theirs), "za•••@okaxis"]:
            assert secret not in content, (name, secret)


def test_each_user_sees_only_their_own_status(client):
    first, second = make_user(), make_user()
    mine = local_verification(first, full_name="Asha Rao")
    verification_apply_status(verification_id=mine.pk, status="PROCESSING", source="provider")
    local_verification(second, full_name="Zara Khan")
    client.force_login(second)
    assert "Not submitted yet" in client.get(reverse("onboarding:status")).content.decode()
    client.force_login(first)
    assert "Being checked" in client.get(reverse("onboarding:status")).content.decode()


def test_changing_the_document_id_in_the_url_finds_nothing(client, emulator):
    document = store(created_verification(make_user()), "selfie", images.png())
    client.force_login(make_user())
    assert client.post(reverse("onboarding:check", args=[document.pk])).status_code == 404
    intruder = make_user()
    created_verification(intruder)
    client.force_login(intruder)
    response = client.post(reverse("onboarding:check", args=[document.pk]))
    assert response.status_code == 404
    assert str(document.key) not in response.content.decode()
