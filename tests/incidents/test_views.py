"""The guided report's pages: each step saves and moves on, refuses bad answers with an error
summary, and only the organisation's own people reach its incidents."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from incidents.models import Incident
from incidents.rules import STEPS

from ..factories import incident_draft

pytestmark = pytest.mark.django_db

YESTERDAY = timezone.localdate() - dt.timedelta(days=1)
DAY = {"_0": str(YESTERDAY.day), "_1": str(YESTERDAY.month), "_2": str(YESTERDAY.year)}


def date_fields(name: str) -> dict:
    return {f"{name}{part}": value for part, value in DAY.items()}


# A good answer to each step, as the browser posts it (without the version).
GOOD = {
    "when-happened": {**date_fields("happened_date"), "happened_time": "08:15"},
    "when-discovered": {**date_fields("discovered_date"), "discovered_time": "09:30"},
    "how-discovered": {"how_discovered": "The care worker told the manager"},
    "what-happened": {"description": "A laptop was left on a train"},
    "category": {"breach_category": "lost-stolen-hardware"},
    "cyber": {"cyber_caused": "no"},
    "information-affected": {"information_affected": ["confidentiality"]},
    "personal-data": {"personal_data": ["health", "identifiers"]},
    "people": {"people_categories": ["service-users"]},
    "numbers": {"records_count": "40", "people_not_known": "on"},
    "consequences": {"consequences": "Distress"},
    "containment": {"containment": "Passwords changed"},
    "people-told": {"people_told": "not_yet"},
    "others-told": {"others_told": ["police"]},
    "likelihood": {"likelihood": "4"},
    "severity": {"severity": "3"},
}

# An answer each step refuses, and the message it gives.
BAD = {
    "when-happened": ({}, "Enter the date it happened, or tick that you do not know"),
    "when-discovered": (
        {**date_fields("discovered_date"), "discovered_time": "25:00"},
        "Enter the time it was discovered like 14:30",
    ),
    "how-discovered": ({"how_discovered": "  "}, "Say how the incident was discovered"),
    "what-happened": ({"description": ""}, "Describe what happened"),
    "category": ({"breach_category": "made-up"}, "Select the kind of incident"),
    "cyber": ({}, "Select yes, no or don&#x27;t know"),
    "information-affected": ({}, "Select how the information was affected"),
    "personal-data": ({"personal_data": ["nonsense"]}, "Select the kinds of personal data"),
    "people": ({}, "Select who the information is about"),
    "numbers": (
        {"records_count": "forty", "people_count": "3", "people_not_known": "on"},
        "Enter the number of records as a whole number, like 40",
    ),
    "consequences": ({"consequences": "x" * 10_001}, "10,000 characters or fewer"),
    "containment": ({}, "Say what has been done to contain it"),
    "people-told": ({"people_told": "no"}, "Say why you decided not to tell the people"),
    "others-told": (
        {"others_told": ["police", "nobody"]},
        "Select who else has been told, or &#x27;No one else yet&#x27;, not both",
    ),
    "likelihood": ({"likelihood": "6"}, "Select how likely it is that harm has occurred"),
    "severity": ({"severity": "0"}, "Select how severe the harm could be"),
}


@pytest.fixture
def draft(organisation, member):
    return Incident.objects.create(organisation=organisation, created_by=member)


def step_url(incident, step, **query):
    url = reverse("incident-step", args=[incident.pk, step])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def test_the_incidents_page_lists_drafts_with_their_clock_and_submitted_reports(
    client, member, organisation
):
    incident_draft(
        organisation, member, discovered_at=timezone.now() - dt.timedelta(hours=9, minutes=30)
    )
    submitted = incident_draft(organisation, member)
    Incident.objects.filter(pk=submitted.pk).update(
        state="submitted", reference="INC-2026-000777", verdict="ico", submitted_at=timezone.now()
    )
    client.force_login(member)
    page = client.get(reverse("incident-list")).content.decode()
    assert "Start a new report" in page
    assert "2 days 14 hours left" in page  # 62 hours 30 minutes, less the test's seconds
    assert "INC-2026-000777" in page
    assert "Reportable to the ICO" in page


def test_a_viewer_reads_the_list_but_cannot_start(client, viewer, organisation):
    incident_draft(organisation)
    client.force_login(viewer)
    page = client.get(reverse("incident-list")).content.decode()
    assert "Start a new report" not in page
    assert "View<span" in page
    assert client.post(reverse("incident-start")).status_code == 403
    assert not Incident.objects.filter(created_by=viewer).exists()


def test_starting_is_a_post_that_opens_the_first_question(client, member, organisation):
    client.force_login(member)
    assert client.get(reverse("incident-start")).status_code == 405
    response = client.post(reverse("incident-start"))
    incident = Incident.objects.get(organisation=organisation)
    assert response.url == step_url(incident, "when-happened")
    page = client.get(response.url).content.decode()
    assert "When did the incident happen?" in page
    assert "question 1 of 16" in page


@pytest.mark.parametrize("step", STEPS)
def test_each_step_saves_and_goes_to_the_next(client, member, draft, step):
    client.force_login(member)
    response = client.post(step_url(draft, step), {"version": "1", **GOOD[step]})
    assert response.status_code == 302, response.content.decode()[:3000]
    position = STEPS.index(step)
    expected = (
        step_url(draft, STEPS[position + 1])
        if position + 1 < len(STEPS)
        else reverse("incident-check", args=[draft.pk])
    )
    assert response.url == expected
    draft.refresh_from_db()
    assert draft.version == 2


@pytest.mark.parametrize("step", STEPS)
def test_each_step_refuses_a_bad_answer_with_an_error_summary(client, member, draft, step):
    client.force_login(member)
    body, message = BAD[step]
    response = client.post(step_url(draft, step), {"version": "1", **body})
    page = response.content.decode()
    assert response.status_code == 400
    assert "There is a problem" in page
    assert message in page
    assert page.count("nhsuk-error-message") >= 1
    draft.refresh_from_db()
    assert draft.version == 1  # nothing saved


@pytest.mark.parametrize("step", STEPS)
def test_each_step_shows_its_question_as_the_page_heading(client, member, draft, step):
    from incidents.presenters import QUESTIONS

    client.force_login(member)
    page = client.get(step_url(draft, step)).content.decode()
    heading = page.split("<h1", 1)[1].split("</h1>", 1)[0]
    assert QUESTIONS[step].replace("'", "&#x27;") in heading


def test_likelihood_options_show_the_scales_plain_descriptions(client, member, draft):
    client.force_login(member)
    page = client.get(step_url(draft, "likelihood")).content.decode()
    assert "4 – Highly likely" in page
    assert "unencrypted laptop left on a train" in page


def test_the_description_step_warns_against_personal_data(client, member, draft):
    client.force_login(member)
    page = client.get(step_url(draft, "what-happened")).content.decode()
    assert "No personal data" in page
    assert "NHS numbers" in page


def test_a_discovery_in_the_future_or_before_it_happened_is_refused(client, member, draft):
    client.force_login(member)
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    response = client.post(
        step_url(draft, "when-discovered"),
        {
            "version": "1",
            "discovered_date_0": tomorrow.day,
            "discovered_date_1": tomorrow.month,
            "discovered_date_2": tomorrow.year,
            "discovered_time": "10:00",
        },
    )
    assert response.status_code == 400
    Incident.objects.filter(pk=draft.pk).update(happened_at=timezone.now())
    draft.refresh_from_db()
    response = client.post(
        step_url(draft, "when-discovered"), {"version": "1", **GOOD["when-discovered"]}
    )
    assert response.status_code == 400
    assert "after when it happened" in response.content.decode()


def test_it_cannot_have_happened_after_it_was_discovered(client, member, draft):
    Incident.objects.filter(pk=draft.pk).update(discovered_at=timezone.now() - dt.timedelta(days=3))
    client.force_login(member)
    response = client.post(
        step_url(draft, "when-happened"), {"version": "1", **GOOD["when-happened"]}
    )
    assert response.status_code == 400
    assert "before when it was discovered" in response.content.decode()


def test_times_are_taken_as_england_time_and_stored_in_utc(client, member, draft):
    client.force_login(member)
    client.post(step_url(draft, "when-discovered"), {"version": "1", **GOOD["when-discovered"]})
    draft.refresh_from_db()
    local = timezone.localtime(draft.discovered_at)
    assert (local.date(), local.hour, local.minute) == (YESTERDAY, 9, 30)
    assert draft.discovered_at.utcoffset() == dt.timedelta(0)


def test_not_knowing_when_it_happened_is_an_answer(client, member, draft):
    client.force_login(member)
    response = client.post(
        step_url(draft, "when-happened"), {"version": "1", "happened_at_unknown": "on"}
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert (draft.happened_at, draft.happened_at_unknown) == (None, True)
    both = {"version": "2", "happened_at_unknown": "on", **GOOD["when-happened"]}
    assert client.post(step_url(draft, "when-happened"), both).status_code == 400


def test_save_and_come_back_later_goes_to_the_list(client, member, draft):
    client.force_login(member)
    response = client.post(
        step_url(draft, "what-happened"), {"version": "1", "later": "", **GOOD["what-happened"]}
    )
    assert response.url == reverse("incident-list")
    assert "Your draft has been saved" in client.get(response.url).content.decode()


def test_a_change_link_returns_to_check_answers(client, member, draft):
    client.force_login(member)
    response = client.post(
        step_url(draft, "category", **{"return": "check"}),
        {"version": "1", **GOOD["category"]},
    )
    assert response.url == reverse("incident-check", args=[draft.pk])


def test_a_save_over_someone_elses_is_refused_with_their_answer_shown(
    client, member, administrator, draft
):
    client.force_login(administrator)
    client.post(step_url(draft, "what-happened"), {"version": "1", "description": "Theirs"})
    client.force_login(member)
    response = client.post(
        step_url(draft, "what-happened"), {"version": "1", "description": "Mine"}
    )
    page = response.content.decode()
    assert response.status_code == 409
    assert "changed this report after you opened this page" in page
    assert "Theirs" in page
    assert 'name="version" value="2"' in page
    draft.refresh_from_db()
    assert draft.description == "Theirs"
    # Saving again knowingly replaces theirs.
    response = client.post(
        step_url(draft, "what-happened"), {"version": "2", "description": "Mine"}
    )
    assert response.status_code == 302


def test_an_unknown_step_is_not_found(client, member, draft):
    client.force_login(member)
    assert client.get(step_url(draft, "reference")).status_code == 404


# --- Check answers and submitting --------------------------------------------------------------


def test_check_answers_shows_the_verdict_and_change_links(client, member, organisation):
    incident = incident_draft(organisation, member)
    client.force_login(member)
    page = client.get(reverse("incident-check", args=[incident.pk])).content.decode()
    assert "Reportable to the ICO" in page
    assert "Harm to the people affected is at least likely" in page
    assert step_url(incident, "severity", **{"return": "check"}) in page
    assert "left</strong> to report this incident" in page
    assert "Why is this report late?" not in page


def test_submitting_an_incomplete_report_lists_each_missing_answer(client, member, organisation):
    incident = incident_draft(organisation, member, containment="", others_told=[])
    client.force_login(member)
    response = client.post(reverse("incident-check", args=[incident.pk]), {"version": "1"})
    page = response.content.decode()
    assert response.status_code == 400
    assert "There is a problem" in page
    assert "<title>Error: Check your answers" in page
    for step, message in (
        ("containment", "Say what has been done to contain it"),
        ("others-told", "Say who else has been told"),
    ):
        assert f'<a href="{step_url(incident, step, **{"return": "check"})}">{message}</a>' in page
    incident.refresh_from_db()
    assert incident.state == "draft"


def test_a_late_report_asks_why_and_refuses_without_a_reason(client, member, organisation):
    incident = incident_draft(
        organisation, member, discovered_at=timezone.now() - dt.timedelta(hours=80)
    )
    client.force_login(member)
    url = reverse("incident-check", args=[incident.pk])
    assert "Why is this report late?" in client.get(url).content.decode()
    response = client.post(url, {"version": "1", "late_reason": ""})
    assert response.status_code == 400
    assert "Say why the report is more than 72 hours late" in response.content.decode()
    response = client.post(url, {"version": "1", "late_reason": "We found out late"})
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.late_reason == "We found out late"


def test_submitting_shows_the_reference_and_what_to_do_next(client, member, organisation):
    incident = incident_draft(organisation, member)
    client.force_login(member)
    response = client.post(reverse("incident-check", args=[incident.pk]), {"version": "1"})
    assert response.url == reverse("incident-submitted", args=[incident.pk])
    incident.refresh_from_db()
    page = client.get(response.url).content.decode()
    assert incident.reference in page
    assert "Reportable to the ICO" in page
    assert "0300 303 5222" not in page  # not a cyber incident
    # No regulator's address is set in the tests: the page says so (tests/incidents/test_notify.py).
    assert "so nothing will be sent" in page
    # The draft's pages now lead to the report as submitted.
    assert client.get(step_url(incident, "severity")).url == reverse(
        "incident-detail", args=[incident.pk]
    )
    assert client.get(reverse("incident-check", args=[incident.pk])).url == reverse(
        "incident-detail", args=[incident.pk]
    )


@pytest.mark.parametrize(
    ("answers", "shown", "not_shown"),
    [
        ({"breach_category": "cyber-ransomware"}, ["0300 303 5222"], ["tell them without undue"]),
        ({"cyber_caused": "yes"}, ["0300 303 5222"], []),
        ({"severity": 4}, ["you must tell them without undue delay", "DHSC"], ["0300 303 5222"]),
        ({"severity": 4, "people_told": "yes"}, ["You said they have been told"], []),
        ({"likelihood": 1}, ["This was a near miss", "Keep this record"], ["must be reported"]),
        ({"severity": 1}, ["does not need to be reported"], ["near miss"]),
    ],
)
def test_the_confirmation_says_what_the_organisation_must_still_do(
    client, member, organisation, answers, shown, not_shown
):
    incident = incident_draft(organisation, member, **answers)
    client.force_login(member)
    client.post(reverse("incident-check", args=[incident.pk]), {"version": "1"})
    page = client.get(reverse("incident-submitted", args=[incident.pk])).content.decode()
    for text in shown:
        assert text in page
    for text in not_shown:
        assert text not in page


def test_a_viewer_reads_a_report_but_cannot_change_or_submit_it(client, viewer, organisation):
    incident = incident_draft(organisation)
    client.force_login(viewer)
    page = client.get(reverse("incident-detail", args=[incident.pk])).content.decode()
    assert "An unencrypted laptop with care records was left on a train" in page
    assert "Continue this report" not in page
    assert client.get(step_url(incident, "severity")).status_code == 403
    assert (
        client.post(step_url(incident, "severity"), {"version": "1", "severity": "5"}).status_code
        == 403
    )
    assert (
        client.post(reverse("incident-check", args=[incident.pk]), {"version": "1"}).status_code
        == 403
    )
    incident.refresh_from_db()
    assert (incident.state, incident.severity) == ("draft", 3)


# --- Attackers ---------------------------------------------------------------------------------


def test_another_organisations_incidents_are_not_found(client, outsider, organisation):
    theirs = incident_draft(organisation)
    client.force_login(outsider)
    for url in (
        reverse("incident-detail", args=[theirs.pk]),
        reverse("incident-check", args=[theirs.pk]),
        reverse("incident-submitted", args=[theirs.pk]),
        step_url(theirs, "what-happened"),
    ):
        assert client.get(url).status_code == 404, url
    forged = {"version": "1", "description": "Forged"}
    assert client.post(step_url(theirs, "what-happened"), forged).status_code == 404
    assert (
        client.post(reverse("incident-check", args=[theirs.pk]), {"version": "1"}).status_code
        == 404
    )
    theirs.refresh_from_db()
    assert theirs.state == "draft"
    assert theirs.description != "Forged"
    assert "An unencrypted laptop" not in client.get(reverse("incident-list")).content.decode()


def test_incidents_are_never_on_public_pages(client, member, organisation):
    incident = incident_draft(organisation, member)
    client.force_login(member)
    client.post(reverse("incident-check", args=[incident.pk]), {"version": "1"})
    incident.refresh_from_db()
    client.logout()
    for url in (
        reverse("incident-list"),
        reverse("incident-detail", args=[incident.pk]),
        reverse("incident-submitted", args=[incident.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("sign-in"))
    public = client.get(reverse("organisation-public", args=[organisation.ods_code]))
    assert incident.reference not in public.content.decode()
    assert "incident" not in public.content.decode().lower()


def test_the_header_offers_report_an_incident_to_people_with_an_organisation(client, viewer):
    client.force_login(viewer)
    page = client.get(reverse("home")).content.decode()
    assert f'href="{reverse("incident-list")}"' in page
    assert "Report an incident" in page
