"""Changing the frontline quiz's links and attempts. Every change is audited in its own
transaction; rows are locked, so two tabs or two managers never overwrite each other.

A link's secret comes from `secrets` (32 bytes), is handed back to the caller once and stored
only as its SHA-256 hash. The taker's answers are kept on the attempt page by page; finishing
marks them against the quiz file, uses the link up and, on a pass, records the training.
"""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
from collections.abc import Mapping

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from audit.models import Event
from audit.services import Actor, audit_record
from organisations.models import Organisation, User

from . import quiz_rules
from .models import QuizAttempt, QuizLink, StaffMember, TrainingRecord, TrainingSource
from .quiz_file import Quiz
from .quiz_rules import LinkState
from .quiz_selectors import token_hash

TOKEN_BYTES = 32
QUIZ_COURSE = "Data security awareness (frontline quiz)"
QUIZ_PROVIDER = "This portal (frontline quiz)"


class QuizError(Exception):
    """A change the quiz cannot make; `message` is what the person is told, `status` the HTTP
    status of the page that says it."""

    def __init__(self, message: str, *, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


class QuizLinkClosed(QuizError):
    """The link is used, revoked or expired."""

    def __init__(self, state: LinkState) -> None:
        super().__init__(f"This quiz link is {state.value}", status=410)
        self.state = state


class QuizIncomplete(QuizError):
    """Some questions have no answer yet; `page` is the first page with one."""

    def __init__(self, page: int) -> None:
        super().__init__(f"Some questions on page {page} have no answer yet")
        self.page = page


def link_state_of(link: QuizLink, *, now: dt.datetime | None = None) -> LinkState:
    return quiz_rules.link_state(
        expires_at=link.expires_at,
        used_at=link.used_at,
        revoked_at=link.revoked_at,
        now=now or timezone.now(),
    )


def token_matches(link: QuizLink, token: str) -> bool:
    return hmac.compare_digest(link.token_hash, token_hash(token or ""))


def quiz_link_create(
    *,
    organisation: Organisation,
    staff_member: StaffMember,
    created_by: User,
    actor: Actor | None = None,
    now: dt.datetime | None = None,
) -> tuple[QuizLink, str]:
    """A new link for `staff_member`; returns it with its secret, which is never stored."""
    if staff_member.organisation_id != organisation.pk:
        raise QuizError("This person is not in your organisation", status=404)
    now = now or timezone.now()
    token = secrets.token_urlsafe(TOKEN_BYTES)
    with transaction.atomic():
        link = QuizLink.objects.create(
            organisation=organisation,
            staff_member=staff_member,
            token_hash=token_hash(token),
            created_by=created_by,
            created_at=now,
            expires_at=quiz_rules.link_expires_at(now, days=settings.DSPT_QUIZ_LINK_DAYS),
        )
        audit_record(
            event=Event.QUIZ_LINK_CREATED,
            organisation=organisation,
            actor=actor,
            user=created_by,
            detail=f"Quiz link for {staff_member.name}, works until "
            f"{timezone.localtime(link.expires_at):%d %B %Y}",
        )
    return link, token


def quiz_link_email(
    *,
    organisation: Organisation,
    link: QuizLink,
    token: str,
    email: str,
    link_url: str,
    actor: Actor | None = None,
) -> None:
    """Emails the link to `email`. The caller proves it holds the link's secret (`token`, from
    the page that showed it once): the portal cannot make the link again."""
    if link.organisation_id != organisation.pk or not token_matches(link, token):
        raise QuizError(
            "We could not check this link. Make a new link and email that one", status=400
        )
    state = link_state_of(link)
    if state is not LinkState.OPEN:
        raise QuizLinkClosed(state)
    context = {
        "organisation_name": organisation.name,
        "first_name": quiz_rules.first_name(link.staff_member.name),
        "link": link_url,
        "expires_at": link.expires_at,
    }
    body = render_to_string("training/quiz_email_link.txt", context)
    with transaction.atomic():
        audit_record(
            event=Event.QUIZ_LINK_EMAILED,
            organisation=organisation,
            actor=actor,
            detail=f"Quiz link for {link.staff_member.name} emailed to {email}",
        )
        transaction.on_commit(
            lambda: send_mail(
                f"Your data security quiz from {organisation.name}",
                body,
                settings.DEFAULT_FROM_EMAIL,
                [email],
            )
        )


def quiz_link_revoke(
    *, organisation: Organisation, link_id: int, actor: Actor | None = None
) -> QuizLink:
    """Stops a link working. A link already used stays used (its result is a record)."""
    with transaction.atomic():
        link = (
            QuizLink.objects.select_for_update()
            .select_related("staff_member")
            .get(organisation=organisation, pk=link_id)
        )
        state = link_state_of(link)
        if state is LinkState.USED:
            raise QuizError("This link has already been used, so it cannot be revoked", status=409)
        if state is LinkState.REVOKED:
            return link
        link.revoked_at = timezone.now()
        link.revoked_by = actor.user if actor is not None else None
        link.save(update_fields=["revoked_at", "revoked_by"])
        audit_record(
            event=Event.QUIZ_LINK_REVOKED,
            organisation=organisation,
            actor=actor,
            detail=f"Quiz link for {link.staff_member.name} revoked",
        )
    return link


def _locked_open_link(link: QuizLink) -> QuizLink:
    locked = (
        QuizLink.objects.select_for_update()
        .select_related("organisation", "staff_member")
        .get(pk=link.pk)
    )
    state = link_state_of(locked)
    if state is not LinkState.OPEN:
        raise QuizLinkClosed(state)
    return locked


def quiz_attempt_start(*, link: QuizLink, quiz: Quiz) -> QuizAttempt:
    """The link's attempt, started now if it has none yet (starting twice is harmless)."""
    with transaction.atomic():
        locked = _locked_open_link(link)
        attempt = QuizAttempt.objects.filter(link=locked).first()
        if attempt is not None:
            return attempt
        try:
            with transaction.atomic():
                return QuizAttempt.objects.create(
                    link=locked,
                    staff_member=locked.staff_member,
                    quiz_version=quiz.version,
                    started_at=timezone.now(),
                )
        except IntegrityError:  # pragma: no cover - the lock above makes this a safety net
            return QuizAttempt.objects.get(link=locked)


def _locked_attempt(locked_link: QuizLink) -> QuizAttempt:
    attempt = QuizAttempt.objects.select_for_update().filter(link=locked_link).first()
    if attempt is None:
        raise QuizError("This quiz has not been started yet", status=409)
    return attempt


def quiz_answers_save(
    *, link: QuizLink, quiz: Quiz, page: int, answers: Mapping[str, str]
) -> QuizAttempt:
    """Keeps one page's answers on the attempt, beside the other pages' answers. Only this
    page's questions, with one of their own options, are kept."""
    outcome = quiz.page(page)
    options = {question.key: question.option_keys for question in outcome.questions}
    kept = {
        key: value for key, value in answers.items() if key in options and value in options[key]
    }
    with transaction.atomic():
        locked = _locked_open_link(link)
        attempt = _locked_attempt(locked)
        attempt.answers = {**attempt.answers, **kept}
        attempt.save(update_fields=["answers"])
    return attempt


def quiz_attempt_finish(*, link: QuizLink, quiz: Quiz, actor: Actor | None = None) -> QuizAttempt:
    """Marks the attempt, uses the link up and, on a pass, records the training, all in one
    transaction. Refused while any question has no answer (QuizIncomplete)."""
    with transaction.atomic():
        locked = _locked_open_link(link)
        attempt = _locked_attempt(locked)
        incomplete = quiz_rules.first_incomplete_page(quiz.page_options(), attempt.answers)
        if incomplete is not None:
            raise QuizIncomplete(incomplete)
        marked = quiz_rules.mark(quiz.answer_key(), attempt.answers)
        now = timezone.now()
        staff_member = locked.staff_member
        if marked.passed:
            attempt.training_record = TrainingRecord.objects.create(
                staff_member=staff_member,
                completed_on=timezone.localdate(now),
                course=QUIZ_COURSE,
                provider=QUIZ_PROVIDER,
                source=TrainingSource.QUIZ,
                score=marked.score,
                out_of=marked.out_of,
            )
        attempt.finished_at = now
        attempt.score = marked.score
        attempt.out_of = marked.out_of
        attempt.passed = marked.passed
        attempt.revisit = list(marked.revisit)
        attempt.quiz_version = quiz.version
        attempt.save(
            update_fields=[
                "finished_at",
                "score",
                "out_of",
                "passed",
                "revisit",
                "quiz_version",
                "training_record",
            ]
        )
        locked.used_at = now
        locked.save(update_fields=["used_at"])
        audit_record(
            event=Event.QUIZ_FINISHED,
            organisation=locked.organisation,
            actor=actor,
            detail=f"{staff_member.name} scored {marked.score} out of {marked.out_of}: "
            + ("passed" if marked.passed else "not passed"),
        )
    return attempt
