"""Template tags of the compliance admin."""

from __future__ import annotations

from typing import Any

from django import template

from kyc.admin.history import recent_actions
from kyc.models import AuditEvent

register = template.Library()


@register.simple_tag
def kyc_recent_actions(user: Any) -> list[AuditEvent]:
    return recent_actions(user)
