"""Flask plumbing every emulator shares: the control API's errors, JSON bodies and config
routes, and the job thread's place in the app.

The control API (`/_sandbox/...`) is the emulators' own, not a provider's: it answers plain
`{"error", "errors"}` JSON whatever the provider's error format, so test helpers can treat
every emulator alike.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, Flask, Response, jsonify, request
from werkzeug.exceptions import HTTPException

from sandbox.common.jobs import JobRunner
from sandbox.common.options import ConfigError

CONTROL_PREFIX = "/_sandbox"
JOBS_KEY = "sandbox_jobs"


class ControlError(Exception):
    def __init__(self, message: str, status: int = 400, errors: Any = None) -> None:
        super().__init__(message)
        self.status = status
        self.errors = errors

    def response(self) -> tuple[Response, int]:
        return jsonify({"error": str(self), "errors": self.errors}), self.status


def json_body() -> dict[str, Any]:
    """A control call's JSON object body (none: `{}`)."""
    body = request.get_json(silent=True) if request.get_data() else {}
    if not isinstance(body, dict):
        raise ControlError("body must be a JSON object")
    return body


def add_config_routes(bp: Blueprint, runtime: Callable[[], Any]) -> None:
    """`GET /config` and `PATCH /config` on a control blueprint.

    `runtime()` gives the running emulator's Runtime: its `config` has `to_json()` and
    `patched(changes)` (raising ConfigError), and `set_config(config)` swaps it.
    """

    @bp.get("/config")
    def get_config() -> Response:
        return jsonify(runtime().config.to_json())

    @bp.patch("/config")
    def patch_config() -> Response:
        rt = runtime()
        try:
            rt.set_config(rt.config.patched(json_body()))
        except ConfigError as exc:
            raise ControlError("invalid configuration", errors=exc.problems) from exc
        return jsonify(rt.config.to_json())


def add_reset_route(
    bp: Blueprint, runtime: Callable[[], Any], *, also: Callable[[Any], None] | None = None
) -> None:
    """`POST /reset`: wipe the store (and whatever `also(rt)` keeps in memory);
    `{"config": true}` also restores the start-up configuration."""

    @bp.post("/reset")
    def reset() -> Response:
        rt = runtime()
        body = json_body()
        rt.store.wipe()
        if also is not None:
            also(rt)
        if body.get("config"):
            rt.set_config(rt.startup.runtime)
        return jsonify({"reset": True, "config": rt.config.to_json()})


def add_release_route(
    bp: Blueprint,
    release: Callable[[str], list[int]],
    orders: tuple[str, ...] = ("sent", "reverse"),
) -> None:
    """`POST /webhooks/release {"order": ...}`: send the held deliveries in that order."""

    @bp.post("/webhooks/release")
    def release_held() -> Response:
        order = json_body().get("order", orders[0])
        if order not in orders:
            raise ControlError(f"order must be {' or '.join(orders)}")
        return jsonify({"released": release(order)})


def register_errors(app: Flask, api_error: Callable[[HTTPException], tuple[Response, int]]) -> None:
    """Control errors answer the control shape; other HTTP errors the provider's (`api_error`)."""

    @app.errorhandler(ControlError)
    def control_error(exc: ControlError) -> tuple[Response, int]:
        return exc.response()

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> tuple[Response, int]:
        if request.path.startswith(CONTROL_PREFIX):
            return jsonify({"error": exc.description, "errors": None}), exc.code or 500
        return api_error(exc)


def attach_jobs(app: Flask, runner: JobRunner, *, start: bool) -> None:
    app.extensions[JOBS_KEY] = runner
    if start:
        runner.start()


def stop_jobs(app: Flask) -> None:
    runner: JobRunner = app.extensions[JOBS_KEY]
    runner.stop()


def close_emulator_app(app: Flask, runtime_key: str) -> None:
    """Stop the job thread, then close the database of the runtime kept under `runtime_key`."""
    stop_jobs(app)
    app.extensions[runtime_key].store.close()
