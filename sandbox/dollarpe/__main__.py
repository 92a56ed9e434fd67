"""`python -m sandbox.dollarpe`: serve the emulator with werkzeug's threaded server.

SIGTERM and SIGINT stop it cleanly (sandbox/common/serve.py): the server loop ends, the job
thread stops, and the database is closed, so a test can restart on the same state file.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from sandbox.common.serve import run
from sandbox.dollarpe.app import close_app, create_app
from sandbox.dollarpe.cli import parse


def main(argv: Sequence[str] | None = None) -> int:
    return run(
        argv, parse=parse, create_app=create_app, close_app=close_app, name="sandbox.dollarpe"
    )


if __name__ == "__main__":
    sys.exit(main())
