"""Reads of publications that several parts of the portal share.

Which publication is an organisation's latest is worked out here and nowhere else: the publish
page, the certificate check, the public register and the reminders all ask these functions. Latest
means published last (`published_at`), the higher id first on an exact tie. A publication the
helpdesk withdrew is never anyone's latest: every query here leaves it out (ADR 10), so the one
before it speaks for the organisation again.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db.models import F, QuerySet, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

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


def _own_latest(organisation_ids: Sequence[int]) -> dict[int, PublicationFact]:
    """Each organisation's own latest publication, withdrawn ones left out: one query, one row
    per organisation."""
    rows = (
        publications_in_force()
        .filter(organisation_id__in=organisation_ids)
        .annotate(
            row=Window(
                RowNumber(),
                partition_by=[F("organisation_id")],
                order_by=[F("published_at").desc(), F("pk").desc()],
            )
        )
        .filter(row=1)
        .values_list("organisation_id", "bank__year", "level", "published_at", "pk")
    )
    return {
        organisation_id: PublicationFact(
            year=year,
            level=level,
            published_at=published_at,
            published_on=timezone.localdate(published_at),
            publication_id=publication_id,
        )
        for organisation_id, year, level, published_at, publication_id in rows
    }


def _hq_latest(organisation_ids: Sequence[int]) -> dict[int, PublicationFact]:
    """The latest HQ publication listing each organisation as a site, withdrawn ones left out:
    one query."""
    rows = (
        PublicationSite.objects.filter(
            organisation_id__in=organisation_ids, publication__withdrawn_at__isnull=True
        )
        .annotate(
            row=Window(
                RowNumber(),
                partition_by=[F("organisation_id")],
                order_by=[F("publication__published_at").desc(), F("publication_id").desc()],
            )
        )
        .filter(row=1)
        .values_list(
            "organisation_id",
            "publication__bank__year",
            "publication__level",
            "publication__published_at",
            "publication__organisation__name",
            "publication__organisation__ods_code",
            "publication_id",
        )
    )
    return {
        organisation_id: PublicationFact(
            year=year,
            level=level,
            published_at=published_at,
            published_on=timezone.localdate(published_at),
            via_hq_name=hq_name,
            via_hq_code=hq_code,
            publication_id=publication_id,
        )
        for organisation_id, year, level, published_at, hq_name, hq_code, publication_id in rows
    }


def latest_publications(*, organisation_ids: Sequence[int]) -> dict[int, list[PublicationFact]]:
    """organisation id → the latest publications that may speak for it: its own latest and the
    latest HQ publication listing it as a site (never a withdrawn one), either or both missing
    (`[]` when neither).
    `coverage.deciding_publication` says which of them counts. Two queries whatever the number
    of organisations; none when there are none."""
    if not organisation_ids:
        return {}
    own = _own_latest(organisation_ids)
    via_hq = _hq_latest(organisation_ids)
    return {
        organisation_id: [
            fact for fact in (own.get(organisation_id), via_hq.get(organisation_id)) if fact
        ]
        for organisation_id in organisation_ids
    }
