"""Fault injection on DollarPe's API paths (the shared middleware: sandbox/common/faults.py).

Only `/cms/` and `/org/` are faulted, never `/_sandbox`, and a faulted request answers
DollarPe's own 500 envelope.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from sandbox.common.faults import FaultMiddleware as _SharedFaultMiddleware
from sandbox.common.faults import faulted_request
from sandbox.dollarpe import requestlog
from sandbox.dollarpe.envelopes import INTERNAL_ERROR_BODY
from sandbox.dollarpe.runtime import Runtime

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication, WSGIEnvironment

API_PREFIXES = ("/cms/", "/org/")


def is_api_path(path: str) -> bool:
    return path.startswith(API_PREFIXES)


class FaultMiddleware(_SharedFaultMiddleware):
    def __init__(self, app: WSGIApplication, rt: Runtime) -> None:
        super().__init__(
            app,
            dice=rt.faults,
            settings=lambda: rt.config,
            applies=is_api_path,
            error_body=json.dumps(INTERNAL_ERROR_BODY).encode(),
            on_fault=lambda environ, mode: _record(rt, environ, mode),
        )


def _record(rt: Runtime, environ: WSGIEnvironment, mode: str) -> None:
    requestlog.record(rt, **faulted_request(environ, mode))
