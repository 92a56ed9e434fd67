"""Flask application factory: routes, ProblemDetails answers, the request log, fault
injection and the job thread."""

from __future__ import annotations

import logging
from functools import partial
from pathlib import Path
from typing import Any

from flask import Flask, Response, g, request
from werkzeug.exceptions import HTTPException

from sandbox.common.faults import FaultMiddleware, faulted_request
from sandbox.common.jobs import Handler, JobRunner
from sandbox.common.web import attach_jobs, close_emulator_app, register_errors
from sandbox.qolo import api, control, kyc, requestlog, webhooks
from sandbox.qolo.config import EmulatorConfig
from sandbox.qolo.context import EXTENSION_KEY, runtime
from sandbox.qolo.problems import Problem
from sandbox.qolo.runtime import Runtime
from sandbox.qolo.state import Store

log = logging.getLogger(__name__)

# Documents are checked one by one against max_document_bytes; this bounds a whole request
# (three 10 MB images in base64).
MAX_REQUEST_BYTES = 64 * 1024 * 1024


def create_app(config: EmulatorConfig, state_path: str | Path, *, start_jobs: bool = True) -> Flask:
    """A ready app; the job thread runs unless `start_jobs` is False. Stop with `close_app`."""
    rt = Runtime(store=Store(state_path), startup=config, config=config.runtime)
    app = Flask("sandbox.qolo")
    app.config["MAX_CONTENT_LENGTH"] = MAX_REQUEST_BYTES
    app.json.sort_keys = False  # type: ignore[attr-defined]  # fields in the spec's order
    app.extensions[EXTENSION_KEY] = rt
    for blueprint in (api.bp, control.bp):
        app.register_blueprint(blueprint)
    _register_errors(app)
    app.after_request(_record)
    app.wsgi_app = FaultMiddleware(  # type: ignore[method-assign]
        app.wsgi_app,
        dice=rt.faults,
        settings=lambda: rt.config,
        applies=api.is_api_path,
        error_body=b"",  # Qolo's 500s declare no body
        on_fault=partial(_record_fault, rt),
    )
    handlers: dict[str, Handler] = {
        kyc.DECIDE_JOB: partial(kyc.run_decision_job, rt),
        webhooks.DELIVER_JOB: partial(webhooks.run_delivery, rt),
    }
    attach_jobs(app, JobRunner(rt.store, rt.wake, handlers, name="qolo-jobs"), start=start_jobs)
    return app


def close_app(app: Flask) -> None:
    """Stop the job thread, then close the database."""
    close_emulator_app(app, EXTENSION_KEY)


def _register_errors(app: Flask) -> None:
    app.register_error_handler(Problem, api.problem_response)

    def http_problem(exc: HTTPException) -> tuple[Response, int]:
        # Unknown paths and methods, too large bodies: still ProblemDetails.
        status = exc.code or 500
        allowed = getattr(exc, "valid_methods", None)
        headers = {"Allow": ", ".join(allowed)} if allowed else None
        return api.problem_response(Problem(status, str(exc.description), headers=headers)), status

    register_errors(app, http_problem)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.path)
        return Response(status=500)


def _record(response: Response) -> Response:
    """One log entry per API call."""
    if api.is_api_path(request.path):
        body = request.get_json(silent=True) if request.is_json else None
        answer = response.get_json(silent=True) if response.is_json else None
        requestlog.record(
            runtime(),
            request.method,
            request.path,
            response.status_code,
            login_id=g.get("login_id"),
            body=body,
            response=answer,
            query=request.query_string.decode(),
            idempotency_key=g.get("idempotency_key"),
            replayed=bool(g.get("replayed")),
        )
    return response


def _record_fault(rt: Runtime, environ: Any, mode: str) -> None:
    requestlog.record(rt, **faulted_request(environ, mode))
