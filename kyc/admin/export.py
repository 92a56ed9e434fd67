"""CSV export of the filtered verification list, streamed row by row.

The rows come from the same ChangeList as the page (filters, search, ordering), in
chunks: one query for the verifications of a chunk and one for their submissions,
so memory stays flat whatever the size. Identity numbers are masked unless the
staff member may see them whole.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Any

from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from django.utils import timezone

from kyc.admin.display import shown
from kyc.models import Submission, Verification
from kyc.services.staff import latest_kyc_data

CHUNK = 500
COLUMNS = (
    "id",
    "full_name",
    "email",
    "phone",
    "nationality",
    "provider",
    "routed_by",
    "provider_customer_id",
    "client_reference_id",
    "status",
    "failure_reason",
    "provider_status",
    "provider_reason",
    "corrections_used",
    "corrections_allowed",
    "created_at",
    "submitted_at",
    "decided_at",
    "status_changed_at",
)
KYC_COLUMNS = ("document_type", "document_number", "tax_number")
# A cell starting with one of these is a formula to a spreadsheet: never let user text run.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class _Echo:
    def write(self, value: str) -> str:
        return value


def safe_cell(value: Any) -> str:
    if value is None:
        return ""
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _chunks(rows: Iterator[tuple[Any, ...]]) -> Iterator[list[tuple[Any, ...]]]:
    while chunk := list(islice(rows, CHUNK)):
        yield chunk


def _kyc_data(ids: list[int]) -> dict[int, dict[str, Any]]:
    by_verification: dict[int, list[Submission]] = defaultdict(list)
    for submission in Submission.objects.filter(verification_id__in=ids).only(
        "pk", "verification_id", "data", "created_at"
    ):
        by_verification[submission.verification_id].append(submission)
    return {pk: latest_kyc_data(subs) for pk, subs in by_verification.items()}


def csv_rows(queryset: QuerySet[Verification], *, unmasked: bool) -> Iterable[list[str]]:
    yield [*COLUMNS, *KYC_COLUMNS]
    rows = queryset.values_list(*COLUMNS).iterator(chunk_size=CHUNK)
    for chunk in _chunks(rows):
        data = _kyc_data([row[0] for row in chunk])
        for row in chunk:
            kyc = data.get(row[0], {})
            extra = [shown(name, kyc.get(name), unmasked=unmasked) for name in KYC_COLUMNS]
            yield [safe_cell(value) for value in (*row, *extra)]


def csv_response(queryset: QuerySet[Verification], *, unmasked: bool) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())
    lines = (writer.writerow(row) for row in csv_rows(queryset, unmasked=unmasked))
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    return StreamingHttpResponse(
        lines,
        content_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="verifications-{stamp}.csv"',
            "Cache-Control": "no-store",
        },
    )
