"""`python -m sandbox.dollarpe`: serve the emulator with werkzeug's threaded server.

SIGTERM and SIGINT stop it cleanly: the server loop ends, the job thread stops, and the
database is closed, so a test can restart on the same state file straight away.
"""

from __future__ import annotations

import logging
import signal
import sys
import threading
from collections.abc import Sequence
from types import FrameType

from werkzeug.serving import make_server

from sandbox.dollarpe.app import close_app, create_app
from sandbox.dollarpe.cli import parse

log = logging.getLogger("sandbox.dollarpe")


def main(argv: Sequence[str] | None = None) -> int:
    args = parse(argv)
    logging.basicConfig(
        level=args.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    # Werkzeug's access lines and urllib3's debug lines print full URLs, and the URLs we
    # fetch are presigned (their query string is a credential): keep both quiet.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    logging.getLogger("urllib3").setLevel(logging.WARNING)
    app = create_app(args.emulator_config, args.state)
    server = make_server(args.host, args.port, app, threaded=True)

    def stop(signum: int, frame: FrameType | None) -> None:
        # shutdown() waits for serve_forever() to return, which runs in this very thread.
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    log.info(
        "DollarPe sandbox emulator on http://%s:%s (state %s)", args.host, server.port, args.state
    )
    try:
        server.serve_forever()
    finally:
        server.server_close()
        close_app(app)
        log.info("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
