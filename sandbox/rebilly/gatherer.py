"""The hosted document gatherer (fact sheet §5): `GET/POST /gatherer?token=...`.

Rebilly's real gatherer is a hosted app at verification.comply.services; ours is one plain
HTML page (no scripts, no external assets, usable on a phone and with a screen reader) with a
fieldset per requested document type that can still be uploaded: not accepted, nothing
waiting for a decision, attempts left, and never the API-only credit file.

Emulator-only: each fieldset also has a "sandbox decision" choice, since no real analysis
runs here: accept (the default) or reject (with a rejection reason) are applied after
`decision_delay` to the `in-progress` document; review leaves it `pending` for a staff
acceptance or rejection. The browser is then sent to `redirectUrl` with `info` appended:
`manual` if any upload was left for review, `partial` if an offered type got no file,
`success` otherwise; `back` for the back button; `token_expired` once the request expired
(also on GET). Without a `redirectUrl` a thank-you page is shown instead.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

from flask import Blueprint, Response, request
from werkzeug.datastructures import FileStorage

from sandbox.rebilly import files, kyc
from sandbox.rebilly.context import runtime
from sandbox.rebilly.runtime import Runtime
from sandbox.rebilly.state import Resource
from sandbox.rebilly.vocabulary import (
    ABANDONED,
    ACCEPTED,
    CREDIT_FILE,
    DEFAULT_SUBTYPES,
    DOCUMENT_TITLES,
    EXPIRED,
    IDENTITY,
    IN_PROGRESS,
    PENDING,
    PERMANENT,
    REJECTED,
    REJECTION_REASONS,
)

bp = Blueprint("rebilly_gatherer", __name__)

OUTCOMES = {
    "accept": "Accept the document",
    "reject": "Reject the document",
    "review": "Leave it for manual review",
}
DEFAULT_REASON = "document-expired"

_STYLE = """
body{font-family:system-ui,sans-serif;margin:0;line-height:1.5;color:#1b1b1b;background:#f6f7f9}
.banner{background:#5b2a86;color:#fff;padding:.5rem 1rem;margin:0}
main{max-width:40rem;margin:0 auto;padding:1rem}
fieldset{background:#fff;border:1px solid #c4c8cf;border-radius:.5rem;margin:0 0 1rem;padding:1rem}
fieldset fieldset{background:#fdf8e4;border-style:dashed}
legend{font-weight:600;padding:0 .25rem}
label{display:block;margin:.75rem 0 .25rem}
.choice label{display:inline;margin-left:.25rem}
input,select,button{font:inherit;max-width:100%}
button{padding:.6rem 1.2rem;border-radius:.4rem;border:1px solid #5b2a86;margin:.25rem 0}
button[value=submit]{background:#5b2a86;color:#fff}
button[value=back]{background:#fff;color:#5b2a86}
.error{color:#a4000f;font-weight:600}
.alert{border:2px solid #a4000f;background:#fff;padding:.5rem 1rem;border-radius:.5rem}
"""


def with_info(url: str, info: str) -> str:
    """`url` with `info=<value>` appended: `?info=` or `&info=` when it has a query."""
    parts = urlsplit(url)
    query = f"{parts.query}&info={quote(info)}" if parts.query else f"info={quote(info)}"
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


@dataclass
class Upload:
    spec: dict[str, Any]
    subtype: str | None
    document: tuple[str, bytes]
    selfie: tuple[str, bytes] | None
    outcome: str
    reason: str


@dataclass
class Problems:
    general: list[str] = field(default_factory=list)
    by_type: dict[str, list[str]] = field(default_factory=dict)

    def add(self, kind: str, message: str) -> None:
        self.by_type.setdefault(kind, []).append(message)

    def __bool__(self) -> bool:
        return bool(self.general or self.by_type)


# --- views ----------------------------------------------------------------------------------


@bp.get("/gatherer")
def show() -> Response:
    rt = runtime()
    found = _open(rt, request.args.get("token", ""))
    if isinstance(found, Response):
        return found
    return _page(rt, found, Problems(), status=200)


@bp.post("/gatherer")
def submit() -> Response:
    rt = runtime()
    found = _open(rt, request.form.get("token", ""))
    if isinstance(found, Response):
        return found
    kyc_request = found
    if request.form.get("action") == "back":
        return _leave(rt, kyc_request, "back")
    # One transaction from "what is offered" to the documents made from it, so two submits
    # of the same page cannot both use the last attempt. (The body was parsed above, before
    # the lock: a slow upload never holds it.)
    with rt.store.transaction():
        offered = offered_documents(rt, kyc_request)
        if not offered:
            return _page(rt, kyc_request, Problems(), status=200)  # "nothing to upload" page
        uploads, problems = _read_form(rt, offered)
        if problems:
            return _page(rt, kyc_request, problems, status=422)
        created = [(_create(rt, kyc_request, upload), upload) for upload in uploads]
        kyc.settle(rt, kyc_request)
        for document, upload in created:
            if upload.outcome == "accept":
                kyc.plan_decision(rt, document, ACCEPTED, None)
            elif upload.outcome == "reject":
                kyc.plan_decision(rt, document, REJECTED, kyc.default_reason(upload.reason))
    if any(upload.outcome == "review" for upload in uploads):
        info = "manual"
    elif len(uploads) < len(offered):
        info = "partial"
    else:
        info = "success"
    return _leave(rt, kyc_request, info)


# --- the request behind a token -------------------------------------------------------------


def _open(rt: Runtime, token: str) -> Resource | Response:
    """The token's request if its page can be shown, else the answer to give instead."""
    request_id = rt.store.token_request(token) if token else None
    kyc_request = rt.store.load(kyc.REQUEST, request_id) if request_id else None
    if kyc_request is None:
        return _message("This link is not valid.", status=404)
    kyc.settle(rt, kyc_request)
    if kyc_request.body["status"] in (EXPIRED, ABANDONED):
        return _leave(rt, kyc_request, "token_expired")
    return kyc_request


def _leave(rt: Runtime, kyc_request: Resource, info: str) -> Response:
    target = kyc_request.body.get("redirectUrl")
    if target:
        return Response(status=302, headers={"Location": with_info(target, info)})
    if info == "token_expired":
        return _message("This link has expired.", status=410)
    return _message("Thank you. You can close this page now.", status=200)


def offered_documents(rt: Runtime, kyc_request: Resource) -> list[dict[str, Any]]:
    """The requested types the customer can upload now (never the credit file)."""
    if kyc_request.body["status"] in PERMANENT:
        return []
    documents = [d.body for d in kyc.documents_of(rt, kyc_request)]
    states = kyc.type_states(kyc_request.body, documents)
    return [
        spec
        for spec in kyc_request.body["documents"]
        if spec["type"] != CREDIT_FILE and states[spec["type"]] == kyc.OPEN
    ]


def _subtypes(spec: dict[str, Any]) -> list[str]:
    return [s for s in (spec.get("subtypes") or DEFAULT_SUBTYPES[spec["type"]]) if s]


def _needs_selfie(spec: dict[str, Any]) -> bool:
    return bool(spec.get("faceProofRequired") or spec.get("faceLivenessRequired"))


# --- the form -------------------------------------------------------------------------------


def _read_file(
    rt: Runtime, upload: FileStorage | None, allowed: tuple[str, ...]
) -> tuple[tuple[str, bytes] | None, str | None]:
    """((name, bytes), None) for a good file, (None, None) for none chosen, else the problem."""
    if upload is None or not upload.filename:
        return None, None
    limit = rt.config.max_file_bytes
    data = upload.read(limit + 1)
    kind = files.sniff(data)
    if not data:
        return None, f"The file {upload.filename} is empty."
    if len(data) > limit:
        return None, f"The file {upload.filename} is larger than {_size(rt)}."
    if kind is None or kind[0] not in allowed:
        *first, last = [files.EXTENSION_NAMES[m] for m in allowed]
        names = f"{', '.join(first)} or {last}" if first else last
        return None, f"The file {upload.filename} is not a {names} file."
    return (upload.filename, data), None


def _read_form(rt: Runtime, offered: list[dict[str, Any]]) -> tuple[list[Upload], Problems]:
    problems = Problems()
    uploads = []
    for spec in offered:
        kind = spec["type"]
        document, problem = _read_file(rt, request.files.get(f"file-{kind}"), files.DOCUMENT_MIMES)
        if problem:
            problems.add(kind, problem)
        selfie = None
        if _needs_selfie(spec):
            selfie, problem = _read_file(rt, request.files.get(f"face-{kind}"), files.SELFIE_MIMES)
            if problem:
                problems.add(kind, problem)
            elif document is not None and selfie is None:
                problems.add(kind, "Add a selfie too: this document needs a photo of your face.")
        outcome = request.form.get(f"outcome-{kind}", "accept")
        reason = request.form.get(f"reason-{kind}", DEFAULT_REASON)
        choices: list[str | None] = [*_subtypes(spec), None]
        subtype = request.form.get(f"subtype-{kind}") or choices[0]
        if outcome not in OUTCOMES:
            problems.add(kind, "Choose accept, reject or review.")
        if reason not in REJECTION_REASONS:
            problems.add(kind, "Choose a rejection reason from the list.")
        if subtype not in choices:
            problems.add(kind, "Choose a document type from the list.")
        if document is not None:
            uploads.append(Upload(spec, subtype, document, selfie, outcome, reason))
    if not uploads and not problems:
        problems.general.append("Choose at least one document to upload.")
    return uploads, problems


def _create(rt: Runtime, kyc_request: Resource, upload: Upload) -> Resource:
    kind = upload.spec["type"]
    org = kyc_request.org
    name, data = upload.document
    tags = ["kyc", "id-front" if kind == IDENTITY else kind]
    file_ids = [files.store_file(rt, org, data, name=name, tags=tags).id]
    if upload.selfie is not None:
        selfie_name, selfie = upload.selfie
        selfie_file = files.store_file(
            rt, org, selfie, name=selfie_name, tags=["kyc", "face-proof"], source_type="camera"
        )
        file_ids.append(selfie_file.id)
    status = PENDING if upload.outcome == "review" else IN_PROGRESS
    return kyc.add_document(rt, kyc_request, kind, upload.subtype, file_ids, status)


# --- HTML -----------------------------------------------------------------------------------


def _document(body: str, *, status: int) -> Response:
    text = (
        '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        "<title>Verify your identity - Rebilly sandbox emulator</title>\n"
        f"<style>{_STYLE}</style>\n</head>\n<body>\n"
        '<header><p class="banner"><strong>Rebilly sandbox emulator</strong>: '
        "a local stand-in for Rebilly's document gatherer. No document leaves this machine.</p>"
        f"</header>\n<main>\n<h1>Verify your identity</h1>\n{body}\n</main>\n</body>\n</html>\n"
    )
    return Response(text, status=status, mimetype="text/html")


def _message(text: str, *, status: int, back: str | None = None) -> Response:
    body = f"<p>{html.escape(text)}</p>"
    if back:
        body += _form(
            back, '<button type="submit" name="action" value="back">Back to website</button>'
        )
    return _document(body, status=status)


def _form(token: str, content: str) -> str:
    action = html.escape(f"{runtime().startup.public_url}/gatherer")
    return (
        f'<form method="post" action="{action}" enctype="multipart/form-data" novalidate>\n'
        f'<input type="hidden" name="token" value="{html.escape(token)}">\n{content}\n</form>'
    )


def _options(values: list[str], selected: str | None) -> str:
    return "".join(
        f'<option value="{html.escape(v)}"{" selected" if v == selected else ""}>'
        f"{html.escape(v.replace('-', ' ').capitalize())}</option>"
        for v in values
    )


def _fieldset(rt: Runtime, kyc_request: Resource, spec: dict[str, Any], problems: list[str]) -> str:
    kind = spec["type"]
    k = html.escape(kind)
    own = [d.body for d in kyc.documents_of(rt, kyc_request) if d.body["documentType"] == kind]
    rejected = [d for d in own if d["status"] == REJECTED]
    if spec["maxAttempts"]:
        left = spec["maxAttempts"] - len(rejected)
        attempts = f"Attempts left: {left} of {spec['maxAttempts']}."
    else:
        attempts = "Attempts left: unlimited."
    described = [f"hint-{k}"]
    parts = [f"<fieldset>\n<legend>{html.escape(DOCUMENT_TITLES[kind])}</legend>"]
    parts.append(f'<p id="hint-{k}">{attempts}</p>')
    if rejected:
        last = rejected[-1].get("rejectionReason") or {}
        why = last.get("message") or str(last.get("type", "")).replace("-", " ")
        parts.append(
            f'<p id="rejected-{k}">Your previous document was not accepted: {html.escape(why)}</p>'
        )
        described.append(f"rejected-{k}")
    if problems:
        items = " ".join(html.escape(p) for p in problems)
        parts.append(f'<p class="error" id="error-{k}">{items}</p>')
        described.append(f"error-{k}")
    invalid = ' aria-invalid="true"' if problems else ""
    parts.append(
        f'<label for="subtype-{k}">Kind of document</label>\n'
        f'<select id="subtype-{k}" name="subtype-{k}">{_options(_subtypes(spec), None)}</select>'
    )
    parts.append(
        f'<label for="file-{k}">Document file (JPEG, PNG or PDF, at most {_size(rt)})</label>\n'
        f'<input type="file" id="file-{k}" name="file-{k}" accept="image/jpeg,image/png,'
        f'application/pdf,.jpg,.jpeg,.png,.pdf" aria-describedby="{" ".join(described)}"{invalid}>'
    )
    if _needs_selfie(spec):
        parts.append(
            f'<label for="face-{k}">Selfie: a photo of your face (JPEG or PNG)</label>\n'
            f'<input type="file" id="face-{k}" name="face-{k}" accept="image/jpeg,image/png,'
            f'.jpg,.jpeg,.png" capture="user"{invalid}>'
        )
    radios = "\n".join(
        f'<div class="choice"><input type="radio" id="outcome-{k}-{value}" name="outcome-{k}" '
        f'value="{value}"{" checked" if value == "accept" else ""}>'
        f'<label for="outcome-{k}-{value}">{label}</label></div>'
        for value, label in OUTCOMES.items()
    )
    parts.append(
        "<fieldset>\n<legend>Sandbox decision (emulator only)</legend>\n"
        f"{radios}\n"
        f'<label for="reason-{k}">Rejection reason (used when rejecting)</label>\n'
        f'<select id="reason-{k}" name="reason-{k}">'
        f"{_options(list(REJECTION_REASONS), DEFAULT_REASON)}</select>\n</fieldset>"
    )
    parts.append("</fieldset>")
    return "\n".join(parts)


def _size(rt: Runtime) -> str:
    limit = rt.config.max_file_bytes
    return f"{limit // (1024 * 1024)} MB" if limit >= 1024 * 1024 else f"{limit} bytes"


def _page(rt: Runtime, kyc_request: Resource, problems: Problems, *, status: int) -> Response:
    token = str(kyc_request.meta["token"])
    offered = offered_documents(rt, kyc_request)
    if not offered and not problems.general:
        if kyc_request.body["status"] in PERMANENT:
            text = "There is nothing to upload: this verification is complete."
        else:
            text = "Your documents are being reviewed. There is nothing to upload now."
        return _message(text, status=status, back=token)
    summary = ""
    messages = problems.general + [m for kind in problems.by_type for m in problems.by_type[kind]]
    if messages:
        items = "".join(f"<li>{html.escape(m)}</li>" for m in messages)
        summary = (
            '<div class="alert" role="alert">\n<h2>Please fix the following</h2>\n'
            f"<ul>{items}</ul>\n</div>\n"
        )
    intro = "<p>Choose a file for each document you can provide now, then submit them.</p>"
    fieldsets = "\n".join(
        _fieldset(rt, kyc_request, spec, problems.by_type.get(spec["type"], [])) for spec in offered
    )
    buttons = (
        '<button type="submit" name="action" value="submit">Submit documents</button>\n'
        '<button type="submit" name="action" value="back">Back to website</button>'
    )
    return _document(summary + intro + _form(token, f"{fieldsets}\n{buttons}"), status=status)
