"""Rebilly's enumerations as the emulator needs them (fact sheet §4.2, §6.2, §7.1).

Values, not behaviour: the emulator validates input against them and answers with them.
They are Rebilly's published enum values (api-definitions @ 657cabcf), restated here
because the emulator must run without the spec files beside it.
"""

from __future__ import annotations

IDENTITY = "identity-proof"
ADDRESS = "address-proof"
FUNDS = "funds-proof"
PURCHASE = "purchase-proof"
CREDIT_FILE = "credit-file-proof"
DOCUMENT_TYPES = (IDENTITY, ADDRESS, FUNDS, PURCHASE, CREDIT_FILE)

DOCUMENT_TITLES = {
    IDENTITY: "Proof of identity",
    ADDRESS: "Proof of address",
    FUNDS: "Proof of funds",
    PURCHASE: "Proof of purchase",
    CREDIT_FILE: "Credit file",
}

SUBTYPES = (
    "passport",
    "id-card",
    "driver-license",
    "birth-certificate",
    "utility-bill",
    "rental-receipt",
    "lease-agreement",
    "copy-credit-card",
    "credit-card-statement",
    "bank-statement",
    "inheritance-documentation",
    "tax-return",
    "salary-slip",
    "sale-of-assets",
    "public-health-card",
    "proof-of-age-card",
    "reverse-of-id",
    "public-service",
    "ewallet-holder-details",
    "ewallet-transaction-statement",
    "marriage-certificate",
    "firearms-license",
    "insurance-letter",
    "income-statement",
    "debtors-letter",
    "other",
)

# What the gatherer offers when a request names no subtypes [INF: the spec maps none].
DEFAULT_SUBTYPES = {
    IDENTITY: ("passport", "id-card", "driver-license"),
    ADDRESS: ("utility-bill", "bank-statement", "rental-receipt", "lease-agreement"),
    FUNDS: ("bank-statement", "salary-slip", "tax-return", "income-statement"),
    PURCHASE: ("copy-credit-card", "credit-card-statement"),
    CREDIT_FILE: (),
}

REJECTION_REASONS = (
    "document-unreadable",
    "document-expired",
    "document-was-valid-but-expired",
    "document-not-matching",
    "document-duplicate",
    "document-invalid",
    "document-not-open",
    "underage-person",
    "third-party-or-mismatch",
    "expiration-date-missing",
    "issue-date-missing",
    "subtype-missing",
    "dob-mismatch",
    "name-mismatch",
    "name-and-dob-mismatch",
    "critical-info-missing",
    "old-address-on-id",
    "tampered-document",
    "other",
)

# KYC request statuses; the last four never change again.
GATHERING = "gathering"
ATTEMPTED = "attempted"
PARTIAL = "partial"
PENDING_REVIEW = "pending-review"
FULFILLED = "fulfilled"
FAILED = "failed"
ABANDONED = "abandoned"
EXPIRED = "expired"
PERMANENT = frozenset({FULFILLED, FAILED, ABANDONED, EXPIRED})

# KYC document statuses.
PENDING = "pending"
IN_PROGRESS = "in-progress"
ACCEPTED = "accepted"
REJECTED = "rejected"
ARCHIVED = "archived"

# The request event sent when a request reaches a status (none for expired or abandoned).
REQUEST_EVENTS = {
    ATTEMPTED: "kyc-request-attempted",
    PARTIAL: "kyc-request-partially-fulfilled",
    FULFILLED: "kyc-request-fulfilled",
    FAILED: "kyc-request-failed",
}

WEBHOOK_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
ACTIVE = "active"
INACTIVE = "inactive"

# GlobalEventType: every event a webhook's eventsFilter may name.
EVENT_TYPES = frozenset(
    [
        "aml-list-possibly-matched",
        "application-instance-disabled",
        "application-instance-enabled",
        "autodeposit-lookup-performed",
        "balance-transaction-settled",
        "coupon-application-removed",
        "coupon-applied",
        "coupon-expiration-modified",
        "coupon-expired",
        "coupon-issued",
        "coupon-modified",
        "coupon-redeemed",
        "coupon-redemption-canceled",
        "credit-memo-applied",
        "credit-memo-created",
        "credit-memo-modified",
        "credit-memo-partially-applied",
        "credit-memo-voided",
        "customer-created",
        "customer-merged",
        "customer-one-time-password-requested",
        "customer-redirected-offsite",
        "customer-returned",
        "customer-tax-number-validated",
        "customer-updated",
        "data-export-completed",
        "data-export-failed",
        "dispute-created",
        "dispute-modified",
        "experian-check-performed",
        "gateway-account-downtime-ended",
        "gateway-account-downtime-started",
        "gateway-account-limit-reached",
        "gateway-account-onboarding-completed",
        "gateway-account-onboarding-failed",
        "gateway-account-requested",
        "hard-usage-limit-reached",
        "invoice-abandoned",
        "invoice-created",
        "invoice-issued",
        "invoice-modified",
        "invoice-paid",
        "invoice-partially-paid",
        "invoice-partially-refunded",
        "invoice-past-due",
        "invoice-past-due-reminder",
        "invoice-refunded",
        "invoice-reissued",
        "invoice-tax-calculation-failed",
        "invoice-voided",
        "kyc-document-accepted",
        "kyc-document-archived",
        "kyc-document-created",
        "kyc-document-modified",
        "kyc-document-rejected",
        "kyc-document-reviewed",
        "kyc-request-attempted",
        "kyc-request-failed",
        "kyc-request-fulfilled",
        "kyc-request-partially-fulfilled",
        "lead-source-changed",
        "offsite-payment-completed",
        "order-abandon-reminder",
        "order-abandoned",
        "order-completed",
        "order-delinquency-reached",
        "organization-tax-number-validated",
        "payment-card-created",
        "payment-card-expiration-reminder",
        "payment-card-expired",
        "payment-instrument-modified",
        "payout-request-canceled",
        "payout-request-created",
        "payout-request-fulfilled",
        "payout-request-modified",
        "quote-accepted",
        "quote-canceled",
        "quote-created",
        "quote-expired",
        "quote-issued",
        "quote-recalled",
        "quote-rejected",
        "quote-updated",
        "ready-to-pay-requested",
        "renewal-invoice-issued",
        "renewal-invoice-payment-canceled",
        "renewal-invoice-payment-declined",
        "risk-score-changed",
        "soft-usage-limit-reached",
        "subscription-activated",
        "subscription-canceled",
        "subscription-churned",
        "subscription-created",
        "subscription-downgraded",
        "subscription-items-changed",
        "subscription-modified",
        "subscription-pause-created",
        "subscription-pause-modified",
        "subscription-pause-revoked",
        "subscription-paused",
        "subscription-quantity-filled-limit-reached",
        "subscription-reactivated",
        "subscription-renewal-reminder",
        "subscription-renewed",
        "subscription-resumed",
        "subscription-trial-converted",
        "subscription-trial-end-reminder",
        "subscription-trial-ended",
        "subscription-upgraded",
        "transaction-amount-discrepancy-found",
        "transaction-declined",
        "transaction-discrepancy-found",
        "transaction-process-requested",
        "transaction-processed",
        "transaction-reconciled",
        "transaction-partially-refunded",
        "transaction-refunded",
        "transaction-timeout-resolved",
        "transaction-voided",
        "trial-usage-limit-reached",
        "waiting-gateway-transaction-completed",
    ]
)
