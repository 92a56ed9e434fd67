"""POST-redirect-GET for the journey's forms, also when they come back with errors.

A form posted with errors is not rendered as the answer to the POST: what was typed and the
errors are kept in the session (encrypted: it holds identity numbers), the browser is sent
to the same address with a GET, and the page is built from them there. Every history entry
is then a GET of a no-store page, so Back after a successful send asks the server again and
lands where the journey is now, never on a stale form with a live send button.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from cryptography.fernet import InvalidToken
from django import forms
from django.core.exceptions import NON_FIELD_ERRORS
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.utils import timezone

from kyc.fields import decrypt, encrypt

SESSION_KEY = "journey:posted"
NOT_KEPT = ("csrfmiddlewaretoken",)


Errors = list[dict[str, Any]]  # per form, in the order the view builds them


class Kept:
    """What a form keeps across the redirect beyond what was typed and its errors: by
    default nothing. A form with state of its own (UploadsForm: files the POST stored)
    overrides these."""

    def kept_data(self) -> dict[str, str]:
        """Values to bind on the GET that were not typed (e.g. a file, now stored, by id)."""
        return {}

    def kept_state(self) -> dict[str, Any]:
        return {}

    def restore_state(self, state: dict[str, Any]) -> None:
        """Given back what kept_state() returned, after validating again."""

    def error_still_true(self, name: str, posted_at: str) -> bool:
        """Whether an error kept for field `name`, posted at `posted_at`, still holds."""
        return True


_PLAIN = Kept()


def _kept(form: forms.Form) -> Kept:
    return form if isinstance(form, Kept) else _PLAIN


def form_data(request: HttpRequest) -> tuple[QueryDict | None, Errors]:
    """The data to bind: this POST's, or the one kept for this page by `again` (with the
    errors that validating it again cannot bring back: the provider's, a refused file's)."""
    if request.method == "POST":
        return request.POST, []
    kept = request.session.pop(SESSION_KEY, None)
    if not isinstance(kept, dict) or kept.get("path") != request.path:
        return None, []
    try:
        payload = json.loads(decrypt(str(kept["blob"])))
    except (InvalidToken, KeyError, TypeError, ValueError):
        return None, []
    data = QueryDict(mutable=True)
    for name, values in payload.get("data", {}).items():
        data.setlist(name, [str(value) for value in values])
    errors = payload.get("errors")
    return data, errors if isinstance(errors, list) else []


def again(
    request: HttpRequest, bound: Iterable[forms.Form], *, drop: Iterable[str] = ()
) -> HttpResponse:
    """Keep what was posted (but the fields in `drop`: passwords, answers) and its errors,
    and show them on a GET of the same page."""
    found, dropped = list(bound), [name for name in drop if name in request.POST]
    data = request.POST.copy()
    for name in (*NOT_KEPT, *dropped):
        data.pop(name, None)
    for form in found:
        data.update(_kept(form).kept_data())
    kept = [
        {
            "errors": {
                name: [str(message) for message in messages]
                for name, messages in form.errors.items()
            },
            "dropped": dropped,
            "at": timezone.now().isoformat(),
            "state": _kept(form).kept_state(),
        }
        for form in found
    ]
    payload = json.dumps({"data": dict(data.lists()), "errors": kept})
    request.session[SESSION_KEY] = {"path": request.path, "blob": encrypt(payload)}
    response = HttpResponseRedirect(request.get_full_path())
    response.status_code = 303
    return response


def restore_errors(bound: Iterable[forms.Form], kept: Errors) -> None:
    """Validate again, and show each field's errors as they were when it was posted (a
    provider's refusal or a refused file cannot be found again), unless what they are about
    has changed since (Kept.error_still_true: e.g. a file arrived)."""
    for index, form in enumerate(bound):
        form.is_valid()
        hooks = _kept(form)
        found = kept[index] if index < len(kept) and isinstance(kept[index], dict) else {}
        listed = found.get("errors")
        errors: dict[str, Any] = listed if isinstance(listed, dict) else {}
        at = str(found.get("at") or "")
        for name, messages in errors.items():
            if name != NON_FIELD_ERRORS and (
                name not in form.fields or not hooks.error_still_true(name, at)
            ):
                continue
            form.errors[name] = form.error_class([str(message) for message in messages])
        for name in found.get("dropped") or []:  # not kept, so "required" again: not true
            if name not in errors:
                form.errors.pop(name, None)
        state = found.get("state")
        hooks.restore_state(state if isinstance(state, dict) else {})
