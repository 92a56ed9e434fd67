"""The two compliance roles, as groups a superuser puts staff members in.

"Compliance viewer" reads everything of the KYC app with identity numbers masked;
"Compliance officer" also runs the staff actions and sees identity numbers whole.
`ensure_groups` is idempotent: tests that flush the database run it again.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

VIEWER = "Compliance viewer"
OFFICER = "Compliance officer"
KYC_MODELS = (
    "verification",
    "submission",
    "document",
    "bankaccount",
    "providercall",
    "webhookevent",
    "auditevent",
)
OFFICER_ACTIONS = (
    "view_unmasked_identity",
    "refresh_verification",
    "retry_submission",
    "request_resubmission",
    "resubmit_verification",
    "reset_verification",
    "force_outcome",
    "add_note",
    "reprocess_webhookevent",
)


def ensure_groups(apps, schema_editor=None):
    # Permissions are normally created after all migrations (post_migrate): create them now.
    kyc = apps.get_app_config("kyc")
    if not getattr(kyc, "models_module", None):  # a migration state's stub has none
        kyc.models_module = True
    create_permissions(kyc, apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    kyc_permissions = Permission.objects.filter(content_type__app_label="kyc")
    view = list(kyc_permissions.filter(codename__in=[f"view_{m}" for m in KYC_MODELS]))
    actions = list(kyc_permissions.filter(codename__in=OFFICER_ACTIONS))
    viewer, _ = Group.objects.get_or_create(name=VIEWER)
    viewer.permissions.set(view)
    officer, _ = Group.objects.get_or_create(name=OFFICER)
    officer.permissions.set(view + actions)


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=[VIEWER, OFFICER]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("kyc", "0002_admin_permissions_indexes"),
    ]

    operations = [migrations.RunPython(ensure_groups, remove_groups)]
