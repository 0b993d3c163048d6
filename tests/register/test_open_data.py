"""The open data file: the whole register as gzipped CSV in the toolkit's layout, made in the
background (or by `manage.py build_open_data`), served from storage."""

from __future__ import annotations

import csv
import datetime
import gzip
import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assessments.models import QuestionBank
from dspt_portal.celery_schedule import CELERY_BEAT_SCHEDULE
from organisations.models import Organisation
from register import services
from register.exports import EXPORT_HEADER
from register.models import OpenDataFile
from register.search import register_export_chunks
from register.tasks import build_open_data

from ..factories import OrganisationFactory, RegisteredOrganisationFactory, publication_build

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


@pytest.fixture
def directory(db):
    bank = QuestionBank.objects.create(
        year="2025-26", publication_deadline=TODAY + datetime.timedelta(days=30)
    )
    hq = RegisteredOrganisationFactory(
        name="Example Care Group", ods_code="AB12", kind=Organisation.Kind.HEADQUARTERS
    )
    branch = OrganisationFactory(name="Langdale House", ods_code="VM8L1", parent=hq)
    publication_build(hq, bank, sites=(branch,))
    OrganisationFactory(
        name="Beech Café",
        ods_code="VBE01",
        directory_status="Standards Met",
        directory_published_on=datetime.date(2019, 1, 25),
    )
    OrganisationFactory(name="+Plus Care", ods_code="VPL01")


def rows_of(data: bytes) -> list[list[str]]:
    text = gzip.decompress(data).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_the_command_makes_the_whole_register(directory, capsys):
    call_command("build_open_data")
    assert "4 organisations" in capsys.readouterr().out
    record = OpenDataFile.objects.get()
    assert record.built_on == TODAY
    assert record.organisations == 4
    data = record.file.read()
    assert record.size_bytes == len(data)
    rows = rows_of(data)
    assert rows[0] == list(EXPORT_HEADER)
    assert [row[0] for row in rows[1:]] == ["AB12", "VBE01", "VM8L1", "VPL01"]
    by_code = {row[0]: row for row in rows[1:]}
    assert by_code["VM8L1"][2] == "25/26 Standards Met"
    assert by_code["VM8L1"][6] == "No"
    assert by_code["VBE01"][1:4] == ["Beech Café", "18/19 Standards Met", "25/01/2019"]
    assert by_code["VBE01"][6] == "Yes"
    assert by_code["VPL01"][1:3] == ["'+Plus Care", "Not Published"]


def test_the_search_page_links_the_file_with_its_date_and_size(client, directory):
    assert reverse("open-data") not in client.get(reverse("organisation-search")).content.decode()
    services.open_data_file_build()
    page = client.get(reverse("organisation-search")).content.decode()
    assert reverse("open-data") in page
    assert f"Made {TODAY.day} " in page
    assert "bytes" in page or "KB" in page


def test_the_download_streams_the_stored_file(client, directory):
    record = services.open_data_file_build()
    response = client.get(reverse("open-data"))
    assert response.status_code == 200
    assert response.streaming  # read from storage as it goes, never built by the web worker
    body = b"".join(response.streaming_content)
    assert body == record.file.open("rb").read()
    assert response["Content-Type"] == "application/gzip"
    assert "Content-Encoding" not in response
    assert (
        f'filename="dspt-register-{TODAY.isoformat()}.csv.gz"' in (response["Content-Disposition"])
    )


def test_no_file_yet_is_a_404(client, db):
    assert client.get(reverse("open-data")).status_code == 404


def test_a_new_file_replaces_the_old_one_only_once_it_is_complete(directory, media, monkeypatch):
    first = services.open_data_file_build()
    first_path = media / first.file.name
    assert first_path.exists()

    def broken(**options):
        yield next(register_export_chunks(**options))[:1]
        raise ConnectionError("the database went away mid-file")

    monkeypatch.setattr(services, "register_export_chunks", broken)
    with pytest.raises(ConnectionError):
        services.open_data_file_build()
    # The previous file is still the one served, and nothing half-made was left behind.
    assert list(OpenDataFile.objects.all()) == [first]
    assert first_path.exists()
    assert sorted(p.name for p in (media / "open-data").iterdir()) == [first_path.name]

    monkeypatch.undo()
    second = services.open_data_file_build()
    assert list(OpenDataFile.objects.all()) == [second]
    assert not first_path.exists()
    assert (media / second.file.name).exists()


def test_the_register_is_read_a_chunk_at_a_time(directory):
    OrganisationFactory.create_batch(7)
    chunks = list(register_export_chunks(chunk_size=3))
    assert [len(chunk) for chunk in chunks] == [3, 3, 3, 2]
    codes = [org.ods_code for chunk in chunks for org, _ in chunk]
    assert codes == sorted(Organisation.objects.values_list("ods_code", flat=True))


def test_the_queries_grow_with_chunks_not_organisations(directory, monkeypatch):
    monkeypatch.setattr(services, "OPEN_DATA_CHUNK", 2)
    services.open_data_file_build()  # so each measured build replaces one file
    with CaptureQueriesContext(connection) as few:
        services.open_data_file_build()
    OrganisationFactory.create_batch(4)  # two more chunks of two
    with CaptureQueriesContext(connection) as more:
        services.open_data_file_build()
    # Each chunk: one query, organisations with their own and HQ latest publications.
    assert len(more.captured_queries) - len(few.captured_queries) == 2


def test_beat_makes_it_every_night(directory):
    entry = CELERY_BEAT_SCHEDULE["build-open-data"]
    assert entry["task"] == build_open_data.name
    assert build_open_data.apply().get() == 4  # the task, run in-process
    assert OpenDataFile.objects.get().organisations == 4
