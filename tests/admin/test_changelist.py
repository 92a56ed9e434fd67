"""The verification list: columns, filters, search, drill-down, and a fixed query count."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse

from kyc.admin.filters import EstimatedCountPaginator, distinct_values, table_estimate
from kyc.models import Status, Submission, Verification
from tests.admin.conftest import ago, verification_row, with_submission

pytestmark = pytest.mark.django_db
LIST = reverse("admin:kyc_verification_changelist")


def names(response) -> set[str]:
    return {v.full_name for v in response.context["cl"].result_list}


def test_the_list_shows_each_column(officer_client):
    verification = verification_row(
        full_name="Asha Rao",
        status=Status.FAILED,
        failure_reason="tax_number",
        provider_reason="TAX_VERIFICATION_FAILED",
        corrections_used=2,
        status_changed_at=ago(hours=5, minutes=3),
        submitted_at=ago(days=1),
    )
    with_submission(verification)
    page = officer_client.get(LIST).content.decode()
    assert "Asha Rao" in page
    assert verification.email in page
    assert "dollarpe" in page
    assert '<span class="kyc-badge kyc-badge--bad">Failed</span>' in page
    assert "Tax number" in page  # the neutral reason, in words
    assert "TAX_VERIFICATION_FAILED" in page  # and DollarPe's own, beside it
    assert "2 of 3" in page
    assert "5\xa0hours, 3\xa0minutes" in page
    assert "Accepted by the provider" in page  # the annotated latest submission


@pytest.fixture
def mixed(db):
    return {
        "new": verification_row(full_name="New One"),
        "checking": verification_row(
            full_name="Checking Recently", status=Status.PROCESSING, status_changed_at=ago(hours=1)
        ),
        "stuck": verification_row(
            full_name="Stuck Long", status=Status.PROCESSING, status_changed_at=ago(hours=30)
        ),
        "tax": verification_row(
            full_name="Tax Failed",
            status=Status.FAILED,
            failure_reason="tax_number",
            provider_reason="TAX_VERIFICATION_FAILED",
            corrections_used=1,
        ),
        "done": verification_row(
            full_name="Out Of Attempts",
            status=Status.FAILED,
            failure_reason="other",
            provider_reason="KYC_FAILED",
            corrections_used=3,
        ),
        "ok": verification_row(full_name="All Good", status=Status.VERIFIED),
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status__exact=FAILED", {"Tax Failed", "Out Of Attempts"}),
        ("failure_reason=other", {"Out Of Attempts"}),
        ("provider=dollarpe", None),  # all of them
        ("stuck=yes", {"Stuck Long"}),
        ("attempts=exhausted", {"Out Of Attempts"}),
        ("attempts=left", None),
    ],
)
@override_settings(KYC_STUCK_AFTER=24 * 3600)
def test_each_filter(officer_client, mixed, query, expected):
    everyone = {v.full_name for v in mixed.values()}
    if expected is None:
        expected = everyone - ({"Out Of Attempts"} if "attempts" in query else set())
    assert names(officer_client.get(f"{LIST}?{query}")) == expected


def test_filter_choices_come_from_the_data(officer_client, mixed):
    page = officer_client.get(LIST).content.decode()
    assert "?failure_reason=other" in page
    assert "?failure_reason=tax_number" in page
    assert ">Tax number</a>" in page  # the choices in words
    assert distinct_values(Verification, "failure_reason") == ["other", "tax_number"]
    assert distinct_values(Verification, "provider") == ["dollarpe"]


def test_search_by_name_email_customer_id_and_reference(officer_client, mixed):
    tax = mixed["tax"]
    assert names(officer_client.get(LIST, {"q": "tax fail"})) == {"Tax Failed"}
    assert names(officer_client.get(LIST, {"q": tax.email.upper()})) == {"Tax Failed"}
    assert names(officer_client.get(LIST, {"q": tax.provider_customer_id})) == {"Tax Failed"}
    assert names(officer_client.get(LIST, {"q": tax.client_reference_id})) == {"Tax Failed"}
    # Identifiers match whole, not in part.
    assert names(officer_client.get(LIST, {"q": tax.provider_customer_id[:8]})) == set()


def test_date_hierarchy_drills_down_by_submission_date(officer_client):
    for year in (2024, 2025):
        verification_row(
            full_name=f"Submitted {year}",
            submitted_at=datetime(year, 3, 4, 10, tzinfo=UTC),
        )
    page = officer_client.get(LIST).content.decode()
    assert "?submitted_at__year=2024" in page
    assert "?submitted_at__year=2025" in page
    response = officer_client.get(LIST, {"submitted_at__year": "2025"})
    assert names(response) == {"Submitted 2025"}
    assert "submitted_at__month=3" in response.content.decode()
    # Under a search the drill-down is hidden (its aggregates would read every match).
    searched = officer_client.get(LIST, {"q": "Submitted"}).content.decode()
    assert "submitted_at__year=2024" not in searched


def rows(count: int) -> None:
    for index in range(count):
        verification = verification_row(
            status=Status.FAILED if index % 2 else Status.PROCESSING,
            failure_reason="identity_document" if index % 2 else "",
            provider_reason="DOCUMENT_VERIFICATION_FAILED" if index % 2 else "",
            submitted_at=ago(days=index % 40),
        )
        with_submission(verification)


def list_queries(client, query: str = "") -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(f"{LIST}?{query}")
        assert response.status_code == 200
    return len(context.captured_queries)


@pytest.mark.parametrize("query", ["", "status__exact=FAILED", "q=Person", "attempts=left"])
def test_the_number_of_queries_does_not_grow_with_the_page(officer_client, query):
    rows(10)
    ten = list_queries(officer_client, query)
    rows(90)
    hundred = list_queries(officer_client, query)
    assert len(Verification.objects.all()) == 100
    assert hundred == ten
    assert hundred <= 13  # 12, and the staff who may work cases (the assignee filter)


def test_the_list_page_stays_within_its_query_budget(officer_client, django_assert_max_num_queries):
    rows(100)
    with django_assert_max_num_queries(13):
        officer_client.get(LIST)


def test_the_detail_page_does_not_grow_with_its_history(officer_client):
    verification = verification_row()
    for _ in range(3):
        with_submission(verification)
    url = reverse("admin:kyc_verification_change", args=[verification.pk])
    with CaptureQueriesContext(connection) as few:
        officer_client.get(url)
    for _ in range(20):
        with_submission(verification)
        Submission.objects.filter(verification=verification).update(created_by=verification.user)
    with CaptureQueriesContext(connection) as many:
        officer_client.get(url)
    assert len(many.captured_queries) == len(few.captured_queries)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_class is PostgreSQL's")
def test_an_unfiltered_count_comes_from_the_statistics_not_count_star():
    rows(30)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE kyc_verification")
    assert table_estimate(Verification, "default") == 30

    class EstimateAlways(EstimatedCountPaginator):
        exact_below = 0

    with CaptureQueriesContext(connection) as context:
        assert EstimateAlways(Verification.objects.order_by("pk"), 10).count == 30
    assert not any("COUNT(" in query["sql"] for query in context.captured_queries)
    filtered = EstimateAlways(Verification.objects.filter(status=Status.FAILED).order_by("pk"), 10)
    with CaptureQueriesContext(connection) as context:
        assert filtered.count == 15
    assert any("COUNT(" in query["sql"] for query in context.captured_queries)


@pytest.mark.parametrize("language", ["en", "hi"])
def test_the_row_checkbox_is_djangos_own_markup(language):
    from django.contrib import admin as django_admin
    from django.utils import translation

    from kyc.admin.verifications import VerificationAdmin

    verification = verification_row(full_name='Asha "<b>" Rao')
    model_admin = django_admin.site._registry[Verification]
    assert isinstance(model_admin, VerificationAdmin)
    with translation.override(language):
        ours = model_admin.action_checkbox(verification)
        stock = django_admin.ModelAdmin.action_checkbox(model_admin, verification)
    if language == "en":
        assert ours == stock
    else:  # the same markup; only our catalog translates the label (Django has no Hindi)
        assert ours.split("aria-label=")[0] == stock.split("aria-label=")[0]
    assert "&lt;b&gt;" in ours
    assert "<b>" not in ours
