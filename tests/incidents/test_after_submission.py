"""Follow-ups, closing and withdrawing: the verdict recomputed and sent on, and every refusal
(wrong state, no reason, a viewer, another organisation, two people at once)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent, Event
from audit.services import Actor
from incidents import update_services
from incidents.models import Incident, IncidentNotification, IncidentUpdate
from incidents.services import IncidentConflict, IncidentRefused
from organisations.models import Membership

from ..factories import bank_item_change, incident_draft, incident_reported

pytestmark = pytest.mark.django_db

ACTOR = Actor(ip_address="192.0.2.1", user_agent="Test browser")
REGULATOR = "breach-intake@regulator.example"


@pytest.fixture(autouse=True)
def destination(settings):
    settings.DSPT_INCIDENT_REPORT_EMAIL = REGULATOR


def membership_of(user) -> Membership:
    return Membership.objects.select_related("organisation", "user").get(user=user)


def follow_up(incident, user, **values):
    arguments = {
        "new_facts": "",
        "actions_taken": "",
        "revised_likelihood": None,
        "revised_severity": None,
        **values,
    }
    return update_services.incident_follow_up(
        incident=incident, membership=membership_of(user), actor=ACTOR, **arguments
    )


def test_a_revision_that_makes_a_near_miss_reportable_sends_it(
    organisation, member, django_capture_on_commit_callbacks
):
    incident = incident_reported(organisation, member, likelihood=1, severity=3)
    assert incident.verdict == "none"
    with django_capture_on_commit_callbacks(execute=True):
        update = follow_up(
            incident,
            member,
            new_facts="The email was opened after all",
            revised_likelihood=4,
            revised_severity=3,
        )
    assert (update.verdict, update.revised_likelihood, update.revised_severity) == ("ico", 4, 3)
    assert update.created_by == member
    assert update.created_by_name == member.full_name
    incident.refresh_from_db()
    assert incident.verdict == "none"  # the submitted facts never change
    notification = IncidentNotification.objects.get(incident=incident)
    assert notification.update == update
    assert notification.state == IncidentNotification.State.SENT
    [email] = mail.outbox
    assert "Follow-up" in email.subject
    assert "the first you have been sent about this incident" in email.body
    assert "The email was opened after all" in email.body
    assert AuditEvent.objects.filter(event=Event.INCIDENT_FOLLOWED_UP).count() == 1


def test_a_follow_up_of_a_non_reportable_incident_is_not_sent(
    organisation, member, django_capture_on_commit_callbacks
):
    incident = incident_reported(organisation, member, likelihood=2, severity=2)
    with django_capture_on_commit_callbacks(execute=True):
        update = follow_up(incident, member, actions_taken="Staff reminded to lock cabinets")
    assert update.verdict == ""
    assert not IncidentNotification.objects.exists()


def test_a_follow_up_of_a_reportable_incident_is_sent_on(
    organisation, member, django_capture_on_commit_callbacks
):
    incident = incident_reported(organisation, member)
    with django_capture_on_commit_callbacks(execute=True):
        follow_up(incident, member, actions_taken="Laptop wiped remotely")
        follow_up(incident, member, revised_likelihood=2, revised_severity=3)
    states = list(IncidentNotification.objects.values_list("state", flat=True))
    assert states == ["sent", "sent"]
    assert "Verdict now: Not reportable" in mail.outbox[-1].body


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({}, "Enter what you have found out"),
        ({"new_facts": "   "}, "Enter what you have found out"),
        ({"revised_likelihood": 3}, "Select both the likelihood and the severity"),
        ({"new_facts": "x" * 10_001}, "10,000 characters or fewer"),
    ],
)
def test_a_follow_up_needs_something_to_say(organisation, member, values, message):
    incident = incident_reported(organisation, member)
    with pytest.raises(update_services.UpdateInvalid, match=message):
        follow_up(incident, member, **values)
    assert not IncidentUpdate.objects.exists()


def close(incident, user, *, version=None, outcome="Laptop recovered", lessons="Encrypt laptops"):
    return update_services.incident_close(
        incident=incident,
        expected_version=incident.version if version is None else version,
        outcome=outcome,
        lessons_learned=lessons,
        membership=membership_of(user),
        actor=ACTOR,
    )


def withdraw(incident, user, *, version=None, reason="Reported twice"):
    return update_services.incident_withdraw(
        incident=incident,
        expected_version=incident.version if version is None else version,
        reason=reason,
        membership=membership_of(user),
        actor=ACTOR,
    )


def test_closing_records_the_outcome_and_stops_changes(organisation, member):
    incident = incident_reported(organisation, member, likelihood=2, severity=2)
    update = close(incident, member)
    incident.refresh_from_db()
    assert incident.state == Incident.State.CLOSED
    assert (update.outcome, update.lessons_learned) == ("Laptop recovered", "Encrypt laptops")
    assert AuditEvent.objects.filter(event=Event.INCIDENT_CLOSED).count() == 1
    for action in (
        lambda: follow_up(incident, member, new_facts="More"),
        lambda: close(incident, member),
        lambda: withdraw(incident, member),
    ):
        with pytest.raises(update_services.IncidentNotOpen):
            action()
    assert IncidentUpdate.objects.count() == 1


def test_withdrawing_a_sent_incident_sends_the_withdrawal(
    organisation, member, django_capture_on_commit_callbacks
):
    incident = incident_reported(organisation, member)
    IncidentNotification.objects.create(
        incident=incident, destination=REGULATOR, state="sent", sent_at=timezone.now()
    )
    with django_capture_on_commit_callbacks(execute=True):
        withdraw(incident, member, reason="It was another organisation's laptop")
    incident.refresh_from_db()
    assert incident.state == Incident.State.WITHDRAWN
    [email] = mail.outbox
    assert email.subject.startswith("Withdrawn")
    assert "It was another organisation's laptop" in email.body
    assert "THIS INCIDENT HAS BEEN WITHDRAWN" in email.body


def test_withdrawing_what_was_never_sent_sends_nothing(
    organisation, member, django_capture_on_commit_callbacks
):
    incident = incident_reported(organisation, member, likelihood=1, severity=1)
    with django_capture_on_commit_callbacks(execute=True):
        withdraw(incident, member)
    assert mail.outbox == []
    assert not IncidentNotification.objects.exists()


@pytest.mark.parametrize(
    ("action", "blank"),
    [(close, {"outcome": " "}), (close, {"lessons": ""}), (withdraw, {"reason": "  "})],
)
def test_closing_and_withdrawing_need_their_reasons(organisation, member, action, blank):
    incident = incident_reported(organisation, member)
    with pytest.raises(update_services.UpdateInvalid, match="Enter"):
        action(incident, member, **blank)
    incident.refresh_from_db()
    assert incident.state == Incident.State.SUBMITTED


def test_a_draft_cannot_be_followed_up_closed_or_withdrawn(organisation, member):
    draft = incident_draft(organisation, member)
    for action in (
        lambda: follow_up(draft, member, new_facts="More"),
        lambda: close(draft, member),
        lambda: withdraw(draft, member),
    ):
        with pytest.raises(update_services.IncidentNotOpen):
            action()


def test_viewers_and_other_organisations_are_refused(organisation, member, viewer, outsider):
    incident = incident_reported(organisation, member)
    for user in (viewer, outsider):
        for action in (
            lambda user=user: follow_up(incident, user, new_facts="More"),
            lambda user=user: close(incident, user),
            lambda user=user: withdraw(incident, user),
        ):
            with pytest.raises(IncidentRefused):
                action()
    assert not IncidentUpdate.objects.exists()


def test_two_people_closing_at_once_one_is_told(client, organisation, member, administrator):
    incident = incident_reported(organisation, member)
    opened = incident.version
    close(incident, administrator, version=opened)
    with pytest.raises(update_services.IncidentNotOpen):
        close(incident, member, version=opened)
    # The same through the pages: the second person is told who closed it, nothing saved.
    client.force_login(member)
    response = client.post(
        reverse("incident-close", args=[incident.pk]),
        {"version": opened, "outcome": "Mine", "lessons_learned": "Mine"},
        follow=True,
    )
    page = response.content.decode()
    assert "closed this incident on" in page, page
    assert "Nothing was saved" in page
    assert IncidentUpdate.objects.get().created_by == administrator


def test_closing_after_someone_added_a_follow_up_is_a_conflict(client, organisation, member):
    incident = incident_reported(organisation, member)
    opened = incident.version
    follow_up(incident, member, new_facts="The laptop was found in lost property")
    with pytest.raises(IncidentConflict):
        close(incident, member, version=opened)
    client.force_login(member)
    response = client.post(
        reverse("incident-close", args=[incident.pk]),
        {"version": opened, "outcome": "Found", "lessons_learned": "Label laptops"},
    )
    assert response.status_code == 409
    page = response.content.decode()
    assert "added to this incident after you opened this page" in page
    assert "The laptop was found in lost property" in page
    assert "Found</textarea>" in page  # their answer is kept in the form
    incident.refresh_from_db()
    assert incident.state == Incident.State.SUBMITTED
    # Submitting again with the version now shown closes it.
    response = client.post(
        reverse("incident-close", args=[incident.pk]),
        {"version": incident.version, "outcome": "Found", "lessons_learned": "Label laptops"},
    )
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.state == Incident.State.CLOSED


def test_the_follow_up_page_adds_one_and_shows_it(
    client, organisation, member, django_capture_on_commit_callbacks
):
    incident = incident_reported(organisation, member, likelihood=1, severity=3)
    client.force_login(member)
    url = reverse("incident-follow-up", args=[incident.pk])
    page = client.get(url).content.decode()
    assert "No change (it is 1 – Not occurred)" in page
    response = client.post(url, {"new_facts": "", "actions_taken": ""})
    assert response.status_code == 400
    assert "There is a problem" in response.content.decode()
    assert "Enter what you have found out" in response.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"new_facts": "It was opened", "likelihood": "4"})
    assert response.status_code == 302
    update = IncidentUpdate.objects.get()
    # Revising only the likelihood keeps the severity as it stood.
    assert (update.revised_likelihood, update.revised_severity, update.verdict) == (4, 3, "ico")
    page = client.get(reverse("incident-detail", args=[incident.pk])).content.decode()
    assert "The verdict now" in page
    assert "It was opened" in page
    assert "Likelihood now" in page
    assert "Sent on " in page


def test_the_pages_refuse_viewers_and_closed_incidents(client, organisation, member, viewer):
    incident = incident_reported(organisation, member)
    client.force_login(viewer)
    for name in ("incident-follow-up", "incident-close", "incident-withdraw"):
        assert client.get(reverse(name, args=[incident.pk])).status_code == 403
    page = client.get(reverse("incident-detail", args=[incident.pk])).content.decode()
    assert "Add a follow-up" not in page
    close(incident, member)
    client.force_login(member)
    response = client.get(reverse("incident-follow-up", args=[incident.pk]), follow=True)
    assert "closed this incident on" in response.content.decode()
    response = client.post(
        reverse("incident-withdraw", args=[incident.pk]),
        {"version": incident.version + 1, "reason": "Oops"},
    )
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.state == Incident.State.CLOSED


def test_withdraw_page_needs_a_reason(client, organisation, member):
    incident = incident_reported(organisation, member)
    client.force_login(member)
    url = reverse("incident-withdraw", args=[incident.pk])
    response = client.post(url, {"version": incident.version, "reason": ""})
    assert response.status_code == 400
    assert "Enter why you are withdrawing this report" in response.content.decode()
    response = client.post(url, {"version": incident.version, "reason": "A duplicate"})
    assert response.status_code == 302
    page = client.get(reverse("incident-list")).content.decode()
    assert "Withdrawn" in page  # it stays in the log
    assert incident.reference in page


def test_another_organisations_incident_is_404(client, organisation, other_organisation, member):
    theirs = incident_reported(other_organisation)
    client.force_login(member)
    for name in ("incident-follow-up", "incident-close", "incident-withdraw", "incident-detail"):
        assert client.get(reverse(name, args=[theirs.pk])).status_code == 404
    response = client.post(
        reverse("incident-close", args=[theirs.pk]),
        {"version": theirs.version, "outcome": "x", "lessons_learned": "y"},
    )
    assert response.status_code == 404
    assert client.post(reverse("incident-pdf", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.state == Incident.State.SUBMITTED


def test_the_log_filters_by_status_year_and_kind(client, organisation, member):
    now = timezone.now()
    last_year = now - dt.timedelta(days=400)
    laptop = incident_reported(organisation, member)
    email = incident_reported(organisation, member, breach_category="disclosed-email", likelihood=1)
    old = incident_reported(organisation, member, discovered_at=last_year, submitted_at=last_year)
    draft = incident_draft(organisation, member)
    close(email, member)
    client.force_login(member)
    url = reverse("incident-list")

    def shown(**query) -> set[str]:
        page = client.get(url, query).content.decode()
        found = {i.reference for i in (laptop, email, old) if i.reference in page}
        if f"incident-check/{draft.pk}" in page or f"/incidents/{draft.pk}/check/" in page:
            found.add("draft")
        return found

    assert shown() == {laptop.reference, email.reference, old.reference, "draft"}
    assert shown(status="closed") == {email.reference}
    assert shown(status="draft") == {"draft"}
    assert shown(category="disclosed-email") == {email.reference}
    from assessments.vocabulary import dspt_year_for
    from incidents.rules import local_time

    this_year = dspt_year_for(local_time(now).date())
    assert old.reference not in shown(year=this_year)
    response = client.get(url, {"year": "2025-27", "status": "nonsense"})
    assert response.status_code == 400
    assert "Select a year from the list" in response.content.decode()


def test_the_log_shows_the_time_to_report(client, organisation, member):
    discovered = timezone.now() - dt.timedelta(hours=80)
    incident_reported(
        organisation,
        member,
        discovered_at=discovered,
        submitted_at=discovered + dt.timedelta(hours=75, minutes=30),
    )
    client.force_login(member)
    page = client.get(reverse("incident-list")).content.decode()
    assert "3 days 3 hours" in page
    assert ">Late<" in page


def test_evidence_items_link_the_log(client, organisation, member, assessment):
    incident_reported(organisation, member)
    incident_reported(organisation, member, likelihood=1)
    incident_draft(organisation, member)
    client.force_login(member)
    bank = assessment.bank
    page = client.get(reverse("evidence-item", args=[bank.year, "1.1.1"])).content.decode()
    assert "Your incident log" not in page
    bank_item_change(bank, "1.1.1", ref="6.1.1")
    page = client.get(reverse("evidence-item", args=[bank.year, "6.1.1"])).content.decode()
    assert "Your incident log: " in page
    assert reverse("incident-list") in page
