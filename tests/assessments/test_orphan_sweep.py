"""The sweep that removes evidence files no row refers to: only those, and never a young one."""

import os
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from assessments import services
from assessments.models import Document
from assessments.tasks import remove_orphan_evidence_files
from dspt_portal.celery_schedule import CELERY_BEAT_SCHEDULE

from ..factories import library_document_with_file

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return Path(settings.MEDIA_ROOT)


def put(media: Path, name: str, *, hours_old: float) -> Path:
    path = media / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"%PDF-1.4 evidence")
    then = time.time() - hours_old * 3600
    os.utime(path, (then, then))
    return path


def kept_document(organisation, media: Path, *, hours_old: float) -> Document:
    document = library_document_with_file(
        organisation, content=b"%PDF-1.4 evidence"
    ).current_version
    then = time.time() - hours_old * 3600
    os.utime(media / document.file.name, (then, then))
    return document


def test_only_old_files_without_a_row_are_removed(organisation, media):
    document = kept_document(organisation, media, hours_old=5)
    orphan = put(media, f"evidence/{organisation.pk}/abandoned", hours_old=2)
    young = put(media, f"evidence/{organisation.pk}/mid-upload", hours_old=0.5)
    other_folder = put(media, "documents/1/made-document", hours_old=10)

    removed = services.evidence_orphans_remove()

    assert removed == [f"evidence/{organisation.pk}/abandoned"]
    assert not orphan.exists()
    assert (media / document.file.name).exists()  # a row refers to it
    assert young.exists()  # may belong to an upload being saved right now
    assert other_folder.exists()  # not evidence: never looked at


def test_a_file_just_under_the_age_is_kept_and_just_over_is_removed(organisation, media):
    under = put(media, "evidence/1/under", hours_old=0.99)
    over = put(media, "evidence/1/over", hours_old=1.01)
    services.evidence_orphans_remove()
    assert under.exists()
    assert not over.exists()


def test_nothing_uploaded_yet_is_nothing_to_do(media):
    assert services.evidence_orphans_remove() == []


def test_the_periodic_task_and_its_schedule(organisation, media):
    put(media, "evidence/1/abandoned", hours_old=3)
    assert remove_orphan_evidence_files() == 1
    entry = CELERY_BEAT_SCHEDULE["remove-orphan-evidence-files"]
    assert entry["task"] == "assessments.remove_orphan_evidence_files"
    assert entry["schedule"] <= 60 * 60


def test_the_command_removes_orphans_and_refuses_an_age_under_an_hour(media, capsys):
    orphan = put(media, "evidence/1/abandoned", hours_old=3)
    with pytest.raises(CommandError):
        call_command("evidence_remove_orphans", "--min-age-minutes", "5")
    assert orphan.exists()
    call_command("evidence_remove_orphans")
    assert not orphan.exists()
    assert "1 orphan evidence file removed" in capsys.readouterr().out


def test_the_threshold_is_an_hour():
    assert timedelta(hours=1) == services.ORPHAN_MIN_AGE
