"""The back-office defects of issue 16, each with the test that failed before its fix:
buttons offered only where they work, "What the user must fix" before a submission, a
refused customer tried again, bullets not escapes, our audit trail in History and Recent
actions with no link to a 403, readable filter labels, the audit list's filters and search,
and a forged list action refused aloud."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from datetime import datetime, time, timedelta
from typing import Any
from urllib.parse import urljoin

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from kyc.admin.actions import DETAIL_ACTIONS, offered_actions, without_futile_actions
from kyc.admin.pending import still_to_do
from kyc.models import (
    AuditEvent,
    CustomerState,
    Document,
    ProviderCall,
    Status,
    Submission,
    Verification,
    WebhookEvent,
)
from kyc.services import customer_retry, staff
from kyc.tasks import send_user_email
from tests.admin.conftest import (
    ROLES,
    ago,
    staff_member,
    verification_row,
    with_bank,
    with_submission,
)
from tests.onboarding.conftest import make_user, profile_data

pytestmark = pytest.mark.django_db
LIST = reverse("admin:kyc_verification_changelist")
AUDIT = reverse("admin:kyc_auditevent_changelist")
PROFILE = reverse("onboarding:profile")


def change_url(verification: Verification) -> str:
    return reverse("admin:kyc_verification_change", args=[verification.pk])


def action_url(verification: Verification, action: str) -> str:
    return reverse("admin:kyc_verification_staff_action", args=[verification.pk, action])


def shown_messages(response: Any) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


# --- (b) buttons only where they can work --------------------------------------------------
def profile_refused() -> Verification:
    return verification_row(
        customer_state=CustomerState.REJECTED,
        provider_customer_id=None,
        customer_errors={"email": ["Email already in use"]},
    )


def not_created() -> Verification:
    return verification_row(customer_state=CustomerState.PENDING, provider_customer_id=None)


def nothing_sent() -> Verification:
    return verification_row()


def queued() -> Verification:
    verification = verification_row()
    with_submission(verification)
    Submission.objects.filter(verification=verification).update(state=Submission.State.QUEUED)
    return verification


def being_sent_now() -> Verification:
    verification = verification_row()
    with_submission(verification)
    Submission.objects.filter(verification=verification).update(
        state=Submission.State.SENDING, sending_since=timezone.now()
    )
    return verification


def processing() -> Verification:
    verification = verification_row(status=Status.PROCESSING, submitted_at=ago(hours=1))
    with_submission(verification)
    return verification


def tax_failed_correction_refused() -> Verification:
    verification = verification_row(
        status=Status.FAILED, failure_reason="tax_number", decided_at=ago(hours=1)
    )
    with_submission(verification)
    Submission.objects.create(
        verification=verification,
        kind=Submission.Kind.TAX,
        state=Submission.State.REJECTED,
        data={"tax_number": "ABCPR9999K"},
    )
    return verification


def tax_failed_no_attempt_left() -> Verification:
    verification = verification_row(
        status=Status.FAILED, failure_reason="tax_number", corrections_used=3
    )
    with_submission(verification)
    return verification


def failed_for_our_team() -> Verification:
    verification = verification_row(status=Status.FAILED, failure_reason="screening")
    with_submission(verification)
    return verification


def verified() -> Verification:
    verification = verification_row(status=Status.VERIFIED)
    with_submission(verification)
    return verification


ALWAYS = {"add_note", "hold", "decide"}  # a hold and our own decision: any state
AT_PROVIDER = ALWAYS | {"refresh", "force_outcome"}
CASES: list[tuple[Callable[[], Verification], set[str]]] = [
    (profile_refused, ALWAYS | {"retry_customer", "request_profile_correction"}),
    (not_created, ALWAYS),
    (nothing_sent, AT_PROVIDER),
    (queued, AT_PROVIDER | {"retry"}),
    (being_sent_now, AT_PROVIDER),
    (processing, AT_PROVIDER | {"reset"}),
    (
        tax_failed_correction_refused,
        AT_PROVIDER | {"reset", "retry", "request_resubmission", "resubmit"},
    ),
    (tax_failed_no_attempt_left, AT_PROVIDER | {"reset"}),
    (failed_for_our_team, AT_PROVIDER | {"reset"}),
    (verified, AT_PROVIDER | {"reset"}),
]


@pytest.mark.parametrize(("build", "expected"), CASES, ids=[case.__name__ for case, _ in CASES])
def test_each_button_is_offered_only_in_the_states_it_works_in(build, expected, officer, viewer):
    verification = build()
    assert {action.name for action in offered_actions(officer, verification)} == expected
    assert offered_actions(viewer, verification) == []


# The services that decide without calling the provider: offered exactly when they would act.
LOCAL_SERVICES = {
    "retry": lambda v, actor: staff.staff_retry_submission(verification_id=v.pk, actor=actor),
    "request_resubmission": lambda v, actor: staff.staff_request_resubmission(
        verification_id=v.pk, actor=actor
    ),
    "resubmit": lambda v, actor: staff.staff_resubmit(verification_id=v.pk, actor=actor),
    "request_profile_correction": lambda v, actor: customer_retry.staff_request_profile_correction(
        verification_id=v.pk, actor=actor
    ),
}


@pytest.mark.parametrize(("build", "expected"), CASES, ids=[case.__name__ for case, _ in CASES])
@pytest.mark.parametrize("name", sorted(LOCAL_SERVICES))
def test_a_button_left_out_is_one_its_service_refuses(build, expected, name, officer):
    verification = build()
    result = LOCAL_SERVICES[name](verification, officer)
    assert result.done == (name in expected), result.message


def test_the_page_shows_only_the_buttons_that_work(officer_client):
    verification = nothing_sent()
    page = officer_client.get(change_url(verification)).content.decode()
    assert action_url(verification, "refresh") in page
    for name in ("retry", "request_resubmission", "resubmit", "reset", "retry_customer"):
        assert action_url(verification, name) not in page
    assert set(DETAIL_ACTIONS) >= {"retry_customer", "request_profile_correction"}


@pytest.mark.parametrize(
    ("query", "left_out"),
    [
        ({}, {"accept_downgrade_selected", "dismiss_downgrade_selected"}),
        ({"downgrade": "reported"}, set()),
        (
            {"status__exact": "VERIFIED"},
            {
                "accept_downgrade_selected",
                "dismiss_downgrade_selected",
                "request_resubmission_selected",
                "resubmit_selected",
            },
        ),
        (
            {"status__exact": "UNVERIFIED"},
            {
                "accept_downgrade_selected",
                "dismiss_downgrade_selected",
                "request_resubmission_selected",
                "resubmit_selected",
                "reset_selected",
            },
        ),
        ({"status__exact": "FAILED"}, {"accept_downgrade_selected", "dismiss_downgrade_selected"}),
    ],
)
def test_list_actions_are_offered_where_the_list_shows_rows_they_work_on(
    officer_client, query, left_out
):
    everything = {
        "refresh_selected",
        "retry_selected",
        "request_resubmission_selected",
        "resubmit_selected",
        "reset_selected",
        "accept_downgrade_selected",
        "dismiss_downgrade_selected",
    }
    cases = {"claim_selected", "assign_selected", "release_selected"}  # any case, any state
    assert set(without_futile_actions(dict.fromkeys(everything), query)) == everything - left_out
    listing = officer_client.get(LIST, query)
    offered = {name for name, _ in listing.context["action_form"].fields["action"].choices}
    assert offered - {""} == (everything | cases) - left_out


# --- (c) what the user must fix, before a submission too ----------------------------------
def test_a_refused_profile_says_which_fields_to_correct(officer_client):
    verification = profile_refused()
    said = still_to_do(verification)
    assert said == "Correct the profile the provider refused (email: Email already in use)."
    assert said in officer_client.get(change_url(verification)).content.decode()


def photo(verification: Verification, kind: str) -> Document:
    return Document.objects.create(
        verification=verification,
        kind=kind,
        key=f"uploads/{verification.pk}/{kind}",
        state=Document.State.ACCEPTED,
    )


def test_missing_photos_are_named():
    verification = nothing_sent()
    photo(verification, Document.Kind.FRONT)
    assert still_to_do(verification) == "Upload the photos still missing: Document, back, Selfie."


def test_photos_uploaded_and_no_details_sent():
    verification = nothing_sent()
    for kind in Document.Kind.values:
        photo(verification, kind)
    assert still_to_do(verification) == (
        "Fill in and send the identity details (the photos are uploaded)."
    )


def test_details_refused_by_the_provider_say_so():
    verification = nothing_sent()
    Submission.objects.create(
        verification=verification,
        kind=Submission.Kind.INITIAL,
        state=Submission.State.REJECTED,
        last_error="KYC already in use",
        data={},
    )
    assert still_to_do(verification) == (
        "Send the details again: the provider refused them (KYC already in use)."
    )


@pytest.mark.parametrize(
    ("build", "said"),
    [
        (not_created, "Nothing for now: the profile waits to be created at the provider."),
        (queued, "Nothing for now: the details are on their way to the provider."),
        (processing, "Nothing for now: the provider is checking what was sent."),
        (verified, "Nothing: verified."),
        (tax_failed_no_attempt_left, "Tax number"),  # a failure: what to send again
    ],
)
def test_every_other_state_says_what_is_left_or_that_nothing_is(build, said):
    assert still_to_do(build()) == said


def test_waiting_for_the_applicant_names_the_providers_step():
    verification = verification_row(
        status=Status.ACTION_REQUIRED, action={"kind": "challenge", "url": ""}
    )
    assert still_to_do(verification) == "Answer the provider's questions."


# --- (d) a customer the provider refused, tried again -------------------------------------
def clashing_applicant(client: Client) -> tuple[Verification, dict[str, Any]]:
    """An applicant whose email another customer at the emulator already has."""
    first = profile_data()
    client.force_login(make_user())
    assert client.post(PROFILE, first).status_code == 302
    user = make_user()
    client.force_login(user)
    data = profile_data(email=first["email"])
    client.post(PROFILE, data)
    verification = Verification.objects.get(user=user)
    assert verification.customer_state == CustomerState.REJECTED
    assert verification.customer_errors["email"]
    return verification, data


def test_staff_ask_the_provider_again_once_the_cause_is_gone(officer, emulator):
    verification, _data = clashing_applicant(Client())
    officer_client = Client()
    officer_client.force_login(officer)
    page = officer_client.get(change_url(verification)).content.decode()
    assert action_url(verification, "retry_customer") in page
    assert action_url(verification, "refresh") not in page  # no customer to refresh

    # Refused again while the other customer still has the email: nothing created.
    officer_client.post(action_url(verification, "retry_customer"))
    verification.refresh_from_db()
    assert verification.customer_state == CustomerState.REJECTED
    assert verification.customer_errors["email"]

    emulator.reset()  # the provider removed the other customer (its state wiped)
    response = officer_client.post(action_url(verification, "retry_customer"))
    assert "The customer is now created at the provider." in shown_messages(response)
    verification.refresh_from_db()
    assert verification.customer_state == CustomerState.CREATED
    assert verification.customer_errors == {}
    assert emulator.customer(verification.provider_customer_id)["email"] == verification.email
    retried = verification.audit_events.filter(action="customer_create_retried")
    assert retried.count() == 2
    assert set(retried.values_list("actor", flat=True)) == {officer.pk}


def test_staff_ask_the_applicant_to_correct_and_the_correction_goes_through(
    officer, emulator, eager_tasks, django_capture_on_commit_callbacks
):
    applicant = Client()
    verification, data = clashing_applicant(applicant)
    officer_client = Client()
    officer_client.force_login(officer)
    with django_capture_on_commit_callbacks(execute=True):
        response = officer_client.post(
            action_url(verification, "request_profile_correction"), {"note": "Use your own email"}
        )
    assert "The user was asked to correct their profile." in shown_messages(response)
    (sent,) = mail.outbox
    assert sent.to == [verification.user.email]
    assert "could not accept your details" in sent.body
    assert "Use your own email" in sent.body
    event = verification.audit_events.get(action="profile_correction_requested")
    assert event.actor == officer

    corrected = applicant.post(PROFILE, {**data, "email": "own-address@example.com"})
    assert corrected["Location"] == reverse("onboarding:uploads")
    verification.refresh_from_db()
    assert verification.customer_state == CustomerState.CREATED
    assert emulator.customer(verification.provider_customer_id)["email"] == (
        "own-address@example.com"
    )


# --- (e) masks are bullets, never \u2022 escapes -------------------------------------------
ESCAPE = "\\u2022"


def test_webhook_headers_and_body_show_bullets(officer_client):
    event = WebhookEvent.objects.create(
        provider="dollarpe",
        headers={"X-SIGNATURE": "abcdef123456", "Content-Type": "application/json"},
        body='{"event": "kyc", "document_number": "••••••9012"}',
        state=WebhookEvent.State.PROCESSED,
    )
    page = officer_client.get(reverse("admin:kyc_webhookevent_change", args=[event.pk]))
    text = page.content.decode()
    assert "••••••••••56" in text  # the signature header, masked
    assert "••••••9012" in text  # the body as the provider sent it
    assert ESCAPE not in text


def test_provider_call_bodies_show_bullets(officer_client):
    call = ProviderCall.objects.create(
        provider="dollarpe",
        method="POST",
        endpoint="/kyc",
        duration_ms=12,
        request_body={"tax_number": "••••••••4K"},
    )
    text = officer_client.get(reverse("admin:kyc_providercall_change", args=[call.pk]))
    assert "••••••••4K" in text.content.decode()
    assert ESCAPE not in text.content.decode()


def test_the_csv_export_and_the_list_show_bullets(viewer_client):
    verification = verification_row(full_name="Masked Person")
    with_submission(verification)
    with_bank(verification)
    export = b"".join(viewer_client.get(reverse("admin:kyc_verification_export")).streaming_content)
    text = export.decode("utf-8")
    assert "••••••••••12" in text  # the document number, masked for a viewer
    assert ESCAPE not in text
    detail = viewer_client.get(change_url(verification)).content.decode()
    assert "•••• 9012" in detail  # the bank account's label
    assert ESCAPE not in detail


def test_emails_show_bullets_in_their_subject_and_body():
    verification = verification_row()
    bank = with_bank(verification)
    send_user_email(
        verification_id=verification.pk,
        template="bank_verified",
        bank=bank.label,
        bank_kind="account",
    )
    (sent,) = mail.outbox
    assert "•••• 9012" in sent.body
    assert ESCAPE not in f"{sent.body}{sent.subject}"
    assert ESCAPE.encode() not in sent.message().as_bytes()


# --- (f) our audit trail in History and Recent actions; no link to a 403 ------------------
def test_history_is_the_verifications_audit_trail(officer_client, officer):
    verification = verification_row()
    staff.staff_add_note(verification_id=verification.pk, actor=officer, note="Called the user")
    other = verification_row()
    staff.staff_add_note(verification_id=other.pk, actor=officer, note="Someone else")
    history = reverse("admin:kyc_verification_history", args=[verification.pk])
    response = officer_client.get(history, follow=True)
    assert response.redirect_chain[-1][0] == f"{AUDIT}?verification={verification.pk}"
    notes = {event.note for event in response.context["cl"].result_list}
    assert notes == {"Called the user"}


def test_recent_actions_are_the_members_own_audit_entries(officer_client, officer):
    verification = verification_row(full_name="Noted Person")
    staff.staff_add_note(verification_id=verification.pk, actor=officer, note="Checked")
    verification_row(full_name="Untouched Person")
    page = officer_client.get(reverse("admin:index")).content.decode()
    sidebar = page[page.index('id="recent-actions-module"') :]
    assert "Noted Person" in sidebar
    assert "note_added" in sidebar
    assert "Untouched Person" not in sidebar
    assert "None available" not in sidebar


HREF = re.compile(r'href="([^"]+)"')


def links(page: str, base: str) -> set[str]:
    found = set()
    for href in HREF.findall(page):
        url = urljoin(base, html.unescape(href))
        if url.startswith("/") and not url.startswith(("/static/", "/media/")):
            found.add(url.split("#")[0])
    return found - {""}


def seeds(verification: Verification, event: WebhookEvent) -> list[str]:
    audit = verification.audit_events.first()
    call = ProviderCall.objects.get(verification=verification)
    assert audit is not None
    return [
        reverse("admin:index"),
        LIST,
        change_url(verification),
        reverse("admin:kyc_verification_dashboard"),
        AUDIT,
        reverse("admin:kyc_auditevent_change", args=[audit.pk]),
        reverse("admin:kyc_webhookevent_changelist"),
        reverse("admin:kyc_webhookevent_change", args=[event.pk]),
        reverse("admin:kyc_providercall_changelist"),
        reverse("admin:kyc_providercall_change", args=[call.pk]),
    ]


@pytest.mark.parametrize("role", [ROLES.OFFICER, ROLES.VIEWER])
def test_no_link_on_the_admin_pages_answers_403(role):
    member = staff_member(role)
    client = Client()
    client.force_login(member)
    verification = verification_row(status=Status.FAILED, failure_reason="tax_number")
    with_submission(verification)
    Submission.objects.filter(verification=verification).update(created_by=member)
    with_bank(verification)
    staff.staff_add_note(verification_id=verification.pk, actor=member, note="Looked at it")
    ProviderCall.objects.create(
        verification=verification, provider="dollarpe", method="GET", endpoint="/c", duration_ms=1
    )
    event = WebhookEvent.objects.create(
        provider="dollarpe", verification=verification, state=WebhookEvent.State.PROCESSED
    )
    refused = []
    visited = 0
    for seed in seeds(verification, event):
        page = client.get(seed, follow=True)
        assert page.status_code == 200, seed
        for url in sorted(links(page.content.decode(), seed)):
            if "logout" in url:
                continue
            answer = client.get(url, follow=True)
            visited += 1
            if answer.status_code == 403 or answer.status_code >= 500:
                refused.append(f"{url} (on {seed}): {answer.status_code}")
    assert visited > 40  # every page has links: the crawl reached them
    assert refused == []


# --- (g) readable failure-reason labels ---------------------------------------------------
def test_the_failure_reason_filter_shows_words_never_codes(officer_client):
    for code in ("tax_number", "identity_document", "screening"):
        verification_row(status=Status.FAILED, failure_reason=code)
    verification_row(status=Status.FAILED, failure_reason="KYC_FAILED")  # an older row's code
    listing = officer_client.get(LIST)
    (spec,) = [
        s
        for s in listing.context["cl"].filter_specs
        if getattr(s, "parameter_name", "") == "failure_reason"
    ]
    labels = {value: label for value, label in spec.lookup_choices}
    assert labels == {
        "tax_number": "Tax number",
        "identity_document": "Identity document",
        "screening": "Screening (sanctions, PEP, watch lists)",
        "KYC_FAILED": "Other: Kyc failed",
    }
    page = listing.content.decode()
    for code in labels:
        assert f">{code}<" not in page
    (providers,) = [
        s
        for s in listing.context["cl"].filter_specs
        if getattr(s, "parameter_name", "") == "provider"
    ]
    assert dict(providers.lookup_choices) == {"dollarpe": "DollarPe"}


# --- (h) the audit list: actor, action, date, note search ---------------------------------
@pytest.fixture
def trail(officer):
    other = staff_member(ROLES.OFFICER)
    verification = verification_row()
    staff.staff_add_note(verification_id=verification.pk, actor=officer, note="Phoned the bank")
    staff.staff_add_note(verification_id=verification.pk, actor=other, note="Passport is blurry")
    staff.staff_request_resubmission(verification_id=verification.pk, actor=officer)  # refused
    old = AuditEvent.objects.create(
        verification=verification, source="provider", action="status_changed", note="old one"
    )
    AuditEvent.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=40))
    return {"officer": officer, "other": other, "verification": verification}


def audit_notes(client: Client, query: dict[str, Any]) -> set[str]:
    response = client.get(AUDIT, query)
    assert response.status_code == 200
    return {event.note for event in response.context["cl"].result_list}


def test_the_audit_list_filters_by_actor_action_and_date_and_searches_notes(officer_client, trail):
    staff_only = {"Phoned the bank", "Passport is blurry"}
    assert audit_notes(officer_client, {"actor": trail["officer"].pk}) == {"Phoned the bank"}
    assert audit_notes(officer_client, {"actor": trail["other"].pk}) == {"Passport is blurry"}
    assert "old one" in audit_notes(officer_client, {"actor": "none"})
    assert audit_notes(officer_client, {"audit_action": "note_added"}) == staff_only
    assert audit_notes(officer_client, {"audit_action": "status_changed"}) == {"old one"}
    # As the date filter's "Past 7 days" link sends it: an aware midnight.
    week = timezone.localdate() - timedelta(days=7)
    recent = timezone.make_aware(datetime.combine(week, time.min)).isoformat(sep=" ")
    assert "old one" not in audit_notes(officer_client, {"created_at__gte": recent})
    assert audit_notes(officer_client, {"q": "BLURRY"}) == {"Passport is blurry"}
    page = officer_client.get(AUDIT).content.decode()
    assert 'href="?audit_action=note_added"' in page
    assert f'href="?actor={trail["officer"].pk}"' in page
    assert trail["officer"].username in page


def test_the_audit_list_costs_the_same_whatever_its_size(officer_client, trail):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            officer_client.get(AUDIT, {"audit_action": "note_added"})
        return len(captured)

    before = queries()
    for index in range(20):
        staff.staff_add_note(
            verification_id=verification_row().pk, actor=trail["other"], note=f"n{index}"
        )
    assert queries() == before


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's indexes")
def test_the_audit_filters_and_note_search_are_indexed():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'kyc_auditevent'"
        )
        indexes = dict(cursor.fetchall())
    assert "gin_trgm_ops" in indexes["kyc_audit_note_trgm"]
    assert "(actor_id, created_at DESC)" in indexes["kyc_audit_actor"]
    assert "(action, created_at DESC)" in indexes["kyc_audit_action"]


# --- (i) a forged list action is refused aloud --------------------------------------------
def test_a_viewer_forging_a_list_action_is_told_it_is_refused(viewer_client):
    verification = verification_row()
    response = viewer_client.post(
        LIST, {"action": "refresh_selected", "_selected_action": [verification.pk], "index": 0}
    )
    assert response.status_code == 302
    assert shown_messages(response) == ["This action cannot be run here, or not by you."]
    assert not AuditEvent.objects.filter(verification=verification).exists()


def test_an_action_not_offered_for_this_list_is_left_to_each_rows_service(officer_client):
    """Offered only on the list it fits (the downgrade filter); posted from another list
    (a bookmark, a script), each row's service says why it did nothing, aloud."""
    verification = verification_row(provider_downgrade={"status": "UNVERIFIED"})
    before = AuditEvent.objects.count()
    response = officer_client.post(
        LIST, {"action": "accept_downgrade_selected", "_selected_action": [verification.pk]}
    )
    said = shown_messages(response)
    assert said[0] == "0 of 1 verification done."
    assert "no downgrade" in said[1]
    verification.refresh_from_db()
    assert verification.provider_downgrade == {"status": "UNVERIFIED"}
    assert AuditEvent.objects.count() == before


def test_a_viewer_forging_a_webhook_reprocess_is_told_it_is_refused(viewer_client):
    event = WebhookEvent.objects.create(provider="dollarpe", state=WebhookEvent.State.FAILED)
    response = viewer_client.post(
        reverse("admin:kyc_webhookevent_changelist"),
        {"action": "reprocess_selected", "_selected_action": [event.pk], "index": 0},
    )
    assert shown_messages(response) == ["This action cannot be run here, or not by you."]
    event.refresh_from_db()
    assert event.state == WebhookEvent.State.FAILED
    assert event.attempts == 0
