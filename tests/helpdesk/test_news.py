"""News: operators publish a notice shown on every provider's dashboard until it expires, and may
withdraw it early; auditors read the notices and change nothing."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from audit.services import Actor
from helpdesk import services
from helpdesk.models import Notice, Operator
from helpdesk.roles import HelpdeskRole
from helpdesk.rules import notice_expiry_problem
from helpdesk.selectors import notices_current

from ..factories import UserFactory
from ..people import as_person, verified_device

NEWS = reverse("helpdesk:news")
PUBLISH = reverse("helpdesk:news-publish")
TODAY = datetime.date(2026, 3, 10)


@pytest.mark.parametrize(
    ("expires_on", "problem"),
    [
        (TODAY - datetime.timedelta(days=1), "Expiry date must be today or later"),
        (TODAY, None),
        (datetime.date(2027, 3, 10), None),  # a year ahead, to the day
        (
            datetime.date(2027, 3, 11),
            "Expiry date must be no more than a year ahead, on or before 10 March 2027",
        ),
    ],
)
def test_how_long_a_notice_may_show(expires_on, problem):
    assert notice_expiry_problem(expires_on, today=TODAY) == problem


def test_a_year_ahead_of_29_february_is_28_february():
    assert (
        notice_expiry_problem(datetime.date(2029, 2, 28), today=datetime.date(2028, 2, 29)) is None
    )
    assert notice_expiry_problem(datetime.date(2029, 3, 1), today=datetime.date(2028, 2, 29))


def staff(role=HelpdeskRole.OPERATOR, email="agent@helpdesk.example"):
    user = UserFactory(email=email, full_name="Sam Agent" if role == "operator" else "Alex Audit")
    Operator.objects.create(user=user, role=role)
    return user


@pytest.fixture
def operator(db):
    return staff()


@pytest.fixture
def operator_client(operator):
    client = Client()
    as_person(client, (operator, verified_device(operator)))
    return client


@pytest.fixture
def auditor_client(db):
    auditor = staff(HelpdeskRole.AUDITOR, email="auditor@helpdesk.example")
    client = Client()
    as_person(client, (auditor, verified_device(auditor)))
    return client


def form(title="Deadline moved", body="Publish by 30 September this year.", expires_on=None):
    expires_on = expires_on or timezone.localdate() + datetime.timedelta(days=14)
    return {
        "title": title,
        "body": body,
        "expires_on_0": str(expires_on.day),
        "expires_on_1": str(expires_on.month),
        "expires_on_2": str(expires_on.year),
    }


# --- Services ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_publishing_a_notice_is_audited_with_the_operators_name(operator):
    notice = services.notice_publish(
        title="  Deadline   moved ",
        body="Publish by 30 September.",
        expires_on=timezone.localdate(),
        actor=Actor(user=operator, ip_address="192.0.2.10"),
    )
    assert notice.title == "Deadline moved"
    assert notice.created_by_name == "Sam Agent"
    assert list(notices_current()) == [notice]
    event = AuditEvent.objects.get(event="notice_published")
    assert event.organisation is None
    assert event.user == operator
    assert event.detail.startswith("Sam Agent published the notice “Deadline moved”")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("title", "body", "days", "message"),
    [
        (" ", "Body", 1, "Enter a title"),
        ("Title", "\n ", 1, "Enter the notice"),
        ("Title", "Body", -1, "Expiry date must be today or later"),
        ("Title", "Body", 400, "Expiry date must be no more than a year ahead"),
    ],
)
def test_publishing_refuses_a_bad_notice(operator, title, body, days, message):
    with pytest.raises(services.NoticeError, match=message):
        services.notice_publish(
            title=title,
            body=body,
            expires_on=timezone.localdate() + datetime.timedelta(days=days),
            actor=Actor(user=operator),
        )
    assert not Notice.objects.exists()
    assert not AuditEvent.objects.exists()


@pytest.mark.django_db
def test_withdrawing_takes_a_notice_off_once(operator):
    notice = services.notice_publish(
        title="Known problem",
        body="Downloads are slow today.",
        expires_on=timezone.localdate(),
        actor=Actor(user=operator),
    )
    services.notice_withdraw(notice_id=notice.pk, actor=Actor(user=operator))
    assert list(notices_current()) == []
    assert AuditEvent.objects.get(event="notice_withdrawn").detail == (
        "Sam Agent withdrew the notice “Known problem”"
    )
    with pytest.raises(services.NoticeError, match="already withdrawn") as refused:
        services.notice_withdraw(notice_id=notice.pk, actor=Actor(user=operator))
    assert refused.value.status == 409
    assert AuditEvent.objects.filter(event="notice_withdrawn").count() == 1


@pytest.mark.django_db
def test_an_expired_notice_cannot_be_withdrawn(operator):
    notice = Notice.objects.create(
        title="Old news",
        body="Gone.",
        expires_on=timezone.localdate() - datetime.timedelta(days=1),
        created_by_name="Sam Agent",
    )
    with pytest.raises(services.NoticeError, match="expired already"):
        services.notice_withdraw(notice_id=notice.pk, actor=Actor(user=operator))
    notice.refresh_from_db()
    assert notice.withdrawn_at is None


# --- Pages ---------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "message"),
    [
        (form(title=""), "Enter a title"),
        (form(body=""), "Enter the notice"),
        (
            {**form(), "expires_on_0": "", "expires_on_1": "", "expires_on_2": ""},
            "Enter the expiry date",
        ),
        (
            form(expires_on=timezone.localdate() - datetime.timedelta(days=1)),
            "Expiry date must be today or later",
        ),
        (
            form(expires_on=timezone.localdate() + datetime.timedelta(days=367)),
            "Expiry date must be no more than a year ahead",
        ),
        ({**form(), "expires_on_1": "13"}, "Expiry date must be a real date"),
        (form(title="x" * 121), "Title must be 120 characters or fewer"),
    ],
)
def test_a_bad_notice_gets_an_error_summary_and_400(operator_client, data, message):
    response = operator_client.post(PUBLISH, data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "There is a problem" in html
    assert message in html
    assert "<title>Error: " in html
    assert not Notice.objects.exists()


@pytest.mark.django_db
def test_a_published_notice_shows_on_every_providers_dashboard(
    operator_client, client, administrator, outsider
):
    response = operator_client.post(PUBLISH, form(title="Deadline moved to 30 September"))
    assert response.status_code == 302
    assert response["Location"] == NEWS
    news = operator_client.get(NEWS).content.decode()
    assert "Deadline moved to 30 September" in news
    assert "You published" in news
    for person in (administrator, outsider):
        client.force_login(person)
        dashboard = client.get(reverse("home")).content.decode()
        assert "Deadline moved to 30 September" in dashboard
        assert "Publish by 30 September this year." in dashboard
        assert "nhsuk-warning-callout" in dashboard


@pytest.mark.django_db
def test_notices_show_newest_first(client, administrator, operator):
    for title in ("First notice", "Second notice"):
        services.notice_publish(
            title=title,
            body="Body",
            expires_on=timezone.localdate(),
            actor=Actor(user=operator),
        )
    client.force_login(administrator)
    dashboard = client.get(reverse("home")).content.decode()
    assert dashboard.index("Second notice") < dashboard.index("First notice")


@pytest.mark.django_db
def test_a_notice_goes_after_its_expiry_day(client, administrator, operator):
    notice = services.notice_publish(
        title="Short notice",
        body="Only today.",
        expires_on=timezone.localdate(),
        actor=Actor(user=operator),
    )
    client.force_login(administrator)
    assert "Short notice" in client.get(reverse("home")).content.decode()
    Notice.objects.filter(pk=notice.pk).update(
        expires_on=timezone.localdate() - datetime.timedelta(days=1)
    )
    assert "Short notice" not in client.get(reverse("home")).content.decode()
    tomorrow = timezone.now() + datetime.timedelta(days=1)
    assert notice not in notices_current(now=tomorrow)


@pytest.mark.django_db
def test_withdrawing_through_the_confirm_step(operator_client, client, administrator, operator):
    notice = services.notice_publish(
        title="Wrong date",
        body="Sent in error.",
        expires_on=timezone.localdate() + datetime.timedelta(days=3),
        actor=Actor(user=operator),
    )
    withdraw = reverse("helpdesk:news-withdraw", args=[notice.pk])
    assert withdraw in operator_client.get(NEWS).content.decode()
    confirm = operator_client.get(withdraw)
    assert confirm.status_code == 200
    assert "Withdraw notice" in confirm.content.decode()
    notice.refresh_from_db()
    assert notice.withdrawn_at is None  # the confirm page changes nothing

    response = operator_client.post(withdraw)
    assert response.status_code == 302
    client.force_login(administrator)
    assert "Wrong date" not in client.get(reverse("home")).content.decode()
    news = operator_client.get(NEWS).content.decode()
    assert "You withdrew" in news
    assert "Withdrawn" in news

    # A second press, or a colleague who withdrew it first: told, not done twice.
    again = operator_client.post(withdraw)
    assert again.status_code == 409
    assert "There is a problem" in again.content.decode()
    assert "already withdrawn" in again.content.decode()
    assert AuditEvent.objects.filter(event="notice_withdrawn").count() == 1
    assert operator_client.get(reverse("helpdesk:news-withdraw", args=[9999])).status_code == 404


@pytest.mark.django_db
def test_an_auditor_reads_news_but_cannot_publish_or_withdraw(auditor_client, operator):
    notice = services.notice_publish(
        title="Read me",
        body="Body",
        expires_on=timezone.localdate(),
        actor=Actor(user=operator),
    )
    news = auditor_client.get(NEWS)
    assert news.status_code == 200
    assert "Read me" in news.content.decode()
    assert PUBLISH not in news.content.decode()
    page = auditor_client.get(PUBLISH)
    assert page.status_code == 200
    assert "Only helpdesk operators can publish news" in page.content.decode()
    assert '<form method="post"' not in page.content.decode()
    assert auditor_client.post(PUBLISH, form()).status_code == 403
    withdraw = reverse("helpdesk:news-withdraw", args=[notice.pk])
    assert auditor_client.post(withdraw).status_code == 403
    notice.refresh_from_db()
    assert notice.withdrawn_at is None
    assert Notice.objects.count() == 1


@pytest.mark.django_db
def test_news_is_refused_to_everyone_else(client, administrator, operator):
    assert client.get(NEWS)["Location"].startswith(reverse("sign-in"))
    assert client.post(PUBLISH, form()).status_code == 302
    as_person(client, (administrator, verified_device(administrator)))
    assert client.get(NEWS).status_code == 403
    assert client.post(PUBLISH, form()).status_code == 403
    # An operator signed in with a password only is sent to the second factor first.
    client.force_login(operator)
    response = client.post(PUBLISH, form())
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa-setup"))
    assert not Notice.objects.exists()
