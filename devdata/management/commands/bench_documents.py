"""`manage.py bench_documents`: how long the spreadsheet export and a certificate take.

Builds a complete 2025-26 assessment in a transaction that is rolled back afterwards, then times
each builder several times and prints the figures (and JSON with --json).
"""

from __future__ import annotations

import datetime
import io
import json
import statistics
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from assessments import selectors as assessment_selectors
from assessments import services as assessment_services
from assessments.models import EvidenceItem
from assessments.vocabulary import STANDARDS_MET
from documents import selectors
from documents.builders import certificate, excel
from organisations.models import Organisation, OrganisationProfile, User
from publishing import services

ANSWERS = {
    "text": {"text": "We have a written procedure, reviewed every year by the manager."},
    "yes_no": {"choice": "yes"},
    "yes_no_text": {"choice": "yes", "text": "Checked at the last audit."},
    "date": {"date": datetime.date(2025, 9, 1)},
    "number": {"number": 12},
    "document": {"document_location": "Policies folder, manager's office"},
}


class _Rollback(Exception):
    pass


class Command(BaseCommand):
    help = "Times the assessment spreadsheet and the PDF certificate builders."

    def add_arguments(self, parser):
        parser.add_argument("--runs", type=int, default=10)
        parser.add_argument("--sites", type=int, default=0, help="branches on the certificate")
        parser.add_argument("--json", action="store_true", help="print JSON instead of a table")

    def handle(self, *args, runs: int, sites: int, json: bool, **options):
        results = {}
        try:
            with transaction.atomic():
                results = self._measure(runs=runs, sites=sites)
                raise _Rollback
        except _Rollback:
            pass
        if json:
            self.stdout.write(_dumps(results))
            return
        self.stdout.write(f"{'document':<34}{'runs':>6}{'median ms':>12}{'p95 ms':>10}")
        for name, figures in results.items():
            self.stdout.write(
                f"{name:<34}{figures['runs']:>6}{figures['median_ms']:>12.1f}{figures['p95_ms']:>10.1f}"
            )

    def _measure(self, *, runs: int, sites: int) -> dict:
        bank_file = settings.BASE_DIR / "fixtures" / "question-bank-2025-26.yaml"
        call_command("load_question_bank", str(bank_file), stdout=io.StringIO())
        bank = assessment_selectors.bank_get(year="2025-26")
        kind = Organisation.Kind.HEADQUARTERS if sites else Organisation.Kind.SITE
        organisation = Organisation.objects.create(
            ods_code="ZZBENCH1",
            name="Benchmark Care Home",
            kind=kind,
            registration_state=Organisation.RegistrationState.REGISTERED,
            registered_at=datetime.datetime.now(datetime.UTC),
            town="Leeds",
            postcode="LS1 1AA",
        )
        OrganisationProfile.objects.create(organisation=organisation)
        Organisation.objects.bulk_create(
            Organisation(ods_code=f"ZZB{n:05d}", name=f"Branch {n}", parent=organisation)
            for n in range(sites)
        )
        user = User.objects.create_user("bench@example.invalid", None, full_name="Bench Mark")
        assessment = assessment_services.assessment_get_or_create(
            organisation=organisation, bank=bank
        )
        for item in assessment_selectors.bank_items(bank=bank):
            assessment_services.answer_save(
                assessment=assessment,
                item=item,
                values={**_meeting_answer(item), "comments": ""},
                expected_version=0,
                user=user,
            )
        publication = services.publication_create(
            assessment=assessment,
            level=STANDARDS_MET,
            site_ids=list(organisation.branches.values_list("pk", flat=True)),
            sequence=1,
            user=user,
        )

        def xlsx():
            excel.build_assessment_workbook(selectors.assessment_workbook(assessment=assessment))

        def pdf():
            certificate.build_certificate_pdf(selectors.certificate_data(publication=publication))

        pdf()  # the first build loads WeasyPrint and its fonts; people pay that once per worker
        return {
            f"assessment xlsx ({bank.items.count()} items)": _time(xlsx, runs),
            f"certificate pdf ({sites} sites)": _time(pdf, runs),
        }


def _meeting_answer(item: EvidenceItem) -> dict:
    """An answer that meets what the item asks (as assessments.rules judges it), so the
    assessment can be published at Standards Met."""
    meets = assessment_selectors.rule_item(item).meets
    values = dict(ANSWERS.get(item.answer_type, {}))
    if meets.answers:
        values["choice"] = meets.answers[0]
    elif item.answer_type == "choice":
        values["choice"] = item.options[0]["value"]
    if meets.at_least is not None:
        values["number"] = meets.at_least
    if meets.within_months is not None:
        values["date"] = timezone.localdate()
    return values


def _time(function, runs: int) -> dict:
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        timings.append((time.perf_counter() - start) * 1000)
    timings.sort()
    return {
        "runs": runs,
        "median_ms": statistics.median(timings),
        "p95_ms": timings[min(len(timings) - 1, round(0.95 * (len(timings) - 1)))],
    }


def _dumps(results: dict) -> str:
    return json.dumps(results, indent=2)
