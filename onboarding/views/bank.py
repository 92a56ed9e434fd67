"""Once verified, where the provider verifies bank accounts (Capabilities.banking): the
provider's form for one, and each account's status as it changes."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache

from kyc.models import BankAccount, Verification
from kyc.providers.errors import ProviderError
from kyc.providers.registry import get_provider
from kyc.services.banks import BankRefused, bank_account_add, banking_provider
from kyc.services.readiness import hold_refusal, verified_for_us
from onboarding.journey import (
    bank_key,
    bank_view,
    current_verification,
    provider_error,
)
from onboarding.prg import again, form_data, restore_errors

logger = logging.getLogger(__name__)
UNDECIDED = {BankAccount.State.QUEUED, BankAccount.State.PROCESSING}
ADDED: dict[str, Any] = {
    BankAccount.Kind.ACCOUNT: _("Bank account %(label)s added."),
    BankAccount.Kind.VPA: _("UPI ID %(label)s added."),
}


@never_cache
@login_required
def bank(request: HttpRequest) -> HttpResponse:
    verification = current_verification(request)
    if verification is None or not verified_for_us(verification):
        return redirect("onboarding:status")
    provider = banking_provider(verification.provider)
    if provider is None:
        return redirect("onboarding:status")  # this provider verifies no bank account
    data, kept = form_data(request)
    form: Any = provider.bank_form(data)
    if request.method == "POST":
        if not form.is_valid():
            return again(request, [form])
        try:
            added = _add(verification, form)
        except BankRefused as refused:
            form.add_refusal(str(refused), refused.field)
            return again(request, [form])
        except ProviderError as error:
            logger.warning("bank account not sent: %s", type(error).__name__)
            return provider_error(request)
        # Only what stays true: its status, below, changes by itself.
        messages.success(request, ADDED[added.kind] % {"label": added.label}, extra_tags="live")
        return redirect("onboarding:bank")
    if data is not None:
        restore_errors([form], kept)
    return render(request, "onboarding/bank.html", _context(verification, form))


def _add(verification: Verification, form: Any) -> BankAccount:
    data = form.cleaned_data
    return bank_account_add(
        verification=verification,
        kind=data["kind"],
        account_number=data["account_number"],
        ifsc=data["ifsc"],
        vpa=data["vpa"],
    )


def _context(verification: Verification, form: Any) -> dict[str, object]:
    banks = list(verification.bank_accounts.all())
    groups = [
        {"kind": kind, "fields": [form[name] for name in names]}
        for kind, names in getattr(form, "kind_fields", {}).items()
    ]
    return {
        "form": form,
        "groups": groups,
        "words": get_provider(verification.provider).words,
        "banks": [bank_view(bank) for bank in banks],
        "live_key": bank_key(banks),
        "live_final": not any(bank.status in UNDECIDED for bank in banks),
        "live_url": reverse("onboarding:bank_live"),
        "poll_seconds": settings.STATUS_POLL_SECONDS,
        # On hold: the page says so; a posted form is refused with it, what was typed kept.
        "hold_notice": hold_refusal(verification),
    }


@never_cache
@login_required
def bank_live(request: HttpRequest) -> JsonResponse:
    verification = current_verification(request)
    banks = list(verification.bank_accounts.all()) if verification else []
    context = {"banks": [bank_view(bank) for bank in banks]}
    html = render_to_string("onboarding/_bank_list.html", context, request)
    final = not any(bank.status in UNDECIDED for bank in banks)
    return JsonResponse({"key": bank_key(banks), "html": html, "final": final})
