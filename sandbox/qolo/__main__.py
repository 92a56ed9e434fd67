"""`python -m sandbox.qolo`: serve the Qolo emulator until SIGTERM or SIGINT.

The serving, the clean stop and the restart-safe shutdown are sandbox/common/serve.py.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from sandbox.common.serve import run
from sandbox.qolo.app import close_app, create_app
from sandbox.qolo.cli import parse


def main(argv: Sequence[str] | None = None) -> int:
    return run(argv, parse=parse, create_app=create_app, close_app=close_app, name="sandbox.qolo")


if __name__ == "__main__":
    sys.exit(main())
