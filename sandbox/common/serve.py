"""Serve an emulator's WSGI app with werkzeug's threaded server until SIGTERM or SIGINT.

The signal ends the server loop cleanly, then `close` stops the app's job thread and closes
its database, so a test can restart on the same state file straight away.
"""

from __future__ import annotations

import argparse
import logging
import signal
import threading
from collections.abc import Callable, Sequence
from types import FrameType
from typing import TYPE_CHECKING, Any

from werkzeug.serving import make_server

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication


def configure_logging(level: str) -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # Werkzeug's access lines and urllib3's debug lines print full URLs, and the URLs
    # emulators handle often carry credentials in their query strings: keep both quiet.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    logging.getLogger("urllib3").setLevel(logging.WARNING)


def serve(
    app: WSGIApplication,
    host: str,
    port: int,
    *,
    close: Callable[[], None],
    log: logging.Logger,
    name: str,
    state: object,
) -> int:
    """Run until a stop signal; returns the exit status."""
    server = make_server(host, port, app, threaded=True)

    def stop(signum: int, frame: FrameType | None) -> None:
        # shutdown() waits for serve_forever() to return, which runs in this very thread.
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    log.info("%s on http://%s:%s (state %s)", name, host, server.port, state)
    try:
        server.serve_forever()
    finally:
        server.server_close()
        close()
        log.info("stopped")
    return 0


def run(
    argv: Sequence[str] | None,
    *,
    parse: Callable[[Sequence[str] | None], argparse.Namespace],
    create_app: Callable[[Any, str], WSGIApplication],
    close_app: Callable[[Any], None],
    name: str,
) -> int:
    """An emulator's `main`: parse the command line, build the app, serve it, close it."""
    args = parse(argv)
    configure_logging(args.log_level)
    app = create_app(args.emulator_config, args.state)
    return serve(
        app,
        args.host,
        args.port,
        close=lambda: close_app(app),
        log=logging.getLogger(name),
        name=name,
        state=args.state,
    )
