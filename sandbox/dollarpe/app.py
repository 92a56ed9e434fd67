"""Flask application factory: wires routes, error envelopes, the request log and jobs."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from flask import Flask, Response, g, jsonify, request
from werkzeug.exceptions import HTTPException

from sandbox.common.web import attach_jobs, register_errors, stop_jobs
from sandbox.dollarpe import api, control, requestlog, samples
from sandbox.dollarpe.config import EmulatorConfig
from sandbox.dollarpe.envelopes import INTERNAL_ERROR_BODY, ApiError, failure
from sandbox.dollarpe.faults import FaultMiddleware, is_api_path
from sandbox.dollarpe.jobs import JobRunner
from sandbox.dollarpe.links import HOSTED_PATH, complete, page_html
from sandbox.dollarpe.runtime import Runtime
from sandbox.dollarpe.state import Store

log = logging.getLogger(__name__)


def create_app(config: EmulatorConfig, state_path: str | Path, *, start_jobs: bool = True) -> Flask:
    """A ready app; the job thread runs unless `start_jobs` is False. Stop with `close_app`."""
    app = Flask("sandbox.dollarpe")
    app.json.sort_keys = False  # type: ignore[attr-defined]
    rt = Runtime.create(config, Store(state_path))
    app.extensions[api.EXTENSION_KEY] = rt
    app.register_blueprint(api.bp)
    app.register_blueprint(control.bp)
    _register_pages(app, rt)
    _register_errors(app)
    app.after_request(_log_api_request)
    app.wsgi_app = FaultMiddleware(app.wsgi_app, rt)  # type: ignore[method-assign]
    attach_jobs(app, JobRunner(rt), start=start_jobs)
    return app


def close_app(app: Flask) -> None:
    """Stop the job thread, then close the database."""
    stop_jobs(app)
    rt: Runtime = app.extensions[api.EXTENSION_KEY]
    rt.store.close()


def _register_pages(app: Flask, rt: Runtime) -> None:
    @app.get("/test-images/<name>")
    def test_image(name: str) -> Response:
        sample = samples.SAMPLES.get(name)
        if sample is None:
            return Response("not found", status=404)
        return Response(sample[0], mimetype=sample[1])

    @app.route(f"{HOSTED_PATH}<token>", methods=["GET", "POST"])
    def hosted_kyc(token: str) -> Response:
        if request.method == "GET":
            text, status = page_html(rt, token)
            return Response(text, status=status, mimetype="text/html")
        target, problem = complete(rt, token, request.form.get("outcome", ""))
        if target is None:
            return Response(problem or "", status=410, mimetype="text/plain")
        return Response(status=302, headers={"Location": target})


def _register_errors(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def api_error(exc: ApiError) -> tuple[Response, int]:
        return jsonify(exc.body()), exc.status

    def http_error(exc: HTTPException) -> tuple[Response, int]:
        status = exc.code or 500
        if status == 405:
            detail = f'Method "{request.method}" not allowed.'
        else:
            detail = "Not found." if status == 404 else str(exc.description)
        return jsonify(failure(status, {"detail": [detail]})), status

    register_errors(app, http_error)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> tuple[Response, int]:
        log.exception("unhandled error on %s %s", request.method, request.path)
        return jsonify(INTERNAL_ERROR_BODY), 500


def _log_api_request(response: Response) -> Response:
    if not is_api_path(request.path):
        return response
    rt = api.runtime()
    body: Any = g.get("body")
    if body is None:
        try:
            body = json.loads(request.get_data(cache=True) or b"null")
        except ValueError:
            body = None
    requestlog.record(
        rt,
        method=request.method,
        path=request.path,
        query=request.query_string.decode() or None,
        status=response.status_code,
        body=body,
        response=response.get_json(silent=True),
        signature_style=g.get("signature_style"),
        org=g.get("org"),
    )
    return response
