"""The frontline quiz's pages.

Managers (people who may add evidence) make a personal link on a staff member's quiz page, see it
once with "Copy link" and "Email the link", and can revoke it; everyone in the organisation sees
the results. Making or emailing a link needs a session that passed two-factor authentication,
whoever makes it, whenever the portal asks administrators for one: the link lets someone without
an account add to the organisation's training register.

The taker has no account. Their link's secret is in the address, and it is the only thing that
opens their quiz, so these pages need no cookie at all: no session, and no CSRF cookie (a forged
cross-site form cannot know the secret). Each form carries a signed field tying it to its link
and page instead, so a form from one link's quiz is refused by another's. The pages are never
cached or indexed, and show nothing of the organisation but its name and the person's first name.
"""

from __future__ import annotations

from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from accounts.mfa import mfa_enabled
from audit.services import Actor
from dspt_portal.ratelimit import over_rate_limit, too_many_requests
from organisations.access import Access, requires
from organisations.roles import Permission
from organisations.rules import membership_has_permission

from . import quiz_presenters, quiz_rules, quiz_selectors, quiz_services
from .models import QuizLink, StaffMember
from .quiz_file import quiz_current
from .quiz_forms import QuizLinkEmailForm, QuizPageForm, question_field_name
from .quiz_rules import LinkState

FORM_SALT = "training.quiz-form"
# The signed field that ties a quiz form to its link and page.
FORM_FIELD = "quiz_form"
TAKES_MINUTES = 10
RATE_LIMIT_SCOPE = "quiz-link"


# --- The manager's pages ------------------------------------------------------------------------


def _staff_member(request, staff_id: int) -> StaffMember:
    try:
        return quiz_selectors.quiz_staff_member_get(
            organisation=request.organisation, staff_id=staff_id
        )
    except StaffMember.DoesNotExist as error:
        raise Http404("No such person") from error


def _link(request, link_id: int) -> QuizLink:
    try:
        return quiz_selectors.quiz_link_get(organisation=request.organisation, link_id=link_id)
    except QuizLink.DoesNotExist as error:
        raise Http404("No such quiz link") from error


def _two_factor_first(request, staff_member: StaffMember):
    """None when the session may make links; else where to go first."""
    if not settings.DSPT_REQUIRE_MFA_FOR_ADMINISTRATORS or request.user.is_verified():
        return None
    query = urlencode({"next": reverse("quiz-staff", args=[staff_member.pk])})
    if mfa_enabled(user=request.user):
        messages.info(request, "Enter a code from your authenticator app to make a quiz link.")
        return redirect(f"{reverse('mfa-verify')}?{query}")
    messages.info(
        request,
        "A quiz link lets someone add to your training register without an account, so making "
        "one needs two-factor authentication. It takes two minutes with an authenticator app.",
    )
    return redirect(f"{reverse('mfa-setup')}?{query}")


def _link_url(request, token: str) -> str:
    return request.build_absolute_uri(reverse("quiz-take-start", args=[token]))


@requires(Permission.VIEW_ORGANISATION)
@require_GET
def quiz_staff(request, staff_id: int):
    staff_member = _staff_member(request, staff_id)
    quiz = quiz_current()
    return render(
        request,
        "training/quiz_staff.html",
        {
            "staff_member": staff_member,
            "links": quiz_presenters.link_rows(
                quiz_selectors.quiz_links_for(staff_member=staff_member), now=timezone.now()
            ),
            "attempts": quiz_presenters.attempt_rows(
                quiz_selectors.quiz_attempts_for(staff_member=staff_member).select_related(
                    "staff_member"
                ),
                quiz=quiz,
            ),
            "can_edit": membership_has_permission(request.membership, Permission.EDIT_EVIDENCE),
            "question_count": quiz.question_count,
            "link_days": settings.DSPT_QUIZ_LINK_DAYS,
        },
    )


def _link_created_page(request, link, token, *, form=None, error_message=None, status=200):
    return render(
        request,
        "training/quiz_link_created.html",
        {
            "link": link,
            "staff_member": link.staff_member,
            "link_url": _link_url(request, token) if token else None,
            "form": form or QuizLinkEmailForm(initial={"token": token}),
            "error_message": error_message,
        },
        status=status,
    )


@requires(Permission.EDIT_EVIDENCE)
@require_POST
def quiz_link_create(request, staff_id: int):
    staff_member = _staff_member(request, staff_id)
    first = _two_factor_first(request, staff_member)
    if first is not None:
        return first
    link, token = quiz_services.quiz_link_create(
        organisation=request.organisation,
        staff_member=staff_member,
        created_by=request.user,
        actor=Actor.from_request(request),
    )
    return _link_created_page(request, link, token)


@requires(Permission.EDIT_EVIDENCE)
@require_POST
def quiz_link_email(request, link_id: int):
    link = _link(request, link_id)
    first = _two_factor_first(request, link.staff_member)
    if first is not None:
        return first
    form = QuizLinkEmailForm(request.POST)
    token = request.POST.get("token", "")
    if not quiz_services.token_matches(link, token):
        return _link_created_page(
            request,
            link,
            None,
            form=form,
            error_message="We could not check this link. Make a new link and email that one",
            status=400,
        )
    if not form.is_valid():
        return _link_created_page(request, link, token, form=form, status=400)
    email = form.cleaned_data["email"]
    try:
        quiz_services.quiz_link_email(
            organisation=request.organisation,
            link=link,
            token=token,
            email=email,
            link_url=_link_url(request, token),
            actor=Actor.from_request(request),
        )
    except quiz_services.QuizError as error:
        messages.error(request, f"{error.message}. Make a new link if they still need one.")
        return redirect("quiz-staff", staff_id=link.staff_member_id)
    messages.success(request, f"We have emailed the quiz link to {email}.")
    return redirect("quiz-staff", staff_id=link.staff_member_id)


@requires(Permission.EDIT_EVIDENCE)
def quiz_link_revoke(request, link_id: int):
    link = _link(request, link_id)
    if request.method == "POST":
        try:
            quiz_services.quiz_link_revoke(
                organisation=request.organisation,
                link_id=link.pk,
                actor=Actor.from_request(request),
            )
        except quiz_services.QuizError as error:
            messages.error(request, f"{error.message}.")
        else:
            messages.success(
                request, f"The quiz link for {link.staff_member.name} no longer works."
            )
        return redirect("quiz-staff", staff_id=link.staff_member_id)
    return render(request, "training/quiz_link_revoke.html", {"link": link})


@requires(Permission.VIEW_ORGANISATION)
@require_GET
def quiz_results(request):
    quiz = quiz_current()
    return render(
        request,
        "training/quiz_results.html",
        {
            "attempts": quiz_presenters.attempt_rows(
                quiz_selectors.quiz_attempts_for_organisation(organisation=request.organisation),
                quiz=quiz,
            ),
            "staff_members": quiz_selectors.quiz_staff_list(organisation=request.organisation),
            "question_count": quiz.question_count,
            "pass_percent": quiz_rules.PASS_PERCENT,
        },
    )


# --- The taker's pages --------------------------------------------------------------------------


def _taker_page(view):
    """Never cached, never indexed, no CSRF cookie (see the module's docstring)."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response["Cache-Control"] = "no-store"
        response["X-Robots-Tag"] = "noindex, nofollow"
        return response

    return csrf_exempt(wrapped)


def _closed_page(request, link: QuizLink | None, state: LinkState | None, *, status: int):
    return render(
        request,
        "training/quiz_take_closed.html",
        {
            "state": state.value if state else "unknown",
            "token": request.resolver_match.kwargs.get("token") if link else None,
            "organisation_name": link.organisation.name if link else "",
        },
        status=status,
    )


def _find(request, token: str):
    """(link, None) for a known token; (None, response) for an unknown one: a 404, or a 429
    once this address has tried too many unknown links."""
    link = quiz_selectors.quiz_link_find(token=token)
    if link is not None:
        return link, None
    retry_after = over_rate_limit(request, RATE_LIMIT_SCOPE)
    if retry_after is not None:
        return None, too_many_requests(request, retry_after)
    return None, _closed_page(request, None, None, status=404)


def _taker_context(link: QuizLink, quiz) -> dict:
    return {
        "token": None,  # set by each view: the address's own secret, for its links and forms
        "organisation_name": link.organisation.name,
        "first_name": quiz_rules.first_name(link.staff_member.name),
        "question_count": quiz.question_count,
        "page_count": quiz.page_count,
        "pass_percent": quiz_rules.PASS_PERCENT,
        "pass_mark": quiz_rules.pass_mark(quiz.question_count),
        "takes_minutes": TAKES_MINUTES,
    }


def _form_value(link: QuizLink, step: str) -> str:
    return signing.dumps([link.pk, step], salt=FORM_SALT)


def _form_is_ours(request, link: QuizLink, step: str) -> bool:
    try:
        return signing.loads(request.POST.get(FORM_FIELD, ""), salt=FORM_SALT) == [link.pk, step]
    except signing.BadSignature:
        return False


def _not_our_form(request, link: QuizLink) -> HttpResponse:
    return render(
        request,
        "training/quiz_take_closed.html",
        {
            "state": "wrong-form",
            "token": request.resolver_match.kwargs.get("token"),
            "organisation_name": link.organisation.name,
        },
        status=400,
    )


@requires(Access.PUBLIC)
@_taker_page
def quiz_take_start(request, token: str):
    link, refused = _find(request, token)
    if refused is not None:
        return refused
    state = quiz_services.link_state_of(link)
    if state is not LinkState.OPEN:
        return _closed_page(request, link, state, status=410)
    quiz = quiz_current()
    attempt = quiz_selectors.quiz_attempt_of(link)
    if request.method == "POST":
        if not _form_is_ours(request, link, "start"):
            return _not_our_form(request, link)
        try:
            attempt = quiz_services.quiz_attempt_start(link=link, quiz=quiz)
        except quiz_services.QuizLinkClosed as closed:
            return _closed_page(request, link, closed.state, status=410)
        page = quiz_rules.first_incomplete_page(quiz.page_options(), attempt.answers) or 1
        return redirect("quiz-take-page", token=token, page=page)
    context = _taker_context(link, quiz)
    context.update(
        {
            "token": token,
            "form_value": _form_value(link, "start"),
            "form_field": FORM_FIELD,
            "carry_on_page": (
                quiz_rules.first_incomplete_page(quiz.page_options(), attempt.answers)
                or quiz.page_count
            )
            if attempt is not None
            else None,
        }
    )
    return render(request, "training/quiz_take_start.html", context)


@requires(Access.PUBLIC)
@_taker_page
def quiz_take_page(request, token: str, page: int):
    link, refused = _find(request, token)
    if refused is not None:
        return refused
    state = quiz_services.link_state_of(link)
    if state is not LinkState.OPEN:
        return _closed_page(request, link, state, status=410)
    quiz = quiz_current()
    if not 1 <= page <= quiz.page_count:
        return _closed_page(request, None, None, status=404)
    attempt = quiz_selectors.quiz_attempt_of(link)
    if attempt is None:
        return redirect("quiz-take-start", token=token)
    first_incomplete = quiz_rules.first_incomplete_page(quiz.page_options(), attempt.answers)
    if first_incomplete is not None and page > first_incomplete:
        return redirect("quiz-take-page", token=token, page=first_incomplete)
    outcome = quiz.page(page)
    first_number = 1 + sum(len(o.questions) for o in quiz.outcomes[: page - 1])
    form_args = {"outcome": outcome, "first_number": first_number, "total": quiz.question_count}
    status = 200
    if request.method == "POST":
        if not _form_is_ours(request, link, f"page-{page}"):
            return _not_our_form(request, link)
        form = QuizPageForm(request.POST, **form_args)
        if form.is_valid():
            try:
                quiz_services.quiz_answers_save(
                    link=link, quiz=quiz, page=page, answers=form.answers()
                )
                if page < quiz.page_count:
                    return redirect("quiz-take-page", token=token, page=page + 1)
                quiz_services.quiz_attempt_finish(
                    link=link, quiz=quiz, actor=Actor.from_request(request)
                )
            except quiz_services.QuizLinkClosed as closed:
                return _closed_page(request, link, closed.state, status=410)
            except quiz_services.QuizIncomplete as incomplete:
                return redirect("quiz-take-page", token=token, page=incomplete.page)
            return redirect("quiz-take-result", token=token)
        status = 400
    else:
        initial = {
            question_field_name(question.key): attempt.answers.get(question.key)
            for question in outcome.questions
            if attempt.answers.get(question.key)
        }
        form = QuizPageForm(initial=initial, **form_args)
    context = _taker_context(link, quiz)
    context.update(
        {
            "token": token,
            "form": form,
            "outcome": outcome,
            "page": page,
            "is_last": page == quiz.page_count,
            "back_url": reverse("quiz-take-page", args=[token, page - 1])
            if page > 1
            else reverse("quiz-take-start", args=[token]),
            "form_value": _form_value(link, f"page-{page}"),
            "form_field": FORM_FIELD,
        }
    )
    return render(request, "training/quiz_take_page.html", context, status=status)


@requires(Access.PUBLIC)
@_taker_page
@require_GET
def quiz_take_result(request, token: str):
    link, refused = _find(request, token)
    if refused is not None:
        return refused
    attempt = quiz_selectors.quiz_attempt_of(link)
    if attempt is None or not attempt.is_finished:
        state = quiz_services.link_state_of(link)
        if state is LinkState.OPEN:
            return redirect("quiz-take-start", token=token)
        return _closed_page(request, link, state, status=410)
    quiz = quiz_current()
    context = _taker_context(link, quiz)
    context.update(
        {
            "token": token,
            "result": quiz_presenters.result_for(attempt, quiz=quiz),
            "finished_at": attempt.finished_at,
        }
    )
    return render(request, "training/quiz_take_result.html", context)
