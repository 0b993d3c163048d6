"""`manage.py bench_documents` (part of `make bench`): it builds, publishes and times the
documents, and leaves nothing behind. How fast is for the benchmark to say, not a test."""

import io
import json

import pytest
from django.core.management import call_command

from assessments.models import Answer
from organisations.models import Organisation
from publishing.models import Publication

pytestmark = pytest.mark.django_db


def test_bench_documents_times_both_builders_and_rolls_everything_back():
    out = io.StringIO()
    call_command("bench_documents", runs=1, sites=3, json=True, stdout=out)
    results = json.loads(out.getvalue())
    xlsx, pdf = sorted(results)
    assert xlsx.startswith("assessment xlsx (")
    assert pdf == "certificate pdf (3 sites)"
    assert all(figures["runs"] == 1 for figures in results.values())
    assert not Organisation.objects.exists()
    assert not Publication.objects.exists()
    assert not Answer.objects.exists()
