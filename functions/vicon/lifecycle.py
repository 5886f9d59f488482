"""A request's lifecycle, declared once: its statuses, who may move it from which to which, and their labels.

Callers never write a from-list: they ask `allowed_from(to_status, actor)` (or `check` for the one status they
just read) and hand that to the store's compare-and-set `transition`. `tests/test_lifecycle.py` fails when a
`.transition(` call in `functions/` takes its from-statuses from anywhere else, and the store contract suite
checks that every declared transition is accepted and an undeclared one refused
(`docs/decisions/0014-one-lifecycle-module.md`).

The values are the strings stored in requests and answered by the API; a `StrEnum` member compares equal to
its string, so stored records and JSON are what they were before this module.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from enum import StrEnum
from typing import Protocol


class Status(StrEnum):
    SUBMITTED = "submitted"
    APPROVED = "approved"
    PROVISIONED = "provisioned"
    COMPLETED = "completed"
    REJECTED = "rejected"
    CANCELLED = "cancelled"
    PROVISIONING_FAILED = "provisioning_failed"


class Actor(StrEnum):
    """Who makes a transition: a kind of actor, not the address the audit trail records."""

    REQUESTER = "requester"  # the contact person, through the signed status link
    VERIFIER = "verifier"  # one of VERIFIER_EMAILS, through the signed review link
    SYSTEM = "system"  # the service itself: provisioning after an approval, the scheduler's tick, Zoom's webhook
    # A signed-in staff member in the console, for what no signed link does: a cancellation on the requester's
    # behalf, a retry of a failed meeting. A verifier deciding in the console is a VERIFIER (decision 0030).
    STAFF = "staff"


# A request is created in this status (by its requester); every later status comes from a transition below.
INITIAL = Status.SUBMITTED

_VERIFIER = frozenset({Actor.VERIFIER})
_SYSTEM = frozenset({Actor.SYSTEM})
_SYSTEM_OR_STAFF = frozenset({Actor.SYSTEM, Actor.STAFF})
_REQUESTER_OR_STAFF = frozenset({Actor.REQUESTER, Actor.STAFF})

TRANSITIONS: Mapping[tuple[Status, Status], frozenset[Actor]] = {
    (Status.SUBMITTED, Status.APPROVED): _VERIFIER,
    (Status.SUBMITTED, Status.REJECTED): _VERIFIER,
    # Right after the approval (inline), or by the tick taking over an approval left unfinished.
    (Status.APPROVED, Status.PROVISIONED): _SYSTEM,
    (Status.APPROVED, Status.PROVISIONING_FAILED): _SYSTEM,
    # The tick's retry claims the request back before it calls Zoom again; so does a retry from the console.
    (Status.PROVISIONING_FAILED, Status.APPROVED): _SYSTEM_OR_STAFF,
    # Zoom's `meeting.ended` webhook, or the tick from Zoom's past-meeting data (vicon.usecases.completion).
    (Status.PROVISIONED, Status.COMPLETED): _SYSTEM,
    # Until the event has ended (core.cancel checks the time). `approved` too: a meeting may exist already.
    # Staff cancel on the requester's behalf from the console, with a reason.
    (Status.SUBMITTED, Status.CANCELLED): _REQUESTER_OR_STAFF,
    (Status.APPROVED, Status.CANCELLED): _REQUESTER_OR_STAFF,
    (Status.PROVISIONED, Status.CANCELLED): _REQUESTER_OR_STAFF,
    (Status.PROVISIONING_FAILED, Status.CANCELLED): _REQUESTER_OR_STAFF,
}

# Declared for a feature still to come; tests/test_lifecycle.py expects no call site for these yet.
NOT_YET_MADE: frozenset[tuple[Status, Status]] = frozenset()


class NotAllowed(ValueError):
    """A transition the lifecycle does not declare for that actor: a bug in the caller, never a user's error."""


def allowed_from(to_status: Status, actor: Actor) -> tuple[Status, ...]:
    """The statuses `actor` may move a request from into `to_status`, in declaration order (never empty)."""
    found = tuple(src for (src, dst), actors in TRANSITIONS.items() if dst == to_status and actor in actors)
    if not found:
        raise NotAllowed(f"{actor} never moves a request to {to_status}")
    return found


def check(from_status: str, to_status: Status, actor: Actor) -> Status:
    """`from_status` as a Status when `actor` may move a request from it to `to_status`; else NotAllowed.

    For a caller that moves a request only from the status it has just read (a compare-and-set on exactly that).
    """
    if from_status not in allowed_from(to_status, actor):
        raise NotAllowed(f"{actor} may not move a request from {from_status} to {to_status}")
    return Status(from_status)


def is_terminal(status: str) -> bool:
    """No transition leaves it."""
    return not any(src == status for src, _ in TRANSITIONS)


CANCELLABLE: tuple[Status, ...] = allowed_from(Status.CANCELLED, Actor.REQUESTER)

# The status in a sentence of its own: the status page, server-rendered pages, mails.
STATUS_LABELS: Mapping[str, str] = {
    Status.SUBMITTED: "Diajukan, menunggu verifikasi",
    Status.APPROVED: "Disetujui, meeting sedang dibuat",
    Status.PROVISIONED: "Meeting siap",
    Status.COMPLETED: "Selesai",
    Status.REJECTED: "Ditolak",
    Status.CANCELLED: "Dibatalkan",
    Status.PROVISIONING_FAILED: "Pembuatan meeting tertunda",
}

# One step of the requester's history (`request_status.history[].label`): what happened then.
PUBLIC_HISTORY_LABELS: Mapping[str, str] = {
    Status.SUBMITTED: "Diajukan",
    Status.APPROVED: "Disetujui",
    Status.PROVISIONED: "Meeting dibuat",
    Status.COMPLETED: "Selesai",
    Status.REJECTED: "Ditolak",
    Status.CANCELLED: "Dibatalkan",
    Status.PROVISIONING_FAILED: "Pembuatan meeting tertunda",
}


def status_label(status: str) -> str:
    """The public label; an unknown status (a record from a newer release) shows as itself."""
    return STATUS_LABELS.get(status, status)


def statuses_json() -> list[dict[str, str]]:
    """Every status with its public label, for the site (`intake_options.statuses`)."""
    return [{"value": status.value, "label": STATUS_LABELS[status]} for status in Status]


# ---- states hidden in fields ---------------------------------------------------------------------------------

MAX_PROVISIONING_ATTEMPTS = 8


class ProvisioningState(StrEnum):
    """What a `provisioning_failed` request waits for; derived from its fields, never stored."""

    RETRYING = "retrying"  # `next_provisioning_at` is set: the tick tries again then
    GAVE_UP = "gave_up"  # MAX_PROVISIONING_ATTEMPTS used up: no more retries, people were told
    TOO_LATE = "too_late"  # the event started before a retry: it dropped out of the due work


class CleanupState(StrEnum):
    """`meeting_cleanup`: None (nothing to delete in Zoom) → PENDING (the tick deletes) → DONE."""

    PENDING = "pending"
    DONE = "done"


class ProvisioningFields(Protocol):
    """The fields the sub-states are derived from (`vicon.records.RequestRecord` has them)."""

    @property
    def status(self) -> str: ...

    @property
    def provisioning_attempts(self) -> int: ...

    @property
    def next_provisioning_at(self) -> dt.datetime | None: ...


def out_of_attempts(attempts: int) -> bool:
    """After this many failed attempts the retries stop."""
    return attempts >= MAX_PROVISIONING_ATTEMPTS


def provisioning_state(record: ProvisioningFields) -> ProvisioningState | None:
    """The sub-state of a `provisioning_failed` request; None in any other status."""
    if record.status != Status.PROVISIONING_FAILED:
        return None
    if record.next_provisioning_at is not None:
        return ProvisioningState.RETRYING
    if out_of_attempts(record.provisioning_attempts):
        return ProvisioningState.GAVE_UP
    return ProvisioningState.TOO_LATE


def gave_up(record: ProvisioningFields) -> bool:
    """`provisioning_failed` for good: every attempt used and none scheduled (a person has to step in)."""
    return provisioning_state(record) is ProvisioningState.GAVE_UP
