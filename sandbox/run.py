"""`make run`'s process runner: honcho over the Procfile, with a Ctrl-C that ends cleanly.

    python -m sandbox.run [honcho start options]

What it changes about `honcho start`:

- Ctrl-C is how a person stops `make run`. honcho then exits with status 130, which make
  reports as "Error 130", a failure. Here it is success; a process that crashed still
  ends the run with its own status.
- On a terminal, the runner becomes the terminal's foreground process group while it runs,
  as a shell does for a job: Ctrl-C reaches it (and honcho) and not make, so make sees a
  clean exit instead of dying of SIGINT itself (status 130 again).
- honcho waits 5 s after SIGTERM before SIGKILL. A Celery worker on the filesystem broker
  needs about 8 s to stop (its consumer polls in 2 s rounds, then the pool's threads are
  joined one by one): it gets STOP_WAIT, so it finishes instead of being killed mid-way.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from collections.abc import Iterator

import honcho.command
import honcho.manager

STOP_WAIT = 20  # seconds between SIGTERM and SIGKILL
INTERRUPTED = 130  # honcho's status after SIGINT


def main(argv: list[str]) -> int:
    honcho.manager.KILL_WAIT = STOP_WAIT  # read by Manager.loop() each time round
    with terminal_foreground():
        try:
            honcho.command.main(["start", *argv])
        except SystemExit as stop:
            status = stop.code
        else:
            status = 0
    if status == INTERRUPTED:
        return 0
    return status if isinstance(status, int) else 1


@contextlib.contextmanager
def terminal_foreground() -> Iterator[None]:
    """Be the terminal's foreground process group until the end (nothing without a terminal)."""
    try:
        tty = os.open("/dev/tty", os.O_RDWR)
    except OSError:  # no controlling terminal: CI, `make run > log &` under nohup...
        yield
        return
    try:
        with _foreground(tty):
            yield
    finally:
        os.close(tty)


@contextlib.contextmanager
def _foreground(tty: int) -> Iterator[None]:
    before = os.tcgetpgrp(tty)
    if before != os.getpgrp() or not _lead_own_group(tty, before):
        yield  # started in the background, or not allowed: run as we are
        return
    # Ctrl-Z would stop this group while make, which the shell waits for, runs on: ignored.
    signal.signal(signal.SIGTSTP, lambda *_: None)
    try:
        yield
    finally:
        with contextlib.suppress(OSError):  # make's group is gone: the shell takes it back
            _set_foreground(tty, before)


def _lead_own_group(tty: int, before: int) -> bool:
    try:
        os.setpgid(0, 0)
    except OSError:  # already a group or session leader
        return False
    try:
        _set_foreground(tty, os.getpgrp())
    except OSError:
        os.setpgid(0, before)  # back beside make, where Ctrl-C reaches us
        return False
    return True


def _set_foreground(tty: int, group: int) -> None:
    # From a background group this raises SIGTTOU, which would stop us: ignored meanwhile.
    previous = signal.signal(signal.SIGTTOU, signal.SIG_IGN)
    try:
        os.tcsetpgrp(tty, group)
    finally:
        signal.signal(signal.SIGTTOU, previous)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
