"""Starting, saving and submitting incident reports: who may, what is refused, what is recorded."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from audit.models import AuditEvent, Event
from audit.services import Actor
from incidents import services
from incidents.models import Incident
from organisations.models import Membership

from ..factories import incident_draft

pytestmark = pytest.mark.django_db

ACTOR = Actor(ip_address="192.0.2.1", user_agent="Test browser")


def membership_of(user) -> Membership:
    return Membership.objects.select_related("organisation", "user").get(user=user)


def test_starting_a_report_makes_an_audited_draft_without_a_reference(member, organisation):
    actor = Actor(user=member, ip_address="192.0.2.1", user_agent="Test browser")
    incident = services.incident_start(membership=membership_of(member), actor=actor)
    assert incident.state == Incident.State.DRAFT
    assert incident.reference is None
    assert incident.organisation == organisation
    assert incident.created_by == member
    event = AuditEvent.objects.get(event=Event.INCIDENT_STARTED)
    assert (event.organisation, event.user, event.ip_address) == (organisation, member, "192.0.2.1")


def test_a_viewer_may_not_start_a_report(viewer):
    with pytest.raises(services.IncidentRefused):
        services.incident_start(membership=membership_of(viewer), actor=ACTOR)
    assert not Incident.objects.exists()


def test_saving_a_step_saves_its_fields_raises_the_version_and_is_audited(member, organisation):
    incident = Incident.objects.create(organisation=organisation)
    saved = services.incident_save_step(
        incident=incident,
        step="how-discovered",
        values={"how_discovered": "A relative rang"},
        expected_version=1,
        membership=membership_of(member),
        actor=ACTOR,
    )
    incident.refresh_from_db()
    assert incident.how_discovered == "A relative rang"
    assert saved.version == incident.version == 2
    assert incident.updated_by == member
    event = AuditEvent.objects.get(event=Event.INCIDENT_SAVED)
    assert event.detail == f"Draft {incident.pk}: how-discovered"


@pytest.mark.parametrize(
    ("categories", "vulnerable"),
    [(["staff"], False), (["service-users", "vulnerable-adults"], True), (["children"], True)],
)
def test_who_it_is_about_records_whether_vulnerable_groups_are_involved(
    member, organisation, categories, vulnerable
):
    incident = Incident.objects.create(organisation=organisation)
    services.incident_save_step(
        incident=incident,
        step="people",
        values={"people_categories": categories},
        expected_version=1,
        membership=membership_of(member),
        actor=ACTOR,
    )
    incident.refresh_from_db()
    assert incident.vulnerable_groups is vulnerable


def test_a_save_based_on_an_older_version_is_refused(member, administrator, organisation):
    incident = Incident.objects.create(organisation=organisation)
    services.incident_save_step(
        incident=incident,
        step="what-happened",
        values={"description": "Theirs"},
        expected_version=1,
        membership=membership_of(administrator),
        actor=ACTOR,
    )
    with pytest.raises(services.IncidentConflict) as caught:
        services.incident_save_step(
            incident=incident,
            step="what-happened",
            values={"description": "Mine"},
            expected_version=1,
            membership=membership_of(member),
            actor=ACTOR,
        )
    assert caught.value.current.description == "Theirs"
    incident.refresh_from_db()
    assert incident.description == "Theirs"
    assert AuditEvent.objects.filter(event=Event.INCIDENT_SAVED).count() == 1


def test_a_step_must_give_exactly_its_fields(member, organisation):
    incident = Incident.objects.create(organisation=organisation)
    with pytest.raises(ValueError, match="saves"):
        services.incident_save_step(
            incident=incident,
            step="what-happened",
            values={"description": "x", "reference": "INC-FORGED"},
            expected_version=1,
            membership=membership_of(member),
            actor=ACTOR,
        )
    with pytest.raises(ValueError, match="No such step"):
        services.incident_save_step(
            incident=incident,
            step="reference",
            values={},
            expected_version=1,
            membership=membership_of(member),
            actor=ACTOR,
        )


def test_a_viewer_may_not_save_a_step(viewer, organisation):
    incident = Incident.objects.create(organisation=organisation)
    with pytest.raises(services.IncidentRefused):
        services.incident_save_step(
            incident=incident,
            step="what-happened",
            values={"description": "x"},
            expected_version=1,
            membership=membership_of(viewer),
            actor=ACTOR,
        )


def test_another_organisations_report_may_not_be_saved_or_submitted(outsider, organisation):
    incident = incident_draft(organisation)
    with pytest.raises(services.IncidentRefused):
        services.incident_save_step(
            incident=incident,
            step="what-happened",
            values={"description": "Forged"},
            expected_version=1,
            membership=membership_of(outsider),
            actor=ACTOR,
        )
    with pytest.raises(services.IncidentRefused):
        services.incident_submit(
            incident=incident,
            expected_version=1,
            late_reason="",
            membership=membership_of(outsider),
            actor=ACTOR,
        )
    incident.refresh_from_db()
    assert (incident.state, incident.description) == ("draft", incident.description)
    assert incident.reference is None


# --- Submitting ------------------------------------------------------------------------------


def test_submitting_gives_a_reference_and_stores_the_verdict(member, organisation):
    incident = incident_draft(organisation, member)
    now = timezone.now()
    submitted = services.incident_submit(
        incident=incident,
        expected_version=1,
        late_reason="",
        membership=membership_of(member),
        actor=ACTOR,
        now=now,
    )
    incident.refresh_from_db()
    assert incident.state == Incident.State.SUBMITTED
    year = timezone.localtime(now).year
    assert incident.reference == f"INC-{year}-{incident.pk:06d}" == submitted.reference
    assert (incident.verdict, incident.scales_version, incident.near_miss) == ("ico", 1, False)
    assert "72 hours" in incident.verdict_reason
    assert (incident.submitted_at, incident.submitted_by) == (now, member)
    assert incident.late_reason == ""
    event = AuditEvent.objects.get(event=Event.INCIDENT_SUBMITTED)
    assert event.detail == f"{incident.reference}: Reportable to the ICO"


def test_submitting_runs_the_after_submission_hook_once_committed(
    member, organisation, django_capture_on_commit_callbacks, monkeypatch
):
    seen = []
    monkeypatch.setattr(services, "incident_submitted", lambda *, incident: seen.append(incident))
    incident = incident_draft(organisation, member)
    with django_capture_on_commit_callbacks(execute=True):
        services.incident_submit(
            incident=incident,
            expected_version=1,
            late_reason="",
            membership=membership_of(member),
            actor=ACTOR,
        )
    assert [found.pk for found in seen] == [incident.pk]


@pytest.mark.parametrize(
    ("answers", "verdict", "near_miss"),
    [
        ({"likelihood": 1, "severity": 5}, "none", True),
        ({"likelihood": 3, "severity": 4}, "ico_dhsc", False),
        ({"likelihood": 3, "severity": 1}, "none", False),
        # Vulnerable adults: "no adverse effect" counts as minor, which is reportable when likely.
        (
            {"likelihood": 3, "severity": 1, "people_categories": ["vulnerable-adults"]},
            "ico",
            False,
        ),
    ],
)
def test_the_stored_verdict_follows_the_grid(member, organisation, answers, verdict, near_miss):
    from incidents.rules import involves_vulnerable_groups

    vulnerable = involves_vulnerable_groups(
        answers.get("people_categories", ()), vulnerable={"children", "vulnerable-adults"}
    )
    incident = incident_draft(organisation, member, vulnerable_groups=vulnerable, **answers)
    services.incident_submit(
        incident=incident,
        expected_version=1,
        late_reason="",
        membership=membership_of(member),
        actor=ACTOR,
    )
    incident.refresh_from_db()
    assert (incident.verdict, incident.near_miss) == (verdict, near_miss)


def test_an_incomplete_report_is_refused_with_every_missing_answer(member, organisation):
    incident = incident_draft(organisation, member, description="", likelihood=None)
    with pytest.raises(services.IncidentIncomplete) as caught:
        services.incident_submit(
            incident=incident,
            expected_version=1,
            late_reason="",
            membership=membership_of(member),
            actor=ACTOR,
        )
    assert [item.step for item in caught.value.missing] == ["what-happened", "likelihood"]
    incident.refresh_from_db()
    assert (incident.state, incident.reference) == ("draft", None)
    assert not AuditEvent.objects.filter(event=Event.INCIDENT_SUBMITTED).exists()


def test_a_late_report_needs_a_reason(member, organisation):
    now = timezone.now()
    incident = incident_draft(
        organisation, member, discovered_at=now - dt.timedelta(hours=72, seconds=1)
    )
    with pytest.raises(services.LateReasonNeeded):
        services.incident_submit(
            incident=incident,
            expected_version=1,
            late_reason="   ",
            membership=membership_of(member),
            actor=ACTOR,
            now=now,
        )
    incident.refresh_from_db()
    assert incident.state == "draft"
    services.incident_submit(
        incident=incident,
        expected_version=1,
        late_reason=" The manager was on leave ",
        membership=membership_of(member),
        actor=ACTOR,
        now=now,
    )
    incident.refresh_from_db()
    assert (incident.state, incident.late_reason) == ("submitted", "The manager was on leave")


def test_exactly_72_hours_is_not_late(member, organisation):
    now = timezone.now()
    incident = incident_draft(organisation, member, discovered_at=now - dt.timedelta(hours=72))
    services.incident_submit(
        incident=incident,
        expected_version=1,
        late_reason="",
        membership=membership_of(member),
        actor=ACTOR,
        now=now,
    )
    incident.refresh_from_db()
    assert incident.state == "submitted"


def test_a_viewer_may_not_submit(viewer, organisation):
    incident = incident_draft(organisation)
    with pytest.raises(services.IncidentRefused):
        services.incident_submit(
            incident=incident,
            expected_version=1,
            late_reason="",
            membership=membership_of(viewer),
            actor=ACTOR,
        )
    incident.refresh_from_db()
    assert incident.state == "draft"


def test_a_submitted_report_is_never_changed_or_submitted_again(member, organisation):
    incident = incident_draft(organisation, member)
    submitted = services.incident_submit(
        incident=incident,
        expected_version=1,
        late_reason="",
        membership=membership_of(member),
        actor=ACTOR,
    )
    with pytest.raises(services.IncidentNotDraft):
        services.incident_save_step(
            incident=incident,
            step="what-happened",
            values={"description": "Rewritten"},
            expected_version=submitted.version,
            membership=membership_of(member),
            actor=ACTOR,
        )
    with pytest.raises(services.IncidentNotDraft):
        services.incident_submit(
            incident=incident,
            expected_version=submitted.version,
            late_reason="",
            membership=membership_of(member),
            actor=ACTOR,
        )
    incident.refresh_from_db()
    assert incident.description == "An unencrypted laptop with care records was left on a train"


def test_submitting_a_report_changed_since_it_was_read_is_refused(member, organisation):
    incident = incident_draft(organisation, member)
    with pytest.raises(services.IncidentConflict):
        services.incident_submit(
            incident=incident,
            expected_version=0,
            late_reason="",
            membership=membership_of(member),
            actor=ACTOR,
        )
    incident.refresh_from_db()
    assert incident.state == "draft"
