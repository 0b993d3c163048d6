"""Long public lists a page at a time (the search results, an area's organisations): the page
number a visitor asked for, and the NHS.UK numbered pagination's links."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.core.paginator import Page

# A page number longer than this is nonsense; it is treated like any other bad page number.
PAGE_PARAM_MAX_LENGTH = 12


def page_number(value: object) -> int:
    """A page number for Paginator.get_page from whatever a visitor typed: nonsense (letters,
    0, negatives, fractions, very long numbers) becomes 1; get_page turns numbers past the end
    into the last page."""
    text = str(value or "").strip()
    if not text or len(text) > PAGE_PARAM_MAX_LENGTH or not text.isdecimal():
        return 1
    number = int(text)
    return number if number >= 1 else 1


@dataclass(frozen=True)
class PageLink:
    number: int | None = None  # None: an ellipsis
    href: str = ""
    current: bool = False

    @property
    def ellipsis(self) -> bool:
        return self.number is None


@dataclass(frozen=True)
class Pagination:
    """What templates/register/_pagination.html draws; empty when everything fits one page."""

    links: list[PageLink] = field(default_factory=list)
    previous_href: str = ""
    next_href: str = ""


def pagination(page: Page, params: Mapping[str, object] | None = None) -> Pagination:
    """The links for `page`, each keeping `params` (the search's `q`) beside its page number."""
    if page.paginator.num_pages <= 1:
        return Pagination()

    def href(number: int) -> str:
        return "?" + urlencode({**(params or {}), "page": number})

    links = [
        PageLink()
        if number == page.paginator.ELLIPSIS
        else PageLink(number=number, href=href(number), current=number == page.number)
        for number in page.paginator.get_elided_page_range(page.number, on_each_side=1, on_ends=1)
    ]
    return Pagination(
        links=links,
        previous_href=href(page.previous_page_number()) if page.has_previous() else "",
        next_href=href(page.next_page_number()) if page.has_next() else "",
    )
