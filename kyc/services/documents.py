"""Identity documents: presigned uploads straight to the private bucket, checked after.

The browser POSTs the file to S3 itself; the server then checks the stored object
(size, magic bytes, decodable image) reading it in bounded chunks, and deletes
anything that fails, so a refused file never stays in the bucket.
"""

from __future__ import annotations

import tempfile
import uuid
import warnings
from dataclasses import dataclass
from typing import IO, Any

from boto3.s3.transfer import TransferConfig
from django.conf import settings
from django.core.files.storage import storages
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from kyc.models import Document, Submission, Verification
from kyc.providers.interface import DocumentUnavailable
from kyc.services.audit import audit_record

UPLOAD_URL_EXPIRY = 15 * 60
JPEG, PNG, PDF = "image/jpeg", "image/png", "application/pdf"
ALLOWED: dict[str, tuple[str, ...]] = {
    Document.Kind.FRONT: (JPEG, PNG, PDF),
    Document.Kind.BACK: (JPEG, PNG, PDF),
    Document.Kind.SELFIE: (JPEG, PNG),
}
# Decoding a picture larger than this is refused (a decompression bomb, not a photo).
MAX_PIXELS = 40_000_000
CHUNK = 1024 * 1024


def documents_storage() -> Any:
    return storages["documents"]


PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
HEIC_BRANDS = (b"heic", b"heix", b"hevc", b"heim", b"heis", b"mif1", b"msf1", b"avif")


def sniff(head: bytes) -> str | None:
    """The file type by its first bytes, whatever its name or declared type says."""
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(PNG_SIGNATURE):
        return PNG
    if head.startswith(b"%PDF-"):
        return PDF
    if head[4:8] == b"ftyp" and head[8:12] in HEIC_BRANDS:
        return "image/heic"
    if head.lstrip().startswith((b"<?xml", b"<svg")):
        return "image/svg+xml"
    return None


def png_trailing_bytes(local: IO[bytes]) -> int:
    """Bytes after the PNG's IEND chunk (a payload hidden behind a valid picture)."""
    local.seek(len(PNG_SIGNATURE))
    while header := local.read(8):
        if len(header) < 8:
            break
        length, chunk_type = int.from_bytes(header[:4], "big"), header[4:]
        local.seek(length + 4, 1)  # the data and its CRC
        if chunk_type == b"IEND":
            end = local.tell()
            return local.seek(0, 2) - end
    return 0


@dataclass(frozen=True)
class UploadTicket:
    document: Document
    url: str
    fields: dict[str, str]


def document_presign(*, verification: Verification, kind: str) -> UploadTicket:
    """A Document row and a presigned POST the browser uses to upload the file itself."""
    key = f"documents/{verification.client_reference_id}/{kind}/{uuid.uuid4().hex}"
    document = Document.objects.create(verification=verification, kind=kind, key=key)
    storage = documents_storage()
    post = storage.connection.meta.client.generate_presigned_post(
        storage.bucket_name,
        key,
        Conditions=[["content-length-range", 1, settings.DOCUMENT_MAX_BYTES]],
        ExpiresIn=UPLOAD_URL_EXPIRY,
    )
    return UploadTicket(document=document, url=post["url"], fields=post["fields"])


def document_store(*, verification: Verification, kind: str, upload: IO[bytes]) -> Document:
    """The no-JavaScript path: stream a posted file to the bucket, then check it."""
    key = f"documents/{verification.client_reference_id}/{kind}/{uuid.uuid4().hex}"
    document = Document.objects.create(verification=verification, kind=kind, key=key)
    # One streamed PUT from the file: boto3's default multipart upload keeps 8 MB parts in memory.
    single_put = TransferConfig(
        multipart_threshold=settings.DOCUMENT_MAX_BYTES + 1, use_threads=False
    )
    documents_storage().connection.meta.client.upload_fileobj(
        upload, documents_storage().bucket_name, key, Config=single_put
    )
    return document_check(document_id=document.pk)


def document_check(*, document_id: int) -> Document:
    """Accept or refuse an uploaded object; a refused one is deleted from the bucket."""
    document = Document.objects.select_related("verification").get(pk=document_id)
    if document.state != Document.State.PENDING:
        return document
    problem, content_type, size = _inspect(document)
    if problem:
        documents_storage().delete(document.key)
    with transaction.atomic():
        Document.objects.filter(pk=document.pk, state=Document.State.PENDING).update(
            state=Document.State.REJECTED if problem else Document.State.ACCEPTED,
            rejection_reason=problem,
            content_type=content_type,
            size=size,
            checked_at=timezone.now(),
        )
        audit_record(
            verification=document.verification,
            action="document_refused" if problem else "document_accepted",
            source="system",
            note=f"{document.get_kind_display()}: {problem or content_type} ({size} bytes)",
        )
    document.refresh_from_db()
    return document


def _inspect(document: Document) -> tuple[str, str, int]:
    """(problem, content type, size) of the stored object; problem is "" when it is fine."""
    client = documents_storage().connection.meta.client
    bucket = documents_storage().bucket_name
    try:
        size = int(client.head_object(Bucket=bucket, Key=document.key)["ContentLength"])
    except client.exceptions.ClientError:
        return _("The file did not arrive. Please upload it again."), "", 0
    if size == 0:
        return _("The file is empty."), "", 0
    if size > settings.DOCUMENT_MAX_BYTES:
        limit = settings.DOCUMENT_MAX_BYTES // (1024 * 1024)
        return _("The file is larger than %(limit)s MB.") % {"limit": limit}, "", size
    with tempfile.SpooledTemporaryFile(max_size=CHUNK) as local:
        body = client.get_object(Bucket=bucket, Key=document.key)["Body"]
        for chunk in iter(lambda: body.read(CHUNK), b""):
            local.write(chunk)
        local.seek(0)
        return (*_check_content(document.kind, local), size)


def _check_content(kind: str, local: IO[bytes]) -> tuple[str, str]:
    content_type = sniff(local.read(64)) or ""
    local.seek(0)
    if content_type not in ALLOWED[kind]:
        return _wrong_type(kind, content_type), content_type
    if content_type == PDF:
        return "", PDF
    if content_type == PNG and png_trailing_bytes(local):
        return _("The picture carries extra data after its end. Please export it again."), PNG
    local.seek(0)
    return _decode(local), content_type


def _wrong_type(kind: str, content_type: str) -> str:
    if content_type == "image/heic":
        return _(
            "HEIC photos are not accepted. Choose JPEG in your camera settings "
            "(\u201cMost compatible\u201d) or take the photo again here."
        )
    if kind == Document.Kind.SELFIE:
        return _("A selfie must be a JPEG or PNG photo.")
    return _("The document must be a JPEG, PNG or PDF file.")


def _decode(local: IO[bytes]) -> str:
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(local) as image:
                if image.width * image.height > MAX_PIXELS:
                    return _("The picture is too large to process.")
                image.draft("RGB", (1600, 1600))  # JPEG decodes at a reduced size: less memory
                image.load()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            return _("The picture is too large to process.")
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
            return _("The picture cannot be read. Please take or choose another one.")
    return ""


class SubmissionDocuments:
    """The accepted documents a submission refers to, as its provider takes them (a
    kyc.providers.interface.DocumentSource): short-lived URLs, or the bytes, bounded."""

    def __init__(self, submission: Submission) -> None:
        ids: dict[str, int] = dict(submission.data.get("documents") or {})
        accepted = Document.objects.filter(
            pk__in=ids.values(), verification_id=submission.verification_id
        ).filter(state=Document.State.ACCEPTED)
        by_id = {document.pk: document for document in accepted}
        self._documents = {kind: by_id[pk] for kind, pk in ids.items() if pk in by_id}

    @property
    def kinds(self) -> frozenset[str]:
        return frozenset(self._documents)

    def _document(self, kind: str) -> Document:
        try:
            return self._documents[kind]
        except KeyError:
            raise DocumentUnavailable(
                f"{Document.Kind(kind).label if kind in Document.Kind.values else kind}: "
                "no accepted file"
            ) from None

    def url(self, kind: str, *, expiry: int | None = None) -> str:
        document = self._document(kind)
        seconds = expiry or settings.DOCUMENT_URL_EXPIRY
        return str(documents_storage().url(document.key, expire=seconds))

    def read(self, kind: str, *, max_bytes: int) -> tuple[bytes, str]:
        """The file's bytes and type; DocumentUnavailable when it is larger than max_bytes."""
        document = self._document(kind)
        if document.size is not None and document.size > max_bytes:
            raise DocumentUnavailable(f"{document.get_kind_display()}: larger than {max_bytes} B")
        client = documents_storage().connection.meta.client
        body = client.get_object(Bucket=documents_storage().bucket_name, Key=document.key)["Body"]
        content = body.read(max_bytes + 1)
        body.close()
        if len(content) > max_bytes:
            raise DocumentUnavailable(f"{document.get_kind_display()}: larger than {max_bytes} B")
        return content, document.content_type
