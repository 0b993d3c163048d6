"""Which sites an HQ may publish for: plain rules, no Django, no database.

One rule decides it for the publish page (what can be ticked), its CSV list of sites and the
publish service (what it refuses, however the request was made):

- only the HQ's own branches are offered — a site an earlier publication covered that has since
  left the HQ is not;
- a branch registered on its own speaks for itself ("Where processes & procedures differ, each
  site will need to register individually"): it is shown as "Registered on its own – publishes
  for itself", and can never be ticked.
"""

from __future__ import annotations

import enum
from collections.abc import Collection, Sequence
from dataclasses import dataclass

PUBLISHES_FOR_ITSELF = "Registered on its own – publishes for itself"
MAY_PUBLISH_FOR = "You can publish for this site"


class SiteOffer(enum.Enum):
    PUBLISH_FOR = "publish_for"  # offered with a checkbox
    PUBLISHES_FOR_ITSELF = "publishes_for_itself"  # listed, never tickable

    @property
    def text(self) -> str:
        return MAY_PUBLISH_FOR if self is SiteOffer.PUBLISH_FOR else PUBLISHES_FOR_ITSELF


@dataclass(frozen=True)
class SiteFacts:
    """What the rule needs to know about a site: its id, its HQ's id, whether it registered."""

    pk: int
    parent_id: int | None
    registered: bool


def site_offer(*, publisher_id: int, site: SiteFacts) -> SiteOffer | None:
    """How the publish page shows `site` to the organisation `publisher_id`; None: not at all."""
    if site.pk == publisher_id or site.parent_id is None or site.parent_id != publisher_id:
        return None
    if site.registered:
        return SiteOffer.PUBLISHES_FOR_ITSELF
    return SiteOffer.PUBLISH_FOR


def sites_refused(
    *, publisher_id: int, chosen: Collection[int], sites: Sequence[SiteFacts]
) -> list[int]:
    """The chosen site ids the publisher may not publish for, in the order chosen.

    `sites` need only hold the publisher's branches: an id not among them is refused.
    """
    by_pk = {site.pk: site for site in sites}
    return [
        pk
        for pk in chosen
        if pk not in by_pk
        or site_offer(publisher_id=publisher_id, site=by_pk[pk]) is not SiteOffer.PUBLISH_FOR
    ]


def sites_ticked_at_start(
    *, offered: Sequence[int], last_covered: Collection[int] | None
) -> list[int]:
    """The sites ticked when the publish page opens, in the order offered.

    The sites covered before — those the HQ's last publication covered — while they can still be
    published for; every site offered when the HQ has not published before (`last_covered` None).
    """
    if last_covered is None:
        return list(offered)
    return [pk for pk in offered if pk in last_covered]
