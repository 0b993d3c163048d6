"""What the register's pages, report and emails say: the words for each status and the headline
sentence (plain data in, text out)."""

from __future__ import annotations

from dataclasses import dataclass

from assessments.vocabulary import format_date

from .rules import Headline, Status


@dataclass(frozen=True)
class StatusLabel:
    text: str
    tag: str  # the NHS.UK tag colour


STATUS_LABELS: dict[Status, StatusLabel] = {
    Status.TRAINED: StatusLabel("Trained", "green"),
    Status.DUE_SOON: StatusLabel("Due soon", "yellow"),
    Status.OVERDUE: StatusLabel("Overdue", "red"),
    Status.NEVER_TRAINED: StatusLabel("Never trained", "orange"),
    Status.LEFT: StatusLabel("Left", "grey"),
    Status.NOT_STARTED: StatusLabel("Not started yet", "grey"),
}

# The order of the status filter.
STATUS_CHOICES: list[tuple[str, str]] = [
    (status.value, STATUS_LABELS[status].text) for status in STATUS_LABELS
]


def status_label(status: Status) -> StatusLabel:
    return STATUS_LABELS[status]


def headline_text(headline: Headline) -> str:
    """ "17 of 18 people (94 %) trained in the last 12 months" (no date)."""
    if headline.percent is None:
        return "Nobody in the register was working here on that date"
    people = "person" if headline.counted == 1 else "people"
    return (
        f"{headline.trained} of {headline.counted} {people} ({headline.percent} %) trained in "
        "the last 12 months"
    )


def fill_comments(headline: Headline) -> str:
    """The comments 3.2.1 is given when it is filled from the register."""
    return (
        f"{headline_text(headline)} as at {format_date(headline.day)}, from the portal's staff "
        "training register"
    )


def threshold_text(headline: Headline) -> str:
    if headline.percent is None:
        return "Add the people who work for you to see whether you meet the 95 % needed."
    if headline.meets_threshold:
        return "This meets the 95 % that evidence item 3.2.1 needs."
    return "This is below the 95 % that evidence item 3.2.1 needs."
