from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KycConfig(AppConfig):
    name = "kyc"
    verbose_name = _("KYC")

    def ready(self) -> None:
        # Registers the Celery tasks by name: kyc.jobs publishes them without importing them.
        from kyc import tasks  # noqa: F401
        from kyc.providers import registry

        # The enabled adapters are imported now, not by the first request that needs one
        # (a webhook would wait for pydantic to build its models), and a backend that cannot
        # be imported stops start-up instead of a request.
        registry.preload()
        _check_routing()


def _check_routing() -> None:
    """A routing that names an unknown or disabled provider stops every process at start-up
    (gunicorn and the workers run no system checks), like a malformed setting does."""
    from kyc.services.routing import RoutingError, problems

    found = problems()
    if found:
        raise RoutingError("KYC routing cannot be used: " + "; ".join(found) + ".")
