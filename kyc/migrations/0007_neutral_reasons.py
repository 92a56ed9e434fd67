"""Existing verifications in the neutral vocabulary (reversible).

Every row before this migration was written by the DollarPe adapter, the only provider
then: `failure_reason` held DollarPe's own code and the correction limit was DollarPe's
"3 updates per customer". The code moves to `provider_reason`, `failure_reason` gets its
neutral reason, `provider_status` the status DollarPe reported, and `corrections_allowed`
the limit; a failure that came without a code is `other`, as the core now writes it. The
mapping is frozen here as it was; the adapter's own table may change later. Going back puts
the code where it was, and makes what the narrower columns of 0005 cannot hold fit: a
verification waiting for the applicant is PROCESSING again (the nearest old status), and
longer audit statuses and webhook event names are cut. The compliance officers may also
re-route now.
"""

from django.db import migrations
from django.db.models import Q
from django.db.models.functions import Left

DOLLARPE_REASONS = {
    "TAX_VERIFICATION_FAILED": "tax_number",
    "DOCUMENT_VERIFICATION_FAILED": "identity_document",
    "SELFIE_VERIFICATION_FAILED": "selfie",
    "KYC_FAILED": "other",
}
DOLLARPE_UPDATE_LIMIT = 3
NEUTRAL = {
    "identity_document", "address_document", "selfie", "tax_number", "identity_data",
    "additional_info", "challenge_failed", "request_expired", "screening", "underage",
    "attempts_exhausted", "other",
}
OFFICER = "Compliance officer"
NEW_PERMISSION = "reroute_verification"


def _neutral(code):
    if code in DOLLARPE_REASONS:
        return DOLLARPE_REASONS[code]
    return "additional_info" if "ADDITIONAL" in code.upper() else "other"


def forwards(apps, schema_editor):
    Verification = apps.get_model("kyc", "Verification")
    rows = Verification.objects.exclude(failure_reason="").exclude(failure_reason__in=NEUTRAL)
    codes = rows.order_by().values_list("failure_reason", flat=True).distinct()
    for code in list(codes):
        Verification.objects.filter(failure_reason=code).update(
            provider_reason=code, failure_reason=_neutral(code)
        )
    for status in ("UNVERIFIED", "PROCESSING", "VERIFIED", "FAILED"):
        Verification.objects.filter(status=status, provider_status="").update(provider_status=status)
    Verification.objects.filter(status="FAILED", failure_reason="").update(failure_reason="other")
    Verification.objects.filter(corrections_allowed__isnull=True).update(
        corrections_allowed=DOLLARPE_UPDATE_LIMIT
    )
    _officer_may_reroute(apps)


def backwards(apps, schema_editor):
    Verification = apps.get_model("kyc", "Verification")
    failed = Verification.objects.exclude(provider_reason="")
    codes = failed.order_by().values_list("provider_reason", flat=True).distinct()
    for code in list(codes):
        Verification.objects.filter(provider_reason=code).update(
            failure_reason=code[:64], provider_reason=""
        )
    Verification.objects.filter(~Q(failure_reason=""), provider_reason="").filter(
        failure_reason__in=NEUTRAL
    ).update(failure_reason="")
    Verification.objects.update(provider_status="", corrections_allowed=None)
    Verification.objects.filter(status="ACTION_REQUIRED").update(status="PROCESSING", action=None)
    AuditEvent = apps.get_model("kyc", "AuditEvent")
    for column in ("from_status", "to_status"):
        AuditEvent.objects.filter(**{f"{column}__regex": r"^.{13,}$"}).update(
            **{column: Left(column, 12)}
        )
    WebhookEvent = apps.get_model("kyc", "WebhookEvent")
    WebhookEvent.objects.filter(event_type__regex=r"^.{21,}$").update(
        event_type=Left("event_type", 20)
    )


def _officer_may_reroute(apps):
    from django.contrib.auth.management import create_permissions

    kyc = apps.get_app_config("kyc")
    if not getattr(kyc, "models_module", None):  # a migration state's stub has none
        kyc.models_module = True
    create_permissions(kyc, apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permission = Permission.objects.filter(
        content_type__app_label="kyc", codename=NEW_PERMISSION
    ).first()
    officer = Group.objects.filter(name=OFFICER).first()
    if permission is not None and officer is not None:
        officer.permissions.add(permission)


class Migration(migrations.Migration):
    dependencies = [("kyc", "0006_provider_neutral_core")]

    operations = [migrations.RunPython(forwards, backwards)]
