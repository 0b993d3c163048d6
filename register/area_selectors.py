"""Database reads for the area pages: which areas there are, and one area's organisations with
their statuses and publications. The counting is register/areas.py's (plain data).

An area page costs a fixed number of queries whatever its size: the areas (one), its
organisations (one), their statuses now (three, through `search.organisation_statuses`, the
register's own status reader), and the publications of the last five years that cover them (two).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import Count
from django.utils import timezone

from organisations.models import Organisation
from publishing.coverage import PublicationFact
from publishing.models import Publication, PublicationSite

from .areas import AreaFigures, AreaMember, area_figures, area_slug
from .history import last_years
from .paging import page_number
from .search import PUBLIC_COLUMNS, OrganisationResult, organisation_statuses

# Organisations listed a page; the counts and the chart always cover the whole area.
AREA_PAGE_SIZE = 50


@dataclass(frozen=True)
class Area:
    slug: str
    name: str  # as the directory spells it (the most used spelling when several share a slug)
    names: tuple[str, ...]  # every spelling in the directory
    organisations: int


@dataclass(frozen=True)
class AreaPage:
    area: Area
    results: list[OrganisationResult]  # every organisation, name order, with its status now
    figures: AreaFigures  # counted over every organisation, whichever page is shown
    listed: Page  # the page of `results` the list shows (AREA_PAGE_SIZE a page)


def area_list() -> list[Area]:
    """Every commissioner named in the directory, by name, with its number of organisations.
    One query."""
    rows = (
        Organisation.objects.exclude(commissioner="")
        .values_list("commissioner")
        .annotate(organisations=Count("pk"))
        .order_by()
    )
    grouped: dict[str, list[tuple[str, int]]] = {}
    for name, count in rows:
        slug = area_slug(name)
        if slug:
            grouped.setdefault(slug, []).append((name, count))
    areas = []
    for slug, spellings in grouped.items():
        spellings.sort(key=lambda pair: (-pair[1], pair[0]))
        areas.append(
            Area(
                slug=slug,
                name=spellings[0][0].strip(),
                names=tuple(name for name, _ in spellings),
                organisations=sum(count for _, count in spellings),
            )
        )
    return sorted(areas, key=lambda area: (area.name.casefold(), area.slug))


def area_get(*, slug: str) -> Area | None:
    return next((area for area in area_list() if area.slug == slug), None)


def _publications_of(
    organisation_ids: list[int], *, years: list[str]
) -> dict[int, list[PublicationFact]]:
    """Every publication of `years` covering each organisation (its own and HQs' that list it),
    withdrawn ones left out: two queries."""
    facts: dict[int, list[PublicationFact]] = {pk: [] for pk in organisation_ids}
    own = (
        Publication.objects.filter(
            organisation_id__in=organisation_ids, bank__year__in=years, withdrawn_at__isnull=True
        )
        .order_by()
        .values_list("organisation_id", "bank__year", "level", "published_at")
    )
    for organisation_id, year, level, published_at in own:
        facts[organisation_id].append(
            PublicationFact(
                year=year,
                level=level,
                published_at=published_at,
                published_on=timezone.localdate(published_at),
            )
        )
    via_hq = (
        PublicationSite.objects.filter(
            organisation_id__in=organisation_ids,
            publication__bank__year__in=years,
            publication__withdrawn_at__isnull=True,
        )
        .order_by()
        .values_list(
            "organisation_id",
            "publication__bank__year",
            "publication__level",
            "publication__published_at",
            "publication__organisation__name",
            "publication__organisation__ods_code",
        )
    )
    for organisation_id, year, level, published_at, hq_name, hq_code in via_hq:
        facts[organisation_id].append(
            PublicationFact(
                year=year,
                level=level,
                published_at=published_at,
                published_on=timezone.localdate(published_at),
                via_hq_name=hq_name,
                via_hq_code=hq_code,
            )
        )
    return facts


def area_page(*, area: Area, page: object = 1, today: datetime.date | None = None) -> AreaPage:
    """The area's organisations with their statuses now, the figures of its page, and the page
    of the list asked for. `page` may be anything a visitor typed: non-numbers give page 1,
    numbers past the end the last page (register/paging.py)."""
    today = today or timezone.localdate()
    years = last_years(today)
    organisations = list(
        Organisation.objects.filter(commissioner__in=area.names)
        .only(*PUBLIC_COLUMNS)
        .order_by("name", "ods_code")
    )
    statuses = organisation_statuses(organisations=organisations, today=today)
    publications = _publications_of([org.pk for org in organisations], years=years)
    members = [
        AreaMember(
            status=statuses[org.pk],
            publications=tuple(publications[org.pk]),
            registered=org.is_registered,
        )
        for org in organisations
    ]
    results = [OrganisationResult(org, statuses[org.pk]) for org in organisations]
    return AreaPage(
        area=area,
        results=results,
        figures=area_figures(members, years=years),
        listed=Paginator(results, AREA_PAGE_SIZE).get_page(page_number(page)),
    )
