from __future__ import annotations

import pytest

from kyc.providers.dollarpe.errors import (
    CustomerNotFound,
    DollarPeRejected,
    InvalidStatusTransition,
    KycAlreadyExists,
    KycAlreadyInUse,
    UpdateLimitExceeded,
)
from kyc.providers.dollarpe.types import DocumentDetails, DocumentUpdate
from tests.support import images
from tests.support.waiting import wait_for

UNKNOWN = "6f1c2a1e-0000-4000-8000-000000000000"


def _settled(client, customer_id):
    return wait_for(lambda: client.get_customer(customer_id), lambda c: c.status != "PROCESSING")


@pytest.fixture
def customer(client, new_customer):
    return client.create_customer(new_customer())


def test_configuration_lists_document_types_and_additional_info(client, customer):
    config = client.kyc_configuration(customer.id)
    assert config.supported_document_types == ["AADHAAR", "PASSPORT", "VOTER_ID", "DRIVING_LICENSE"]
    rules = config.additional_info_required
    assert rules is not None
    assert (rules.rules.type, rules.rules.min_required) == ("allOf", 2)
    assert set(rules.fields) == {"income_range", "profession"}
    assert rules.fields["profession"].required is True


def test_configuration_of_an_unknown_customer(client):
    with pytest.raises(CustomerNotFound):
        client.kyc_configuration(UNKNOWN)


def test_submission_is_verified_after_the_documents_are_fetched(
    client, customer, kyc_data, wire, emulator
):
    answer = client.add_kyc_data(kyc_data(customer.id))
    assert (answer.id, answer.status) == (customer.id, "PROCESSING")
    assert _settled(client, customer.id).status == "VERIFIED"
    assert client.get_customer(customer.id).document_type == "AADHAAR"
    fetched = emulator.customer(customer.id)["documents"]
    assert len(fetched) == 3
    assert all(doc["ok"] for doc in fetched)
    assert "POST /kyc/add-kyc-data" in wire.validated()


def test_submitting_twice_and_reusing_kyc(client, customer, new_customer, kyc_data):
    data = kyc_data(customer.id)
    client.add_kyc_data(data)
    with pytest.raises(KycAlreadyExists):
        client.add_kyc_data(data)
    other = client.create_customer(new_customer())
    with pytest.raises(KycAlreadyInUse):
        client.add_kyc_data(kyc_data(other.id, tax_number=data.tax_number))
    with pytest.raises(CustomerNotFound):
        client.add_kyc_data(kyc_data(UNKNOWN))


def test_tax_failure_fixed_by_update_tax_info(client, customer, kyc_data, wire):
    client.add_kyc_data(kyc_data(customer.id, tax_number="ABCPE0000F"))
    failed = _settled(client, customer.id)
    assert (failed.status, failed.failure_reason) == ("FAILED", "TAX_VERIFICATION_FAILED")
    answer = client.update_tax_info(customer.id, "ABCPE1234F")
    assert answer.status == "PROCESSING"
    assert _settled(client, customer.id).status == "VERIFIED"
    assert {"POST /kyc/add-kyc-data", "PATCH /kyc/update-tax-info"} <= wire.validated()


def test_document_failure_fixed_by_update_document_info(
    client, customer, kyc_data, document_urls, wire
):
    data = kyc_data(customer.id, document_details=DocumentDetails(document_number="000012345678"))
    client.add_kyc_data(data)
    assert _settled(client, customer.id).failure_reason == "DOCUMENT_VERIFICATION_FAILED"
    urls = document_urls()
    update = DocumentUpdate(
        customer_id=customer.id,
        full_address=data.full_address,
        document_type="PASSPORT",
        document_front_image_url=urls["document_front_image_url"],
        document_back_image_url=urls["document_back_image_url"],
        document_details=DocumentDetails(document_number="K1234567"),
        phone=data.phone,
    )
    assert client.update_document_info(update).status == "PROCESSING"
    assert _settled(client, customer.id).status == "VERIFIED"
    assert "PATCH /kyc/update-document-info" in wire.validated()


def test_unreadable_document_fails_the_document_check(client, customer, kyc_data, document_urls):
    client.add_kyc_data(kyc_data(customer.id, **document_urls(front=images.EXECUTABLE)))
    assert _settled(client, customer.id).failure_reason == "DOCUMENT_VERIFICATION_FAILED"


def test_selfie_failure_fixed_by_update_selfie_info(client, customer, kyc_data, document_urls):
    client.add_kyc_data(kyc_data(customer.id, **document_urls(selfie=images.PDF)))
    assert _settled(client, customer.id).failure_reason == "SELFIE_VERIFICATION_FAILED"
    assert (
        client.update_selfie_info(customer.id, document_urls()["selfie_url"]).status == "PROCESSING"
    )
    assert _settled(client, customer.id).status == "VERIFIED"


def test_additional_info_failure_fixed_by_update_additional_info(client, customer, kyc_data):
    client.add_kyc_data(
        kyc_data(customer.id, additional_info={"income_range": "FAIL", "profession": "Chef"})
    )
    failed = _settled(client, customer.id)
    assert failed.status == "FAILED"
    fixed = {"income_range": "10L-25L", "profession": "Chef"}
    assert client.update_additional_info(customer.id, fixed).status == "PROCESSING"
    assert _settled(client, customer.id).status == "VERIFIED"


def test_updates_are_refused_unless_failed_and_limited_to_three(client, customer, kyc_data):
    with pytest.raises(DollarPeRejected):
        client.update_tax_info(customer.id, "ABCPE1234F")  # not FAILED yet
    client.add_kyc_data(kyc_data(customer.id, tax_number="ABCPE0000F"))
    for _ in range(3):
        assert _settled(client, customer.id).status == "FAILED"
        client.update_tax_info(customer.id, "ABCPF0000G")  # still a failing PAN
    assert _settled(client, customer.id).status == "FAILED"
    with pytest.raises(UpdateLimitExceeded):
        client.update_tax_info(customer.id, "ABCPE1234F")


def test_kyc_failed_is_terminal(client, customer, kyc_data):
    client.add_kyc_data(kyc_data(customer.id, dob="01-01-1900"))
    assert _settled(client, customer.id).failure_reason == "KYC_FAILED"


def test_reset_only_from_verified(client, customer, kyc_data):
    with pytest.raises(DollarPeRejected):
        client.reset_kyc(customer.id)
    client.add_kyc_data(kyc_data(customer.id))
    _settled(client, customer.id)
    assert client.reset_kyc(customer.id).status == "UNVERIFIED"
    assert client.get_customer(customer.id).status == "UNVERIFIED"
    client.add_kyc_data(kyc_data(customer.id))  # KYC can be redone after a reset
    with pytest.raises(CustomerNotFound):
        client.reset_kyc(UNKNOWN)


@pytest.mark.parametrize(
    ("target", "status", "reason"),
    [
        ("VERIFIED", "VERIFIED", None),
        ("TAX_VERIFICATION_FAILED", "FAILED", "TAX_VERIFICATION_FAILED"),
        ("DOCUMENT_VERIFICATION_FAILED", "FAILED", "DOCUMENT_VERIFICATION_FAILED"),
        ("UNVERIFIED", "UNVERIFIED", None),
    ],
)
def test_mock_status_from_processing(client, customer, kyc_data, emulator, target, status, reason):
    emulator.config(auto_decision=False)
    client.add_kyc_data(kyc_data(customer.id))
    answer = client.mock_kyc_status(customer.id, target)
    assert answer.status == status
    current = client.get_customer(customer.id)
    assert (current.status, current.failure_reason) == (status, reason)


def test_mock_status_refuses_undocumented_transitions(client, customer, kyc_data, emulator, wire):
    with pytest.raises(InvalidStatusTransition):
        client.mock_kyc_status(customer.id, "VERIFIED")  # UNVERIFIED: nothing allowed
    emulator.config(auto_decision=False)
    client.add_kyc_data(kyc_data(customer.id))
    client.mock_kyc_status(customer.id, "VERIFIED")
    with pytest.raises(InvalidStatusTransition):
        client.mock_kyc_status(customer.id, "TAX_VERIFICATION_FAILED")  # VERIFIED: only UNVERIFIED
    assert client.mock_kyc_status(customer.id, "UNVERIFIED").status == "UNVERIFIED"
    assert "PATCH /kyc/mock-kyc-status" in wire.validated()


def test_generate_link(client, customer):
    link = client.generate_link(customer.id, "https://kyc.example.com/back")
    assert link.url.startswith("http")
    with pytest.raises(CustomerNotFound):
        client.generate_link(UNKNOWN, "https://kyc.example.com/back")
