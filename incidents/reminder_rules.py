"""Who is due a reminder to finish a draft incident report: plain times in, a decision out.

No Django, no database (incidents/reminders.py reads and sends). The person who started a draft
is reminded 48 hours after discovery and again 66 hours after (6 hours before the ICO's 72 hours
are up) while it is unsubmitted. Each reminder goes once. A run that missed the 48-hour reminder
and finds the draft past 66 hours sends only the 66-hour one. Nothing is sent for a draft whose
deadline passed more than a day ago: a worker back after a long outage, or this feature arriving,
does not send "hurry" emails about long-abandoned drafts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection

HOURS_48 = "hours_48"
HOURS_66 = "hours_66"
KINDS: tuple[str, ...] = (HOURS_48, HOURS_66)

# Most urgent first: (time after discovery the reminder becomes due, kind).
_WINDOWS: tuple[tuple[dt.timedelta, str], ...] = (
    (dt.timedelta(hours=66), HOURS_66),
    (dt.timedelta(hours=48), HOURS_48),
)
# No reminders once the 72 hours are this long past.
GIVE_UP_AFTER = dt.timedelta(hours=72 + 24)
EARLIEST = _WINDOWS[-1][0]


def _require_aware(value: dt.datetime, name: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime")


def reminder_due(
    *,
    discovered_at: dt.datetime | None,
    now: dt.datetime,
    submitted: bool,
    already_sent: Collection[str],
) -> str | None:
    """The reminder to send now (HOURS_48 or HOURS_66), or None."""
    if submitted or discovered_at is None:
        return None
    _require_aware(discovered_at, "discovered_at")
    _require_aware(now, "now")
    elapsed = now - discovered_at
    if elapsed > GIVE_UP_AFTER:
        return None
    sent_or_more_urgent: set[str] = set()
    for opens_at, kind in _WINDOWS:
        sent_or_more_urgent.add(kind)
        if elapsed >= opens_at:
            return None if set(already_sent) & sent_or_more_urgent else kind
    return None
