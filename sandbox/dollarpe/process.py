"""`EmulatorProcess`: run the emulator as a real subprocess, for test fixtures and benchmarks.

    with EmulatorProcess(decision_delay=0.3) as emulator:
        emulator.config(instant_bank=True)
        requests.get(emulator.base_url + "/_sandbox/health")

Options named like the CLI's (underscores) become flags; any other keyword is a runtime
option passed through `--config`. The lifecycle is shared (sandbox/common/process.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sandbox.common.process import EmulatorError, EmulatorProcessBase, free_port

__all__ = ["EmulatorError", "EmulatorProcess", "free_port"]


class EmulatorProcess(EmulatorProcessBase):
    MODULE = "sandbox.dollarpe"
    ENV_PREFIX = "DOLLARPE_SANDBOX_"
    FLAGS = frozenset(
        {
            "decision_delay",
            "bank_decision_delay",
            "timestamp_window",
            "webhook_retry_delays",
            "webhook_timeout",
            "public_url",
            "log_level",
        }
    )

    def __init__(
        self,
        state_path: str | Path | None = None,
        *,
        orgs: Sequence[tuple[str, str]] = (("sandbox-key", "sandbox-secret"),),
        **options: Any,
    ) -> None:
        super().__init__(state_path, **options)
        self.orgs = list(orgs)

    @property
    def api_key(self) -> str:
        return self.orgs[0][0]

    @property
    def api_secret(self) -> str:
        return self.orgs[0][1]

    def org_arguments(self) -> list[str]:
        return [arg for key, secret in self.orgs for arg in ("--org", f"{key}:{secret}")]

    # --- control API helpers ---------------------------------------------------------------

    def customer(self, customer_id: str) -> dict[str, Any]:
        return dict(self._control("GET", f"/customers/{customer_id}"))

    def requests_log(self, **filters: str) -> list[dict[str, Any]]:
        return list(self._control("GET", "/requests", params=filters))

    def release(self, order: str = "fifo") -> list[int]:
        return self._release(order)

    def send_webhook(
        self,
        type: str,  # mirrors the webhook field names
        id: str,
        event: str,
        metadata: dict[str, Any] | None = None,
        *,
        timestamp: str | None = None,
        org: str | None = None,
        signed_at: int | None = None,
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"type": type, "id": id, "event": event, "metadata": metadata or {}}
        optional = {"timestamp": timestamp, "org": org, "signed_at": signed_at}
        body.update({k: v for k, v in optional.items() if v is not None})
        return dict(self._control("POST", "/webhooks/send", body))

    def provider_reset(self, customer_id: str, *, webhook: bool = True) -> dict[str, Any]:
        """The provider resets the customer by itself, with or without telling us."""
        body = {"webhook": webhook}
        return dict(self._control("POST", f"/customers/{customer_id}/provider-reset", body))

    def decide(self, customer_id: str) -> dict[str, Any]:
        return dict(self._control("POST", f"/decide/{customer_id}"))
