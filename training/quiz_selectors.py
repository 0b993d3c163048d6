"""Reading the frontline quiz's links and attempts. Everything a manager reaches goes through the
organisation, so another organisation's id is simply not found; the taker's pages find a link
only by its secret."""

from __future__ import annotations

import hashlib

from django.db.models import QuerySet

from organisations.models import Organisation

from .models import QuizAttempt, QuizLink, StaffMember


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def quiz_staff_member_get(*, organisation: Organisation, staff_id: int) -> StaffMember:
    """Raises StaffMember.DoesNotExist for someone of another organisation."""
    return StaffMember.objects.get(organisation=organisation, pk=staff_id)


def quiz_link_get(*, organisation: Organisation, link_id: int) -> QuizLink:
    """Raises QuizLink.DoesNotExist for another organisation's link."""
    return QuizLink.objects.select_related("staff_member").get(
        organisation=organisation, pk=link_id
    )


def quiz_link_find(*, token: str) -> QuizLink | None:
    """The link whose secret is `token`, with what its pages show; None when there is none."""
    if not token or len(token) > 128:
        return None
    return (
        QuizLink.objects.select_related("organisation", "staff_member")
        .filter(token_hash=token_hash(token))
        .first()
    )


def quiz_attempt_of(link: QuizLink) -> QuizAttempt | None:
    try:
        return link.attempt
    except QuizAttempt.DoesNotExist:
        return None


def quiz_links_for(*, staff_member: StaffMember) -> QuerySet[QuizLink]:
    return (
        QuizLink.objects.filter(staff_member=staff_member)
        .select_related("created_by", "attempt")
        .order_by("-created_at", "-id")
    )


def quiz_attempts_for(*, staff_member: StaffMember) -> QuerySet[QuizAttempt]:
    return QuizAttempt.objects.filter(
        staff_member=staff_member, finished_at__isnull=False
    ).order_by("-finished_at", "-id")


def quiz_attempts_for_organisation(
    *, organisation: Organisation, limit: int = 500
) -> QuerySet[QuizAttempt]:
    """The organisation's finished attempts, newest first (at most `limit`)."""
    return (
        QuizAttempt.objects.filter(
            link__organisation=organisation,
            staff_member__organisation=organisation,
            finished_at__isnull=False,
        )
        .select_related("staff_member")
        .order_by("-finished_at", "-id")[:limit]
    )


def quiz_staff_list(*, organisation: Organisation) -> QuerySet[StaffMember]:
    return StaffMember.objects.filter(organisation=organisation).order_by("name", "id")
