"""Flask application factory: routes, problem answers, rate-limit headers, the request log,
fault injection and the job thread."""

from __future__ import annotations

import json
import logging
import time
from functools import partial
from pathlib import Path
from typing import Any

from flask import Flask, Response, g, jsonify, request
from werkzeug.exceptions import HTTPException

from sandbox.common.faults import FaultMiddleware, faulted_request
from sandbox.common.jobs import Handler, JobRunner
from sandbox.common.redact import masked, redact, shrink
from sandbox.common.web import attach_jobs, close_emulator_app, register_errors
from sandbox.rebilly import api, control, gatherer, kyc, webhooks
from sandbox.rebilly.config import EmulatorConfig
from sandbox.rebilly.context import EXTENSION_KEY, runtime
from sandbox.rebilly.problems import Problem, problem_body
from sandbox.rebilly.runtime import Runtime
from sandbox.rebilly.state import Store

log = logging.getLogger(__name__)

# Uploads are checked one by one against max_file_bytes; this only bounds a whole request.
MAX_REQUEST_BYTES = 64 * 1024 * 1024
# The webhook credential's password (POST /service-credentials/webhook, and the answers that
# repeat it) is ours: the unauthenticated request log must not hand it to anyone who asks.
SECRET_KEYS = frozenset({"password"})


def create_app(config: EmulatorConfig, state_path: str | Path, *, start_jobs: bool = True) -> Flask:
    """A ready app; the job thread runs unless `start_jobs` is False. Stop with `close_app`."""
    app = Flask("sandbox.rebilly")
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.config["MAX_CONTENT_LENGTH"] = MAX_REQUEST_BYTES
    rt = Runtime(store=Store(state_path), startup=config, config=config.runtime)
    app.extensions[EXTENSION_KEY] = rt
    app.register_blueprint(api.bp)
    app.register_blueprint(control.bp)
    app.register_blueprint(gatherer.bp)
    _register_errors(app)
    app.after_request(_finish)
    app.wsgi_app = FaultMiddleware(  # type: ignore[method-assign]
        app.wsgi_app,
        dice=rt.faults,
        settings=lambda: rt.config,
        applies=api.is_api_path,
        error_body=json.dumps(problem_body(500, "Sandbox fault injection.")).encode(),
        on_fault=partial(_log_fault, rt),
    )
    handlers: dict[str, Handler] = {
        kyc.DECIDE_JOB: partial(kyc.run_decision_job, rt),
        kyc.EXPIRE_JOB: partial(kyc.run_expiry_job, rt),
        webhooks.DELIVER_JOB: partial(webhooks.run_delivery, rt),
    }
    attach_jobs(app, JobRunner(rt.store, rt.wake, handlers, name="rebilly-jobs"), start=start_jobs)
    return app


def close_app(app: Flask) -> None:
    """Stop the job thread, then close the database."""
    close_emulator_app(app, EXTENSION_KEY)


def runtime_of(app: Flask) -> Runtime:
    rt: Runtime = app.extensions[EXTENSION_KEY]
    return rt


def _register_errors(app: Flask) -> None:
    @app.errorhandler(Problem)
    def problem(exc: Problem) -> tuple[Response, int, dict[str, str]]:
        return jsonify(exc.body()), exc.status, exc.headers

    def http_problem(exc: HTTPException) -> tuple[Response, int]:
        # Unknown paths and methods, too large bodies: still RFC 7807 problems.
        status = exc.code or 500
        return jsonify(problem_body(status, str(exc.description))), status

    register_errors(app, http_problem)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> tuple[Response, int]:
        log.exception("unhandled error on %s %s", request.method, request.path)
        return jsonify(problem_body(500, "Unexpected error in the emulator.")), 500


def _finish(response: Response) -> Response:
    """Rate-limit headers on API answers, and one log entry per API or gatherer call."""
    path = request.path
    if api.is_api_path(path):
        quota = g.get("quota") or api.quota_for(api.path_org(path), count=False)
        response.headers["X-RateLimit-Limit"] = str(quota.limit)
        response.headers["X-RateLimit-Remaining"] = str(quota.remaining)
        body = request.get_json(silent=True) if request.mimetype == "application/json" else None
        answer = response.get_json(silent=True) if response.is_json else None
        _log(runtime(), path, request.query_string.decode(), response.status_code, body, answer)
    elif path == "/gatherer":
        # The query string holds the token, a credential: never logged.
        _log(runtime(), path, None, response.status_code, None, None)
    return response


def _log(
    rt: Runtime,
    path: str,
    query: str | None,
    status: int | None,
    body: Any,
    answer: Any,
) -> None:
    rt.store.log_request(
        {
            "at": time.time(),
            "method": request.method,
            "path": path,
            "query": query or None,
            "status": status,
            "org": api.path_org(path) if api.is_api_path(path) else None,
            "fault": None,
            "body": _recorded(body),
            "response": _recorded(answer),
        }
    )


def _recorded(value: Any) -> Any:
    return redact(shrink(masked(value, SECRET_KEYS)))


def _log_fault(rt: Runtime, environ: Any, mode: str) -> None:
    call = faulted_request(environ, mode)
    call["body"] = _recorded(call["body"])
    rt.store.log_request(
        {"at": time.time(), **call, "org": api.path_org(call["path"]), "response": None}
    )
