"""The frontline quiz end to end through the test client: the manager makes, emails and revokes
personal links and reads results; the person takes the quiz with nothing but the link. And the
attacks: other organisations' ids, forged forms, used, expired, revoked and made-up links."""

import datetime as dt
import re

import pytest
from django.core import mail
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent, Event
from training.models import QuizAttempt, QuizLink, StaffMember, TrainingRecord, TrainingSource
from training.quiz_file import quiz_current
from training.quiz_services import QuizError, quiz_link_create
from training.quiz_views import FORM_FIELD

from ..factories import quiz_link_build, quiz_page_choices
from ..people import as_person, verified_device

pytestmark = pytest.mark.django_db

# Four wrong answers on page 2 ("Keeping information safe day to day"): 12 of 16, 75 %, a fail.
FAIL = {2: 4}


@pytest.fixture
def quiz():
    return quiz_current()


@pytest.fixture
def taken(organisation, administrator):
    """(staff member, link, secret) of the first organisation."""
    return quiz_link_build(organisation, administrator, name="Priya Shah-Carer")


def signed_field(response) -> str:
    return re.search(rf'name="{FORM_FIELD}" value="([^"]+)"', response.content.decode()).group(1)


def start(client, token):
    response = client.get(reverse("quiz-take-start", args=[token]))
    assert response.status_code == 200
    return client.post(
        reverse("quiz-take-start", args=[token]), {FORM_FIELD: signed_field(response)}
    )


def answer_page(client, token, page, choices):
    url = reverse("quiz-take-page", args=[token, page])
    form = client.get(url)
    assert form.status_code == 200, form.status_code
    return client.post(url, {**choices, FORM_FIELD: signed_field(form)})


def take_quiz(client, token, quiz, *, wrong=None):
    """Takes the whole quiz; `wrong` is {page: how many questions to get wrong there}."""
    assert start(client, token).status_code == 302
    response = None
    for page in range(1, quiz.page_count + 1):
        choices = quiz_page_choices(quiz, page, wrong=(wrong or {}).get(page, 0))
        response = answer_page(client, token, page, choices)
        assert response.status_code == 302
    return client.get(response["Location"])


# --- Taking the quiz -----------------------------------------------------------------------------


def test_the_whole_journey_passes_and_records_the_training(client, taken, quiz):
    staff_member, link, token = taken
    response = client.get(reverse("quiz-take-start", args=[token]))
    page = response.content.decode()
    assert "Hello Priya." in page
    assert "Shah-Carer" not in page  # the first name only
    assert "Langdale House" in page
    assert f"There are {quiz.question_count} questions" in page
    assert "80%" in page
    assert "about 10 minutes" in page
    assert response["Cache-Control"] == "no-store"
    assert "noindex" in response["X-Robots-Tag"]
    assert '<meta name="robots" content="noindex, nofollow">' in page

    assert start(client, token)["Location"] == reverse("quiz-take-page", args=[token, 1])
    first = client.get(reverse("quiz-take-page", args=[token, 1]))
    assert first["Cache-Control"] == "no-store"
    assert quiz.outcomes[0].title in first.content.decode()

    result = take_quiz_rest(client, token, quiz)
    text = result.content.decode()
    assert result.status_code == 200
    assert "You passed, Priya" in text
    assert f"{quiz.question_count} out of {quiz.question_count} (100%)" in text
    assert not client.cookies, "the quiz needs no cookie"

    attempt = QuizAttempt.objects.get(link=link)
    assert attempt.passed
    assert attempt.score == attempt.out_of == quiz.question_count
    assert attempt.quiz_version == quiz.version
    assert attempt.finished_at
    assert len(attempt.answers) == quiz.question_count
    record = TrainingRecord.objects.get(staff_member=staff_member)
    assert record.source == TrainingSource.QUIZ
    assert record.course == "Data security awareness (frontline quiz)"
    assert (record.score, record.out_of) == (quiz.question_count, quiz.question_count)
    assert record.completed_on == timezone.localdate()
    assert attempt.training_record == record
    link.refresh_from_db()
    assert link.used_at is not None
    event = AuditEvent.objects.get(event=Event.QUIZ_FINISHED)
    assert event.organisation_id == link.organisation_id
    assert "passed" in event.detail

    # Single use: the link is spent, the result can still be read.
    used = client.get(reverse("quiz-take-start", args=[token]))
    assert used.status_code == 410
    assert "This link has already been used" in used.content.decode()
    assert client.get(reverse("quiz-take-page", args=[token, 1])).status_code == 410
    again = client.post(
        reverse("quiz-take-page", args=[token, quiz.page_count]),
        {**quiz_page_choices(quiz, quiz.page_count), FORM_FIELD: "x"},
    )
    assert again.status_code == 410
    assert TrainingRecord.objects.filter(staff_member=staff_member).count() == 1
    assert client.get(reverse("quiz-take-result", args=[token])).status_code == 200


def take_quiz_rest(client, token, quiz):
    response = None
    for page in range(1, quiz.page_count + 1):
        response = answer_page(client, token, page, quiz_page_choices(quiz, page))
        assert response.status_code == 302
    assert response["Location"] == reverse("quiz-take-result", args=[token])
    return client.get(response["Location"])


def test_a_fail_explains_and_records_nothing(client, taken, quiz):
    _staff_member, link, token = taken
    result = take_quiz(client, token, quiz, wrong=FAIL)
    text = result.content.decode()
    assert "You did not pass this time, Priya" in text
    assert "ask your manager for a new link" in text
    assert quiz.outcomes[1].questions[0].explanation.split(":")[0] in text
    assert quiz.outcomes[1].revisit in text
    assert not TrainingRecord.objects.exists()
    attempt = QuizAttempt.objects.get(link=link)
    assert attempt.passed is False
    assert attempt.revisit == [quiz.outcomes[1].key]


def test_an_incomplete_page_names_the_unanswered_questions_and_loses_nothing(client, taken, quiz):
    _staff_member, link, token = taken
    start(client, token)
    answer_page(client, token, 1, quiz_page_choices(quiz, 1))
    choices = quiz_page_choices(quiz, 2)
    questions = quiz.outcomes[1].questions
    del choices[f"q-{questions[1].key}"]
    del choices[f"q-{questions[3].key}"]
    response = answer_page(client, token, 2, choices)
    assert response.status_code == 400
    text = response.content.decode()
    assert "There is a problem" in text
    first_number = len(quiz.outcomes[0].questions) + 1
    assert f"Select an answer to question {first_number + 1}:" in text
    assert f"Select an answer to question {first_number + 3}:" in text
    assert f"Select an answer to question {first_number}:" not in text
    assert text.count("checked") >= len(questions) - 2  # what was chosen is still chosen
    attempt = QuizAttempt.objects.get(link=link)
    assert set(attempt.answers) == {q.key for q in quiz.outcomes[0].questions}
    # Back to page 1: the saved answers are there.
    back = client.get(reverse("quiz-take-page", args=[token, 1])).content.decode()
    assert back.count("checked") == len(quiz.outcomes[0].questions)


def test_pages_cannot_be_skipped(client, taken, quiz):
    _staff_member, _link, token = taken
    assert client.get(reverse("quiz-take-page", args=[token, 2]))["Location"] == reverse(
        "quiz-take-start", args=[token]
    )
    start(client, token)
    assert client.get(reverse("quiz-take-page", args=[token, 3]))["Location"] == reverse(
        "quiz-take-page", args=[token, 1]
    )
    assert client.get(reverse("quiz-take-page", args=[token, 99])).status_code == 404


def test_an_expired_link(client, taken):
    _staff_member, link, token = taken
    QuizLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    response = client.get(reverse("quiz-take-start", args=[token]))
    assert response.status_code == 410
    assert "This link has expired" in response.content.decode()
    assert response["Cache-Control"] == "no-store"


def test_the_default_link_lasts_fourteen_days(taken, settings):
    _staff_member, link, _token = taken
    assert settings.DSPT_QUIZ_LINK_DAYS == 14
    assert link.expires_at - link.created_at == dt.timedelta(days=14)


def test_a_link_revoked_halfway(client, taken, quiz, organisation, administrator):
    _staff_member, link, token = taken
    start(client, token)
    answer_page(client, token, 1, quiz_page_choices(quiz, 1))
    client.force_login(administrator)
    assert client.post(reverse("quiz-link-revoke", args=[link.pk])).status_code == 302
    client.logout()
    response = client.get(reverse("quiz-take-page", args=[token, 2]))
    assert response.status_code == 410
    assert "This link no longer works" in response.content.decode()
    assert AuditEvent.objects.filter(event=Event.QUIZ_LINK_REVOKED).count() == 1


@pytest.mark.parametrize(
    "mangle", [lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"), lambda t: "nothing"]
)
def test_unknown_and_tampered_links_are_not_found(client, taken, mangle):
    _staff_member, _link, token = taken
    for name, args in (
        ("quiz-take-start", [mangle(token)]),
        ("quiz-take-page", [mangle(token), 1]),
        ("quiz-take-result", [mangle(token)]),
    ):
        response = client.get(reverse(name, args=args))
        assert response.status_code == 404
        assert "We cannot find this quiz link" in response.content.decode()


def test_wrong_links_are_rate_limited_per_address(client, taken, settings):
    _staff_member, _link, token = taken
    settings.DSPT_RATE_LIMITS_ENABLED = True
    settings.DSPT_RATE_LIMITS = {**settings.DSPT_RATE_LIMITS, "quiz-link": 3}
    cache.clear()
    try:
        statuses = [
            client.get(reverse("quiz-take-start", args=[f"guess{n}"])).status_code for n in range(5)
        ]
        assert statuses == [404, 404, 404, 429, 429]
        # The person's own link still opens: only unknown links are counted.
        assert client.get(reverse("quiz-take-start", args=[token])).status_code == 200
    finally:
        cache.clear()


def test_a_form_from_another_link_is_refused(client, organisation, administrator, quiz):
    _a, link_a, token_a = quiz_link_build(organisation, administrator, name="Ann A")
    _b, link_b, token_b = quiz_link_build(organisation, administrator, name="Ben B")
    start(client, token_a)
    start(client, token_b)
    theirs = signed_field(client.get(reverse("quiz-take-page", args=[token_b, 1])))
    response = client.post(
        reverse("quiz-take-page", args=[token_a, 1]),
        {**quiz_page_choices(quiz, 1), FORM_FIELD: theirs},
    )
    assert response.status_code == 400
    assert "This form is not from your link" in response.content.decode()
    assert QuizAttempt.objects.get(link=link_a).answers == {}
    assert QuizAttempt.objects.get(link=link_b).answers == {}
    # A start with no signed field, or a made-up one, starts nothing.
    _c, link_c, token_c = quiz_link_build(organisation, administrator, name="Cat C")
    for data in ({}, {FORM_FIELD: "forged"}):
        assert client.post(reverse("quiz-take-start", args=[token_c]), data).status_code == 400
    assert not QuizAttempt.objects.filter(link=link_c).exists()


def test_a_link_is_finished_only_as_its_own_person(
    client, organisation, other_organisation, administrator, outsider, quiz
):
    ours, _link, token = quiz_link_build(organisation, administrator, name="Ours Person")
    theirs = StaffMember.objects.create(organisation=other_organisation, name="Their Person")
    start(client, token)
    for page in range(1, quiz.page_count + 1):
        url = reverse("quiz-take-page", args=[token, page])
        signed = signed_field(client.get(url))
        client.post(
            url,
            {
                **quiz_page_choices(quiz, page),
                FORM_FIELD: signed,
                "staff_member": theirs.pk,
                "organisation": other_organisation.pk,
            },
        )
    assert TrainingRecord.objects.get().staff_member == ours
    assert not TrainingRecord.objects.filter(staff_member=theirs).exists()
    assert QuizAttempt.objects.get().staff_member == ours
    # A link for another organisation's person cannot be made in the first place.
    with pytest.raises(QuizError):
        quiz_link_create(organisation=organisation, staff_member=theirs, created_by=administrator)


# --- The manager's side -------------------------------------------------------------------------


@pytest.fixture
def verified_member(client, member):
    as_person(client, (member, verified_device(member)))
    return member


def test_creating_a_link_shows_it_once_and_emails_it(
    client, organisation, verified_member, settings, django_capture_on_commit_callbacks
):
    settings.DSPT_REQUIRE_MFA_FOR_ADMINISTRATORS = True
    staff_member = StaffMember.objects.create(organisation=organisation, name="Dee Nurse")
    page = client.get(reverse("quiz-staff", args=[staff_member.pk])).content.decode()
    assert "Create a quiz link" in page
    response = client.post(reverse("quiz-link-create", args=[staff_member.pk]))
    assert response.status_code == 200
    text = response.content.decode()
    link = QuizLink.objects.get(staff_member=staff_member)
    url = re.search(r'id="quiz-link"[^>]*value="([^"]+)"', text).group(1)
    token = url.rstrip("/").rsplit("/", 1)[1]
    assert len(token) >= 43  # 32 bytes from secrets, URL-safe
    assert link.token_hash != token
    assert token not in link.token_hash
    assert "This link is personal" in text
    assert "Copy link" in text
    assert AuditEvent.objects.filter(
        event=Event.QUIZ_LINK_CREATED, organisation=organisation
    ).exists()
    # The person's page no longer shows it.
    assert token not in client.get(reverse("quiz-staff", args=[staff_member.pk])).content.decode()

    bad = client.post(reverse("quiz-link-email", args=[link.pk]), {"token": token, "email": "dee@"})
    assert bad.status_code == 400
    assert "Enter an email address in the correct format" in bad.content.decode()
    assert token in bad.content.decode()  # still there to copy

    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(
            reverse("quiz-link-email", args=[link.pk]),
            {"token": token, "email": "dee.personal@mail.example"},
        )
    assert sent.status_code == 302
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["dee.personal@mail.example"]
    assert url in mail.outbox[0].body
    assert "personal" in mail.outbox[0].body
    assert "Hello Dee" in mail.outbox[0].body

    forged = client.post(
        reverse("quiz-link-email", args=[link.pk]), {"token": "not-it", "email": "x@mail.example"}
    )
    assert forged.status_code == 400
    assert len(mail.outbox) == 1


@pytest.mark.parametrize("who", ["member", "administrator"])
def test_a_session_without_two_factor_cannot_create_links(
    client, organisation, settings, who, request
):
    settings.DSPT_REQUIRE_MFA_FOR_ADMINISTRATORS = True
    client.force_login(request.getfixturevalue(who))
    staff_member = StaffMember.objects.create(organisation=organisation, name="Eve")
    response = client.post(reverse("quiz-link-create", args=[staff_member.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa-setup"))
    assert not QuizLink.objects.exists()


def test_a_viewer_sees_results_but_cannot_create_or_revoke(
    client, organisation, viewer, taken, quiz
):
    staff_member, link, token = taken
    take_quiz(client, token, quiz)
    client.force_login(viewer)
    page = client.get(reverse("quiz-staff", args=[staff_member.pk])).content.decode()
    assert "Passed" in page
    assert "Create a quiz link" not in page
    results = client.get(reverse("quiz-results")).content.decode()
    assert staff_member.name in results
    assert "Passed" in results
    assert client.post(reverse("quiz-link-create", args=[staff_member.pk])).status_code == 403
    assert client.post(reverse("quiz-link-revoke", args=[link.pk])).status_code == 403
    assert QuizLink.objects.count() == 1


def test_a_failed_attempt_shows_what_to_go_over(client, organisation, administrator, taken, quiz):
    staff_member, _link, token = taken
    take_quiz(client, token, quiz, wrong=FAIL)
    client.force_login(administrator)
    for url in (reverse("quiz-staff", args=[staff_member.pk]), reverse("quiz-results")):
        page = client.get(url).content.decode()
        assert "Not passed" in page
        assert quiz.outcomes[1].title in page


def test_another_organisations_people_and_links_are_not_found(
    client, other_organisation, outsider, organisation, administrator, settings
):
    staff_member, link, _token = quiz_link_build(organisation, administrator)
    as_person(client, (outsider, verified_device(outsider)))
    assert client.get(reverse("quiz-staff", args=[staff_member.pk])).status_code == 404
    assert client.post(reverse("quiz-link-create", args=[staff_member.pk])).status_code == 404
    assert client.get(reverse("quiz-link-revoke", args=[link.pk])).status_code == 404
    assert client.post(reverse("quiz-link-revoke", args=[link.pk])).status_code == 404
    assert (
        client.post(
            reverse("quiz-link-email", args=[link.pk]), {"email": "a@b.example"}
        ).status_code
        == 404
    )
    link.refresh_from_db()
    assert link.revoked_at is None
    assert QuizLink.objects.count() == 1


def test_a_used_link_cannot_be_revoked(client, administrator, taken, quiz):
    _staff_member, link, token = taken
    take_quiz(client, token, quiz)
    client.force_login(administrator)
    response = client.post(reverse("quiz-link-revoke", args=[link.pk]), follow=True)
    assert "already been used" in response.content.decode()
    link.refresh_from_db()
    assert link.revoked_at is None
    assert link.used_at is not None
