import pytest
from django.urls import reverse

from assessments.models import Answer, Assessment, EvidenceItem

from ..factories import bank_build

pytestmark = pytest.mark.django_db


def save(client, year, ref, version, **data):
    return client.post(
        reverse("evidence-item", args=[year, ref]), {"version": version, "comments": "", **data}
    )


def test_next_years_assessment_starts_from_this_years_answers(client, member, organisation):
    last = bank_build(year="2024-25", items_per_section=4)
    client.force_login(member)
    save(client, "2024-25", "1.1.1", 0, text="Last year's lead", comments="Kept")
    save(client, "2024-25", "1.1.2", 0, choice="yes")
    save(client, "2024-25", "1.1.4", 0, number="3")

    this = bank_build(year="2025-26", items_per_section=4, previous_year="2024-25")
    # 1.1.4 is gone this year; 4.1.5 is new.
    EvidenceItem.objects.filter(bank=this, ref="1.1.4").delete()
    client.post(reverse("assessment-start", args=["2025-26"]))
    page = client.get(reverse("assessment-overview", args=["2025-26"])).content.decode()

    assessment = Assessment.objects.get(bank=this)
    carried = {a.item.ref: a for a in assessment.answers.select_related("item")}
    assert set(carried) == {"1.1.1", "1.1.2"}
    assert carried["1.1.1"].text == "Last year's lead"
    assert carried["1.1.1"].comments == "Kept"
    assert all(a.needs_review for a in carried.values())
    assert "Carried forward – review" in page
    # Not counted until reviewed.
    assert "Progress: 0 of 8 mandatory evidence items provided" in page
    assert "2 answers carried forward from last year need reviewing" in page

    item_page = client.get(reverse("evidence-item", args=["2025-26", "1.1.1"])).content.decode()
    assert "carried forward from last year" in item_page
    assert save(client, "2025-26", "1.1.1", 1, text="Last year's lead").status_code == 302
    reviewed = Answer.objects.get(assessment=assessment, item__ref="1.1.1")
    assert not reviewed.needs_review
    assert reviewed.version == 2
    page = client.get(reverse("assessment-overview", args=["2025-26"])).content.decode()
    assert "Progress: 1 of 8 mandatory evidence items provided" in page

    # Last year's answers are untouched.
    assert Answer.objects.get(assessment__bank=last, item__ref="1.1.1").version == 1


def test_without_a_previous_assessment_nothing_is_carried(client, member):
    bank_build(year="2025-26", previous_year="2024-25")
    client.force_login(member)
    client.get(reverse("assessment-overview", args=["2025-26"]))
    assert not Answer.objects.exists()
