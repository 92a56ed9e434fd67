"""How the admin shows a verification's data: badges, masked identity numbers, documents.

Identity numbers (tax, document, account numbers, VPAs) are masked unless the staff
member holds "view unmasked identity data"; the caller decides which and passes
`unmasked`, so nothing here looks at a request. Documents are shown through
short-lived presigned URLs: the browser fetches them from the bucket, never through us.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.files.storage import storages
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kyc.admin.quality import quality_html
from kyc.models import Document
from kyc.services.documents import checked_key

UNMASKED_PERMISSION = "kyc.view_unmasked_identity"
IDENTITY_KEYS = frozenset({"tax_number", "document_number", "account_number", "vpa"})
# Long enough to open a preview, short enough that a copied link is soon useless.
PREVIEW_URL_EXPIRY = 300
KYC_LABELS = {
    "full_name": gettext_lazy("Full name"),
    "phone": gettext_lazy("Phone"),
    "address": gettext_lazy("Address"),
    "full_address": gettext_lazy("Address (one line)"),
    "dob": gettext_lazy("Date of birth"),
    "tax_number": gettext_lazy("Tax number"),
    "document_type": gettext_lazy("Document type"),
    "document_number": gettext_lazy("Document number"),
    "additional_info": gettext_lazy("Additional information"),
    "documents": gettext_lazy("Documents"),
}
BADGE_CLASSES = {
    "VERIFIED": "ok",
    "FAILED": "bad",
    "PROCESSING": "wait",
    "ACTION_REQUIRED": "wait",
    "UNVERIFIED": "none",
    "processed": "ok",
    "failed": "bad",
    "invalid": "bad",
    "queued": "wait",
    "received": "wait",
}


def can_see_unmasked(user: Any) -> bool:
    return bool(user.has_perm(UNMASKED_PERMISSION))


def is_identity_key(key: str) -> bool:
    # Provider extra fields such as ssn_number are identity numbers too.
    return key in IDENTITY_KEYS or key.endswith("_number")


def mask(value: Any, keep: int = 2) -> str:
    """Keep the last characters so staff can tell two numbers apart, hide the rest."""
    text = str(value)
    if len(text) <= keep + 2:
        return "•" * max(len(text), 3)
    return "•" * (len(text) - keep) + text[-keep:]


def shown(key: str, value: Any, *, unmasked: bool) -> Any:
    if is_identity_key(key) and value not in (None, "") and not unmasked:
        return mask(value)
    return value


def badge(value: str, label: str) -> SafeString:
    """A status as coloured text: the words carry the meaning, the colour only helps."""
    kind = BADGE_CLASSES.get(value, "none")
    return format_html('<span class="kyc-badge kyc-badge--{}">{}</span>', kind, label)


def kyc_data_table(data: Mapping[str, Any], *, unmasked: bool) -> SafeString:
    if not data:
        return format_html("<p>{}</p>", _("Nothing was submitted yet."))
    order = list(KYC_LABELS)
    keys = sorted(data, key=lambda key: (order.index(key) if key in order else len(order), key))
    rows = [
        (KYC_LABELS.get(key, key), _value_html(key, data[key], unmasked=unmasked)) for key in keys
    ]
    body = format_html_join("", '<tr><th scope="row">{}</th><td>{}</td></tr>', rows)
    return format_html('<table class="kyc-data">{}</table>', body)


def _value_html(key: str, value: Any, *, unmasked: bool) -> SafeString:
    if key == "documents" and isinstance(value, Mapping):
        kinds = dict(Document.Kind.choices)
        items = ((kinds.get(name, name), doc_id) for name, doc_id in value.items())
        return format_html(
            '<ul class="kyc-list">{}</ul>', format_html_join("", "<li>{}: #{}</li>", items)
        )
    if isinstance(value, Mapping):
        items = ((name, shown(name, item, unmasked=unmasked)) for name, item in value.items())
        return format_html(
            '<ul class="kyc-list">{}</ul>', format_html_join("", "<li>{}: {}</li>", items)
        )
    if isinstance(value, bool):
        return format_html("{}", _("yes") if value else _("no"))
    return format_html("{}", shown(key, value, unmasked=unmasked))


def document_previews(documents: Iterable[Document], *, previews: bool = True) -> SafeString:
    items = [_document_html(document, previews=previews) for document in documents]
    if not items:
        return format_html("<p>{}</p>", _("No document was uploaded."))
    return format_html('<ul class="kyc-documents">{}</ul>', format_html_join("", "{}", items))


def _document_html(document: Document, *, previews: bool) -> tuple[SafeString]:
    caption = format_html(
        "{} ({}){}{}",
        document.get_kind_display(),
        document.get_state_display(),
        f" — {document.rejection_reason}" if document.rejection_reason else "",
        quality_html(document.quality),  # no identity data: shown to every staff member
    )
    key = checked_key(document) if previews else ""  # only the bytes that passed the check
    if not key:
        return (format_html("<li>{}</li>", caption),)  # refused files are deleted
    storage: Any = storages["documents"]
    url = storage.url(key, expire=PREVIEW_URL_EXPIRY)
    if document.content_type == "application/pdf":
        link = format_html(
            '<a href="{}" rel="noopener noreferrer" target="_blank">{}</a>', url, _("Open the PDF")
        )
        return (format_html("<li>{}<br>{}</li>", caption, link),)
    image = format_html(
        '<a href="{}" rel="noopener noreferrer" target="_blank">'
        '<img src="{}" alt="{}" class="kyc-preview"></a>',
        url,
        url,
        document.get_kind_display(),
    )
    return (format_html("<li>{}<br>{}</li>", caption, image),)


def duration_text(value: float | None) -> str:
    """Seconds as the two largest units, e.g. "2 h 5 min", for tables and charts."""
    if value is None:
        return "—"
    days, rest = divmod(round(value), 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [
        (days, _("%d d")),
        (hours, _("%d h")),
        (minutes, _("%d min")),
        (secs, _("%d s")),
    ]
    used = [template % amount for amount, template in parts if amount][:2]
    return " ".join(used) or _("%d s") % 0
