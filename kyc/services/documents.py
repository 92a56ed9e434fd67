"""Identity documents: presigned uploads straight to the private bucket, checked after.

The browser POSTs the file to S3 itself, under `uploads/` (a policy for that one key, type and
size range, valid DOCUMENT_UPLOAD_EXPIRY seconds); the server then checks the stored object
(size, magic bytes, decodable image, no data after its end, no script in a PDF) reading it in
bounded chunks to a spooled temporary file. What passes is written once under `checked/` (a
prefix no upload policy ever names), its metadata stripped on the way (kyc/scrub.py), and the
upload is deleted: the provider and staff only ever get the checked copy, so a second POST
with the same policy after the check reaches nobody (and is deleted as an orphan, kyc.services.
document_orphans). A refused file is deleted at once. A picture that passes is measured too
(kyc/quality.py: light, sharpness, glare, framing) on a small decoded copy; those results are
warnings kept for staff in Document.quality, never a refusal.

Memory: nothing here holds a whole file. The check runs in the web request (the browser waits
for its answer), reading 1 MB at a time; stripping copies segment by segment; the picture
checks decode a reduced copy; a PDF is parsed by pypdf from the spooled file, its dictionaries
only, bounded by DOCUMENT_MAX_BYTES.
"""

from __future__ import annotations

import shutil
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

from kyc import pdf, scrub
from kyc import quality as checks
from kyc.models import Document, Submission, Verification
from kyc.providers.interface import DocumentUnavailable
from kyc.services.audit import audit_record

# The browser may write under UPLOADS only, one exact key per policy; CHECKED is written by the
# server alone. Keys of documents checked before there was a checked copy start with LEGACY.
UPLOADS, CHECKED, LEGACY = "uploads/", "checked/", "documents/"
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


@dataclass(frozen=True)
class UploadTicket:
    document: Document
    url: str
    fields: dict[str, str]


def _new_document(verification: Verification, kind: str) -> Document:
    key = f"{UPLOADS}{verification.client_reference_id}/{kind}/{uuid.uuid4().hex}"
    return Document.objects.create(verification=verification, kind=kind, key=key)


def declared_type_problem(kind: str, content_type: str) -> str:
    """Why a file the browser says is of this type cannot be this kind ("" when it can)."""
    if content_type in ALLOWED.get(kind, ()):
        return ""
    return _wrong_type(kind, content_type)


def document_presign(*, verification: Verification, kind: str, content_type: str) -> UploadTicket:
    """A Document row and a presigned POST the browser uses to upload the file itself: for
    this key only, this declared type only, 1 byte to DOCUMENT_MAX_BYTES, for minutes."""
    document = _new_document(verification, kind)
    storage = documents_storage()
    post = storage.connection.meta.client.generate_presigned_post(
        storage.bucket_name,
        document.key,  # boto3 adds the exact-key condition itself
        Fields={"Content-Type": content_type},
        Conditions=[
            ["content-length-range", 1, settings.DOCUMENT_MAX_BYTES],
            {"Content-Type": content_type},
        ],
        ExpiresIn=settings.DOCUMENT_UPLOAD_EXPIRY,
    )
    return UploadTicket(document=document, url=post["url"], fields=post["fields"])


def document_store(*, verification: Verification, kind: str, upload: IO[bytes]) -> Document:
    """The no-JavaScript path: stream a posted file to the bucket, then check it."""
    document = _new_document(verification, kind)
    _put(upload, document.key, content_type="application/octet-stream")
    return document_check(document_id=document.pk)


def _put(source: IO[bytes], key: str, *, content_type: str) -> None:
    """One streamed PUT from a file: boto3's default multipart upload keeps 8 MB parts in memory."""
    single_put = TransferConfig(
        multipart_threshold=settings.DOCUMENT_MAX_BYTES + 1, use_threads=False
    )
    documents_storage().connection.meta.client.upload_fileobj(
        source,
        documents_storage().bucket_name,
        key,
        Config=single_put,
        ExtraArgs={"ContentType": content_type},
    )


def document_check(*, document_id: int, sent_anyway: bool = False) -> Document:
    """Accept an uploaded object (its checked copy written) or refuse it; either way the upload
    itself is deleted from the bucket.

    `sent_anyway`: the browser warned the person about this picture and they chose to send it.
    """
    document = Document.objects.select_related("verification").get(pk=document_id)
    if document.state != Document.State.PENDING:
        return document
    found = _inspect(document)
    documents_storage().delete(document.key)
    quality = found.quality | ({"sent_anyway": True} if found.quality and sent_anyway else {})
    _settle(
        document,
        found,
        where={"state": Document.State.PENDING},
        accepted="document_accepted",
        noted=quality,
        content_type=found.content_type,
        size=found.size,
        quality=quality,
        checked_at=timezone.now(),
    )
    document.refresh_from_db()
    return document


def document_recheck(*, document_id: int) -> Document:
    """An accepted document checked before there were checked copies (LEGACY key): its stored
    bytes are checked again, and it gets a checked copy, or is refused now."""
    document = Document.objects.select_related("verification").get(pk=document_id)
    if document.state != Document.State.ACCEPTED or document.checked_key:
        return document
    found = _inspect(document)
    settled = _settle(
        document,
        found,
        where={"state": Document.State.ACCEPTED, "checked_key": ""},
        accepted="document_rechecked",
        noted=document.quality,
        size=document.size if found.problem else found.size,
    )
    if settled:
        documents_storage().delete(document.key)
    document.refresh_from_db()
    return document


def _settle(
    document: Document,
    found: Inspection,
    *,
    where: dict[str, Any],
    accepted: str,
    noted: dict[str, Any],
    **fields: Any,
) -> bool:
    """Record the verdict if the row is still as `where` says (compare-and-set), with its
    AuditEvent; whether it was. A checked copy that lost the race is nobody's: deleted."""
    with transaction.atomic():
        updated = Document.objects.filter(pk=document.pk, **where).update(
            state=Document.State.REJECTED if found.problem else Document.State.ACCEPTED,
            rejection_reason=found.problem,
            checked_key=found.checked_key,
            **fields,
        )
        if updated:
            audit_record(
                verification=document.verification,
                action="document_refused" if found.problem else accepted,
                source="system",
                note=_audit_note(document, found, noted),
            )
    if found.checked_key and not updated:
        documents_storage().delete(found.checked_key)
    return bool(updated)


def checked_key(document: Document) -> str:
    """The key of the bytes that passed the check, the only ones a provider or staff get; ""
    when the document is not (or no longer) accepted. A LEGACY document is checked again."""
    if document.state == Document.State.ACCEPTED and not document.checked_key:
        document = document_recheck(document_id=document.pk)
    return document.checked_key if document.state == Document.State.ACCEPTED else ""


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
    checked_key: str = ""  # where the checked copy was written, if it passed


def _inspect(document: Document) -> Inspection:
    """What the stored object is, read in bounded chunks to a spooled temporary file; when it
    passes, its checked copy (metadata stripped) is written under CHECKED."""
    size = _stored_size(document.key)
    if size is None:
        return Inspection(_("The file did not arrive. Please upload it again."))
    if size == 0:
        return Inspection(_("The file is empty."))
    if size > settings.DOCUMENT_MAX_BYTES:
        return Inspection(too_large_message(size), size=size)
    with (
        tempfile.SpooledTemporaryFile(CHUNK) as local,
        tempfile.SpooledTemporaryFile(CHUNK) as clean,
    ):
        size = _download(document.key, local)
        if size > settings.DOCUMENT_MAX_BYTES:  # replaced by a larger file since the HEAD
            return Inspection(too_large_message(size), size=size)
        problem, content_type, quality = _check_content(document.kind, local, clean)
        if problem:
            return Inspection(problem, content_type, size)
        return _write_checked(document, clean, content_type, quality)


def _stored_size(key: str) -> int | None:
    """The object's size; None when there is none (any other error is the bucket's, raised)."""
    client = documents_storage().connection.meta.client
    try:
        head = client.head_object(Bucket=documents_storage().bucket_name, Key=key)
    except client.exceptions.ClientError as error:
        if error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey"):
            return None
        raise
    return int(head["ContentLength"])


def _download(key: str, local: IO[bytes]) -> int:
    """Copy the object to `local`, at most one byte past the limit; the bytes read."""
    client = documents_storage().connection.meta.client
    body = client.get_object(Bucket=documents_storage().bucket_name, Key=key)["Body"]
    received, limit = 0, settings.DOCUMENT_MAX_BYTES + 1
    while received < limit and (chunk := body.read(min(CHUNK, limit - received))):
        local.write(chunk)
        received += len(chunk)
    body.close()
    local.seek(0)
    return received


def _write_checked(
    document: Document, clean: IO[bytes], content_type: str, quality: dict[str, Any]
) -> Inspection:
    """The checked bytes, written once to a key of their own (unique per check, so two checks
    of one upload never overwrite each other's copy)."""
    reference_and_kind = document.key.split("/", 1)[1]
    key = f"{CHECKED}{reference_and_kind}/{uuid.uuid4().hex}"
    size = clean.seek(0, 2)
    clean.seek(0)
    _put(clean, key, content_type=content_type)
    return Inspection("", content_type, size, quality, key)


def _check_content(
    kind: str, local: IO[bytes], clean: IO[bytes]
) -> tuple[str, str, dict[str, Any]]:
    """Why the file in `local` is refused ("" if not), its type and picture checks; what passes
    is copied to `clean` as the provider will get it."""
    content_type = sniff(local.read(64)) or ""
    local.seek(0)
    if content_type not in ALLOWED[kind]:
        return _wrong_type(kind, content_type), content_type, {}
    if content_type == PDF:
        problem = _pdf_problem(local)
        shutil.copyfileobj(local, clean, CHUNK)
        return problem, PDF, {} if problem else checks.pdf_quality()  # a PDF is not measured
    try:
        (scrub.scrub_jpeg if content_type == JPEG else scrub.scrub_png)(local, clean)
    except scrub.TrailingData:
        problem = _("The picture carries extra data after its end. Please export it again.")
        return problem, content_type, {}
    except scrub.Malformed:
        return _unreadable(), content_type, {}
    clean.seek(0)
    problem, quality = _decode(clean, framing=kind != Document.Kind.SELFIE)
    return problem, content_type, quality


def _unreadable() -> str:
    return _("The picture cannot be read. Please take or choose another one.")


def _pdf_problem(local: IO[bytes]) -> str:
    found = pdf.active_content(local)
    local.seek(0)
    messages = {
        pdf.SCRIPT: _(
            "This PDF contains JavaScript, which we do not accept. Please print it to a new "
            "PDF (Print to PDF) and upload that."
        ),
        pdf.EMBEDDED: _(
            "This PDF has other files attached inside it. Please print it to a new PDF "
            "(Print to PDF), which leaves the attachments out, and upload that."
        ),
        pdf.LOCKED: _("This PDF is protected by a password. Please upload a copy without one."),
        pdf.UNREADABLE: _("The PDF cannot be read. Please upload another copy."),
    }
    return messages.get(found, "")


def _wrong_type(kind: str, content_type: str) -> str:
    if content_type == "image/heic":
        return _(
            "HEIC photos are not accepted. Choose JPEG in your camera settings "
            "(“Most compatible”) or take the photo again here."
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
            return _unreadable(), {}
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

    def _checked_key(self, kind: str) -> str:
        document = self._document(kind)
        key = checked_key(document)
        if not key:
            raise DocumentUnavailable(f"{document.get_kind_display()}: refused when checked again")
        return key

    def url(self, kind: str, *, expiry: int | None = None) -> str:
        seconds = expiry or settings.DOCUMENT_URL_EXPIRY
        return str(documents_storage().url(self._checked_key(kind), expire=seconds))

    def read(self, kind: str, *, max_bytes: int) -> tuple[bytes, str]:
        """The file's bytes and type; DocumentUnavailable when it is larger than max_bytes."""
        key = self._checked_key(kind)
        document = self._document(kind)
        if document.size is not None and document.size > max_bytes:
            raise DocumentUnavailable(f"{document.get_kind_display()}: larger than {max_bytes} B")
        client = documents_storage().connection.meta.client
        body = client.get_object(Bucket=documents_storage().bucket_name, Key=key)["Body"]
        content = body.read(max_bytes + 1)
        body.close()
        if len(content) > max_bytes:
            raise DocumentUnavailable(f"{document.get_kind_display()}: larger than {max_bytes} B")
        return content, document.content_type
