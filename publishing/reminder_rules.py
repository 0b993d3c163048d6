"""Who is due which reminder email today: plain dates and sets in, a decision out.

No Django, no database: `publishing.reminders` reads what these need and does the sending. When a
publication lapses is decided by `publishing.coverage`, never here.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping

from .coverage import current_until, is_current

DAYS_60 = "days_60"
DAYS_30 = "days_30"
DAYS_7 = "days_7"
OUT_OF_DATE = "out_of_date"
DEADLINE_KINDS: tuple[str, ...] = (DAYS_60, DAYS_30, DAYS_7)
KINDS: tuple[str, ...] = (*DEADLINE_KINDS, OUT_OF_DATE)

# Most urgent first: (days before the deadline the window opens, reminder kind).
_WINDOWS: tuple[tuple[int, str], ...] = ((7, DAYS_7), (30, DAYS_30), (60, DAYS_60))

# The out-of-date email is news only while the lapse is recent: an organisation whose status
# lapsed long ago (before reminders existed, or while the worker was down for weeks) is not told
# "your status has just gone out of date" months later.
OUT_OF_DATE_GRACE_DAYS = 30


def days_left(*, deadline: datetime.date, today: datetime.date) -> int:
    """Whole days from `today` to `deadline`: 0 on the deadline day, negative after it."""
    return (deadline - today).days


def reminder_due(
    *,
    deadline: datetime.date,
    today: datetime.date,
    already_sent: set[str],
    has_published_this_year: bool,
) -> str | None:
    """The deadline reminder to send today ("days_60", "days_30" or "days_7"), or None.

    Only the reminder of the window today falls in can be sent: 60 to 31 days before the deadline
    "days_60", 30 to 8 "days_30", 7 to 0 (the deadline day itself) "days_7". A run that missed
    the first day of a window still sends that window's reminder on a later day of it, but an
    earlier window's reminder that never went out is stale and is never sent. Nothing is sent when
    that reminder, or a more urgent one, was already sent for this year, once the organisation
    has published for the year, or after the deadline (that is the out-of-date email's business).
    """
    if has_published_this_year:
        return None
    left = days_left(deadline=deadline, today=today)
    if left < 0:
        return None
    sent_or_more_urgent: set[str] = set()
    for opens_at, kind in _WINDOWS:
        sent_or_more_urgent.add(kind)
        if left <= opens_at:
            return None if already_sent & sent_or_more_urgent else kind
    return None


def out_of_date_due(
    *,
    year: str,
    deadlines: Mapping[str, datetime.date],
    today: datetime.date,
    already_sent: bool,
    grace_days: int = OUT_OF_DATE_GRACE_DAYS,
) -> bool:
    """Whether to send the "your status is out of date" email today.

    `year` is the DSPT year of the publication the organisation's public status comes from (its
    own or its HQ's; "" when it has none). Due when that publication has lapsed by `coverage.py`'s
    rule, the email has not gone out for that year's publication yet, and the lapse is at most
    `grace_days` old (a missed run is caught up, an old lapse is not announced as news).
    """
    if not year or already_sent:
        return False
    if is_current(year=year, deadlines=deadlines, today=today):
        return False
    last_current_day = current_until(year=year, deadlines=deadlines)
    if last_current_day is None:  # unreachable: is_current is True when it is unknown
        return False
    days_since_lapse = (today - last_current_day).days - 1  # 0 on the first day out of date
    return days_since_lapse <= grace_days
