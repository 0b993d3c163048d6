"""Reads of publications that several parts of the portal share.

Which publication is an organisation's latest is worked out here and nowhere else: the publish
page, the certificate check, the public register and the reminders all ask these functions. Latest
means published last (`published_at`), the higher id first on an exact tie. A publication the
helpdesk withdrew is never anyone's latest: every query here leaves it out (ADR 10), so the one
before it speaks for the organisation again.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from django.db.models import OuterRef, QuerySet, Subquery
from django.db.models.functions import JSONObject
from django.utils import timezone

from dspt_portal.compiled_queries import CompiledQuery, driver_datetime
from organisations.models import Organisation

from .coverage import PublicationFact
from .models import Publication, PublicationSite

LATEST_FIRST = ("-published_at", "-pk")


def publications_in_force() -> QuerySet[Publication]:
    """Every publication that was not withdrawn."""
    return Publication.objects.filter(withdrawn_at__isnull=True)


def publications_latest_first(*, organisation: Organisation | int) -> QuerySet[Publication]:
    """The organisation's own publications that were not withdrawn, latest first (not yet
    evaluated)."""
    return publications_in_force().filter(organisation=organisation).order_by(*LATEST_FIRST)


def publication_latest(*, organisation: Organisation | int) -> Publication | None:
    """The organisation's own latest publication (not withdrawn), with its bank; None when it has
    none. One query."""
    return publications_latest_first(organisation=organisation).select_related("bank").first()


def _latest(publications: QuerySet[Publication], *order: str) -> Subquery:
    """The first of `publications` in `order`, as one JSON value of what the public may see."""
    return Subquery(
        publications.order_by(*order).values(
            fact=JSONObject(
                id="pk",
                year="bank__year",
                level="level",
                published_at="published_at",
                name="organisation__name",
                code="organisation__ods_code",
                verification_code="verification_code",
            )
        )[:1]
    )


def _fact(value: dict | str | None, *, via_hq: bool) -> PublicationFact | None:
    if value is None:
        return None
    if isinstance(value, str):  # SQLite hands the JSON over as text
        value = json.loads(value)
    published_at = driver_datetime(value["published_at"])
    return PublicationFact(
        year=value["year"],
        level=value["level"],
        published_at=published_at,
        published_on=timezone.localdate(published_at),
        via_hq_name=value["name"] if via_hq else "",
        via_hq_code=value["code"] if via_hq else "",
        publication_id=value["id"],
        verification_code=value.get("verification_code") or "",
    )


def latest_publication_subqueries() -> tuple[Subquery, Subquery]:
    """For annotating organisations: their own latest publication and the latest HQ publication
    listing them as a site (never a withdrawn one), each a JSON object (`publication_facts` reads
    them) or null."""
    own = _latest(
        publications_in_force().filter(organisation_id=OuterRef("pk")),
        *LATEST_FIRST,
    )
    via_hq = _latest(
        publications_in_force().filter(
            pk__in=PublicationSite.objects.filter(organisation_id=OuterRef(OuterRef("pk"))).values(
                "publication_id"
            )
        ),
        *LATEST_FIRST,
    )
    return own, via_hq


def publication_facts(own: dict | str | None, via_hq: dict | str | None) -> list[PublicationFact]:
    """The facts of an organisation's annotations from `latest_publication_subqueries`."""
    return [
        fact for fact in (_fact(own, via_hq=False), _fact(via_hq, via_hq=True)) if fact is not None
    ]


def _latest_publications_query(organisation_ids: list[int]) -> QuerySet:
    """(organisation id, own latest, latest via an HQ) for each of `organisation_ids`."""
    own, via_hq = latest_publication_subqueries()
    return (
        Organisation.objects.filter(pk__in=organisation_ids)
        .order_by()
        .annotate(own=own, via_hq=via_hq)
        .values_list("pk", "own", "via_hq")
    )


# Compiled once per process: building this query took the web worker longer than running it.
# Up to 32 organisations (a page of search results, an organisation, a few branches) share one
# form: compiling each of the six smaller ones cost a process 3–5 ms the first time.
_LATEST_PUBLICATIONS = CompiledQuery(_latest_publications_query, smallest=32)


def latest_publications(*, organisation_ids: Sequence[int]) -> dict[int, list[PublicationFact]]:
    """organisation id → the latest publications that may speak for it: its own latest and the
    latest HQ publication listing it as a site (never a withdrawn one), either or both missing
    (`[]` when neither).
    `coverage.deciding_publication` says which of them counts. One query whatever the number of
    organisations; none when there are none.

    Each latest is a correlated subquery the indexes answer from a few rows (publications by
    organisation and date, sites by organisation), so the cost grows with the organisations asked
    about, not with the publications kept: a window over every publication of 5,000 organisations
    took most of the bulk check's time."""
    if not organisation_ids:
        return {}
    rows = _LATEST_PUBLICATIONS.rows(organisation_ids)
    found = {pk: publication_facts(own_fact, hq_fact) for pk, own_fact, hq_fact in rows}
    return {organisation_id: found.get(organisation_id, []) for organisation_id in organisation_ids}
