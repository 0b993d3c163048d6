"""The certificate check shows an inspector everything on one screen, and prints on its own."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
import time_machine
from bs4 import BeautifulSoup
from django.contrib.staticfiles import finders
from django.urls import reverse
from django.utils import timezone

from assessments.models import QuestionBank

from ..factories import OrganisationFactory, RegisteredOrganisationFactory, publication_build

pytestmark = pytest.mark.django_db


@pytest.fixture
def bank(db):
    return QuestionBank.objects.create(
        year="2025-26", publication_deadline=datetime.date(2026, 6, 30)
    )


def details(response) -> dict[str, str]:
    soup = BeautifulSoup(response.content, "html.parser")
    return {
        row.dt.get_text(strip=True): " ".join(row.dd.get_text(" ").split())
        for row in soup.select("dl .nhsuk-summary-list__row")
    }


def verify(client, publication):
    return client.get(reverse("certificate-verify", args=[publication.verification_code]))


@time_machine.travel(datetime.datetime(2026, 8, 1, 12, tzinfo=datetime.UTC), tick=False)
def test_everything_an_inspector_needs(client, bank):
    organisation = RegisteredOrganisationFactory(ods_code="VL001", name="Willow House")
    publication = publication_build(
        organisation, bank, level="met", published_at=timezone.now() - datetime.timedelta(days=5)
    )
    shown = details(verify(client, publication))
    assert shown == {
        "Result": "Genuine and current",
        "Organisation": "Willow House",
        "ODS code": "VL001",
        "Status": "25/26 Standards Met",
        "Standard": "Standards Met",
        "DSPT year": "2025-26",
        "Date published": "27 July 2026",
        "Valid until": "30 June 2027",
        "Published by": "The organisation itself",
        "Certificate code": publication.verification_code,
        "Checked on": "1 August 2026, 13:00",
    }


def test_an_hq_certificate_says_it_was_published_for_its_sites(client, bank):
    hq = OrganisationFactory(ods_code="AB12", kind="headquarters")
    sites = [OrganisationFactory(parent=hq) for _ in range(3)]
    publication = publication_build(hq, bank, level="exceeded", sites=sites)
    assert details(verify(client, publication))["Published by"] == (
        "Its headquarters, for itself and 3 sites"
    )


def test_an_out_of_date_certificate_says_from_when(client, bank):
    publication = publication_build(OrganisationFactory(), bank, level="met")
    with time_machine.travel(datetime.datetime(2027, 7, 2, 12, tzinfo=datetime.UTC), tick=False):
        shown = details(verify(client, publication))
    assert shown["Result"] == "Genuine, out of date"
    assert shown["Out of date from"] == "1 July 2027"
    assert "Valid until" not in shown


def test_a_replaced_certificate_says_so(client, bank):
    organisation = OrganisationFactory()
    first = publication_build(organisation, bank, level="met")
    publication_build(organisation, bank, level="exceeded", published_at=timezone.now())
    assert details(verify(client, first))["Result"].startswith(
        "Genuine, replaced by a later publication on"
    )


def test_a_withdrawn_certificate_says_so(client, bank):
    publication = publication_build(OrganisationFactory(), bank, withdrawn_at=timezone.now())
    assert details(verify(client, publication))["Result"] == "Withdrawn – not valid"


def test_the_print_stylesheet_is_linked_and_hides_the_navigation(client, bank):
    publication = publication_build(OrganisationFactory(), bank, level="met")
    soup = BeautifulSoup(verify(client, publication).content, "html.parser")
    link = soup.find("link", rel="stylesheet", media="print")
    assert link["href"].endswith("css/print.css")
    css = Path(finders.find("css/print.css")).read_text()
    printed = css[css.index("@media print") :]
    for hidden in (".nhsuk-header", ".nhsuk-footer", ".nhsuk-button", "button"):
        assert hidden in printed.split("display: none")[0]
    assert "size: A4" in css
