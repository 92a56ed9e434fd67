"""What to have ready before starting, from the provider's needs (the home page lists it).

The applicant's own provider once the profile routed them, else the default one: no tax
number line for a provider that asks for none, no camera line where we take no photo, a
bank line only where the provider verifies bank accounts.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _

from kyc.models import Document, Verification
from kyc.providers.interface import Provider
from kyc.providers.registry import get_provider


def checklist(verification: Verification | None) -> list[str]:
    provider = get_provider(
        verification.provider if verification else settings.KYC_DEFAULT_PROVIDER
    )
    items = [_tax_number(provider), _id_document(provider), _camera(provider)]
    items.append(_("A few minutes. You can stop and come back later: we keep what you have sent."))
    items.append(_bank(provider))
    return [item for item in items if item]


def _tax_number(provider: Provider) -> str:
    tax_id = provider.tax_id
    if tax_id is None or provider.capabilities.collection != "in_app":
        return ""  # asked for none, or asked for in the provider's own pages
    return _("Your %(tax_id)s card, or its number") % {"tax_id": tax_id.label}


def _id_document(provider: Provider) -> str:
    documents = provider.words.id_documents
    if not documents:
        return _("An identity document, such as a passport")
    return _("An identity document: %(documents)s") % {"documents": documents}


def _camera(provider: Provider) -> str:
    caps = provider.capabilities
    if caps.collection == "in_app" and not caps.document_kinds:
        return ""  # we take no photo, and no provider page does either
    if Document.Kind.SELFIE in caps.document_kinds:
        return _("A phone with a camera, for photos of your document and a selfie")
    return _("A phone with a camera, or photos or scans of your documents")


def _bank(provider: Provider) -> str:
    kinds = provider.words.bank_kinds
    if not provider.capabilities.banking or not kinds:
        return ""
    return _("The details of %(kinds)s, to add once you are verified") % {"kinds": kinds}
