"""Directory and question bank uploads on the helpdesk: the rules, the job service and task, the
pages, and who may use them. Tasks run in-process here (eager); tests/test_celery_worker.py runs
an import through a real worker."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path

import kombu.exceptions
import openpyxl
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from assessments.models import EvidenceItem, QuestionBank
from assessments.services import assessment_get_or_create
from audit.models import AuditEvent
from audit.services import Actor
from documents.jobs import Staleness
from helpdesk import imports, services, tasks
from helpdesk.models import ImportJob, Operator
from helpdesk.roles import HelpdeskRole
from helpdesk.rules import bank_replace_refusal, import_kind_problem, import_size_problem
from organisations.models import Organisation

from ..factories import UserFactory
from ..people import as_person, verified_device

DATA = Path(__file__).resolve().parent.parent / "data"
SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"
EXPORT_2019 = SHARED / "dspt-organisation-search-2019-06.xlsx"
ODS_TRUSTS = SHARED / "ods-etr-2023.csv"
EXPORT_LATER = DATA / "organisation-search-2023.csv"
BANK_2025 = Path(settings.BASE_DIR) / "fixtures" / "question-bank-2025-26.yaml"

NEW = reverse("helpdesk:import-new")
HEADER = "Code,Organisation Name,Status,Date Of Publication,Primary Sector"
MB = 1024 * 1024


def _bank_2026() -> bytes:
    text = BANK_2025.read_text(encoding="utf-8")
    for old, new in (
        ('version: "2025-26"', 'version: "2026-27"'),
        ('publication_deadline: "2026-06-30"', 'publication_deadline: "2027-06-30"'),
        ('version: "2024-25"', 'version: "2025-26"'),
    ):
        assert old in text
        text = text.replace(old, new)
    return text.encode("utf-8")


def _csv(*rows: str, header: str = HEADER) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode("utf-8")


def _upload(data: bytes, name: str = "organisation-search.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


def _staff(role: str = HelpdeskRole.OPERATOR, email: str = ""):
    user = UserFactory(email=email or f"{role}@helpdesk.example", full_name=f"Sam {role}")
    Operator.objects.create(user=user, role=role)
    return user


@pytest.fixture
def operator(db):
    return _staff(HelpdeskRole.OPERATOR)


@pytest.fixture
def operator_client(client, operator):
    as_person(client, (operator, verified_device(operator)))
    return client


@pytest.fixture
def auditor_client(client, db):
    auditor = _staff(HelpdeskRole.AUDITOR)
    as_person(client, (auditor, verified_device(auditor)))
    return client


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def _start(operator, data: bytes, *, kind=ImportJob.Kind.TOOLKIT_EXPORT, name="export.csv", **kw):
    return services.import_job_start(
        actor=Actor(user=operator), kind=kind, upload=_upload(data, name), **kw
    )


# --- Rules ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("size", "problem"),
    [
        (0, "The selected file is empty"),
        (1, None),
        (10 * MB, None),
        (10 * MB + 1, "The selected file must be smaller than 10 MB (it is 10.0 MB)"),
        (25 * MB, "The selected file must be smaller than 10 MB (it is 25.0 MB)"),
    ],
)
def test_import_size(size, problem):
    assert import_size_problem(size=size, max_bytes=10 * MB) == problem


@pytest.mark.parametrize(
    ("kind", "detected", "problem"),
    [
        ("ods", "ods", None),
        ("toolkit_export", "toolkit_export", None),
        ("ods", "toolkit_export", "a toolkit directory export, not an NHS ODS file"),
        ("toolkit_export", "ods", "an NHS ODS file, not a toolkit directory export"),
    ],
)
def test_import_kind(kind, detected, problem):
    found = import_kind_problem(kind=kind, detected=detected)
    assert (found is None) if problem is None else (problem in found)


@pytest.mark.parametrize(
    ("exists", "assessments", "identical", "refused"),
    [
        (False, 0, False, False),  # a new year
        (True, 0, False, False),  # nobody started it yet: corrections are fine
        (True, 3, True, False),  # the same bank again
        (True, 1, False, True),
        (True, 3, False, True),
    ],
)
def test_a_bank_with_assessments_only_takes_the_same_bank(exists, assessments, identical, refused):
    why = bank_replace_refusal(
        year="2025-26", exists=exists, assessments=assessments, identical=identical
    )
    assert (why is not None) is refused
    if refused:
        assert why.startswith("The 2025-26 question bank was not changed: ")
        assert "already started its assessment" in why


@pytest.mark.parametrize(
    ("state", "minutes", "staleness"),
    [
        ("queued", 9, Staleness.FRESH),
        ("queued", 11, Staleness.STALE),
        ("queued", 31, Staleness.ABANDONED),
        ("running", 19, Staleness.FRESH),
        ("running", 21, Staleness.STALE),
        ("running", 61, Staleness.ABANDONED),
        ("done", 10_000, Staleness.FRESH),
        ("failed", 10_000, Staleness.FRESH),
    ],
)
def test_when_an_import_is_stuck(state, minutes, staleness):
    age = dt.timedelta(minutes=minutes)
    assert imports.import_staleness(state=state, age=age) is staleness


# --- The service and the task ---------------------------------------------------------------------


@pytest.mark.django_db
def test_an_export_is_stored_queued_and_imported_with_its_report(operator):
    data = _csv(
        "VM8L1,Langdale House (VM8L1),23/24 Standards Met,01/07/2024,Care Home",
        "V0002,,,,Care Home",
        "V0003,Third,,,Hospital",
        "V0004,Fourth,,,CCG / Integrated Care Board (ICB)",
        header=HEADER + ",Region",
    )
    job = _start(operator, data, notes="From the toolkit team")
    job.refresh_from_db()
    assert job.state == ImportJob.State.DONE, job.error
    assert (job.created, job.updated, job.unchanged, job.rejected) == (3, 0, 0, 1)
    assert job.rejected_rows == [[3, "the organisation name is empty"]]
    assert job.unknown_columns == ["Region"]
    assert job.unknown_values == [{"column": "Primary Sector", "value": "Hospital", "rows": 1}]
    assert job.description == "toolkit organisation search export (later layout, CSV)"
    assert job.attempts == 1
    assert job.notes == "From the toolkit team"
    assert job.file.read() == data
    assert Organisation.objects.get(ods_code="V0004").primary_sector == "ICB"
    event = AuditEvent.objects.get(event="helpdesk_import_started")
    assert event.user == operator
    assert "export.csv uploaded for import" in event.detail


@pytest.mark.django_db
def test_an_ods_file_guesses_its_sector_from_its_own_name(operator):
    job = _start(
        operator, ODS_TRUSTS.read_bytes(), kind=ImportJob.Kind.ODS, name="ods-etr-2023.csv"
    )
    job.refresh_from_db()
    assert job.state == ImportJob.State.DONE, job.error
    assert job.file_name == "ods-etr-2023.csv"
    assert "sector NHS Trust" in job.description
    assert Organisation.objects.filter(primary_sector="NHS Trust").count() == job.created > 100


@pytest.mark.django_db
def test_an_ods_file_with_a_chosen_sector(operator):
    job = _start(
        operator,
        ODS_TRUSTS.read_bytes(),
        kind=ImportJob.Kind.ODS,
        name="trusts.csv",
        sector="Acute",
    )
    job.refresh_from_db()
    assert Organisation.objects.filter(primary_sector="Acute").count() == job.created > 100


def _xlsx(rows) -> bytes:
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("data", "kind", "message"),
    [
        (b"", "toolkit_export", "The selected file is empty"),
        (b"\n \n", "toolkit_export", "The file is empty."),
        (b"\x00\x01\x02binary", "toolkit_export", "neither a CSV file nor an Excel .xlsx"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest", "toolkit_export", "old-style Excel .xls"),
        (b"PK\x03\x04not really", "toolkit_export", "not an Excel .xlsx workbook"),
        (b"Code;Name;Status\nV1;A;B\n", "toolkit_export", "semicolons between columns"),
        (b"Name,Code\nA,V0001\n", "toolkit_export", "The file has no Status"),
        (_csv("VM8L1,Langdale,,,Care Home"), "ods", "not an NHS ODS file"),
        (ODS_TRUSTS.read_bytes(), "toolkit_export", "not a toolkit directory export"),
        (_xlsx([["Code", "Name"]]), "ods", "not an NHS ODS file"),
    ],
)
@pytest.mark.django_db
def test_a_file_the_import_cannot_use_is_refused_and_nothing_stored(operator, data, kind, message):
    with pytest.raises(services.UploadRefused) as refused:
        _start(operator, data, kind=kind)
    assert message in refused.value.message
    assert refused.value.status == 400
    assert not ImportJob.objects.exists()
    assert not AuditEvent.objects.filter(event="helpdesk_import_started").exists()
    assert not (Path(settings.MEDIA_ROOT) / "helpdesk").exists()


@pytest.mark.django_db
def test_an_oversized_file_is_refused_with_413(operator):
    with pytest.raises(services.UploadRefused) as refused:
        services.import_job_start(
            actor=Actor(user=operator),
            kind=ImportJob.Kind.TOOLKIT_EXPORT,
            upload=_upload(_csv("VM8L1,Langdale,,,Care Home")),
            max_bytes=10,
        )
    assert refused.value.status == 413
    assert "must be smaller than" in refused.value.message
    assert not ImportJob.objects.exists()


@pytest.mark.django_db
def test_a_workbook_with_a_wrong_header_fails_on_its_page_with_the_reason(operator):
    job = _start(operator, _xlsx([["Code", "Name"], ["V0001", "A"]]), name="export.xlsx")
    job.refresh_from_db()
    assert job.state == ImportJob.State.FAILED
    assert job.error.startswith("The file has no Status")
    assert not imports.import_job_may_retry(job)  # the same file would fail the same way
    assert not Organisation.objects.exists()


@pytest.mark.django_db
def test_a_file_clashing_with_a_change_made_meanwhile_fails_with_nothing_written(
    operator, monkeypatch
):
    from django.db import IntegrityError

    def clash(**kwargs):
        raise IntegrityError("duplicate key value violates unique constraint")

    monkeypatch.setattr(imports, "directory_import", clash)
    job = _start(operator, _csv("VM8L1,Langdale,,,Care Home"))
    job.refresh_from_db()
    assert job.state == ImportJob.State.FAILED
    assert "the directory changed while this file was being imported" in job.error


@pytest.mark.django_db
def test_a_fault_in_the_import_fails_the_job_and_may_be_tried_again(operator, monkeypatch):
    real = imports.directory_import
    monkeypatch.setattr(imports, "directory_import", lambda **kw: 1 / 0)
    job = _start(operator, _csv("VM8L1,Langdale,,,Care Home"))
    job.refresh_from_db()
    assert job.state == ImportJob.State.FAILED
    assert job.error == imports.FAILED_MESSAGE
    assert imports.import_job_may_retry(job)

    monkeypatch.setattr(imports, "directory_import", real)
    job = services.import_job_retry(actor=Actor(user=operator), job=job)
    job.refresh_from_db()
    assert job.state == ImportJob.State.DONE
    assert (job.created, job.attempts) == (1, 2)


@pytest.mark.django_db
def test_try_again_sends_a_stuck_job_once(operator, monkeypatch):
    sent = []
    monkeypatch.setattr(tasks.run_import, "delay", lambda job_id: sent.append(job_id))
    job = _start(operator, _csv("VM8L1,Langdale,,,Care Home"))
    assert sent == [job.pk]
    long_ago = timezone.now() - dt.timedelta(minutes=11)
    ImportJob.objects.filter(pk=job.pk).update(updated_at=long_ago)
    stuck = ImportJob.objects.get(pk=job.pk)
    seen_by_another = ImportJob.objects.get(pk=job.pk)

    services.import_job_retry(actor=Actor(user=operator), job=stuck)
    services.import_job_retry(actor=Actor(user=operator), job=seen_by_another)  # pressed twice
    assert sent == [job.pk, job.pk]

    fresh = ImportJob.objects.get(pk=job.pk)
    services.import_job_retry(actor=Actor(user=operator), job=fresh)  # not stuck: left be
    assert sent == [job.pk, job.pk]


@pytest.mark.django_db
def test_a_broker_that_cannot_be_reached_fails_the_job_at_once(operator, monkeypatch):
    def down(job_id):
        raise kombu.exceptions.OperationalError("Connection refused")

    monkeypatch.setattr(tasks.run_import, "delay", down)
    with pytest.raises(services.ImportNotStarted):
        _start(operator, _csv("VM8L1,Langdale,,,Care Home"))
    job = ImportJob.objects.get()
    assert job.state == ImportJob.State.FAILED
    assert job.error == imports.NOT_STARTED_MESSAGE
    assert imports.import_job_may_retry(job)
    assert not Organisation.objects.exists()


@pytest.mark.django_db
def test_a_finished_job_run_again_is_left_as_it_is(operator):
    job = _start(operator, _csv("VM8L1,Langdale,,,Care Home"))
    Organisation.objects.all().delete()
    assert imports.import_job_run(job_id=job.pk).state == ImportJob.State.DONE
    assert not Organisation.objects.exists()


@pytest.mark.django_db
def test_the_sweep_fails_long_abandoned_imports_only(operator, monkeypatch):
    monkeypatch.setattr(tasks.run_import, "delay", lambda job_id: None)
    old = _start(operator, _csv("VM8L1,Langdale,,,Care Home"))
    young = _start(operator, _csv("VM8L1,Langdale,,,Care Home"))
    ImportJob.objects.filter(pk=old.pk).update(
        state=ImportJob.State.RUNNING, updated_at=timezone.now() - dt.timedelta(hours=2)
    )
    assert tasks.fail_abandoned_import_jobs() == 1
    assert ImportJob.objects.get(pk=old.pk).state == ImportJob.State.FAILED
    assert ImportJob.objects.get(pk=young.pk).state == ImportJob.State.QUEUED


@pytest.mark.django_db(transaction=True)
def test_progress_is_written_where_the_page_sees_it_every_n_rows(operator, monkeypatch):
    monkeypatch.setattr(tasks.run_import, "delay", lambda job_id: None)
    job = _start(operator, _csv("VM8L1,Langdale,,,Care Home"))
    progress = imports._Progress(job.pk)
    written = []
    try:
        report = progress.stage(ImportJob.Stage.READING)
        with transaction.atomic():  # as the import's own transaction: the page still sees it
            for done in (1, 999, 1000, 1500, 2000, 2100):
                report(done, 2100)
                seen = ImportJob.objects.using("default").values_list("progress_done").get()
                written.append(seen[0])
    finally:
        progress.close()
    # The first call, then once 1,000 rows more are done than last written, then the last.
    assert written == [1, 1, 1, 1500, 1500, 2100]
    job.refresh_from_db()
    assert (job.stage, job.progress_done, job.progress_total) == ("reading", 2100, 2100)
    assert connection.vendor == "postgresql"


# --- The question bank ----------------------------------------------------------------------------


def _load_bank(operator, data: bytes, name: str = "question-bank-2026-27.yaml"):
    return services.question_bank_upload(actor=Actor(user=operator), upload=_upload(data, name))


@pytest.mark.django_db
def test_next_years_bank_is_checked_then_loaded(operator):
    job = _load_bank(operator, _bank_2026())
    assert job.state == ImportJob.State.DONE
    assert job.description == "DSPT 2026-27 question bank created"
    assert (job.created, job.updated, job.unchanged) == (51, 0, 0)
    bank = QuestionBank.objects.get(year="2026-27")
    assert bank.previous_year == "2025-26"
    assert EvidenceItem.objects.filter(bank=bank).count() == 51
    assert AuditEvent.objects.filter(event="helpdesk_bank_loaded").count() == 1

    again = _load_bank(operator, _bank_2026())
    assert again.description == "DSPT 2026-27 question bank unchanged"
    assert (again.created, again.updated, again.unchanged) == (0, 0, 51)


@pytest.mark.django_db
def test_a_bank_with_problems_lists_them_all_and_changes_nothing(operator):
    text = _bank_2026().decode()
    text = text.replace("level: approaching", "level: approachin", 1).replace(
        "answer_type: yes_no\n", "answer_type: yes_or_no\n", 1
    )
    with pytest.raises(services.UploadRefused) as refused:
        _load_bank(operator, text.encode())
    assert refused.value.message == "The question bank has problems. Nothing was changed."
    assert len(refused.value.problems) >= 2
    assert any("approachin" in p for p in refused.value.problems)
    assert any("yes_or_no" in p for p in refused.value.problems)
    assert not QuestionBank.objects.exists()
    assert not ImportJob.objects.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The selected file is empty"),
        ("version: 2026-27\n\u00e9".encode("cp1252"), "is not UTF-8 text"),
        (b"- just\n- a list\n", "The question bank has problems"),
    ],
)
@pytest.mark.django_db
def test_a_file_that_is_not_a_bank_is_refused(operator, data, message):
    with pytest.raises(services.UploadRefused) as refused:
        _load_bank(operator, data)
    assert message in refused.value.message
    assert not QuestionBank.objects.exists()


@pytest.mark.django_db
def test_an_oversized_bank_is_refused_before_it_is_read(operator):
    with pytest.raises(services.UploadRefused) as refused:
        _load_bank(operator, b"#" * (2 * MB + 1))
    assert refused.value.status == 413
    assert "at most 2,097,152 bytes" in refused.value.problems[0]


@pytest.mark.django_db
def test_a_year_with_assessments_takes_only_the_same_bank_again(operator, organisation):
    _load_bank(operator, _bank_2026())
    bank = QuestionBank.objects.get(year="2026-27")
    assessment_get_or_create(organisation=organisation, bank=bank)

    # The same bank, with a comment added: nothing it defines changes, so it is accepted.
    same = _load_bank(operator, _bank_2026() + b"\n# checked again\n")
    assert same.state == ImportJob.State.DONE

    changed = _bank_2026().replace(
        b'publication_deadline: "2027-06-30"', b'publication_deadline: "2027-03-31"'
    )
    before = list(EvidenceItem.objects.filter(bank=bank).values_list("ref", "text"))
    with pytest.raises(services.UploadRefused) as refused:
        _load_bank(operator, changed)
    assert refused.value.status == 409
    assert refused.value.message.startswith(
        "The 2026-27 question bank was not changed: 1 organisation has already started"
    )
    bank.refresh_from_db()
    assert bank.publication_deadline == dt.date(2027, 6, 30)
    assert list(EvidenceItem.objects.filter(bank=bank).values_list("ref", "text")) == before


# --- Pages ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_operator_uploads_and_reads_the_result(operator_client):
    data = _csv(
        "VM8L1,Langdale House,,,Care Home",
        "V0002,,,,Care Home",
        'V0003,=HYPERLINK("http://evil.example"),,,Hospital',
    )
    response = operator_client.post(
        NEW, {"kind": "toolkit_export", "file": _upload(data, "-export.csv"), "notes": ""}
    )
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("helpdesk:import", args=[job.pk])

    page = operator_client.get(response["Location"]).content.decode()
    assert "What the import did" in page
    counts = dict(
        re.findall(r'__key">(\w+)</dt><dd class="nhsuk-summary-list__value">(\d+)<', page)
    )
    assert counts == {"Created": "2", "Updated": "0", "Unchanged": "0", "Rejected": "1"}
    assert "Download the 1 rejected row (CSV)" in page
    assert "Hospital" in page  # a value not understood, with its count
    assert "<progress" not in page  # finished: no progress bar, no polling

    download = operator_client.get(reverse("helpdesk:import-rejected", args=[job.pk]))
    assert download["Content-Type"] == "text/csv"
    rows = list(csv.reader(io.StringIO(download.content.decode("utf-8-sig"))))
    assert rows == [
        ["Row", "Reason", "File"],
        ["3", "the organisation name is empty", "'-export.csv"],
    ]

    listing = operator_client.get(reverse("helpdesk:imports")).content.decode()
    assert "-export.csv" in listing
    assert "Finished" in listing


@pytest.mark.django_db
def test_a_running_import_shows_its_progress_and_can_be_checked_without_script(
    operator_client, operator, monkeypatch
):
    monkeypatch.setattr(tasks.run_import, "delay", lambda job_id: None)
    job = _start(operator, _csv("VM8L1,Langdale,,,Care Home"))
    ImportJob.objects.filter(pk=job.pk).update(
        state=ImportJob.State.RUNNING,
        stage=ImportJob.Stage.SAVING,
        progress_done=12000,
        progress_total=31970,
    )
    page = operator_client.get(reverse("helpdesk:import", args=[job.pk])).content.decode()
    assert re.search(
        r'<progress class="app-progress" id="import-progress-bar" data-job-progress '
        r'max="100" value="68"',
        page,
    )
    assert "Saving the organisations: 12,000 of 31,970 rows" in page
    assert "Check again" in page
    assert "http-equiv" not in page  # no meta refresh
    assert "js/job-status.js" in page

    status = operator_client.get(reverse("helpdesk:import-status", args=[job.pk])).json()
    assert status == {
        "state": "running",
        "finished": False,
        "percent": 68,
        "text": "Saving the organisations: 12,000 of 31,970 rows",
    }
    ImportJob.objects.filter(pk=job.pk).update(updated_at=timezone.now() - dt.timedelta(hours=1))
    stuck = operator_client.get(reverse("helpdesk:import", args=[job.pk])).content.decode()
    assert "Taking too long" in stuck
    assert "Try again" in stuck
    assert operator_client.get(reverse("helpdesk:import-status", args=[job.pk])).json()["finished"]


@pytest.mark.django_db
def test_a_failed_import_says_why_on_its_page(operator_client, operator):
    job = _start(operator, _xlsx([["Code", "Name"], ["V0001", "A"]]), name="export.xlsx")
    page = operator_client.get(reverse("helpdesk:import", args=[job.pk])).content.decode()
    assert "The import did not finish" in page
    assert "The file has no Status" in page
    assert "Try again" not in page
    assert "Upload a corrected file" in page


@pytest.mark.parametrize(
    ("post", "status", "message"),
    [
        ({"kind": "toolkit_export"}, 400, "Select a file"),
        ({"file": "csv"}, 400, "Select what you are uploading"),
        ({"kind": "toolkit_export", "file": "empty"}, 400, "The selected file is empty"),
        ({"kind": "ods", "file": "csv"}, 400, "not an NHS ODS file"),
        ({"kind": "toolkit_export", "file": "binary"}, 400, "neither a CSV file nor an Excel"),
        ({"kind": "toolkit_export", "file": "big"}, 413, "must be smaller than 10 MB"),
        ({"kind": "toolkit_export", "file": "csv", "notes": "x" * 501}, 400, "Notes must be 500"),
    ],
)
@pytest.mark.django_db
def test_bad_uploads_show_the_form_again_with_the_problem(operator_client, post, status, message):
    files = {
        "csv": _csv("VM8L1,Langdale,,,Care Home"),
        "empty": b"",
        "binary": b"\x00\x01\x02\x03",
        "big": b"x" * (10 * MB + 1),
    }
    if "file" in post:
        post = {**post, "file": _upload(files[post["file"]])}
    response = operator_client.post(NEW, post)
    assert response.status_code == status
    page = response.content.decode()
    assert "There is a problem" in page
    assert message in page
    assert page.count('class="nhsuk-error-summary"') == 1
    assert not ImportJob.objects.exists()


@pytest.mark.django_db
def test_a_bad_bank_lists_its_problems_on_the_page_and_nothing_changes(operator_client):
    text = _bank_2026().decode().replace("level: approaching", "level: approachin", 1)
    response = operator_client.post(
        NEW, {"kind": "question_bank", "file": _upload(text.encode(), "bank.yaml")}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "The question bank has problems. Nothing was changed." in page
    problems = re.search(r'<ul id="bank-problems">(.*?)</ul>', page, re.S).group(1)
    assert "approachin" in problems
    assert not QuestionBank.objects.exists()


@pytest.mark.django_db
def test_a_good_bank_goes_to_its_result(operator_client):
    response = operator_client.post(
        NEW, {"kind": "question_bank", "file": _upload(_bank_2026(), "bank.yaml")}
    )
    assert response.status_code == 302
    page = operator_client.get(response["Location"]).content.decode()
    assert "DSPT 2026-27 question bank created" in page
    assert "Items created</dt>" in page


@pytest.mark.django_db
def test_the_page_says_when_no_worker_can_be_asked(operator_client, monkeypatch):
    def down(job_id):
        raise kombu.exceptions.OperationalError("Connection refused")

    monkeypatch.setattr(tasks.run_import, "delay", down)
    response = operator_client.post(
        NEW, {"kind": "toolkit_export", "file": _upload(_csv("VM8L1,Langdale,,,Care Home"))}
    )
    assert response.status_code == 503
    assert "We could not start the import" in response.content.decode()


@pytest.mark.django_db
def test_an_auditor_reads_but_cannot_upload_or_retry(auditor_client, operator):
    job = _start(operator, _csv("VM8L1,Langdale,,,Care Home"))
    assert auditor_client.get(reverse("helpdesk:import", args=[job.pk])).status_code == 200
    form = auditor_client.get(NEW).content.decode()
    assert "Only helpdesk operators can upload files" in form
    assert (
        "<input" not in form.split("<main", 1)[1].split("</main>", 1)[0]
        or 'type="file"' not in form
    )
    response = auditor_client.post(
        NEW, {"kind": "toolkit_export", "file": _upload(_csv("V0009,Nine,,,Care Home"))}
    )
    assert response.status_code == 403
    assert ImportJob.objects.count() == 1
    assert not Organisation.objects.filter(ods_code="V0009").exists()
    assert auditor_client.post(reverse("helpdesk:import-retry", args=[job.pk])).status_code == 403


@pytest.mark.django_db
def test_people_who_are_not_helpdesk_staff_are_refused(client, administrator, operator):
    job = _start(operator, _csv("VM8L1,Langdale,,,Care Home"))
    as_person(client, (administrator, verified_device(administrator)))
    assert client.get(reverse("helpdesk:imports")).status_code == 403
    assert client.get(reverse("helpdesk:import-rejected", args=[job.pk])).status_code == 403
    response = client.post(
        NEW, {"kind": "toolkit_export", "file": _upload(_csv("V0009,Nine,,,Care Home"))}
    )
    assert response.status_code == 403
    assert not Organisation.objects.filter(ods_code="V0009").exists()


@pytest.mark.django_db
def test_an_operator_without_a_second_factor_is_sent_to_set_one_up(client, operator):
    client.force_login(operator)  # signed in, but no verified device in this session
    response = client.post(
        NEW, {"kind": "toolkit_export", "file": _upload(_csv("V0009,Nine,,,Care Home"))}
    )
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa-setup"))
    assert not ImportJob.objects.exists()


@pytest.mark.django_db
def test_an_unknown_import_is_not_found(operator_client):
    assert operator_client.get(reverse("helpdesk:import", args=[999])).status_code == 404
    assert operator_client.get(reverse("helpdesk:import-rejected", args=[999])).status_code == 404


# --- The real 2019 export: the page and the command agree -----------------------------------------


def _counts(text: str) -> tuple[int, ...]:
    found = re.search(r"Created: (\d+)  Updated: (\d+)  Unchanged: (\d+)  Rejected: (\d+)", text)
    return tuple(int(n) for n in found.groups())


@pytest.mark.slow
@pytest.mark.django_db
def test_the_real_2019_export_through_the_page_gives_the_commands_counts(operator_client):
    # A file already partly known, so that created, updated and unchanged all count.
    call_command("import_organisations", str(EXPORT_LATER), stdout=io.StringIO())
    Organisation.objects.filter(ods_code="204").update(name="Old name")

    with transaction.atomic():  # the command, on the same starting data, then rolled back
        out = io.StringIO()
        call_command("import_organisations", str(EXPORT_2019), "--quiet", stdout=out)
        by_command = _counts(out.getvalue())
        transaction.set_rollback(True)
    assert Organisation.objects.get(ods_code="204").name == "Old name"

    upload = _upload(EXPORT_2019.read_bytes(), EXPORT_2019.name)
    response = operator_client.post(NEW, {"kind": "toolkit_export", "file": upload})
    assert response.status_code == 302
    job = ImportJob.objects.get()
    assert job.state == ImportJob.State.DONE, job.error
    by_page = (job.created, job.updated, job.unchanged, job.rejected)
    assert by_page == by_command
    assert sum(by_page) == 31970
    assert job.updated >= 1
    assert job.unchanged >= 1
    assert Organisation.objects.get(ods_code="204").name == (
        "BARNSLEY METROPOLITAN BOROUGH COUNCIL"
    )
    page = operator_client.get(response["Location"]).content.decode()
    assert f'<dd class="nhsuk-summary-list__value">{job.created:,}</dd>' in page
