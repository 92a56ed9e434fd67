from __future__ import annotations

import os
import sys

from django.apps import AppConfig
from django.conf import settings
from django.utils.translation import gettext_lazy as _


class OnboardingConfig(AppConfig):
    name = "onboarding"
    verbose_name = _("Onboarding")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from onboarding import checks  # registers the system checks
        from onboarding.middleware import seen_at_login
        from onboarding.phone import drop_marker_on_login

        user_logged_in.connect(drop_marker_on_login, dispatch_uid="onboarding.phone")
        user_logged_in.connect(seen_at_login, dispatch_uid="onboarding.staff_idle")
        # Every process with DJANGO_DEBUG off, gunicorn and Celery included, stops here;
        # `manage.py check` reports the same findings as Django's list of errors instead.
        if sys.argv[1:2] != ["check"]:
            checks.refuse_unsafe_defaults()

        if settings.CELERY_BROKER_URL.startswith("filesystem"):
            # kombu's filesystem transport expects its folders to exist.
            options = settings.CELERY_BROKER_TRANSPORT_OPTIONS
            for key in ("data_folder_in", "data_folder_out", "control_folder"):
                os.makedirs(str(options[key]), exist_ok=True)
