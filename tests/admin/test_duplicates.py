"""Duplicate detection: the blind index written by the services, the detail page's list of
applicants sharing a number, the "has duplicates" filter, the search by a whole number,
the provider's "already in use" refusals linked, and the key's rotation."""

from __future__ import annotations

import logging
import uuid
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kyc.blind_index import digest
from kyc.models import (
    AuditEvent,
    BankAccount,
    IdentityDigest,
    Status,
    Submission,
    Verification,
)
from kyc.services.banks import BankRefused, bank_account_add
from kyc.services.customers import verification_create_customer, verification_save_profile
from kyc.services.duplicates import duplicates_index
from kyc.services.polling import verification_poll
from kyc.services.submissions import submission_create
from onboarding.logs import SearchTermsHidden
from tests.admin.conftest import verification_row as shared_phone_row
from tests.admin.conftest import with_bank
from tests.support import builders
from tests.support.waiting import wait_for

pytestmark = pytest.mark.django_db
LIST = reverse("admin:kyc_verification_changelist")
PAN = "ABCPR1234K"
DOCUMENT = "987654321012"
KEY_1 = "first-blind-index-key-for-the-tests-" + "1" * 20
KEY_2 = "second-blind-index-key-for-the-tests-" + "2" * 20


def verification_row(**fields: Any) -> Verification:
    """A row written directly (not indexed), with a phone of its own unless given one."""
    return shared_phone_row(**({"phone": f"+9197{uuid.uuid4().int % 10**8:08d}"} | fields))


def detail(verification: Verification) -> str:
    return reverse("admin:kyc_verification_change", args=[verification.pk])


def section(page: str) -> str:
    """The "Shared identity data" fieldset of a verification page."""
    start = page.index("Shared identity data")
    return page[start : page.index("</fieldset>", start)]


def submitted(verification: Verification, **data: Any) -> Submission:
    """An initial submission through the service (the worker would send it on commit)."""
    values = {"tax_number": PAN, "document_number": DOCUMENT, "documents": {}} | data
    return submission_create(
        verification=verification,
        kind=Submission.Kind.INITIAL,
        data=values,
        actor=verification.user,
    )


def flagged(*verifications: Verification) -> list[bool]:
    return [Verification.objects.get(pk=v.pk).has_duplicates for v in verifications]


# --- the index the services write ------------------------------------------------------------
def test_a_second_applicant_with_the_same_phone_is_found_and_both_are_flagged():
    first = builders.saved_profile(phone="+91 98123 45678")
    second = builders.saved_profile(phone="+919812345678")  # formatted otherwise: one number
    third = builders.saved_profile()
    assert flagged(first, second, third) == [True, True, False]
    found = AuditEvent.objects.get(verification=second, action="duplicates_found")
    assert found.note == f"shares Phone with {first.reference}"
    assert AuditEvent.objects.filter(verification=first, action="duplicates_found").count() == 1


def test_only_digests_are_stored_never_a_number():
    verification = verification_row(email="asha@example.com", phone="+919812345678")
    submitted(verification)
    rows = IdentityDigest.objects.filter(verification=verification)
    assert sorted(rows.values_list("kind", flat=True)) == [
        "document_number",
        "email",
        "phone",
        "tax_number",
    ]
    with connection.cursor() as cursor:
        cursor.execute("SELECT kind, key_id, digest FROM kyc_identitydigest")
        stored = str(cursor.fetchall())
    for number in (PAN, DOCUMENT, "9812345678", "asha@example.com"):
        assert number not in stored


def test_a_submission_sharing_a_tax_number_flags_both_and_the_page_lists_each_other(
    officer_client,
):
    first, second = verification_row(full_name="Asha Rao"), verification_row(full_name="Ravi K")
    submitted(first)
    assert flagged(first, second) == [False, False]
    submitted(second, tax_number="abcpr 1234 k", document_number="111122223333")
    assert flagged(first, second) == [True, True]
    shown = section(officer_client.get(detail(second)).content.decode())
    assert f'href="{detail(first)}"' in shown
    assert "Asha Rao" in shown
    assert first.reference in shown
    assert "Tax number" in shown
    assert "Document number" not in shown
    assert PAN not in shown  # which kind matched, never the number


def test_a_changed_profile_clears_the_flag_of_the_one_it_no_longer_matches():
    first = builders.saved_profile(phone="9812345678")
    second = builders.saved_profile(phone="9812345678")
    assert flagged(first, second) == [True, True]
    verification_save_profile(user=second.user, profile=builders.profile(phone="9700000001"))
    assert flagged(first, second) == [False, False]
    assert AuditEvent.objects.filter(verification=first, action="duplicates_cleared").exists()


def test_the_viewer_sees_the_same_kinds_and_links_and_never_the_number(viewer_client):
    first, second = verification_row(), verification_row()
    submitted(first)
    submitted(second)
    page = viewer_client.get(detail(second)).content.decode()
    shown = section(page)
    assert f'href="{detail(first)}"' in shown
    assert "Tax number, Document number" in shown
    assert PAN not in page
    assert DOCUMENT not in page


# --- the list: filter and query counts -------------------------------------------------------
def _rows(count: int, *, sharing: bool) -> None:
    for _ in range(count):
        verification = verification_row(phone="+919800000000" if sharing else "")
        duplicates_index(verification_id=verification.pk)


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
        assert response.status_code == 200
    return len(context.captured_queries)


def test_the_has_duplicates_filter_lists_only_those_sharing_a_number(officer_client):
    alone = verification_row(full_name="Alone Here", phone="+919811111111")
    duplicates_index(verification_id=alone.pk)
    _rows(3, sharing=True)
    response = officer_client.get(f"{LIST}?duplicates=yes")
    listed = {v.pk for v in response.context["cl"].result_list}
    assert listed == set(
        Verification.objects.filter(phone="+919800000000").values_list("pk", flat=True)
    )
    assert alone.pk not in listed
    assert "Has duplicates" in officer_client.get(LIST).content.decode()


def test_the_filter_uses_its_partial_index_and_no_count_star_of_the_table(officer_client):
    _rows(5, sharing=True)
    with CaptureQueriesContext(connection) as context:
        officer_client.get(f"{LIST}?duplicates=yes")
    sql = [q["sql"] for q in context.captured_queries if "kyc_verification" in q["sql"]]
    assert any('"kyc_verification"."has_duplicates"' in s for s in sql)
    counts = [s for s in sql if "COUNT(*)" in s]
    assert all("has_duplicates" in s for s in counts)  # only the filtered rows are counted
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        cursor.execute(
            "EXPLAIN SELECT id FROM kyc_verification WHERE has_duplicates "
            "ORDER BY status_changed_at DESC, id DESC LIMIT 100"
        )
        plan = " ".join(row[0] for row in cursor.fetchall())
        cursor.execute("SET enable_seqscan = on")
    assert "kyc_has_duplicates" in plan


def test_the_filtered_list_does_not_grow_in_queries_with_its_page(officer_client):
    _rows(5, sharing=True)
    few = _queries(officer_client, f"{LIST}?duplicates=yes")
    _rows(30, sharing=True)
    assert _queries(officer_client, f"{LIST}?duplicates=yes") == few


def test_the_duplicates_section_does_not_grow_in_queries_with_the_duplicates(officer_client):
    first = verification_row(phone="+919800000000")
    submitted(first)
    with_bank(first)
    duplicates_index(verification_id=first.pk)
    _rows(2, sharing=True)
    few = _queries(officer_client, detail(first))
    _rows(20, sharing=True)
    page = officer_client.get(detail(first)).content.decode()
    assert section(page).count('href="/admin/kyc/verification/') == 22
    assert _queries(officer_client, detail(first)) == few


# --- search by a whole number ----------------------------------------------------------------
def test_an_officer_finds_the_holders_of_a_whole_number(officer_client):
    first, second, other = verification_row(), verification_row(), verification_row()
    submitted(first)
    submitted(second, tax_number="XYZPR9999K", document_number=DOCUMENT)
    submitted(other, tax_number="QQQPR5555K", document_number="555566667777")
    with_bank(other, number="123456789012")
    duplicates_index(verification_id=other.pk)
    cases = {
        "abcpr1234k": {first.pk},
        "9876 5432 1012": {first.pk, second.pk},
        "1234-5678-9012": {other.pk},
        other.email.upper(): {other.pk},
    }
    for term, expected in cases.items():
        response = officer_client.get(LIST, {"q": term})
        assert {v.pk for v in response.context["cl"].result_list} == expected, term


def test_a_viewer_cannot_look_up_who_holds_a_number(viewer_client):
    holder = verification_row()
    submitted(holder)
    response = viewer_client.get(LIST, {"q": PAN})
    assert list(response.context["cl"].result_list) == []
    # The usual search still works for a viewer.
    response = viewer_client.get(LIST, {"q": holder.full_name})
    assert [v.pk for v in response.context["cl"].result_list] == [holder.pk]


def test_nothing_of_a_number_reaches_the_logs(officer_client, caplog):
    caplog.set_level(logging.DEBUG)
    holder = verification_row()
    submitted(holder)
    officer_client.get(LIST, {"q": PAN})
    officer_client.get(detail(holder))
    logged = " ".join(record.getMessage() for record in caplog.records)
    assert PAN not in logged
    assert DOCUMENT not in logged


def test_a_searched_number_never_reaches_the_log_output(officer_client):
    # The console handler of settings.LOGGING, which access and request lines go through.
    (handler,) = [
        h
        for h in logging.getLogger().handlers
        if any(isinstance(f, SearchTermsHidden) for f in h.filters)
    ]
    stream = StringIO()
    previous = handler.setStream(stream)  # type: ignore[attr-defined]
    try:
        access = logging.getLogger("django.server")
        line = f"GET {LIST}?status__exact=FAILED&q={PAN}&o=1 HTTP/1.1"
        access.info('"%s" %s %s', line, "200", "512")
        access.info('"%s" %s %s', f"GET {LIST}?q=%2B91+98123+45678 HTTP/1.1", "200", "512")
    finally:
        handler.setStream(previous)  # type: ignore[attr-defined]
    written = stream.getvalue()
    assert PAN not in written
    assert "98123" not in written
    assert f"GET {LIST}?status__exact=FAILED&q=…&o=1 HTTP/1.1" in written  # the rest is kept


# --- the key's rotation and the backfill -----------------------------------------------------
def test_rotation_reindexes_under_the_newest_key_and_matches_all_along(officer_client, settings):
    settings.KYC_BLIND_INDEX_KEYS = {"k1": KEY_1}
    first, second = verification_row(), verification_row()
    submitted(first)
    submitted(second)
    settings.KYC_BLIND_INDEX_KEYS = {"k2": KEY_2, "k1": KEY_1}
    third = verification_row()
    submitted(third)  # indexed under k2 while the others are still under k1
    assert flagged(first, second, third) == [True, True, True]
    response = officer_client.get(LIST, {"q": PAN})
    assert {v.pk for v in response.context["cl"].result_list} == {first.pk, second.pk, third.pk}
    shown = section(officer_client.get(detail(first)).content.decode())
    assert f'href="{detail(third)}"' in shown

    out = StringIO()
    call_command("kyc_blind_index", "--batch", "2", stdout=out)
    assert set(IdentityDigest.objects.values_list("key_id", flat=True)) == {"k2"}
    assert "entries left under older keys" in out.getvalue()
    assert out.getvalue().endswith("0 entries left under older keys\n")
    pan_k2 = digest("tax_number", PAN, KEY_2)
    holders = IdentityDigest.objects.filter(digest=pan_k2).values_list("verification_id", flat=True)
    assert set(holders) == {first.pk, second.pk, third.pk}
    assert PAN not in out.getvalue()

    again = StringIO()
    call_command("kyc_blind_index", stdout=again)  # resumable: nothing left to do
    assert again.getvalue().startswith("0 applicants indexed under key k2")

    settings.KYC_BLIND_INDEX_KEYS = {"k2": KEY_2}  # the old key dropped: still found
    response = officer_client.get(LIST, {"q": PAN})
    assert {v.pk for v in response.context["cl"].result_list} == {first.pk, second.pk, third.pk}


def test_the_command_backfills_rows_stored_before_the_index(settings):
    first, second = verification_row(), verification_row()
    with_bank(first, number="555544443333")
    with_bank(second, number="5555 4444 3333")
    assert not IdentityDigest.objects.exists()  # written directly: never indexed
    out = StringIO()
    call_command("kyc_blind_index", "--after", "0", stdout=out)
    assert out.getvalue().startswith("2 applicants indexed")
    assert flagged(first, second) == [True, True]
    kinds = AuditEvent.objects.get(verification=first, action="duplicates_found").note
    assert kinds == f"shares Bank account number with {second.reference}"


# --- the provider's refusals, through the DollarPe emulator ----------------------------------
def test_kyc_already_in_use_links_to_the_applicant_holding_the_tax_number(emulator, officer_client):
    first = builders.processing()
    pan = Submission.objects.get(verification=first).data["tax_number"]
    second = builders.customer()
    refused = builders.sent(builders.queued_submission(second, tax_number=pan))
    assert refused.state == Submission.State.REJECTED
    assert "KYC already in use" in refused.last_error
    shown = section(officer_client.get(detail(second)).content.decode())
    refusal = shown[shown.index("already in use") :]
    assert "KYC already in use" in refusal
    assert f'href="{detail(first)}"' in refusal
    assert pan not in shown


def test_phone_already_in_use_links_to_the_applicant_with_that_phone(emulator, officer_client):
    first = builders.customer()
    second = builders.saved_profile(phone=first.phone)
    outcome = verification_create_customer(verification_id=second.pk)
    assert not outcome.created
    second.refresh_from_db()
    assert "phone" in second.customer_errors
    shown = section(officer_client.get(detail(second)).content.decode())
    refusal = shown[shown.index("already in use") :]
    assert "Phone already in use" in refusal
    assert f'href="{detail(first)}"' in refusal


def test_a_refusal_about_a_number_none_of_ours_holds_says_so(officer_client):
    alone = verification_row(customer_errors={"email": ["Email already in use."]})
    duplicates_index(verification_id=alone.pk)
    shown = section(officer_client.get(detail(alone)).content.decode())
    assert "Email already in use." in shown
    assert "no applicant of ours holds it" in shown


def _verified(emulator: Any) -> Verification:
    verification = builders.processing()
    customer_id = builders.customer_id(verification)
    wait_for(lambda: emulator.customer(customer_id)["status"], lambda s: s == "VERIFIED")
    verification_poll(verification_id=verification.pk)
    verification.refresh_from_db()
    assert verification.status == Status.VERIFIED
    return verification


def test_upi_id_already_in_use_links_to_the_applicant_who_added_it(emulator, officer_client):
    emulator.config(hold_webhooks=True)
    first, second = _verified(emulator), _verified(emulator)
    bank_account_add(verification=first, kind="vpa", vpa="asha.rao@okaxis")
    with pytest.raises(BankRefused):
        bank_account_add(verification=second, kind="vpa", vpa="Asha.Rao@okaxis")
    refused = BankAccount.objects.get(verification=second)
    assert refused.status == BankAccount.State.REJECTED
    assert flagged(first, second) == [True, True]
    shown = section(officer_client.get(detail(second)).content.decode())
    assert "UPI ID" in shown
    refusal = shown[shown.index("already in use") :]
    assert f'href="{detail(first)}"' in refusal
    assert "asha.rao" not in shown.lower()
