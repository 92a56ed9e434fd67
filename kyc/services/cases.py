"""Each verification is a case staff work on: a case state, an assignee, and a queue with an SLA.

The case state follows the verification's life by itself (case_follow, called by
kyc/services/status.py inside the status change's transaction):

- a new submission being checked, a failure nobody but staff can settle (no correction the
  applicant can make, no attempt left), or a downgrade the provider reports -> OPEN;
- a failure the applicant can fix, a provider waiting for them, nothing submitted -> WAITING;
- VERIFIED with no downgrade reported -> RESOLVED.

A case someone already reviews stays IN_REVIEW when it opens again (its SLA clock restarts:
it is in another queue now), and a case ON_HOLD stays there whatever happens until staff lift
the hold (case_resume). Staff move it with the public functions below, each one audited
(an AuditEvent naming the actor in the same transaction); a refusal changes and audits
nothing. Holds (issue 16, item 3) call case_set_state(..., state=CaseState.ON_HOLD) and
case_resume.

Queues: KYC_CASE_QUEUES (onboarding/settings.py) gives each queue its SLA in hours; which
open cases are in which queue is a rule on status and flags (QUEUE_RULES), and the SLA runs
from case_opened_at, the last time the case (re)opened.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import reduce
from operator import or_
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.db.models import Case, DateTimeField, F, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kyc.models import CaseState, FixKind, Status, Verification
from kyc.services.audit import audit_record
from kyc.services.corrections import fix_kind

ACTIVE = (CaseState.OPEN, CaseState.IN_REVIEW)
PERMISSION = "kyc.work_case"


@dataclass(frozen=True)
class CaseResult:
    done: bool
    message: str  # for the staff member, as shown in the admin


# --- what the verification's life says ------------------------------------------------------
def case_state_for(verification: Verification) -> str:
    """The case state the verification's status and flags call for (holds aside)."""
    if verification.provider_downgrade:
        return CaseState.OPEN
    if verification.status == Status.VERIFIED:
        return CaseState.RESOLVED
    if verification.status == Status.PROCESSING:
        return CaseState.OPEN
    if verification.status == Status.FAILED:
        return CaseState.WAITING if applicant_can_fix(verification) else CaseState.OPEN
    return CaseState.WAITING  # not submitted yet, or the provider waits for the applicant


def applicant_can_fix(verification: Verification) -> bool:
    """The failure is one the applicant is asked to correct, with an attempt left."""
    try:
        kind = fix_kind(verification)
    except ImproperlyConfigured:  # a provider no longer configured: staff decide
        return False
    return kind != FixKind.NONE and verification.corrections_left != 0


def case_follow(
    *,
    verification_id: int,
    source: str,
    actor: Any = None,
    note: str = "",
    moved: bool = True,
    locked: Verification | None = None,
) -> bool:
    """Move the case where the verification's life now puts it; True when it changed.

    Called by the status services inside their transaction, after the change (so without a
    savepoint of its own: an error undoes the change too). `moved`: the status itself
    changed, so an open case is in a new queue and its SLA clock restarts (a downgrade
    flagged on a VERIFIED one opens the case without moving the status). `locked`: the
    verification as the caller locked and changed it, instead of reading it again."""
    with transaction.atomic(savepoint=False):
        current = locked or Verification.objects.select_for_update().get(pk=verification_id)
        if current.case_state == CaseState.ON_HOLD:
            return False  # only staff lift a hold
        wanted = case_state_for(current)
        if wanted == CaseState.OPEN and current.case_state == CaseState.IN_REVIEW:
            wanted = CaseState.IN_REVIEW  # someone has it: they keep it
        opens = wanted in ACTIVE and (moved or current.case_state not in ACTIVE)
        if wanted == current.case_state and not opens:
            return False
        fields: dict[str, Any] = {"case_state": wanted}
        if opens:
            fields["case_opened_at"] = timezone.now()
        Verification.objects.filter(pk=current.pk).update(**fields)
        if wanted != current.case_state:
            _audit(current, "case_state_changed", source, actor, wanted, note or "automatic")
        if locked is not None:
            for name, value in fields.items():
                setattr(locked, name, value)
    return True


# --- staff ------------------------------------------------------------------------------------
def case_set_state(
    *, verification: Verification, state: str, actor: Any, note: str = "", source: str = "staff"
) -> CaseResult:
    """Put a case in `state` (a CaseState): holds put it ON_HOLD, staff resolve or reopen it.

    Opening a case (from waiting, on hold or resolved) restarts its SLA clock. Raises
    ValueError for an unknown state; the same state again changes nothing."""
    if state not in CaseState.values:
        raise ValueError(f"unknown case state {state!r}")
    with transaction.atomic():
        current = Verification.objects.select_for_update().get(pk=verification.pk)
        if current.case_state == state:
            return CaseResult(False, _("The case is already %s.") % CaseState(state).label)
        fields: dict[str, Any] = {"case_state": state}
        if state in ACTIVE and current.case_state not in ACTIVE:
            fields["case_opened_at"] = timezone.now()
        Verification.objects.filter(pk=current.pk).update(**fields)
        _audit(current, "case_state_changed", source, actor, state, note)
    return CaseResult(True, _("The case is now %s.") % CaseState(state).label)


def case_resume(*, verification: Verification, actor: Any, note: str = "") -> CaseResult:
    """After a hold: the case goes back to what the verification's life says."""
    return case_set_state(
        verification=verification, state=case_state_for(verification), actor=actor, note=note
    )


def case_claim(*, verification: Verification, actor: Any, note: str = "") -> CaseResult:
    """The staff member takes an unassigned case; an open one is then in review."""
    with transaction.atomic():
        current = Verification.objects.select_for_update().get(pk=verification.pk)
        if current.assignee_id == actor.pk:
            return CaseResult(False, _("%(name)s: the case is already yours.") % _named(current))
        if current.assignee_id is not None:
            return CaseResult(
                False,
                _("%(name)s: the case is assigned to someone else; assign it instead.")
                % _named(current),
            )
        state = _taken(current)
        _assign(current, actor, state)
        _audit(current, "case_claimed", "staff", actor, state, note)
    return CaseResult(True, _("%(name)s: the case is yours.") % _named(current))


def case_assign(
    *, verification: Verification, actor: Any, assignee: Any, note: str = ""
) -> CaseResult:
    """Give a case to a staff member who may work cases; an open one is then in review."""
    if assignee is None or not may_work_cases(assignee):
        return CaseResult(False, _("Choose a staff member who may work cases."))
    with transaction.atomic():
        current = Verification.objects.select_for_update().get(pk=verification.pk)
        if current.assignee_id == assignee.pk:
            names = _named(current) | {"assignee": assignee.get_username()}
            return CaseResult(
                False, _("%(name)s: the case is already assigned to %(assignee)s.") % names
            )
        state = _taken(current)
        _assign(current, assignee, state)
        said = f"to {assignee.get_username()}" + (f": {note}" if note else "")
        _audit(current, "case_assigned", "staff", actor, state, said)
    return CaseResult(
        True,
        _("%(name)s: assigned to %(assignee)s.")
        % (_named(current) | {"assignee": assignee.get_username()}),
    )


def case_release(*, verification: Verification, actor: Any, note: str = "") -> CaseResult:
    """Nobody has the case any more; one in review is open again (same SLA clock)."""
    with transaction.atomic():
        current = Verification.objects.select_for_update().get(pk=verification.pk)
        if current.assignee_id is None:
            return CaseResult(False, _("%(name)s: nobody has the case.") % _named(current))
        state = CaseState.OPEN if current.case_state == CaseState.IN_REVIEW else current.case_state
        previous = current.assignee.get_username() if current.assignee else ""
        _assign(current, None, state)
        said = f"from {previous}" + (f": {note}" if note else "")
        _audit(current, "case_released", "staff", actor, state, said)
    return CaseResult(True, _("%(name)s: the case is released.") % _named(current))


def may_work_cases(user: Any) -> bool:
    return bool(user.is_active and user.is_staff and user.has_perm(PERMISSION))


def case_workers() -> QuerySet[Any]:
    """Active staff who may work cases (directly, through a group, or as superusers)."""
    app, codename = PERMISSION.split(".")
    granted = Q(groups__permissions__codename=codename) & Q(
        groups__permissions__content_type__app_label=app
    )
    direct = Q(user_permissions__codename=codename) & Q(
        user_permissions__content_type__app_label=app
    )
    users = get_user_model().objects.filter(is_active=True, is_staff=True)
    chosen = users.filter(granted | direct | Q(is_superuser=True)).values("pk")
    return users.filter(pk__in=chosen).order_by("username")


def _taken(current: Verification) -> str:
    return CaseState.IN_REVIEW if current.case_state == CaseState.OPEN else current.case_state


def _assign(current: Verification, assignee: Any, state: str) -> None:
    Verification.objects.filter(pk=current.pk).update(assignee=assignee, case_state=state)


def _named(current: Verification) -> dict[str, str]:
    return {"name": current.full_name}


def _audit(
    current: Verification, action: str, source: str, actor: Any, state: str, note: str
) -> None:
    audit_record(
        verification=current,
        action=action,
        source=source,
        actor=actor,
        from_status=current.case_state,
        to_status=state,
        note=note,
    )


# --- queues and their SLA ---------------------------------------------------------------------
@dataclass(frozen=True)
class Queue:
    key: str
    label: Any
    sla: timedelta
    rule: Q  # which open cases are in it (queues are exclusive: one status each)

    @property
    def cases(self) -> Q:
        return Q(case_state__in=ACTIVE) & self.rule


QUEUE_RULES: dict[str, tuple[Any, Q]] = {
    "provider_downgrades": (
        gettext_lazy("Provider downgrades"),
        Q(status=Status.VERIFIED, provider_downgrade__isnull=False),
    ),
    "new_submissions": (gettext_lazy("New submissions"), Q(status=Status.PROCESSING)),
    "failed_review": (gettext_lazy("Failed, needing review"), Q(status=Status.FAILED)),
}


def queues() -> list[Queue]:
    """The queues KYC_CASE_QUEUES names ({key: SLA in hours}), in the rules' order."""
    configured: dict[str, Any] = settings.KYC_CASE_QUEUES
    unknown = set(configured) - set(QUEUE_RULES)
    if unknown:
        raise ImproperlyConfigured(f"KYC_CASE_QUEUES: unknown queues {sorted(unknown)}")
    return [
        Queue(key, label, timedelta(hours=_hours(key, configured[key])), rule)
        for key, (label, rule) in QUEUE_RULES.items()
        if key in configured
    ]


def _hours(key: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise ImproperlyConfigured(f"KYC_CASE_QUEUES[{key!r}]: a number of hours above 0")
    return float(value)


def queue_named(key: str) -> Queue | None:
    return next((queue for queue in queues() if queue.key == key), None)


def breached(now: datetime | None = None) -> Q:
    """Open cases past their queue's SLA (served by the kyc_case_active_opened index)."""
    now = now or timezone.now()
    parts = [queue.cases & Q(case_opened_at__lt=now - queue.sla) for queue in queues()]
    return reduce(or_, parts) if parts else Q(pk__in=[])


def with_sla(queryset: QuerySet[Verification]) -> QuerySet[Verification]:
    """Each row's queue (case_queue, "" for none) and SLA deadline (case_due_at, or None)."""
    listed = queues()
    return queryset.annotate(
        case_queue=Case(
            *[When(queue.cases, then=Value(queue.key)) for queue in listed], default=Value("")
        ),
        case_due_at=Case(
            *[
                When(
                    queue.cases,
                    then=F("case_opened_at") + queue.sla,
                )
                for queue in listed
            ],
            default=None,
            output_field=DateTimeField(),
        ),
    )
