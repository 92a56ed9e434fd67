"""Uploads without JavaScript: bounded in size, streamed to disk, never whole in memory."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.http import HttpRequest

TOO_LARGE_ATTRIBUTE = "_onboarding_uploads_too_large"


def too_large(request: HttpRequest | None) -> set[str]:
    """Names of the file fields that were skipped for being over DOCUMENT_MAX_BYTES."""
    if request is None:
        return set()
    if not hasattr(request, TOO_LARGE_ATTRIBUTE):
        setattr(request, TOO_LARGE_ATTRIBUTE, set())
    found: set[str] = getattr(request, TOO_LARGE_ATTRIBUTE)
    return found


class DocumentSizeLimitHandler(FileUploadHandler):
    """First in the chain: skips a file as soon as it passes the limit and notes its field.

    Django would otherwise spool any size to a temporary file before a form could refuse it.
    """

    def new_file(self, field_name: str, *args: Any, **kwargs: Any) -> None:
        super().new_file(field_name, *args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > settings.DOCUMENT_MAX_BYTES:
            too_large(self.request).add(self.field_name)
            raise SkipFile
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None  # the next handlers build the file
