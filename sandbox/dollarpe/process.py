"""`EmulatorProcess`: run the emulator as a real subprocess, for test fixtures and benchmarks.

    with EmulatorProcess(decision_delay=0.3) as emulator:
        emulator.config(instant_bank=True)
        requests.get(emulator.base_url + "/_sandbox/health")

Options named like the CLI's (underscores) become flags; any other keyword is a runtime
option passed through `--config`. Only the standard library and `requests` are used.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

import requests

_ROOT = Path(__file__).resolve().parents[2]
_FLAGS = {
    "decision_delay",
    "bank_decision_delay",
    "timestamp_window",
    "webhook_retry_delays",
    "webhook_timeout",
    "public_url",
    "log_level",
}


class EmulatorError(RuntimeError):
    pass


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


class EmulatorProcess:
    def __init__(
        self,
        state_path: str | Path | None = None,
        *,
        host: str = "127.0.0.1",
        port: int | None = None,
        orgs: Sequence[tuple[str, str]] = (("sandbox-key", "sandbox-secret"),),
        startup_timeout: float = 15.0,
        python: str = sys.executable,
        **options: Any,
    ) -> None:
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        if state_path is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="dollarpe-sandbox-")
            state_path = Path(self._tmp.name) / "state.sqlite3"
        self.state_path = Path(state_path)
        self.host = host
        self.port = port or free_port(host)
        self.orgs = list(orgs)
        self.options = options
        self.startup_timeout = startup_timeout
        self.python = python
        self.log_path = self.state_path.with_suffix(".log")
        self._process: subprocess.Popen[bytes] | None = None
        self._http = requests.Session()

    # --- lifecycle -------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def api_key(self) -> str:
        return self.orgs[0][0]

    @property
    def api_secret(self) -> str:
        return self.orgs[0][1]

    def command(self) -> list[str]:
        cmd = [self.python, "-m", "sandbox.dollarpe", "--host", self.host]
        cmd += ["--port", str(self.port), "--state", str(self.state_path)]
        for key, secret in self.orgs:
            cmd += ["--org", f"{key}:{secret}"]
        extra = {k: v for k, v in self.options.items() if k not in _FLAGS}
        for name in sorted(_FLAGS & self.options.keys()):
            cmd += [f"--{name.replace('_', '-')}", _flag_value(self.options[name])]
        if extra:
            cmd += ["--config", json.dumps(extra)]
        return cmd

    def start(self) -> EmulatorProcess:
        if self.running:
            return self
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(_ROOT), env.get("PYTHONPATH")]))
        # Our own flags must win over any DOLLARPE_SANDBOX_* left in the environment.
        env = {k: v for k, v in env.items() if not k.startswith("DOLLARPE_SANDBOX_")}
        with open(self.log_path, "ab") as log:
            self._process = subprocess.Popen(
                self.command(), cwd=_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
            )
        self._wait_healthy()
        return self

    def _wait_healthy(self) -> None:
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self._process is not None and self._process.poll() is not None:
                raise EmulatorError(
                    f"emulator exited with {self._process.returncode}:\n{self.output()}"
                )
            try:
                if self._http.get(self.base_url + "/_sandbox/health", timeout=1).ok:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.05)
        self.stop()
        raise EmulatorError(f"emulator not healthy after {self.startup_timeout}s:\n{self.output()}")

    def stop(self, timeout: float = 10.0) -> int | None:
        process, self._process = self._process, None
        if process is None:
            return None
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout)
        return process.returncode

    def close(self) -> None:
        self.stop()
        self._http.close()
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def output(self) -> str:
        """Everything the process wrote (stdout and stderr), for failure messages."""
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def __enter__(self) -> EmulatorProcess:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # --- control API helpers ---------------------------------------------------------------

    def _control(
        self, method: str, route: str, body: Any = None, params: dict[str, str] | None = None
    ) -> Any:
        response = self._http.request(
            method, f"{self.base_url}/_sandbox{route}", json=body, params=params, timeout=30
        )
        if not response.ok:
            raise EmulatorError(f"{method} {route} -> {response.status_code}: {response.text}")
        return response.json()

    def health(self) -> dict[str, Any]:
        return dict(self._control("GET", "/health"))

    def config(self, **changes: Any) -> dict[str, Any]:
        """Patch runtime options (none given: just read them)."""
        if not changes:
            return dict(self._control("GET", "/config"))
        return dict(self._control("PATCH", "/config", changes))

    def reset(self, *, config: bool = True) -> dict[str, Any]:
        """Wipe all state; by default also restore the start-up configuration."""
        return dict(self._control("POST", "/reset", {"config": config}))

    def customer(self, customer_id: str) -> dict[str, Any]:
        return dict(self._control("GET", f"/customers/{customer_id}"))

    def requests_log(self, **filters: str) -> list[dict[str, Any]]:
        return list(self._control("GET", "/requests", params=filters))

    def deliveries(self, **filters: str) -> list[dict[str, Any]]:
        return list(self._control("GET", "/webhooks/deliveries", params=filters))

    def release(self, order: str = "fifo") -> list[int]:
        return list(self._control("POST", "/webhooks/release", {"order": order})["released"])

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

    def decide(self, customer_id: str) -> dict[str, Any]:
        return dict(self._control("POST", f"/decide/{customer_id}"))


def _flag_value(value: Any) -> str:
    if isinstance(value, list | tuple):
        return ",".join(str(item) for item in value)
    return str(value)
