from __future__ import annotations

from django.apps import AppConfig


class KycConfig(AppConfig):
    name = "kyc"
    verbose_name = "KYC"

    def ready(self) -> None:
        # Registers the Celery tasks by name: kyc.jobs publishes them without importing them.
        from kyc import tasks  # noqa: F401
