"""Telling the regulator: when a report or an update is sent on, and what its sending shows.

Plain functions over plain values (no Django, no database), tested by tables in
tests/incidents/test_notify_rules.py. `incidents/notify.py` reads the rows and does the sending.

A notification is one sending of a report, or of an update to it, to the address in the setting
DSPT_INCIDENT_REPORT_EMAIL. Its states:

    pending ──(worker picks it up)──▶ sending ──▶ sent
       ▲                                 │
       └──(error, retries left)──────────┘──(error, no retries left)──▶ failed
    failed / stuck ──("Try again")──▶ pending
    unconfigured (no address was set) ──("Send now", once one is)──▶ pending

A notification waiting or sending for far longer than it should is *stuck* (a worker killed
mid-send, a task lost with Redis), judged as document jobs are (documents/jobs.py): stale, it
offers "Try again"; abandoned, the periodic sweep marks it failed.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Collection
from dataclasses import dataclass

PENDING = "pending"
SENDING = "sending"
SENT = "sent"
FAILED = "failed"
UNCONFIGURED = "unconfigured"
STATES: tuple[str, ...] = (PENDING, SENDING, SENT, FAILED, UNCONFIGURED)

# The regulator has been, or is being, told about the incident.
_INVOLVED = (PENDING, SENDING, SENT, FAILED)

# How long a notification may wait or be sending before it counts as stuck. Sending one email
# takes seconds; waiting covers the task's own retries (incidents/tasks.py, about 10 minutes).
STALE_AFTER: dict[str, dt.timedelta] = {
    PENDING: dt.timedelta(minutes=20),
    SENDING: dt.timedelta(minutes=5),
}
ABANDONED_FACTOR = 3


class Staleness(enum.Enum):
    FRESH = "fresh"
    STALE = "stale"  # offer "Try again"
    ABANDONED = "abandoned"  # the sweep marks it failed


def staleness(*, state: str, age: dt.timedelta) -> Staleness:
    """Whether a notification that has been in `state` for `age` is stuck."""
    limit = STALE_AFTER.get(state)
    if limit is None:
        return Staleness.FRESH
    if age > limit * ABANDONED_FACTOR:
        return Staleness.ABANDONED
    if age > limit:
        return Staleness.STALE
    return Staleness.FRESH


def may_send_again(*, state: str, age: dt.timedelta, configured: bool) -> bool:
    """Whether "Try again" (or "Send now") may put the notification back in the queue."""
    if state == FAILED:
        return True
    if state == UNCONFIGURED:
        return configured
    return state in STALE_AFTER and staleness(state=state, age=age) is not Staleness.FRESH


def regulator_involved(states: Collection[str]) -> bool:
    """The regulator has been sent something about the incident (or it is on its way, or failed
    and may be tried again)."""
    return any(state in _INVOLVED for state in states)


def update_needs_sending(*, reportable_now: bool, earlier_states: Collection[str]) -> bool:
    """A follow-up or a closing is sent on when the incident is reportable now (after any
    revision it made), or when the regulator has already heard of it: a revision that makes it
    no longer reportable is news to them too."""
    return reportable_now or regulator_involved(earlier_states)


def withdrawal_needs_sending(*, earlier_states: Collection[str]) -> bool:
    """A withdrawal is sent on only when the regulator was told of the incident."""
    return regulator_involved(earlier_states)


@dataclass(frozen=True)
class Shown:
    """What the incident page says about one notification."""

    text: str  # "Sent on 3 June 2026 at 10:00", "Sending", "Failed – try again", ...
    tag: str  # the NHS.UK tag colour
    can_send_again: bool
    button: str  # "Try again" or "Send now"


def shown(
    *,
    state: str,
    age: dt.timedelta,
    configured: bool,
    sent_on: str = "",
) -> Shown:
    """The words and tag for a notification's state. `sent_on` is its sending time in words."""
    again = may_send_again(state=state, age=age, configured=configured)
    if state == SENT:
        return Shown(f"Sent on {sent_on}", "green", False, "")
    if state == FAILED:
        return Shown("Failed – try again", "red", again, "Try again")
    if state == UNCONFIGURED:
        if configured:
            return Shown("Not sent: no destination was configured", "grey", again, "Send now")
        return Shown("Not sent: no destination configured", "grey", False, "")
    if again:  # stuck
        return Shown("Taking too long – try again", "orange", True, "Try again")
    return Shown("Sending", "blue", False, "")
