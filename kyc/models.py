"""The provider-neutral core: who is being verified, what was sent, what happened.

Every status change goes through kyc.services (compare-and-set plus an AuditEvent
in the same transaction); nothing here changes state by itself.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kyc.blind_index import Kind as IdentityKind
from kyc.fields import EncryptedJSONField, EncryptedTextField


def new_reference() -> str:
    return f"kyc_{uuid.uuid4().hex}"


REFERENCE_DIGITS = 8


def reference_of(client_reference_id: str) -> str:
    digits = client_reference_id.removeprefix("kyc_")[:REFERENCE_DIGITS]
    return f"KYC-{digits.upper()}"


class Status(models.TextChoices):
    """Where a verification stands, whichever provider it is with (raw: provider_status)."""

    UNVERIFIED = "UNVERIFIED", _("Not submitted")
    # The provider waits for the applicant: a hosted session open, questions to answer.
    ACTION_REQUIRED = "ACTION_REQUIRED", _("Waiting for the applicant")
    PROCESSING = "PROCESSING", _("Being checked")
    VERIFIED = "VERIFIED", _("Verified")
    FAILED = "FAILED", _("Failed")


class FailureReason(models.TextChoices):
    """Why a verification failed, whichever provider said it (raw: provider_reason)."""

    IDENTITY_DOCUMENT = "identity_document", _("Identity document")
    ADDRESS_DOCUMENT = "address_document", _("Proof of address")
    SELFIE = "selfie", _("Selfie")
    TAX_NUMBER = "tax_number", _("Tax number")
    IDENTITY_DATA = "identity_data", _("Identity data (name, date of birth, address)")
    ADDITIONAL_INFO = "additional_info", _("Additional information")
    CHALLENGE_FAILED = "challenge_failed", _("Challenge questions not passed")
    REQUEST_EXPIRED = "request_expired", _("Request expired or abandoned")
    SCREENING = "screening", _("Screening (sanctions, PEP, watch lists)")
    UNDERAGE = "underage", _("Under age")
    ATTEMPTS_EXHAUSTED = "attempts_exhausted", _("No attempt left")
    OTHER = "other", _("Other")


class CustomerState(models.TextChoices):
    PENDING = "pending", _("Waiting to be created at the provider")
    # The provider creates the customer with its first KYC submission (customer_create).
    DEFERRED = "deferred", _("Created with the first submission")
    CREATED = "created", _("Created at the provider")
    REJECTED = "rejected", _("Refused by the provider")


class FixKind(models.TextChoices):
    """What the user has to send again after a failure (provider-neutral)."""

    DOCUMENT = "document", _("Identity document")
    ADDRESS_DOCUMENT = "address_document", _("Proof of address")
    TAX = "tax", _("Tax number")
    SELFIE = "selfie", _("Selfie")
    IDENTITY_DATA = "identity_data", _("Identity data")
    ADDITIONAL_INFO = "additional_info", _("Additional information")
    RESTART = "restart", _("Start again with the provider")
    NONE = "none", _("Nothing: our team takes over")


class CaseState(models.TextChoices):
    """Where a verification stands as staff work (kyc/services/cases.py moves it)."""

    OPEN = "open", _("Open")
    IN_REVIEW = "in_review", _("In review")
    WAITING = "waiting", _("Waiting for the applicant")
    ON_HOLD = "on_hold", _("On hold")
    RESOLVED = "resolved", _("Resolved")


# What the user can send again for each failure reason; the provider's correction policy
# (Capabilities.fixes) then says whether it takes that correction at all.
REASON_FIX: dict[str, FixKind] = {
    FailureReason.IDENTITY_DOCUMENT: FixKind.DOCUMENT,
    FailureReason.ADDRESS_DOCUMENT: FixKind.ADDRESS_DOCUMENT,
    FailureReason.SELFIE: FixKind.SELFIE,
    FailureReason.TAX_NUMBER: FixKind.TAX,
    FailureReason.IDENTITY_DATA: FixKind.IDENTITY_DATA,
    FailureReason.ADDITIONAL_INFO: FixKind.ADDITIONAL_INFO,
    FailureReason.REQUEST_EXPIRED: FixKind.RESTART,
}


class HoldReason(models.TextChoices):
    """Why an officer put a verification on hold (kyc/services/holds.py)."""

    SUSPECTED_FRAUD = "suspected_fraud", _("Suspected fraud")
    SANCTIONS_REVIEW = "sanctions_review", _("Sanctions review")
    DOCUMENT_QUERY = "document_query", _("Document query")
    CUSTOMER_REQUEST = "customer_request", _("Customer request")
    OTHER = "other", _("Other")


class StaffDecision(models.TextChoices):
    """Our own decision, recorded beside the provider's (kyc/services/decisions.py)."""

    APPROVED = "approved", _("Approved by our team")
    REJECTED = "rejected", _("Rejected by our team")


class DecisionReason(models.TextChoices):
    MANUAL_REVIEW_PASSED = "manual_review_passed", _("Manual review passed")
    PROVIDER_ERROR = "provider_error", _("Provider decision in error")
    OWN_DOCUMENTS_CHECKED = "own_documents_checked", _("Documents checked by our team")
    SUSPECTED_FRAUD = "suspected_fraud", _("Suspected fraud")
    SANCTIONS_MATCH = "sanctions_match", _("Sanctions or PEP match")
    POLICY = "policy", _("Outside our risk policy")
    OTHER = "other", _("Other")


class Verification(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="verification"
    )
    # Chosen when the profile is saved (kyc/services/routing.py), frozen once the provider
    # has the customer; routed_by names the rule that chose it.
    provider = models.CharField(max_length=20)
    provider_program = models.CharField(max_length=64, blank=True)
    routed_by = models.CharField(max_length=64, blank=True)
    client_reference_id = models.CharField(max_length=64, unique=True, default=new_reference)
    # NULL until the provider created the customer; NULLs stay out of the unique constraint.
    provider_customer_id = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001
    customer_state = models.CharField(
        max_length=10, choices=CustomerState.choices, default=CustomerState.PENDING
    )
    # The provider's field errors when it refused the profile, keyed by our form's field names.
    customer_errors = models.JSONField(default=dict, blank=True)

    full_name = models.CharField(max_length=255)
    # Asked apart when a provider needs them; full_name is then "given family".
    given_name = models.CharField(max_length=100, blank=True)
    family_name = models.CharField(max_length=100, blank=True)
    email = models.EmailField()
    phone = models.CharField(max_length=20)
    nationality = models.CharField(max_length=3)
    non_resident = models.BooleanField(default=False)
    residence_country = models.CharField(max_length=3, blank=True)
    # Asked at the profile step when the provider creates its customer with it.
    date_of_birth = models.DateField(null=True, blank=True)
    # The language the user reads (a code from settings.LANGUAGES): emails sent later by the
    # workers go out in it. "" until known; db_default keeps older code's inserts working.
    language = models.CharField(max_length=10, blank=True, db_default="")

    status = models.CharField(max_length=20, choices=Status.choices, default=Status.UNVERIFIED)
    failure_reason = models.CharField(max_length=64, choices=FailureReason.choices, blank=True)
    # The provider's own words for the status and the reason, as it reported them.
    provider_status = models.CharField(max_length=64, blank=True)
    provider_reason = models.CharField(max_length=255, blank=True)
    # The provider's revision of what it reported last (an older one never overrides it).
    provider_revision = models.BigIntegerField(null=True, blank=True)
    # The provider's case the status is about (a hosted KYC request, say): revisions are
    # compared within one case only, and a new case starts its own count.
    # db_default: rows written without it (an older release during a deploy) get "".
    provider_case_id = models.CharField(max_length=64, blank=True, db_index=True, db_default="")
    # What the applicant must do while ACTION_REQUIRED (kyc.providers.interface.Action).
    action = models.JSONField(null=True, blank=True)
    # What the provider reports now for a VERIFIED customer that is no longer verified there
    # (a reset at the provider, say), newer than our decision: never applied by itself, it
    # is put in front of staff (kyc/services/downgrades.py). NULL: no such report.
    provider_downgrade = models.JSONField(null=True, blank=True)
    corrections_used = models.PositiveSmallIntegerField(default=0)
    # The provider's correction limit when the applicant was routed; NULL: no limit of ours.
    corrections_allowed = models.PositiveSmallIntegerField(null=True, blank=True)
    status_changed_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    last_checked_at = models.DateTimeField(null=True, blank=True)
    # When polling last asked the provider about this customer while VERIFIED (now and then,
    # KYC_RECHECK_VERIFIED_EVERY): a reset at the provider comes to light even without a webhook.
    verified_checked_at = models.DateTimeField(null=True, blank=True)

    # Another applicant shares one of this one's identity numbers (kyc/services/duplicates.py
    # keeps it, from the blind index): the list's "has duplicates" filter, without a join.
    has_duplicates = models.BooleanField(default=False, db_default=False)
    # The verification as a case staff work on (kyc/services/cases.py): its state, who has it,
    # and when it last opened (the queues' SLA clock). db_default: older code's inserts work.
    case_state = models.CharField(
        max_length=12,
        choices=CaseState.choices,
        default=CaseState.WAITING,
        db_default=CaseState.WAITING,
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,  # kyc_case_assignee leads with it
    )
    case_opened_at = models.DateTimeField(null=True, blank=True)
    # An officer's hold (kyc/services/holds.py): NULL held_at means not on hold. While held,
    # the applicant cannot add a bank account and is not ready to transact.
    held_at = models.DateTimeField(null=True, blank=True)
    hold_reason = models.CharField(
        max_length=32, choices=HoldReason.choices, blank=True, db_default=""
    )
    hold_note = models.TextField(blank=True, db_default="")
    held_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Our own decision beside the provider's (status stays as the provider reported it).
    staff_decision = models.CharField(
        max_length=10, choices=StaffDecision.choices, blank=True, db_default=""
    )
    staff_decision_reason = models.CharField(
        max_length=32, choices=DecisionReason.choices, blank=True, db_default=""
    )
    staff_decision_note = models.TextField(blank=True, db_default="")
    staff_decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    staff_decided_at = models.DateTimeField(null=True, blank=True)

    kyc_config = models.JSONField(null=True, blank=True)
    kyc_config_fetched_at = models.DateTimeField(null=True, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "provider_customer_id"],
                condition=Q(provider_customer_id__isnull=False),
                name="kyc_unique_provider_customer",
            )
        ]
        # The admin list (1,000,000 rows and more) filters by status, failure reason, "stuck"
        # and exhausted attempts, orders by the last status change and drills down by
        # submission date: each of those is served by an index, never a full scan.
        indexes = [
            models.Index(fields=["status", "status_changed_at"], name="kyc_status_changed"),
            models.Index(fields=["-created_at"], name="kyc_created_desc"),
            models.Index(
                fields=["failure_reason", "status_changed_at"], name="kyc_failure_changed"
            ),
            models.Index(fields=["-status_changed_at", "-id"], name="kyc_changed_order"),
            models.Index(fields=["submitted_at"], name="kyc_submitted_at"),
            models.Index(fields=["decided_at"], name="kyc_decided_at"),
            models.Index(fields=["provider", "status_changed_at"], name="kyc_provider_changed"),
            models.Index(fields=["provider_customer_id"], name="kyc_provider_customer"),
            models.Index(
                fields=["-status_changed_at"],
                condition=Q(corrections_used__gte=F("corrections_allowed")),
                name="kyc_corrections_exhausted",
            ),
            models.Index(
                fields=["-status_changed_at"],
                condition=Q(provider_downgrade__isnull=False),
                name="kyc_downgrade_reported",
            ),
            models.Index(
                fields=["verified_checked_at"],
                condition=Q(status="VERIFIED"),
                name="kyc_verified_checked",
            ),
            models.Index(
                fields=["-status_changed_at", "-id"],
                condition=Q(has_duplicates=True),
                name="kyc_has_duplicates",
            ),
            # Work queues: "assigned to me" / by assignee and the case state, in list order;
            # the queues' SLA (a rule on status among the open cases, by opening time).
            models.Index(
                fields=["assignee", "-status_changed_at", "-id"], name="kyc_case_assignee"
            ),
            models.Index(fields=["case_state", "-status_changed_at", "-id"], name="kyc_case_state"),
            models.Index(
                fields=["status", "case_opened_at"],
                condition=Q(case_state__in=["open", "in_review"]),
                name="kyc_case_active_opened",
            ),
            # The "On hold" filter: a few rows, read in the list's order.
            models.Index(
                fields=["-status_changed_at", "-id"],
                condition=Q(held_at__isnull=False),
                name="kyc_on_hold",
            ),
        ]
        # Staff actions and identity data, granted through the "Compliance officer" group.
        permissions = [
            ("view_unmasked_identity", _("Can view unmasked identity data")),
            ("refresh_verification", _("Can refresh a verification from the provider")),
            ("retry_submission", _("Can retry a failed or stuck submission")),
            ("request_resubmission", _("Can ask the user to resubmit")),
            ("resubmit_verification", _("Can resubmit stored data to the provider")),
            ("reset_verification", _("Can reset a verification")),
            ("force_outcome", _("Can force a verification outcome (sandbox only)")),
            ("add_note", _("Can add a note to a verification")),
            ("reroute_verification", _("Can send a verification to another provider")),
            ("client_override", _("Can record our own verification at the provider")),
            ("work_case", _("Can claim, assign and release cases")),
            ("hold_verification", _("Can put a verification on hold and lift it")),
            ("decide_verification", _("Can ask for our own decision on a verification")),
            ("approve_request", _("Can approve another officer's request (four eyes)")),
        ]

    def __str__(self) -> str:
        """The name and what counts now (the admin's headings and breadcrumbs): our own
        decision when there is one, else the provider's status; and a hold."""
        said = (
            self.get_staff_decision_display() if self.staff_decision else self.get_status_display()
        )
        if self.held_at is not None:
            said = _("%(status)s; on hold") % {"status": said}
        return f"{self.full_name} ({said})"

    @property
    def corrections_left(self) -> int | None:
        """Corrections the applicant may still send; None when we set no limit."""
        if self.corrections_allowed is None:
            return None
        return max(self.corrections_allowed - self.corrections_used, 0)

    @property
    def reference(self) -> str:
        """The short reference an applicant quotes to support: KYC- and the first 8 hex
        digits of our client reference (the admin's search finds it)."""
        return reference_of(self.client_reference_id)

    @property
    def provider_has_customer(self) -> bool:
        """The provider knows this applicant: the routing choice is frozen from now on."""
        return bool(self.provider_customer_id)


class Submission(models.Model):
    """One call that hands KYC data to the provider: the first one, or an update."""

    class Kind(models.TextChoices):
        INITIAL = "initial", _("First submission")
        DOCUMENT = "document", _("New identity document")
        TAX = "tax", _("New tax number")
        SELFIE = "selfie", _("New selfie")
        ADDITIONAL_INFO = "additional_info", _("New additional information")

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Being sent")
        SENT = "sent", _("Accepted by the provider")
        REJECTED = "rejected", _("Refused by the provider")

    verification = models.ForeignKey(
        Verification, on_delete=models.CASCADE, related_name="submissions"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    # What is sent, identity numbers included: encrypted at rest. Documents are referenced by id.
    data = EncryptedJSONField()
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    sending_since = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["state", "created_at"], name="kyc_submission_state")]
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.get_state_display()})"


class Document(models.Model):
    class Kind(models.TextChoices):
        FRONT = "document_front", _("Document, front")
        BACK = "document_back", _("Document, back")
        SELFIE = "selfie", _("Selfie")

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting for the upload")
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Refused")

    class Review(models.TextChoices):
        ACCEPTED = "accepted", _("Accepted by our team")
        REJECTED = "rejected", _("Refused by our team")
        REUPLOAD = "reupload", _("New upload asked of the applicant")
        REPLACED = "replaced", _("Replaced by the applicant's new upload")

    verification = models.ForeignKey(
        Verification, on_delete=models.CASCADE, related_name="documents"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    # Where the browser uploads it (a presigned POST for this key may be used again until it
    # expires), and where the server wrote the bytes that passed the check: a prefix no upload
    # policy names. Providers and staff get only the checked copy.
    key = models.CharField(max_length=255, unique=True)
    checked_key = models.CharField(max_length=255, blank=True, default="")
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    content_type = models.CharField(max_length=50, blank=True)
    size = models.PositiveBigIntegerField(null=True, blank=True)
    rejection_reason = models.CharField(max_length=255, blank=True)
    # The image checks run on the stored file (brightness, sharpness, glare, framing), for staff.
    quality = models.JSONField(
        default=dict, blank=True, db_default=models.Value({}, models.JSONField())
    )
    created_at = models.DateTimeField(auto_now_add=True)
    checked_at = models.DateTimeField(null=True, blank=True)
    # Our team's review of this file (kyc/services/document_review.py), beside the check above
    # and the provider's decision: accepted, refused, or a new upload asked of the applicant.
    review_state = models.CharField(
        max_length=10, choices=Review.choices, blank=True, default="", db_default=""
    )
    review_reason = models.CharField(max_length=30, blank=True, default="", db_default="")
    review_note = models.TextField(blank=True, default="", db_default="")  # for staff only
    review_message = models.TextField(blank=True, default="", db_default="")  # the applicant's
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        permissions = [
            ("review_document", _("Can accept, refuse or ask again for an uploaded document")),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.get_state_display()})"


class PhoneLink(models.Model):
    """A single-use link that opens this onboarding's photo step on a phone, and nothing else.

    Only a digest of the token is kept: the token itself lives in the QR code and the email.
    """

    verification = models.ForeignKey(
        Verification, on_delete=models.CASCADE, related_name="phone_links"
    )
    token_digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Phone link {self.pk} for {self.verification_id}"


class ProviderDocument(models.Model):
    """One document as the provider reviewed it (Capabilities.per_document_review).

    Kept apart from Document, which is a file in our bucket: these are the provider's own
    records, reported by webhooks and polling, newest revision winning.
    """

    class Type(models.TextChoices):
        IDENTITY = "identity", _("Identity document")
        ADDRESS = "address", _("Proof of address")
        FUNDS = "funds", _("Proof of funds")
        PURCHASE = "purchase", _("Proof of purchase")
        CREDIT_FILE = "credit_file", _("Credit file")
        OTHER = "other", _("Other document")

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting for review")
        REVIEWING = "reviewing", _("Being reviewed")
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Refused")
        SUPERSEDED = "superseded", _("Replaced by a newer one")

    verification = models.ForeignKey(
        Verification, on_delete=models.CASCADE, related_name="provider_documents"
    )
    provider_document_id = models.CharField(max_length=64)
    case_id = models.CharField(max_length=64, blank=True)
    type = models.CharField(max_length=20, choices=Type.choices)
    subtype = models.CharField(max_length=40, blank=True)
    status = models.CharField(max_length=12, choices=State.choices)
    reason = models.CharField(max_length=64, choices=FailureReason.choices, blank=True)
    provider_status = models.CharField(max_length=40, blank=True)
    provider_reason = models.CharField(max_length=64, blank=True)
    reason_text = models.CharField(max_length=255, blank=True)  # the provider's, for staff
    # How the applicant sees it named ("Passport") and, when refused, why in plain words.
    label = models.CharField(max_length=100, blank=True)
    user_text = models.CharField(max_length=255, blank=True)  # in the worker's words, for staff
    # Set by kyc.services.wording.word_documents: the two above in the reader's language.
    shown_label: str
    shown_refusal: str
    attempts_left = models.PositiveSmallIntegerField(null=True, blank=True)
    revision = models.BigIntegerField(null=True, blank=True)
    reviewed_by_staff = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["verification", "provider_document_id"], name="kyc_unique_provider_doc"
            )
        ]
        permissions = [
            ("review_provider_document", _("Can accept or refuse a document at the provider")),
        ]

    def __str__(self) -> str:
        return f"{self.get_type_display()} ({self.get_status_display()})"


class BankAccount(models.Model):
    class Kind(models.TextChoices):
        ACCOUNT = "account", _("Bank account")
        VPA = "vpa", _("UPI ID")

    class State(models.TextChoices):
        QUEUED = "queued", _("Waiting to be sent")
        SENDING = "sending", _("Being sent")
        PROCESSING = "PROCESSING", _("Being checked")
        VERIFIED = "VERIFIED", _("Verified")
        FAILED = "FAILED", _("Failed")
        REJECTED = "rejected", _("Refused by the provider")
        # The owner's KYC was reset: not usable until verified again (kyc.services.banks).
        SUSPENDED = "suspended", _("Suspended: KYC was reset")

    verification = models.ForeignKey(
        Verification, on_delete=models.CASCADE, related_name="bank_accounts"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    account_number = EncryptedTextField(blank=True)
    ifsc = models.CharField(max_length=20, blank=True)
    vpa = EncryptedTextField(blank=True)
    # Last characters only, so pages and the admin can tell accounts apart without decrypting.
    label = models.CharField(max_length=40)
    provider_bank_id = models.CharField(max_length=64, null=True, blank=True, unique=True)
    status = models.CharField(max_length=12, choices=State.choices, default=State.QUEUED)
    failure_reason = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    status_changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        # The dashboard's bank figures of a period: accounts added, and those that failed.
        indexes = [
            models.Index(fields=["created_at"], name="kyc_bank_created"),
            models.Index(
                fields=["status_changed_at"],
                condition=Q(status__in=["FAILED", "rejected"]),
                name="kyc_bank_failed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.label}"


class ProviderCall(models.Model):
    """One HTTP attempt to a provider, secrets and document URLs redacted."""

    verification = models.ForeignKey(
        Verification, null=True, blank=True, on_delete=models.CASCADE, related_name="provider_calls"
    )
    provider = models.CharField(max_length=20)
    method = models.CharField(max_length=8)
    endpoint = models.CharField(max_length=100)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    duration_ms = models.FloatField()
    error = models.TextField(blank=True)
    attempt = models.PositiveIntegerField(default=1)
    request_body = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["verification", "-created_at"], name="kyc_call_verification"),
            models.Index(fields=["-created_at"], name="kyc_call_created"),
        ]

    def __str__(self) -> str:
        return f"{self.method} {self.endpoint} → {self.status_code or self.error[:40]}"


class WebhookEvent(models.Model):
    """Every request to a webhook URL, stored raw before anything else is done with it."""

    class State(models.TextChoices):
        RECEIVED = "received", _("Received")
        INVALID = "invalid", _("Invalid (refused)")
        QUEUED = "queued", _("Waiting to be processed")
        PROCESSED = "processed", _("Processed")
        FAILED = "failed", _("Processing failed")
        UNMATCHED = "unmatched", _("No matching customer")
        DUPLICATE = "duplicate", _("Duplicate delivery")

    provider = models.CharField(max_length=20)
    received_at = models.DateTimeField(auto_now_add=True)
    remote_addr = models.GenericIPAddressField(null=True, blank=True)
    headers = models.JSONField(default=dict)
    body = models.TextField(blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.RECEIVED)
    error = models.TextField(blank=True)
    # The provider's identity of an authentic delivery: one row per delivery applies it.
    dedupe_key = models.CharField(max_length=255, null=True, blank=True)  # noqa: DJ001
    # Of the delivery's first event (Rebilly's kyc-request-partially-fulfilled is 31 long).
    event_type = models.CharField(max_length=50, blank=True)
    entity_id = models.CharField(max_length=100, blank=True)
    event = models.CharField(max_length=50, blank=True)
    occurred_at = models.DateTimeField(null=True, blank=True)
    verification = models.ForeignKey(
        Verification,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="webhook_events",
    )
    attempts = models.PositiveIntegerField(default=0)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "dedupe_key"],
                condition=Q(dedupe_key__isnull=False),
                name="kyc_unique_webhook_delivery",
            )
        ]
        indexes = [
            models.Index(fields=["state", "received_at"], name="kyc_webhook_state"),
            models.Index(fields=["-received_at"], name="kyc_webhook_received"),
        ]
        permissions = [("reprocess_webhookevent", _("Can reprocess a webhook event"))]

    def __str__(self) -> str:
        return f"{self.provider} {self.event_type} {self.event} ({self.get_state_display()})"


class AuditEvent(models.Model):
    class Source(models.TextChoices):
        USER = "user", _("The user")
        STAFF = "staff", _("Staff")
        PROVIDER = "provider", _("Provider")
        SYSTEM = "system", _("System")

    # NULL only for what concerns no single verification: a staff member's CSV export.
    verification = models.ForeignKey(
        Verification, null=True, blank=True, on_delete=models.CASCADE, related_name="audit_events"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source = models.CharField(max_length=10, choices=Source.choices)
    action = models.CharField(max_length=50)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["verification", "-created_at"], name="kyc_audit_verification"),
            models.Index(fields=["-created_at"], name="kyc_audit_created"),
            # The audit list's filters by staff member and by action (kyc/admin/logs.py).
            models.Index(fields=["actor", "-created_at"], name="kyc_audit_actor"),
            models.Index(fields=["action", "-created_at"], name="kyc_audit_action"),
            # The dashboard's throughput per officer: the staff entries of a period, read
            # from the index alone (a small share of all entries).
            models.Index(
                fields=["created_at"],
                condition=Q(source="staff"),
                include=["actor", "action", "verification", "to_status"],
                name="kyc_audit_staff",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.action}: {self.from_status} → {self.to_status}"


class IdentityDigest(models.Model):
    """One identity number of an applicant as a keyed hash (kyc/blind_index.py): never the
    number. Equal digests of one kind under one key are the same number."""

    verification = models.ForeignKey(
        Verification, on_delete=models.CASCADE, related_name="identity_digests"
    )
    kind = models.CharField(max_length=20, choices=IdentityKind.choices)
    key_id = models.CharField(max_length=16)
    digest = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["verification", "kind", "key_id", "digest"], name="kyc_unique_digest"
            )
        ]
        indexes = [models.Index(fields=["digest"], name="kyc_identity_digest")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.key_id})"


class ClearedDecision(models.Model):
    """A decision a reset took off its verification (which then starts again, undecided).

    The dashboard counts these beside the verifications' current decisions, so resetting an
    applicant never rewrites how many were decided, and how fast, on the days before.
    """

    verification = models.ForeignKey(
        Verification, on_delete=models.CASCADE, related_name="cleared_decisions"
    )
    status = models.CharField(max_length=20, choices=Status.choices)
    failure_reason = models.CharField(max_length=64, choices=FailureReason.choices, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField()
    cleared_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-decided_at"]
        indexes = [models.Index(fields=["decided_at"], name="kyc_cleared_decided_at")]

    def __str__(self) -> str:
        return f"{self.get_status_display()} on {self.decided_at:%Y-%m-%d} (cleared)"


class DashboardSnapshot(models.Model):
    """The dashboard's figures of one period as last computed (kyc/services/figures.py): the
    beat task refreshes them, the page reads this row instead of a quarter's rows."""

    days = models.PositiveSmallIntegerField(primary_key=True)
    figures = models.JSONField()
    computed_at = models.DateTimeField()
    seconds = models.FloatField()  # how long computing them took

    def __str__(self) -> str:
        return f"{self.days} days, as of {self.computed_at:%Y-%m-%d %H:%M}"


class ApprovalRequest(models.Model):
    """An irreversible or bulk staff action waiting for a second officer (four eyes).

    Asked for by one officer, approved (then run exactly as asked) or rejected by another,
    or expired after KYC_APPROVAL_EXPIRY_HOURS (kyc/services/approvals.py).
    """

    class Action(models.TextChoices):
        RESET = "reset", _("Reset KYC")
        DECISION = "decision", _("Our own decision")
        RESUBMIT = "resubmit", _("Resubmit the stored data")

    class State(models.TextChoices):
        PENDING = "pending", _("Awaiting approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        EXPIRED = "expired", _("Expired")

    action = models.CharField(max_length=20, choices=Action.choices)
    verifications = models.ManyToManyField(Verification, related_name="approval_requests")
    # What the action is run with, and each verification's status when it was asked for.
    parameters = models.JSONField(default=dict, blank=True)
    reason = models.TextField()
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)
    # What running it did, per verification, once approved.
    result = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["state", "created_at"], name="kyc_approval_state")]

    def __str__(self) -> str:
        return f"{self.get_action_display()} ({self.get_state_display()})"
