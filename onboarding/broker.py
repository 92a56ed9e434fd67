"""kombu's filesystem transport (the broker of `make run`), with each message whole before
a worker can see it.

kombu writes a message by opening its final name and then writing: a worker listing the
folder in between moves the still-empty file away, fails to decode it and stops, and the
message is lost (celery/kombu#1551; seen on a loaded machine). Here a message is written
under a name no queue matches and renamed into place (atomic on one filesystem), and a file
that cannot be read as a message is skipped with a warning instead of stopping the worker.
"""

from __future__ import annotations

import logging
import os
import uuid
from time import monotonic
from typing import Any

from kombu.exceptions import ChannelError
from kombu.transport import filesystem
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps

logger = logging.getLogger(__name__)


class Channel(filesystem.Channel):
    # kombu's own stubs disagree on the name of the second parameter: this is its signature.
    def _put(self, queue: str, payload: dict[str, Any], **kwargs: Any) -> None:  # type: ignore[override]
        name = f"{round(monotonic() * 1000)}_{uuid.uuid4()}.{queue}.msg"
        final = os.path.join(self.data_folder_out, name)
        partial = os.path.join(self.data_folder_out, f".{name}.part")  # matches no queue
        try:
            with open(partial, "wb") as file:
                file.write(str_to_bytes(dumps(payload)))
            os.replace(partial, final)
        except OSError as exc:
            raise ChannelError(f"Cannot add file {name!r} to the broker folder") from exc

    def _get(self, queue: str, timeout: float | None = None) -> Any:
        while True:  # each failed try has moved its file away: the next one is another
            try:
                return super()._get(queue)
            except ValueError:
                logger.warning("Skipped a message file of queue %s that is not a message", queue)


class Transport(filesystem.Transport):
    Channel = Channel
