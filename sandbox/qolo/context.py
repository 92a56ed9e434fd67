"""The Runtime of the app serving the current request (Flask keeps it in `app.extensions`)."""

from __future__ import annotations

from flask import current_app

from sandbox.qolo.runtime import Runtime

EXTENSION_KEY = "qolo_sandbox"


def runtime() -> Runtime:
    rt: Runtime = current_app.extensions[EXTENSION_KEY]
    return rt
