"""Run an emulator as a real subprocess, for test fixtures and benchmarks.

`EmulatorProcessBase` owns the lifecycle every emulator shares: pick a free port, start
`python -m <module>` on a state file (a temporary one unless given), wait until
`/_sandbox/health` answers, stop with SIGTERM (the emulator exits cleanly and can be
restarted on the same state), and keep everything it printed in a log file beside the state
for failure messages. Subclasses name the module, its flags and how organisations are
passed, and add helpers for their own control API. Only the standard library and
`requests` are used.
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
from pathlib import Path
from types import TracebackType
from typing import Any, ClassVar, Self

import requests

_ROOT = Path(__file__).resolve().parents[2]


# Command-line options every emulator has beside --host/--port/--state (see FLAGS).
COMMON_FLAGS = frozenset({"webhook_retry_delays", "webhook_timeout", "public_url", "log_level"})


class EmulatorError(RuntimeError):
    pass


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


class EmulatorProcessBase:
    MODULE: ClassVar[str]
    # Variables starting with this are dropped from the child's environment: our flags win.
    ENV_PREFIX: ClassVar[str]
    # Options passed as `--flag value`; any other keyword goes into `--config` as JSON.
    FLAGS: ClassVar[frozenset[str]]

    def __init__(
        self,
        state_path: str | Path | None = None,
        *,
        host: str = "127.0.0.1",
        port: int | None = None,
        startup_timeout: float = 15.0,
        python: str = sys.executable,
        **options: Any,
    ) -> None:
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        if state_path is None:
            prefix = self.MODULE.rsplit(".", 1)[-1] + "-sandbox-"
            self._tmp = tempfile.TemporaryDirectory(prefix=prefix)
            state_path = Path(self._tmp.name) / "state.sqlite3"
        self.state_path = Path(state_path)
        self.host = host
        self.port = port or free_port(host)
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

    def org_arguments(self) -> list[str]:
        """The `--org ...` arguments of the command line."""
        return []

    def command(self) -> list[str]:
        cmd = [self.python, "-m", self.MODULE, "--host", self.host]
        cmd += ["--port", str(self.port), "--state", str(self.state_path)]
        cmd += self.org_arguments()
        extra = {k: v for k, v in self.options.items() if k not in self.FLAGS}
        for name in sorted(self.FLAGS & self.options.keys()):
            cmd += [f"--{name.replace('_', '-')}", flag_value(self.options[name])]
        if extra:
            cmd += ["--config", json.dumps(extra)]
        return cmd

    def start(self) -> Self:
        if self.running:
            return self
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(_ROOT), env.get("PYTHONPATH")]))
        env = {k: v for k, v in env.items() if not k.startswith(self.ENV_PREFIX)}
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

    def restart(self) -> Self:
        """Stop, then start again on the same state file and port."""
        self.stop()
        return self.start()

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

    def __enter__(self) -> Self:
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

    def deliveries(self, **filters: str) -> list[dict[str, Any]]:
        return list(self._control("GET", "/webhooks/deliveries", params=filters))

    def _release(self, order: str) -> list[Any]:
        return list(self._control("POST", "/webhooks/release", {"order": order})["released"])


def flag_value(value: Any) -> str:
    if isinstance(value, list | tuple):
        return ",".join(str(item) for item in value)
    return str(value)
