"""`RebillyEmulatorProcess`: the Rebilly emulator as a real subprocess, for tests and benchmarks.

    with RebillyEmulatorProcess(decision_delay=0.2) as emulator:
        emulator.config(hold_deliveries=True)
        requests.get(emulator.api_base + "/customers", headers={"REB-APIKEY": emulator.api_key})

Options named like the CLI's (underscores) become flags; any other keyword is a runtime
option passed through `--config`. The lifecycle (free port, health wait, SIGTERM, restart on
the same state, log file beside the state) is shared: sandbox/common/process.py.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from sandbox.common.process import EmulatorError, EmulatorProcessBase

__all__ = ["EmulatorError", "RebillyEmulatorProcess"]

_FILE_INPUT = re.compile(r'<input type="file" id="([a-z]+)-([a-z-]+)"')


def _jpeg(color: tuple[int, int, int]) -> bytes:
    """A small real JPEG (what a phone camera would send, only smaller)."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (48, 32), color).save(buffer, format="JPEG")
    return buffer.getvalue()


class RebillyEmulatorProcess(EmulatorProcessBase):
    MODULE = "sandbox.rebilly"
    ENV_PREFIX = "REBILLY_SANDBOX_"
    FLAGS = frozenset(
        {"decision_delay", "webhook_retry_delays", "webhook_timeout", "public_url", "log_level"}
    )

    def __init__(
        self,
        state_path: str | Path | None = None,
        *,
        host: str = "127.0.0.1",
        port: int | None = None,
        orgs: Sequence[tuple[str, str]] = (("org-sandbox", "sk_sandbox_local"),),
        **options: Any,
    ) -> None:
        super().__init__(state_path, host=host, port=port, **options)
        self.orgs = list(orgs)

    @property
    def organization_id(self) -> str:
        return self.orgs[0][0]

    @property
    def api_key(self) -> str:
        return self.orgs[0][1]

    @property
    def api_base(self) -> str:
        return f"{self.base_url}/organizations/{self.organization_id}"

    def org_arguments(self) -> list[str]:
        return [arg for org, key in self.orgs for arg in ("--org", f"{org}:{key}")]

    # --- control API helpers ---------------------------------------------------------------

    def requests(self, **filters: str) -> list[dict[str, Any]]:
        """The API request log (`path=` exact or prefix, `method=`)."""
        return list(self._control("GET", "/requests", params=filters))

    def events(self, **filters: str) -> list[dict[str, Any]]:
        """Every event raised (`type=`), with the webhooks it was sent to."""
        return list(self._control("GET", "/events", params=filters))

    def release(self, order: str = "sent") -> list[int]:
        """Send the held deliveries: in the order they were made ("sent") or "reverse"."""
        return self._release(order)

    def resend(self, delivery_id: int) -> dict[str, Any]:
        return dict(self._control("POST", f"/webhooks/deliveries/{delivery_id}/resend"))

    def expire(self, request_id: str) -> dict[str, Any]:
        """Move the request's expirationTime into the past (expired or abandoned, silently)."""
        return dict(self._control("POST", f"/kyc-requests/{request_id}/expire"))

    def decide(
        self,
        document_id: str,
        status: str,
        reason_type: str | None = None,
        message: str | None = None,
    ) -> dict[str, Any]:
        """Decide a document as Rebilly's AI would: `{document, request}` afterwards."""
        body = {"status": status, "reason_type": reason_type, "message": message}
        return dict(self._control("POST", f"/kyc-documents/{document_id}/decide", body))

    def gatherer(self, request_id: str) -> dict[str, Any]:
        """`{requestId, token, url}` of a request's gatherer page."""
        return dict(self._control("GET", f"/kyc-requests/{request_id}/gatherer"))

    def file_bytes(self, file_id: str) -> bytes:
        response = self._http.get(f"{self.base_url}/_sandbox/files/{file_id}", timeout=30)
        if not response.ok:
            raise EmulatorError(f"file {file_id} -> {response.status_code}: {response.text}")
        return response.content

    def gatherer_submit(
        self,
        token_or_url: str,
        outcomes: Mapping[str, str],
        *,
        subtypes: Mapping[str, str] | None = None,
        action: str = "submit",
    ) -> str | None:
        """Fill in and submit the gatherer page as a browser would; returns where it redirects.

        `outcomes` maps a document type to "accept", "reject:<rejection-reason-type>" or
        "review"; each gets a small JPEG (and a selfie when the page asks for one). Offered
        types left out get no file. None when the page answered without a redirect (no
        `redirectUrl`); an error page (422 and the like) raises EmulatorError.
        """
        if token_or_url.startswith(("http://", "https://")):
            token = parse_qs(urlsplit(token_or_url).query).get("token", [""])[0]
        else:
            token = token_or_url
        page = self._http.get(
            f"{self.base_url}/gatherer",
            params={"token": token},
            allow_redirects=False,
            timeout=30,
        )
        if page.status_code == 302:
            return page.headers["Location"]
        inputs = set(_FILE_INPUT.findall(page.text))
        form: dict[str, str] = {"token": token, "action": action}
        uploads: list[tuple[str, tuple[str, bytes, str]]] = []
        for index, (kind, outcome) in enumerate(outcomes.items()):
            decision, _, reason = outcome.partition(":")
            form[f"outcome-{kind}"] = decision
            if reason:
                form[f"reason-{kind}"] = reason
            if subtypes and kind in subtypes:
                form[f"subtype-{kind}"] = subtypes[kind]
            uploads.append(
                (f"file-{kind}", (f"{kind}.jpg", _jpeg((40 * index, 90, 140)), "image/jpeg"))
            )
            if ("face", kind) in inputs:
                uploads.append(
                    (f"face-{kind}", ("selfie.jpg", _jpeg((200, 160, 120)), "image/jpeg"))
                )
        response = self._http.post(
            f"{self.base_url}/gatherer", data=form, files=uploads, allow_redirects=False, timeout=30
        )
        if response.status_code == 302:
            return str(response.headers["Location"])
        if response.status_code != 200:
            raise EmulatorError(f"gatherer answered {response.status_code}:\n{response.text}")
        return None
