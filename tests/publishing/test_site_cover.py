"""An HQ cannot publish for a site that speaks for itself (issue 11, part 3).

The rule (publishing/site_rules.py) as tables, then every path through the publish page, its CSV
and the service, attacks included, and the public pages and certificate check agreeing with the
status rule (publishing/coverage.py, register/status.py) — all on PostgreSQL.
"""

from __future__ import annotations

import datetime

import pytest
from bs4 import BeautifulSoup
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from assessments import services as assessment_services
from organisations.models import Organisation
from organisations.roles import Role
from publishing import services
from publishing.models import Publication, PublicationLevel, PublicationSite
from publishing.site_rules import (
    PUBLISHES_FOR_ITSELF,
    SiteFacts,
    SiteOffer,
    site_offer,
    sites_refused,
    sites_ticked_at_start,
)

from ..factories import (
    MembershipFactory,
    OrganisationFactory,
    RegisteredOrganisationFactory,
    answer_items,
    bank_build,
    publication_build,
)
from ..pages import csv_rows, result_rows, search, table_rows, ticked_sites

HQ = 1


# The rule, as tables -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("site", "expected"),
    [
        (SiteFacts(pk=2, parent_id=HQ, registered=False), SiteOffer.PUBLISH_FOR),
        (SiteFacts(pk=2, parent_id=HQ, registered=True), SiteOffer.PUBLISHES_FOR_ITSELF),
        (SiteFacts(pk=2, parent_id=9, registered=False), None),  # another HQ's branch
        (SiteFacts(pk=2, parent_id=9, registered=True), None),
        (SiteFacts(pk=2, parent_id=None, registered=False), None),  # left the HQ
        (SiteFacts(pk=HQ, parent_id=None, registered=True), None),  # the HQ itself
    ],
)
def test_site_offer(site, expected):
    assert site_offer(publisher_id=HQ, site=site) is expected


def test_the_offer_texts():
    assert SiteOffer.PUBLISHES_FOR_ITSELF.text == "Registered on its own – publishes for itself"
    assert SiteOffer.PUBLISH_FOR.text == "You can publish for this site"


BRANCH = SiteFacts(pk=2, parent_id=HQ, registered=False)
OWN_VOICE = SiteFacts(pk=3, parent_id=HQ, registered=True)
LEFT = SiteFacts(pk=4, parent_id=None, registered=False)


@pytest.mark.parametrize(
    ("chosen", "expected"),
    [
        ([], []),
        ([2], []),
        ([3], [3]),  # registered on its own
        ([4], [4]),  # no longer a branch
        ([5], [5]),  # not among the HQ's sites at all (another HQ's, or made up)
        ([3, 2, 5], [3, 5]),
    ],
)
def test_sites_refused(chosen, expected):
    sites = [BRANCH, OWN_VOICE, LEFT]
    assert sites_refused(publisher_id=HQ, chosen=chosen, sites=sites) == expected


@pytest.mark.parametrize(
    ("offered", "last_covered", "expected"),
    [
        ([2, 3, 4], None, [2, 3, 4]),  # never published: every site
        ([2, 3, 4], set(), []),  # published for itself alone last time
        ([2, 3, 4], {4, 2}, [2, 4]),  # in the order offered
        ([2, 3], {4, 2}, [2]),  # 4 covered before, no longer offered
    ],
)
def test_sites_ticked_at_start(offered, last_covered, expected):
    assert sites_ticked_at_start(offered=offered, last_covered=last_covered) == expected


# The publish page, its CSV and the service -------------------------------------------------------


@pytest.fixture
def bank(db):
    return bank_build(items_per_section=4)


@pytest.fixture
def hq(organisation):
    """Langdale House as an HQ, registered today."""
    Organisation.objects.filter(pk=organisation.pk).update(kind=Organisation.Kind.HEADQUARTERS)
    organisation.refresh_from_db()
    return organisation


@pytest.fixture
def assessment(hq, bank, administrator):
    assessment = assessment_services.assessment_get_or_create(organisation=hq, bank=bank)
    answer_items(assessment, administrator)
    return assessment


@pytest.fixture
def own_voice(hq):
    """A branch that registered on its own a month before its HQ."""
    site = RegisteredOrganisationFactory(
        name="Fellside Own Voice",
        ods_code="VOV01",
        parent=hq,
        registered_at=timezone.now() - datetime.timedelta(days=30),
    )
    assert site.registered_at < hq.registered_at
    return site


@pytest.fixture
def branch(hq):
    return OrganisationFactory(name="Fellside Branch", ods_code="VFB01", parent=hq)


def to_sites_page(client, administrator):
    client.force_login(administrator)
    response = client.post(reverse("publish-profile"), {"confirm": "on"})
    assert response.status_code == 302
    return response


def checkbox_values(page: str) -> set[str]:
    soup = BeautifulSoup(page, "html.parser")
    return {box["value"] for box in soup.select('input[name="sites"]')}


@pytest.mark.django_db
def test_the_exact_attack_an_hq_registered_after_the_site_ticks_it_by_post(
    client, administrator, hq, assessment, own_voice, branch, bank
):
    assert connection.vendor == "postgresql"
    # The site published for itself first.
    publication_build(own_voice, bank, level=PublicationLevel.MET)
    to_sites_page(client, administrator)

    page = client.get(reverse("publish-sites")).content.decode()
    assert checkbox_values(page) == {str(branch.pk)}  # no checkbox for the site
    listed = BeautifulSoup(page, "html.parser").select_one("#sites-publishing-for-themselves")
    assert " ".join(listed.get_text(" ").split()) == (
        f"Fellside Own Voice (VOV01) {PUBLISHES_FOR_ITSELF}"
    )

    # Forged into the POST by id, by ODS code, and beside a branch it may publish for.
    for forged in ([str(own_voice.pk)], [own_voice.ods_code], [str(branch.pk), str(own_voice.pk)]):
        response = client.post(reverse("publish-sites"), {"sites": forged})
        assert response.status_code == 400, forged
        body = response.content.decode()
        assert "nhsuk-error-summary" in body
        assert "Select only sites on this list: you cannot publish for any other" in body

    # The service refuses it however it is called.
    with pytest.raises(services.PublishError) as refused:
        services.publication_create(
            assessment=assessment,
            level="met",
            site_ids=[branch.pk, own_voice.pk],
            sequence=1,
            user=administrator,
        )
    assert refused.value.message == (
        "Fellside Own Voice (VOV01) has registered on its own and publishes for itself: you "
        "cannot publish for it"
    )
    assert not Publication.objects.filter(organisation=hq).exists()

    # The site's own status stands, and says where it comes from.
    client.logout()
    rows = {row[1]: row for row in result_rows(search(client, "Fellside"))}
    assert rows["VOV01"][2] == "25/26 Standards Met Published by the organisation itself"


@pytest.mark.django_db
def test_a_session_choice_made_before_the_site_registered_is_not_published_for_it(
    client, administrator, hq, assessment, branch
):
    to_sites_page(client, administrator)
    assert client.post(reverse("publish-sites"), {"sites": [str(branch.pk)]}).status_code == 302
    # The branch registers on its own while the HQ is on the summary page.
    Organisation.objects.filter(pk=branch.pk).update(
        registration_state=Organisation.RegistrationState.REGISTERED, registered_at=timezone.now()
    )
    summary = client.get(reverse("publish-summary")).content.decode()
    assert "Fellside Branch" not in summary
    response = client.post(reverse("publish-summary"), {"level": "met", "sequence": "1"})
    assert response.status_code == 302
    assert not PublicationSite.objects.filter(organisation=branch).exists()
    with pytest.raises(services.PublishError, match="registered on its own"):
        services.publication_create(
            assessment=assessment, level="met", site_ids=[branch.pk], sequence=2, user=administrator
        )


@pytest.mark.django_db
def test_another_hqs_branch_cannot_be_forged_in(client, administrator, hq, assessment, branch):
    other_hq = RegisteredOrganisationFactory(
        name="Elsewhere Group", ods_code="AEG1", kind=Organisation.Kind.HEADQUARTERS
    )
    theirs = OrganisationFactory(name="Elsewhere Branch", ods_code="VEB01", parent=other_hq)
    to_sites_page(client, administrator)
    for forged in ([str(theirs.pk)], [theirs.ods_code], [str(other_hq.pk)]):
        response = client.post(reverse("publish-sites"), {"sites": forged})
        assert response.status_code == 400, forged
    for site_ids in ([theirs.pk], [other_hq.pk], [branch.pk, theirs.pk]):
        with pytest.raises(services.PublishError) as refused:
            services.publication_create(
                assessment=assessment,
                level="met",
                site_ids=site_ids,
                sequence=1,
                user=administrator,
            )
        assert refused.value.message == "Choose only sites your organisation can publish for"
    assert not Publication.objects.exists()


@pytest.mark.django_db
def test_a_site_covered_before_that_has_left_the_hq_is_no_longer_offered(
    client, administrator, hq, assessment, branch
):
    leaver = OrganisationFactory(name="Fellside Leaver", ods_code="VFL01", parent=hq)
    publication = services.publication_create(
        assessment=assessment,
        level="met",
        site_ids=[branch.pk, leaver.pk],
        sequence=1,
        user=administrator,
    )
    assert set(publication.sites.values_list("pk", flat=True)) == {branch.pk, leaver.pk}
    # The leaver moves to another HQ.
    other_hq = RegisteredOrganisationFactory(ods_code="AOT1", kind=Organisation.Kind.HEADQUARTERS)
    Organisation.objects.filter(pk=leaver.pk).update(parent=other_hq)

    to_sites_page(client, administrator)
    page = client.get(reverse("publish-sites")).content.decode()
    assert checkbox_values(page) == {str(branch.pk)}
    assert ticked_sites(page) == {str(branch.pk)}
    assert "Fellside Leaver" not in page
    csv_body = client.get(reverse("publish-sites-csv")).content.decode("utf-8-sig")
    assert "VFL01" not in csv_body

    response = client.post(reverse("publish-sites"), {"sites": [str(leaver.pk)]})
    assert response.status_code == 400
    with pytest.raises(services.PublishError):
        services.publication_create(
            assessment=assessment, level="met", site_ids=[leaver.pk], sequence=2, user=administrator
        )
    assert Publication.objects.filter(organisation=hq).count() == 1


@pytest.mark.django_db
def test_the_csv_of_sites_says_which_publish_for_themselves(
    client, administrator, hq, assessment, own_voice, branch
):
    client.force_login(administrator)
    response = client.get(reverse("publish-sites-csv"))
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines == [
        "Code,Organisation Name,Postcode,Publishing",
        "VFB01,Fellside Branch,LS1 4AP,You can publish for this site",
        "VOV01,Fellside Own Voice,LS1 4AP,Registered on its own – publishes for itself",
    ]


@pytest.mark.django_db
def test_an_hq_whose_sites_all_publish_for_themselves_publishes_for_itself(
    client, administrator, hq, assessment, own_voice
):
    response = to_sites_page(client, administrator)
    # The page is shown, so the HQ learns why there is nothing to tick.
    assert response["Location"] == reverse("publish-sites")
    page = client.get(reverse("publish-sites")).content.decode()
    assert checkbox_values(page) == set()
    assert "each of your sites has registered on its own" in page
    assert PUBLISHES_FOR_ITSELF in page
    assert client.post(reverse("publish-sites"), {}).status_code == 302
    response = client.post(reverse("publish-summary"), {"level": "met", "sequence": "1"})
    assert response.status_code == 302
    assert not Publication.objects.get(organisation=hq).sites.exists()


@pytest.mark.django_db
def test_a_viewer_or_member_cannot_see_the_sites_csv(client, hq, own_voice):
    for role in (Role.VIEWER, Role.MEMBER):
        person = MembershipFactory(organisation=hq, role=role).user
        client.force_login(person)
        assert client.get(reverse("publish-sites-csv")).status_code == 403


# The public status agrees everywhere -------------------------------------------------------------


def _hq_publication_naming(hq, bank, site, *, published_at) -> Publication:
    """An HQ publication that lists the site, written directly: data from before this rule, or
    an attack that got past it. The status rule must hold whatever the data says."""
    return publication_build(
        hq, bank, level=PublicationLevel.EXCEEDED, published_at=published_at, sites=(site,)
    )


@pytest.mark.django_db
def test_the_sites_own_publication_beats_a_later_hq_one_on_every_public_page(
    client, hq, own_voice, bank
):
    now = timezone.now()
    publication_build(
        own_voice, bank, level=PublicationLevel.MET, published_at=now - datetime.timedelta(days=3)
    )
    hq_publication = _hq_publication_naming(
        hq, bank, own_voice, published_at=now - datetime.timedelta(days=1)
    )

    rows = {row[1]: row for row in result_rows(search(client, "Fellside"))}
    assert rows["VOV01"][2] == "25/26 Standards Met Published by the organisation itself"

    page_response = client.get(reverse("organisation-public", args=["VOV01"]))
    page = " ".join(BeautifulSoup(page_response.content, "html.parser").get_text(" ").split())
    assert "Status 25/26 Standards Met" in page
    assert "Which publication Published by the organisation itself" in page
    assert f"Langdale House (VAB12) {PUBLISHES_FOR_ITSELF}" in page
    # The HQ publication made after the site registered never covered it: not in its history.
    history = table_rows(page_response, "Publications covering")
    assert [row[1] for row in history] == ["25/26 Standards Met"]
    assert "Standards Exceeded" not in page

    # The HQ's page lists the branch with its own status.
    hq_page = client.get(reverse("organisation-public", args=["VAB12"]))
    branches = {row[1]: row for row in table_rows(hq_page, "Branches of")}
    assert branches["VOV01"][2] == "25/26 Standards Met Published by the organisation itself"

    # The CSV, in the toolkit's layout, says the same.
    csv_body = {
        row[0]: row
        for row in csv_rows(client.get(reverse("organisation-search-csv"), {"q": "Fellside"}))
    }
    assert csv_body["VOV01"][2] == "25/26 Standards Met"

    # The HQ's certificate is genuine, but does not claim the site.
    verify = client.get(reverse("certificate-verify", args=[hq_publication.verification_code]))
    assert verify.status_code == 200
    text = " ".join(BeautifulSoup(verify.content, "html.parser").get_text(" ").split())
    assert "This certificate is genuine and current" in text
    registered_on = timezone.localdate(own_voice.registered_at)
    assert (
        f"Fellside Own Voice (VOV01) is not covered: it registered on its own on "
        f"{registered_on.day} {registered_on:%B %Y}, before this publication, and publishes for "
        "itself" in text
    )


@pytest.mark.django_db
def test_an_hq_publication_from_before_the_site_registered_no_longer_speaks_for_it(
    client, hq, bank
):
    now = timezone.now()
    site = OrganisationFactory(name="Fellside Later", ods_code="VFL02", parent=hq)
    hq_publication = _hq_publication_naming(
        hq, bank, site, published_at=now - datetime.timedelta(days=20)
    )
    rows = {row[1]: row for row in result_rows(search(client, "Fellside"))}
    assert rows["VFL02"][2] == (
        "25/26 Standards Exceeded Covered by the publication of Langdale House (VAB12)"
    )
    verify = client.get(reverse("certificate-verify", args=[hq_publication.verification_code]))
    assert "not covered" not in verify.content.decode()

    # The site registers on its own (ten days ago), saved as the registration service saves it.
    registered_at = now - datetime.timedelta(days=10)
    site.registration_state = Organisation.RegistrationState.REGISTERED
    site.registered_at = registered_at
    site.save(update_fields=["registration_state", "registered_at"])
    rows = {row[1]: row for row in result_rows(search(client, "Fellside"))}
    assert rows["VFL02"][2] == "Registered, not published"
    page_response = client.get(reverse("organisation-public", args=["VFL02"]))
    page = " ".join(BeautifulSoup(page_response.content, "html.parser").get_text(" ").split())
    assert "Status Registered, not published" in page
    # Its history still tells the truth about the time before it registered.
    assert table_rows(page_response, "Publications covering")[0][3] == (
        "Covered by the publication of Langdale House (VAB12)"
    )
    csv_body = {
        row[0]: row
        for row in csv_rows(client.get(reverse("organisation-search-csv"), {"q": "Fellside"}))
    }
    # The CSV speaks the toolkit's words: nothing of its own published.
    assert csv_body["VFL02"][2:4] == ["Not Published", ""]
    day = timezone.localdate(registered_at)
    text = " ".join(
        BeautifulSoup(
            client.get(
                reverse("certificate-verify", args=[hq_publication.verification_code])
            ).content,
            "html.parser",
        )
        .get_text(" ")
        .split()
    )
    assert "This certificate is genuine and current" in text
    assert (
        f"Fellside Later (VFL02) is not covered since {day.day} {day:%B %Y}: it registered on its "
        "own and publishes for itself" in text
    )

    # Then it publishes for itself: its own publication decides, and a later HQ one cannot.
    publication_build(
        site,
        bank,
        level=PublicationLevel.APPROACHING,
        published_at=now - datetime.timedelta(days=5),
    )
    _hq_publication_naming(hq, bank, site, published_at=now - datetime.timedelta(days=1))
    rows = {row[1]: row for row in result_rows(search(client, "Fellside"))}
    assert rows["VFL02"][2] == "25/26 Approaching Standards Published by the organisation itself"
