"""Identity documents: presigned uploads straight to the private bucket, checked after.

The browser POSTs the file to S3 itself; the server then checks the stored object
(size, magic bytes, decodable image) reading it in bounded chunks, and deletes
anything that fails, so a refused file never stays in the bucket. A picture that passes
is measured too (kyc/quality.py: light, sharpness, glare, framing) on a small decoded
copy; those results are warnings kept for staff in Document.quality, never a refusal.
"""

from __future__ import annotations

import tempfile
import uuid
import warnings
from dataclasses import dataclass, field
from typing import IO, Any

from boto3.s3.transfer import TransferConfig
from django.conf import settings
from django.core.files.storage import storages
from django.db import transaction
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from kyc import quality as checks
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


def document_check(*, document_id: int, sent_anyway: bool = False) -> Document:
    """Accept or refuse an uploaded object; a refused one is deleted from the bucket.

    `sent_anyway`: the browser warned the person about this picture and they chose to send it.
    """
    document = Document.objects.select_related("verification").get(pk=document_id)
    if document.state != Document.State.PENDING:
        return document
    found = _inspect(document)
    if found.problem:
        documents_storage().delete(document.key)
    quality = found.quality | ({"sent_anyway": True} if found.quality and sent_anyway else {})
    with transaction.atomic():
        Document.objects.filter(pk=document.pk, state=Document.State.PENDING).update(
            state=Document.State.REJECTED if found.problem else Document.State.ACCEPTED,
            rejection_reason=found.problem,
            content_type=found.content_type,
            size=found.size,
            quality=quality,
            checked_at=timezone.now(),
        )
        audit_record(
            verification=document.verification,
            action="document_refused" if found.problem else "document_accepted",
            source="system",
            note=_audit_note(document, found, quality),
        )
    document.refresh_from_db()
    return document


def _audit_note(document: Document, found: Inspection, quality: dict[str, Any]) -> str:
    note = f"{document.get_kind_display()}: {found.problem or found.content_type}"
    note += f" ({found.size} bytes)"
    warned = checks.warnings_of(quality)
    if warned:
        note += f"; warnings: {', '.join(warned)}"
        note += "; sent anyway" if quality.get("sent_anyway") else ""
    return note


def document_send_anyway(*, document_id: int, actor: Any = None) -> None:
    """The person was shown this accepted picture's warnings and went on with it."""
    with transaction.atomic():
        document = (
            Document.objects.select_for_update().select_related("verification").get(pk=document_id)
        )
        warned = checks.warnings_of(document.quality)
        if not warned or document.quality.get("sent_anyway"):
            return
        document.quality = document.quality | {"sent_anyway": True}
        document.save(update_fields=["quality"])
        audit_record(
            verification=document.verification,
            action="document_sent_anyway",
            source="user",
            actor=actor,
            note=f"{document.get_kind_display()}: {', '.join(warned)}",
        )


@dataclass(frozen=True)
class Inspection:
    problem: str  # "" when the file is fine
    content_type: str = ""
    size: int = 0
    quality: dict[str, Any] = field(default_factory=dict)


def _inspect(document: Document) -> Inspection:
    """What the stored object is, read in bounded chunks to a spooled temporary file."""
    client = documents_storage().connection.meta.client
    bucket = documents_storage().bucket_name
    try:
        size = int(client.head_object(Bucket=bucket, Key=document.key)["ContentLength"])
    except client.exceptions.ClientError:
        return Inspection(_("The file did not arrive. Please upload it again."))
    if size == 0:
        return Inspection(_("The file is empty."))
    if size > settings.DOCUMENT_MAX_BYTES:
        return Inspection(too_large_message(size), size=size)
    with tempfile.SpooledTemporaryFile(max_size=CHUNK) as local:
        body = client.get_object(Bucket=bucket, Key=document.key)["Body"]
        for chunk in iter(lambda: body.read(CHUNK), b""):
            local.write(chunk)
        local.seek(0)
        problem, content_type, quality = _check_content(document.kind, local)
        return Inspection(problem, content_type, size, quality)


def _check_content(kind: str, local: IO[bytes]) -> tuple[str, str, dict[str, Any]]:
    content_type = sniff(local.read(64)) or ""
    local.seek(0)
    if content_type not in ALLOWED[kind]:
        return _wrong_type(kind, content_type), content_type, {}
    if content_type == PDF:
        return "", PDF, checks.pdf_quality()  # a PDF is not decoded here: nothing to measure
    if content_type == PNG and png_trailing_bytes(local):
        problem = _("The picture carries extra data after its end. Please export it again.")
        return problem, PNG, {}
    local.seek(0)
    problem, quality = _decode(local, framing=kind != Document.Kind.SELFIE)
    return problem, content_type, quality


def _wrong_type(kind: str, content_type: str) -> str:
    if content_type == "image/heic":
        return _(
            "HEIC photos are not accepted. Choose JPEG in your camera settings "
            "(\u201cMost compatible\u201d) or take the photo again here."
        )
    if kind == Document.Kind.SELFIE:
        return _("A selfie must be a JPEG or PNG photo.")
    return _("The document must be a JPEG, PNG or PDF file.")


def _decode(local: IO[bytes], *, framing: bool) -> tuple[str, dict[str, Any]]:
    """Decode the whole picture once, at a reduced size, and measure it (kyc/quality.py)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(local) as image:
                if image.width * image.height > MAX_PIXELS:
                    return _("The picture is too large to process."), {}
                size = _shown_size(image)
                grey = checks.small_grey(image)  # JPEG: decoded at 1/2 to 1/8 scale, grey
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            return _("The picture is too large to process."), {}
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
            return _("The picture cannot be read. Please take or choose another one."), {}
    return "", checks.image_quality(grey, size=size, framing=framing)


ROTATED = frozenset({5, 6, 7, 8})  # EXIF orientations that turn the picture a quarter


def _shown_size(image: Image.Image) -> tuple[int, int]:
    """Width and height as the picture is shown (its EXIF orientation applied)."""
    orientation = image.getexif().get(0x0112)
    return (image.height, image.width) if orientation in ROTATED else image.size


def size_text(size: int) -> str:
    """A file size for people, e.g. "14.2 MB", "10 MB", "850 KB" (1 MB = 1024 KB)."""
    if size < 1024 * 1024:
        return _("%(size)s KB") % {"size": number_format(max(1, round(size / 1024)))}
    megabytes = round(size / (1024 * 1024), 1)
    shown = int(megabytes) if megabytes.is_integer() else megabytes
    return _("%(size)s MB") % {"size": number_format(shown, decimal_pos=None)}


def too_large_message(size: int | None = None) -> str:
    """Why a file over DOCUMENT_MAX_BYTES is refused, naming the limit (and the size, if known)."""
    limit = size_text(settings.DOCUMENT_MAX_BYTES)
    if size is None:
        return _("This file is larger than the limit of %(limit)s.") % {"limit": limit}
    return _("This file is %(size)s; the limit is %(limit)s.") % {
        "size": size_text(size),
        "limit": limit,
    }


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
