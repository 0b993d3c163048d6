"""Reading publications for the helpdesk's publications and withdraw pages (kept apart from
selectors.py, which the permission check imports on every request and so stays light)."""

from __future__ import annotations

from dataclasses import dataclass

from organisations.models import Organisation
from organisations.ods import normalise_ods_code
from publishing.coverage import deciding_publication
from publishing.models import Publication
from publishing.selectors import LATEST_FIRST, latest_publications
from register.search import organisation_statuses
from register.status import PublicStatus
from register.views import normalise_code


@dataclass(frozen=True)
class CoveredSite:
    """A site an HQ publication lists, and whether that publication decides its status now."""

    organisation: Organisation
    status: PublicStatus
    decided_by_it: bool


@dataclass(frozen=True)
class PublicationCase:
    """What the withdraw page shows about a publication."""

    publication: Publication
    status: PublicStatus  # what the public register shows for the organisation now
    decides_own_status: bool  # it is the publication the organisation's status comes from
    sites: list[CoveredSite]

    @property
    def decided_sites(self) -> list[CoveredSite]:
        return [site for site in self.sites if site.decided_by_it]


def publication_for_helpdesk(*, publication_id: int) -> Publication | None:
    """Any organisation's publication (helpdesk staff work on every organisation), with its bank
    and organisation; None when there is none."""
    return (
        Publication.objects.select_related("bank", "organisation")
        .defer("answers_snapshot", "profile_snapshot", "action_plan")
        .filter(pk=publication_id)
        .first()
    )


def publication_case(*, publication: Publication) -> PublicationCase:
    """The publication, the organisation's public status now, and each site it lists with its
    status now and whether this publication is the one deciding it (coverage.py's rule, through
    the one latest-publication query). A fixed number of queries, however many sites."""
    organisation = publication.organisation
    sites = list(
        Organisation.objects.filter(publication_site_links__publication=publication).order_by(
            "name", "ods_code"
        )
    )
    everyone = [organisation, *sites]
    statuses = organisation_statuses(organisations=everyone)
    latest = latest_publications(organisation_ids=[org.pk for org in everyone])

    def decided(org: Organisation, *, via_hq: bool) -> bool:
        if publication.is_withdrawn:
            return False
        fact = deciding_publication(latest[org.pk], registered=org.is_registered)
        return (
            fact is not None
            and fact.published_at == publication.published_at
            and fact.is_via_hq == via_hq
            and (not via_hq or fact.via_hq_code == organisation.ods_code)
        )

    return PublicationCase(
        publication=publication,
        status=statuses[organisation.pk],
        decides_own_status=decided(organisation, via_hq=False),
        sites=[
            CoveredSite(
                organisation=site,
                status=statuses[site.pk],
                decided_by_it=decided(site, via_hq=True),
            )
            for site in sites
        ],
    )


@dataclass(frozen=True)
class PublicationsFound:
    """The publications of the organisation a helpdesk search named (latest first)."""

    organisation: Organisation | None
    publications: list[Publication]
    by_certificate: Publication | None = None  # the publication whose certificate code was typed


def publications_find(*, query: str) -> PublicationsFound:
    """An organisation's publications by its ODS code, or by any certificate code of theirs
    (typed as people copy them: any case, spaces or hyphens). Two queries at most."""
    code = normalise_code(query)
    by_certificate = None
    organisation = None
    if code is not None:
        by_certificate = (
            Publication.objects.select_related("organisation")
            .only("pk", "organisation")
            .filter(verification_code=code)
            .first()
        )
        organisation = by_certificate.organisation if by_certificate else None
    if organisation is None:
        ods_code = normalise_ods_code(query.strip())
        organisation = Organisation.objects.filter(ods_code=ods_code).first() if ods_code else None
    if organisation is None:
        return PublicationsFound(organisation=None, publications=[])
    publications = list(
        Publication.objects.filter(organisation=organisation)
        .select_related("bank")
        .defer("answers_snapshot", "profile_snapshot", "action_plan")
        .order_by(*LATEST_FIRST)
    )
    return PublicationsFound(
        organisation=organisation, publications=publications, by_certificate=by_certificate
    )
