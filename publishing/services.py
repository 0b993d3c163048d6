"""Publishing: creating a publication exactly once, with its sites, snapshot and action plan."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Subquery
from django.utils import timezone

from assessments import selectors as assessment_selectors
from assessments.models import Assessment
from audit.models import Event
from audit.services import Actor, audit_record
from dspt_portal.wording import counted
from organisations import selectors as organisation_selectors
from organisations.models import Organisation, User

from . import inputs, selectors, site_rules, snapshot
from .forms import STALE_PAGE
from .models import ActionPlanEntry, Publication, PublicationSite
from .rules import ActionPlanLine


class PublishError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class AlreadyPublished(PublishError):
    """The publication this page would create exists already (a second press, or a colleague)."""

    def __init__(self, message: str, *, existing: Publication):
        super().__init__(message)
        self.existing = existing


def publication_next_sequence(*, organisation: Organisation) -> int:
    latest = organisation.publications.order_by("-sequence").values_list("sequence", flat=True)
    return (latest.first() or 0) + 1


@dataclass(frozen=True)
class SiteChoice:
    """A branch on the HQ's publish page, and how it is offered (site_rules.site_offer)."""

    site: Organisation
    offer: site_rules.SiteOffer

    @property
    def may_publish_for(self) -> bool:
        return self.offer is site_rules.SiteOffer.PUBLISH_FOR


def _site_facts(site: Organisation) -> site_rules.SiteFacts:
    return site_rules.SiteFacts(pk=site.pk, parent_id=site.parent_id, registered=site.is_registered)


def site_choices(*, organisation: Organisation, lock: bool = False) -> list[SiteChoice]:
    """Every branch of the organisation with how it is offered, by name (one query).

    Only branches: a site an earlier publication covered that has since left the HQ is not
    offered. `lock` holds the rows until the transaction ends, so a branch cannot register on its
    own between this check and the publication that names it.
    """
    branches = Organisation.objects.filter(parent=organisation).only(
        "pk", "ods_code", "name", "postcode", "parent", "registration_state"
    )
    if lock:
        branches = branches.select_for_update()
    choices = []
    for branch in branches:
        offer = site_rules.site_offer(publisher_id=organisation.pk, site=_site_facts(branch))
        if offer is not None:
            choices.append(SiteChoice(site=branch, offer=offer))
    return sorted(choices, key=lambda c: (c.site.name.lower(), c.site.ods_code))


def publishable_sites(*, organisation: Organisation) -> list[Organisation]:
    """Who an organisation may publish for: its branches, except those registered on their own."""
    return [c.site for c in site_choices(organisation=organisation) if c.may_publish_for]


def sites_covered_last_time(*, organisation: Organisation) -> set[int] | None:
    """The sites the organisation's last publication covered; None when it has not published
    (one query)."""
    latest = selectors.publications_latest_first(organisation=organisation).values("pk")[:1]
    rows = list(
        Publication.objects.filter(pk=Subquery(latest)).values_list(
            "site_links__organisation_id", flat=True
        )
    )
    if not rows:
        return None
    return {pk for pk in rows if pk is not None}


def _answers_snapshot(*, assessment: Assessment) -> dict:
    view = assessment_selectors.assessment_view(assessment=assessment)
    entries = []
    for item in view.items:
        answer = view.answers.get(item.ref)
        # The library document's version current now: the record keeps which file it was.
        version = (
            answer.library_document.current_version
            if answer is not None and answer.library_document is not None
            else None
        )
        entries.append(
            snapshot.published_answer(
                item=assessment_selectors.rule_item(item),
                question=item.text,
                values=assessment_selectors.rule_answer(answer) if answer else None,
                status=view.statuses[item.ref],
                comments=answer.comments if answer else "",
                document_name=assessment_selectors.document_name(answer),
                document_version=version.version_number if version else 0,
                document_sha256=version.sha256 if version else "",
                saved_by=str(answer.updated_by or "") if answer else "",
                saved_at=answer.updated_at if answer else None,
            )
        )
    return snapshot.published_answers(entries).to_json()


def _profile_snapshot(*, organisation: Organisation) -> dict:
    profile = organisation_selectors.profile_get(organisation=organisation)
    return snapshot.PublishedProfile(
        caldicott_guardian=profile.caldicott_guardian,
        senior_information_risk_owner=profile.senior_information_risk_owner,
        information_governance_lead=profile.information_governance_lead,
        data_protection_officer=profile.data_protection_officer,
        nhsmail_only=profile.nhsmail_only,
        cyber_essentials_plus=profile.cyber_essentials_plus,
        cyber_essentials_plus_certificate_number=profile.cyber_essentials_plus_certificate_number,
        cyber_essentials_plus_expires_on=profile.cyber_essentials_plus_expires_on,
        primary_sector=organisation.primary_sector,
    ).to_json()


def _check_sites(*, organisation: Organisation, chosen: Sequence[int]) -> None:
    """Refuses any chosen site the organisation may not publish for (site_rules decides)."""
    if not chosen:
        return
    choices = site_choices(organisation=organisation, lock=True)
    refused = site_rules.sites_refused(
        publisher_id=organisation.pk,
        chosen=chosen,
        sites=[_site_facts(choice.site) for choice in choices],
    )
    if not refused:
        return
    by_pk = {choice.site.pk: choice.site for choice in choices}
    for pk in refused:
        if pk in by_pk:
            site = by_pk[pk]
            raise PublishError(
                f"{site.name} ({site.ods_code}) has registered on its own and publishes for "
                "itself: you cannot publish for it"
            )
    raise PublishError("Choose only sites your organisation can publish for")


def publication_create(
    *,
    assessment: Assessment,
    level: str,
    site_ids: Sequence[int],
    sequence: int,
    user: User,
    actor: Actor | None = None,
) -> Publication:
    """Publishes the assessment at `level` for the organisation and the chosen sites.

    `sequence` is the number the publish page expected to create. The database accepts one
    publication per number and organisation, so pressing Publish twice, or two administrators
    publishing at once, makes exactly one; the other gets AlreadyPublished. Its "published" audit
    event is written in the same transaction: both are kept, or neither.
    """
    organisation = assessment.organisation
    with transaction.atomic():
        # Serialises publishers of one organisation, so the rules are checked against the
        # answers and publications as they are when this one is written.
        Organisation.objects.select_for_update(of=("self",)).get(pk=organisation.pk)
        existing = organisation.publications.filter(sequence__gte=sequence).first()
        if existing is not None:
            raise AlreadyPublished(
                f"{existing.published_by_name} published {existing.status_text} at "
                f"{timezone.localtime(existing.published_at):%H:%M} after you opened this page",
                existing=existing,
            )
        if sequence != publication_next_sequence(organisation=organisation):
            # Skipping numbers (or one too big for the column) never comes from our own page.
            raise PublishError(STALE_PAGE)
        today = timezone.localdate()
        decision = inputs.publishing_decision(assessment=assessment, publication_date=today)
        if level not in decision.allowed:
            problems = decision.problems.get(level) or ()
            first = problems[0].message if problems else "This level cannot be published"
            raise PublishError(first)
        chosen = [pk for pk in dict.fromkeys(site_ids) if pk != organisation.pk]
        _check_sites(organisation=organisation, chosen=chosen)

        plan = []
        if level == "approaching":
            plan = [
                {
                    "ref": entry.item.ref,
                    "section": entry.item.section.title,
                    "requirement": entry.item.text,
                    "action": entry.action,
                    "responsible_person": entry.responsible_person,
                    "target_date": entry.target_date.isoformat(),
                }
                for entry in ActionPlanEntry.objects.filter(assessment=assessment)
                .select_related("item__section")
                .order_by("item__position")
            ]
        try:
            with transaction.atomic():
                publication = Publication.objects.create(
                    organisation=organisation,
                    bank=assessment.bank,
                    assessment=assessment,
                    sequence=sequence,
                    level=level,
                    published_at=timezone.now(),
                    published_by=user,
                    published_by_name=user.full_name or user.email,
                    published_as_name=organisation.name,
                    published_as_ods_code=organisation.ods_code,
                    answers_snapshot=_answers_snapshot(assessment=assessment),
                    profile_snapshot=_profile_snapshot(organisation=organisation),
                    action_plan=plan,
                )
        except IntegrityError as error:
            existing = organisation.publications.get(sequence=sequence)
            raise AlreadyPublished(
                f"{existing.published_by_name} published {existing.status_text} just now",
                existing=existing,
            ) from error
        PublicationSite.objects.bulk_create(
            PublicationSite(publication=publication, organisation_id=pk) for pk in chosen
        )
        audit_record(
            actor=actor,
            event=Event.PUBLISHED,
            user=user,
            organisation=organisation,
            detail=f"{publication.status_text}, {counted(len(chosen), 'other site')}",
        )
        return publication


def action_plan_save(*, assessment: Assessment, lines: Sequence[ActionPlanLine], user: User) -> int:
    """Replaces the draft action plan with `lines` (one per outstanding item)."""
    items = {item.ref: item for item in assessment.bank.items.all()}
    with transaction.atomic():
        ActionPlanEntry.objects.filter(assessment=assessment).delete()
        ActionPlanEntry.objects.bulk_create(
            ActionPlanEntry(
                assessment=assessment,
                item=items[line.ref],
                action=line.action,
                responsible_person=line.responsible_person,
                target_date=line.target_date,
                updated_by=user,
            )
            for line in lines
            if line.ref in items and line.target_date is not None
        )
    return len(lines)
