import datetime
import threading

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from assessments import services as assessment_services
from assessments.models import Assessment
from organisations.models import Organisation, OrganisationProfile
from publishing import services
from publishing.models import ActionPlanEntry, Publication
from publishing.snapshot import AnswersSnapshot

from ..factories import ANSWER_VALUES, OrganisationFactory, answer_items, bank_build
from ..pages import ticked_sites, walk_to_summary


@pytest.mark.django_db
def test_a_single_site_publishes_standards_met(client, administrator, assessment, organisation):
    answer_items(assessment, administrator)
    client.force_login(administrator)
    start = client.get(reverse("publish-start")).content.decode()
    assert "You can publish this" in start

    response = client.post(reverse("publish-profile"), {"confirm": "on"})
    assert response["Location"] == reverse("publish-summary")  # no sites to choose
    summary = client.get(reverse("publish-summary")).content.decode()
    assert "Standards Met" in summary
    assert 'name="sequence" value="1"' in summary

    response = client.post(reverse("publish-summary"), {"level": "met", "sequence": "1"})
    publication = Publication.objects.get()
    assert response["Location"] == publication.get_absolute_url()
    assert publication.status_text == "25/26 Standards Met"
    assert publication.published_by == administrator
    assert publication.published_as_ods_code == organisation.ods_code
    assert not publication.sites.exists()

    detail = client.get(publication.get_absolute_url()).content.decode()
    assert "25/26 Standards Met Assessment" in detail
    assert administrator.full_name in detail
    listing = client.get(reverse("publication-list")).content.decode()
    assert "25/26 Standards Met" in listing

    # Later edits never change what was published.
    item = assessment.bank.items.get(ref="1.1.1")
    assessment_services.answer_save(
        assessment=assessment,
        item=item,
        values={"text": "Changed after publishing", "comments": ""},
        expected_version=1,
        user=administrator,
    )
    publication.refresh_from_db()
    published = AnswersSnapshot.from_json(publication.answers_snapshot)
    first = next(answer for answer in published.answers if answer.ref == "1.1.1")
    assert first.answer == "We do this"
    assert (
        "Changed after publishing"
        not in client.get(publication.get_absolute_url()).content.decode()
    )


@pytest.mark.django_db
def test_missing_items_are_listed_as_problems_with_links(client, administrator, assessment):
    client.force_login(administrator)
    page = client.get(reverse("publish-start")).content.decode()
    assert "Please complete mandatory requirement 1.1.1 in the Staffing and roles section" in page
    assert reverse("evidence-item", args=["2025-26", "1.1.1"]) in page
    # No way on to the next step: the sentence instead of the Continue button.
    assert "When the problems above are fixed you can publish." in page
    assert f'href="{reverse("publish-profile")}"' not in page
    # Nothing can be published yet: the summary sends people back.
    assert client.get(reverse("publish-summary")).status_code == 302


@pytest.mark.django_db
def test_an_hq_publishes_for_some_of_its_branches(client, administrator, assessment, organisation):
    Organisation.objects.filter(pk=organisation.pk).update(kind=Organisation.Kind.HEADQUARTERS)
    branches = [OrganisationFactory(name=f"Branch {n}", parent=organisation) for n in range(3)]
    answer_items(assessment, administrator)
    client.force_login(administrator)

    response = client.post(reverse("publish-profile"), {"confirm": "on"})
    assert response["Location"] == reverse("publish-sites")
    page = client.get(reverse("publish-sites")).content.decode()
    assert ticked_sites(page) == {str(b.pk) for b in branches}  # all ticked to start
    csv_body = client.get(reverse("publish-sites-csv")).content.decode("utf-8-sig")
    assert csv_body.splitlines()[0] == "Code,Organisation Name,Postcode,Publishing"
    assert all(b.ods_code in csv_body for b in branches)

    chosen = [str(branches[0].pk), str(branches[2].pk)]
    assert client.post(reverse("publish-sites"), {"sites": chosen}).status_code == 302
    summary = client.get(reverse("publish-summary")).content.decode()
    assert "Branch 0" in summary
    assert "Branch 2" in summary
    assert "Branch 1" not in summary
    published = client.post(
        reverse("publish-summary"), {"level": "met", "sequence": "1"}, follow=True
    ).content.decode()
    assert f"{organisation.name} and 2 sites." in published  # never "2 site(s)"
    publication = Publication.objects.get()
    assert set(publication.sites.values_list("pk", flat=True)) == {branches[0].pk, branches[2].pk}

    # The public, signed out, sees the two covered branches under the HQ's status.
    client.logout()
    for branch, covered in ((branches[0], True), (branches[1], False), (branches[2], True)):
        page = client.get(reverse("organisation-public", args=[branch.ods_code])).content.decode()
        if covered:
            assert "25/26 Standards Met" in page
            assert organisation.name in page
        else:
            assert "25/26 Standards Met" not in page
            assert "Not registered" in page
    results = client.get(reverse("organisation-search"), {"q": "Branch"}).content.decode()
    assert results.count("25/26 Standards Met") == 2
    assert "Not registered" in results
    client.force_login(administrator)

    # A later publication can add the branch left out; the sites covered before start ticked.
    client.post(reverse("publish-profile"), {"confirm": "on"})
    page = client.get(reverse("publish-sites")).content.decode()
    assert ticked_sites(page) == {str(branches[0].pk), str(branches[2].pk)}
    client.post(reverse("publish-sites"), {"sites": [str(b.pk) for b in branches]})
    client.post(reverse("publish-summary"), {"level": "met", "sequence": "2"})
    assert Publication.objects.get(sequence=2).sites.count() == 3


@pytest.mark.django_db
def test_sites_outside_the_hq_cannot_be_smuggled_in(
    client, administrator, assessment, organisation
):
    Organisation.objects.filter(pk=organisation.pk).update(kind=Organisation.Kind.HEADQUARTERS)
    OrganisationFactory(parent=organisation)
    stranger = OrganisationFactory()
    answer_items(assessment, administrator)
    client.force_login(administrator)
    client.post(reverse("publish-profile"), {"confirm": "on"})
    response = client.post(reverse("publish-sites"), {"sites": [str(stranger.pk)]})
    assert response.status_code == 400
    assert "Select only sites on this list" in response.content.decode()


@pytest.mark.django_db
def test_pressing_publish_twice_makes_one_publication(client, administrator, assessment):
    answer_items(assessment, administrator)
    client.force_login(administrator)
    walk_to_summary(client)
    first = client.post(reverse("publish-summary"), {"level": "met", "sequence": "1"})
    walk_to_summary(client)
    second = client.post(reverse("publish-summary"), {"level": "met", "sequence": "1"})
    assert Publication.objects.count() == 1
    assert first["Location"] == second["Location"] == Publication.objects.get().get_absolute_url()


@pytest.mark.django_db
def test_a_second_administrator_publishing_from_a_stale_page_is_told(
    client, administrator, assessment, organisation
):
    from ..factories import MembershipFactory

    other = MembershipFactory(organisation=organisation, role="administrator").user
    answer_items(assessment, administrator)
    client.force_login(other)
    walk_to_summary(client)
    client.force_login(administrator)
    walk_to_summary(client)
    client.post(reverse("publish-summary"), {"level": "met", "sequence": "1"})
    client.force_login(other)
    walk_to_summary(client)
    response = client.post(reverse("publish-summary"), {"level": "met", "sequence": "1"})
    assert response.status_code == 409
    assert "published 25/26 Standards Met" in response.content.decode()
    assert Publication.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_publishes_on_postgresql_make_exactly_one(organisation, administrator):
    assert connection.vendor == "postgresql"
    bank = bank_build(items_per_section=4)
    assessment = assessment_services.assessment_get_or_create(organisation=organisation, bank=bank)
    answer_items(assessment, administrator)
    barrier = threading.Barrier(2)
    outcomes = []

    def publish():
        from django.db import connections

        try:
            barrier.wait(timeout=10)
            services.publication_create(
                assessment=Assessment.objects.select_related("bank", "organisation").get(
                    pk=assessment.pk
                ),
                level="met",
                site_ids=[],
                sequence=1,
                user=administrator,
            )
            outcomes.append("published")
        except services.AlreadyPublished:
            outcomes.append("already")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=publish) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["already", "published"]
    assert Publication.objects.filter(organisation=organisation).count() == 1


@pytest.mark.django_db
def test_the_database_refuses_a_second_publication_with_the_same_number(
    administrator, assessment, organisation
):
    from django.db import IntegrityError, transaction

    answer_items(assessment, administrator)
    services.publication_create(
        assessment=assessment, level="met", site_ids=[], sequence=1, user=administrator
    )
    first = Publication.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        Publication.objects.create(
            organisation=organisation,
            bank=first.bank,
            assessment=assessment,
            sequence=1,
            level="met",
            published_at=timezone.now(),
            published_by_name="x",
            published_as_name="x",
            published_as_ods_code="x",
        )


@pytest.mark.django_db
def test_approaching_standards_with_an_action_plan_then_never_again(
    client, administrator, assessment
):
    answer_items(assessment, administrator, levels=("approaching",))
    client.force_login(administrator)
    page = client.get(reverse("publish-start")).content.decode()
    assert "Complete the action plan</a>: 5 requirements still need" in page

    plan_page = client.get(reverse("action-plan")).content.decode()
    outstanding = ["1.1.3", "2.1.3", "3.1.3", "4.1.3", "4.9.8"]
    for ref in outstanding:
        assert f'name="action_{ref}"' in plan_page
    target = timezone.localdate() + datetime.timedelta(days=90)
    data = {}
    for ref in outstanding:
        data[f"action_{ref}"] = f"Write the policy for {ref}"
        data[f"person_{ref}"] = "Registered manager"
        data[f"date_{ref}_0"] = str(target.day)
        data[f"date_{ref}_1"] = str(target.month)
        data[f"date_{ref}_2"] = str(target.year)
    assert client.post(reverse("action-plan"), data).status_code == 302
    assert ActionPlanEntry.objects.count() == 5

    walk_to_summary(client)
    client.post(reverse("publish-summary"), {"level": "approaching", "sequence": "1"})
    publication = Publication.objects.get()
    assert publication.status_text == "25/26 Approaching Standards"
    assert [line["ref"] for line in publication.action_plan] == outstanding
    assert (
        "Write the policy for 1.1.3" in client.get(publication.get_absolute_url()).content.decode()
    )

    # Once only.
    page = client.get(reverse("publish-start")).content.decode()
    assert "Approaching Standards can only be published once" in page


@pytest.mark.django_db
def test_action_plan_dates_outside_the_next_year_are_refused(client, administrator, assessment):
    answer_items(assessment, administrator, levels=("approaching",))
    client.force_login(administrator)
    far = timezone.localdate() + datetime.timedelta(days=400)
    data = {
        "action_1.1.3": "Do it",
        "person_1.1.3": "Me",
        "date_1.1.3_0": str(far.day),
        "date_1.1.3_1": str(far.month),
        "date_1.1.3_2": str(far.year),
    }
    response = client.post(reverse("action-plan"), data)
    assert response.status_code == 400
    assert (
        "The target date for 1.1.3 (Question 1.3) must be within the next 12 months"
        in response.content.decode()
    )
    assert not ActionPlanEntry.objects.exists()


@pytest.mark.django_db
def test_standards_exceeded_needs_a_current_cyber_essentials_plus(
    client, administrator, assessment, organisation
):
    answer_items(assessment, administrator)
    client.force_login(administrator)
    walk_to_summary(client)
    response = client.post(reverse("publish-summary"), {"level": "exceeded", "sequence": "1"})
    assert response.status_code == 400
    OrganisationProfile.objects.filter(organisation=organisation).update(
        cyber_essentials_plus="yes",
        cyber_essentials_plus_certificate_number="CEP-1",
        cyber_essentials_plus_expires_on=timezone.localdate() + datetime.timedelta(days=30),
        version=5,
    )
    # The profile changed, so it must be confirmed again.
    assert client.get(reverse("publish-summary"))["Location"] == reverse("publish-profile")
    walk_to_summary(client)
    client.post(reverse("publish-summary"), {"level": "exceeded", "sequence": "1"})
    assert Publication.objects.get().status_text == "25/26 Standards Exceeded"


@pytest.mark.django_db
def test_another_organisations_publication_is_404(client, administrator, outsider, assessment):
    answer_items(assessment, administrator)
    publication = services.publication_create(
        assessment=assessment, level="met", site_ids=[], sequence=1, user=administrator
    )
    client.force_login(outsider)
    assert client.get(publication.get_absolute_url()).status_code == 404


@pytest.mark.django_db
def test_republishing_in_the_same_year_replaces_the_current_status(
    client, administrator, assessment, organisation
):
    answer_items(assessment, administrator)
    services.publication_create(
        assessment=assessment, level="met", site_ids=[], sequence=1, user=administrator
    )
    OrganisationProfile.objects.filter(organisation=organisation).update(
        cyber_essentials_plus="yes",
        cyber_essentials_plus_certificate_number="CEP-1",
        cyber_essentials_plus_expires_on=timezone.localdate() + datetime.timedelta(days=300),
    )
    services.publication_create(
        assessment=assessment, level="exceeded", site_ids=[], sequence=2, user=administrator
    )
    client.force_login(administrator)
    page = client.get(reverse("publish-start")).content.decode()
    assert "Your current status is <strong>25/26 Standards Exceeded</strong>" in page


@pytest.mark.django_db
def test_the_action_plan_spreadsheet_round_trips_through_the_portal(
    client, administrator, assessment
):
    import io

    import openpyxl
    from django.core.files.uploadedfile import SimpleUploadedFile

    answer_items(assessment, administrator, levels=("approaching",))
    client.force_login(administrator)
    download = client.get(reverse("action-plan-download"))
    assert download["Content-Type"].startswith("application/vnd.openxmlformats")
    workbook = openpyxl.load_workbook(io.BytesIO(download.content))
    sheet = workbook["Action plan"]
    header_row = next(
        row for row in sheet.iter_rows(min_row=1, max_row=10) if row[0].value == "Ref"
    )
    target = timezone.localdate() + datetime.timedelta(days=60)
    for row in sheet.iter_rows(min_row=header_row[0].row + 1):
        if row[0].value:
            row[4].value = f"Fix {row[0].value}"
            row[5].value = "Deputy manager"
            row[6].value = target
    buffer = io.BytesIO()
    workbook.save(buffer)

    response = client.post(
        reverse("action-plan-upload"),
        {"plan": SimpleUploadedFile("plan.xlsx", buffer.getvalue())},
    )
    assert response.status_code == 302
    assert ActionPlanEntry.objects.count() == 5
    assert set(ActionPlanEntry.objects.values_list("responsible_person", flat=True)) == {
        "Deputy manager"
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"%PDF-1.4 not a spreadsheet", "must be the action plan spreadsheet"),
        (b"", "The selected file is empty"),
        (b"x" * (2 * 1024 * 1024 + 1), "The file must be smaller than 2 MB"),
    ],
)
def test_bad_action_plan_uploads_are_refused(client, administrator, assessment, content, message):
    from django.core.files.uploadedfile import SimpleUploadedFile

    answer_items(assessment, administrator, levels=("approaching",))
    client.force_login(administrator)
    response = client.post(
        reverse("action-plan-upload"), {"plan": SimpleUploadedFile("plan.xlsx", content)}
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert message in body
    assert "nhsuk-error-summary" in body
    assert not ActionPlanEntry.objects.exists()


NON_COMPLIANT = {
    "text": {"text": "We do this"},  # a statement given is met: text has no "no"
    "yes_no": {"choice": "no"},
    "yes_no_text": {"choice": "no", "text": "Not yet"},
    "date": {"date": datetime.date(2019, 1, 1)},  # far older than the bank's limit
    "number": {"number": 0},  # below the bank's minimum of 1
    "document": {"document_location": "Office"},
}


def answer_no_to_everything(assessment, user):
    for item in assessment.bank.items.order_by("position"):
        if item.level == "optional" or item.depends_on_id:
            continue
        values = NON_COMPLIANT.get(item.answer_type, ANSWER_VALUES[item.answer_type])
        assessment_services.answer_save(
            assessment=assessment,
            item=item,
            values={**ANSWER_VALUES[item.answer_type], **values, "comments": ""},
            expected_version=0,
            user=user,
        )


@pytest.mark.django_db
def test_no_to_everything_is_refused_standards_met_even_by_a_forged_post(
    client, administrator, assessment, organisation
):
    OrganisationProfile.objects.update_or_create(
        organisation=organisation,
        defaults={
            "cyber_essentials_plus": "yes",
            "cyber_essentials_plus_certificate_number": "CEP-12345678",
            "cyber_essentials_plus_expires_on": timezone.localdate() + datetime.timedelta(days=200),
        },
    )
    answer_no_to_everything(assessment, administrator)
    client.force_login(administrator)

    overview = client.get(reverse("assessment-overview", args=[assessment.bank.year]))
    text = overview.content.decode()
    unmet = [
        item.ref
        for item in assessment.bank.items.order_by("position")
        if item.level != "optional"
        and not item.depends_on_id
        and item.answer_type in ("yes_no", "yes_no_text", "date", "number")
    ]
    assert text.count("Answered – not\u00a0met") == len(unmet)
    mandatory_unmet = assessment.bank.items.filter(
        level="approaching", answer_type__in=["yes_no", "yes_no_text", "date", "number"]
    ).count()
    assert f"mandatory evidence items provided</strong><strong>, {mandatory_unmet} of them" in text

    item_page = client.get(reverse("evidence-item", args=[assessment.bank.year, "1.1.2"]))
    assert "Answered – not met" in item_page.content.decode()
    assert "Standards Met needs the answer Yes" in item_page.content.decode()

    start = client.get(reverse("publish-start")).content.decode()
    assert "You can publish this" not in start
    assert f"{len(unmet)} requirements answered but not met" in start
    link = reverse("evidence-item", args=[assessment.bank.year, "1.1.2"])
    assert (
        f'<a href="{link}">Requirement 1.1.2 in the Staffing and roles section is not met: '
        "Standards Met needs the answer Yes</a>"
    ) in start

    # The attacker skips the pages and posts the level straight at the last step.
    # Nothing is allowed yet, so the last step sends them back to the list of problems.
    walk_to_summary(client)
    for level in ("met", "exceeded"):
        response = client.post(reverse("publish-summary"), {"level": level, "sequence": "1"})
        assert response.status_code == 302
        assert response["Location"] == reverse("publish-start")
    assert not Publication.objects.exists()


@pytest.mark.django_db
def test_no_answers_publish_approaching_standards_with_a_plan_for_each(
    client, administrator, assessment
):
    answer_no_to_everything(assessment, administrator)
    client.force_login(administrator)
    plan_page = client.get(reverse("action-plan")).content.decode()
    outstanding = [
        item.ref
        for item in assessment.bank.items.order_by("position")
        if item.level != "optional"
        and not item.depends_on_id
        and item.answer_type in ("yes_no", "yes_no_text", "date", "number")
    ]
    for ref in outstanding:
        assert f'name="action_{ref}"' in plan_page
    target = timezone.localdate() + datetime.timedelta(days=90)
    data = {}
    for ref in outstanding:
        data[f"action_{ref}"] = f"Put {ref} in place"
        data[f"person_{ref}"] = "Registered manager"
        data[f"date_{ref}_0"] = str(target.day)
        data[f"date_{ref}_1"] = str(target.month)
        data[f"date_{ref}_2"] = str(target.year)
    assert client.post(reverse("action-plan"), data).status_code == 302

    walk_to_summary(client)
    # Approaching Standards is now allowed; Standards Met still is not, even posted by hand.
    for level in ("met", "exceeded"):
        response = client.post(reverse("publish-summary"), {"level": level, "sequence": "1"})
        assert response.status_code == 400
        assert not Publication.objects.exists()
    client.post(reverse("publish-summary"), {"level": "approaching", "sequence": "1"})
    publication = Publication.objects.get()
    assert publication.status_text == "25/26 Approaching Standards"
    assert sorted(line["ref"] for line in publication.action_plan) == sorted(outstanding)
    published = AnswersSnapshot.from_json(publication.answers_snapshot).answers
    snapshot = {answer.ref: answer for answer in published}
    assert snapshot["1.1.2"].answered
    assert not snapshot["1.1.2"].met
