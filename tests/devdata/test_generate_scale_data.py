"""`manage.py generate_scale_data`: generated data the portal's own rules agree with, refused
twice, and removed again without touching real rows."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from assessments import selectors as assessment_selectors
from assessments.models import Assessment
from assessments.presenters import answer_text
from assessments.rules import item_statuses
from devdata import scale_data
from organisations.models import Organisation
from publishing import inputs
from publishing.models import Publication, PublicationSite
from publishing.snapshot import ANSWERS_VERSION, AnswersSnapshot, PublishedProfile
from register.certificate_codes import normalise_code

from ..factories import OrganisationFactory

pytestmark = pytest.mark.django_db


def generate(*options: str) -> None:
    call_command("generate_scale_data", "--small", *options, stdout=io.StringIO())


def test_scale_data_is_valid_refused_twice_and_reset_without_touching_real_rows():
    real = OrganisationFactory(ods_code="VREAL1", name="A Real Care Home")
    generate()
    assert Organisation.objects.count() == scale_data.SMALL.organisations
    names = list(Organisation.objects.order_by("ods_code").values_list("ods_code", "name"))
    assert Publication.objects.count() == scale_data.SMALL.publications

    # The last level each organisation published is one the rules allow for its answers.
    for assessment in Assessment.objects.filter(publications__isnull=False).distinct():
        last = assessment.publications.order_by("-sequence").first().level
        if last != "approaching":  # Approaching Standards is allowed once, as a first
            decision = inputs.publishing_decision(
                assessment=assessment, publication_date=dt.date(2026, 6, 1)
            )
            assert last in decision.allowed, (assessment.organisation.ods_code, last)

    with pytest.raises(CommandError, match="--reset"):
        generate()
    generate("--if-missing")
    generate("--reset")

    assert Organisation.objects.filter(pk=real.pk).exists()
    # The same seed gives the same organisations again.
    assert list(Organisation.objects.order_by("ods_code").values_list("ods_code", "name")) == names
    assert Publication.objects.count() == scale_data.SMALL.publications


def test_published_snapshots_agree_with_the_rules_on_the_same_answers():
    generate("--publications", "60", "--assessments", "40")
    publications = list(
        Publication.objects.select_related("assessment", "bank").order_by("pk")[::3]
    )
    assert len(publications) >= 20
    rows = {row.ref: row for row in assessment_selectors.bank_items(bank=publications[0].bank)}
    items = [assessment_selectors.rule_item(row) for row in rows.values()]
    by_ref = {item.ref: item for item in items}
    checked = {"applies": set(), "met": set()}
    for publication in publications:
        snapshot = AnswersSnapshot.from_json(publication.answers_snapshot)
        assert publication.answers_snapshot["version"] == ANSWERS_VERSION
        assert [entry.ref for entry in snapshot.answers] == list(rows)
        # The answers it was published with: those it shows as given (an Approaching Standards
        # publication may precede some of the answers saved since).
        saved = assessment_selectors.answers_by_ref(assessment=publication.assessment)
        shown = {entry.ref for entry in snapshot.answers if entry.answered}
        assert shown <= set(saved), publication.pk
        answers = {ref: assessment_selectors.rule_answer(saved[ref]) for ref in shown}
        on = timezone.localtime(publication.published_at).date()
        statuses = item_statuses(items, answers, on=on)
        for entry in snapshot.answers:
            status = statuses[entry.ref]
            assert (entry.applies, entry.answered, entry.met) == (
                status.applies,
                status.done,
                status.satisfied,
            ), (publication.pk, entry.ref)
            assert entry.answer == answer_text(by_ref[entry.ref], answers.get(entry.ref))
            assert entry.text == rows[entry.ref].text
            checked["applies"].add(entry.applies)
            checked["met"].add(entry.met)
        PublishedProfile.from_json(publication.profile_snapshot)
        # The verification code in the one format the certificate check reads.
        assert normalise_code(publication.verification_code) == publication.verification_code
    # The sample holds both sides of each rule: conditional items that do not apply, items not met.
    assert checked == {"applies": {True, False}, "met": {True, False}}
    codes = Publication.objects.values_list("verification_code", flat=True)
    assert len(set(codes)) == Publication.objects.count()


def test_the_scale_data_never_has_an_hq_publish_for_a_branch_registered_on_its_own():
    generate()
    registered_branches = Organisation.objects.filter(
        parent__isnull=False, registration_state=Organisation.RegistrationState.REGISTERED
    )
    assert registered_branches.exists()  # the generator does make some
    assert PublicationSite.objects.filter(
        publication__organisation__branches__isnull=False
    ).exists()
    assert not PublicationSite.objects.filter(organisation__in=registered_branches).exists()


def test_too_few_organisations_for_the_headquarters_is_refused_and_writes_nothing():
    before = Organisation.objects.count()
    with pytest.raises(CommandError, match="not enough for 12 headquarters"):
        generate("--organisations", "30")
    assert Organisation.objects.count() == before
    assert not scale_data.scale_data_exists()
