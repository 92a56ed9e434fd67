"""`QoloEmulatorProcess`: the Qolo emulator as a real subprocess, for tests and benchmarks.

    with QoloEmulatorProcess(decision_delay=0.2) as emulator:
        token = emulator.token()
        requests.get(f"{emulator.api_base}/persons/{guid}",
                     headers={"Authorization": f"Bearer {token}"})

Options named like the CLI's (underscores) become flags; any other keyword is a runtime
option passed through `--config`. The lifecycle (free port, health wait, SIGTERM, restart on
the same state, log file beside the state) is shared: sandbox/common/process.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sandbox.common.process import COMMON_FLAGS, EmulatorError, EmulatorProcessBase

__all__ = ["EmulatorError", "QoloEmulatorProcess"]

DEFAULT_LOGINS = (("sandbox-login", "sandbox-api-key"),)
DEFAULT_PROGRAMS = (("7c4f8e2a-1b3d-4e5f-8a9b-0c1d2e3f4a5b", "CDD"),)


class QoloEmulatorProcess(EmulatorProcessBase):
    MODULE = "sandbox.qolo"
    ENV_PREFIX = "QOLO_SANDBOX_"
    FLAGS = COMMON_FLAGS | {"decision_delay", "token_ttl"}

    def __init__(
        self,
        state_path: str | Path | None = None,
        *,
        host: str = "127.0.0.1",
        port: int | None = None,
        logins: Sequence[tuple[str, str]] = DEFAULT_LOGINS,
        programs: Sequence[tuple[str, str]] = DEFAULT_PROGRAMS,
        **options: Any,
    ) -> None:
        super().__init__(state_path, host=host, port=port, **options)
        self.logins = list(logins)
        self.programs = list(programs)

    @property
    def api_base(self) -> str:
        return f"{self.base_url}/api/v1"

    @property
    def login_id(self) -> str:
        return self.logins[0][0]

    @property
    def api_key(self) -> str:
        return self.logins[0][1]

    @property
    def program_guid(self) -> str:
        return self.programs[0][0]

    def org_arguments(self) -> list[str]:
        arguments = [arg for login, key in self.logins for arg in ("--login", f"{login}:{key}")]
        for guid, mode in self.programs:
            arguments += ["--program", f"{guid}:{mode}" if mode else guid]
        return arguments

    # --- control API helpers ---------------------------------------------------------------

    def requests(self, **filters: str) -> list[dict[str, Any]]:
        """The API request log (`path=` exact or prefix, `method=`, `login_id=`,
        `person_guid=`)."""
        return list(self._control("GET", "/requests", params=filters))

    def release(self, order: str = "sent") -> list[int]:
        """Send the held deliveries: in the order they were made ("sent") or "reverse"."""
        return self._release(order)

    def persons(self) -> list[dict[str, Any]]:
        """Every person: guid, program, status, mode, level, pending."""
        return list(self._control("GET", "/persons"))

    def person(self, guid: str) -> dict[str, Any]:
        """One person as the emulator holds it (ids unmasked, checks, the KYC result)."""
        return dict(self._control("GET", f"/persons/{guid}"))

    def answers(self, person_guid: str) -> dict[str, str]:
        """The open challenge's correct option per question key ({} when none is open)."""
        return dict(self._control("GET", f"/persons/{person_guid}/answers"))

    def expire_tokens(self) -> int:
        """Every access token handed out so far expires now; how many did."""
        return int(self._control("POST", "/tokens/expire")["expired"])

    def decide(self, person_guid: str, status: str) -> dict[str, Any]:
        """Force a person's status now (pending checks end, events are sent)."""
        return dict(self._control("POST", f"/persons/{person_guid}/decide", {"status": status}))

    def send_webhook(self, event_type: str, person_guid: str) -> dict[str, Any]:
        """Send an event about a person to its program's subscriptions now."""
        body = {"event_type": event_type, "person_guid": person_guid}
        return dict(self._control("POST", "/webhooks/send", body))

    def token(self) -> str:
        """Log in as the first login through the API (it is logged like any login)."""
        response = self._http.post(
            f"{self.api_base}/auth/login",
            # Both key styles: whichever `login_keys` the emulator runs with accepts them.
            json={
                "login_id": self.login_id,
                "api_key": self.api_key,
                "loginid": self.login_id,
                "apikey": self.api_key,
            },
            timeout=30,
        )
        if response.status_code != 200:
            raise EmulatorError(f"login -> {response.status_code}: {response.text}")
        body = response.json()
        found = body.get("data", body) if isinstance(body, dict) else {}
        for name in ("token", "access_token", "jwt"):
            if isinstance(found.get(name), str):
                return str(found[name])
        raise EmulatorError(f"login answered no token: {body}")
