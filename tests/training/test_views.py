"""The staff training register's pages, end to end through the test client: the list and its
figures, adding, changing, leaving, removing, recording and deleting training, importing, the
downloads; and the refusals (another organisation's ids, viewers, stale pages, no second
factor)."""

from __future__ import annotations

import datetime as dt
import io
from zoneinfo import ZoneInfo

import openpyxl
import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.models import AuditEvent, Event
from tests.factories import staff_member_build
from training.models import StaffMember, TrainingRecord, TrainingSource

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")

TODAY = dt.date(2026, 5, 1)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(dt.datetime(2026, 5, 1, 10, 0, tzinfo=LONDON), tick=False):
        yield


def date_fields(prefix: str, day: dt.date) -> dict[str, str]:
    return {
        f"{prefix}_0": str(day.day),
        f"{prefix}_1": str(day.month),
        f"{prefix}_2": str(day.year),
    }


def events(kind) -> list[str]:
    return list(AuditEvent.objects.filter(event=kind).values_list("detail", flat=True))


# --- The list --------------------------------------------------------------------------------


def test_the_list_shows_everyone_with_the_headline_and_statuses(client, viewer, organisation):
    for number in range(18):
        staff_member_build(organisation, f"Trained {number}", trained_on=dt.date(2026, 1, 1))
    staff_member_build(organisation, "Nearly Due", trained_on=dt.date(2025, 5, 20))
    staff_member_build(organisation, "Never Trained")
    staff_member_build(
        organisation, "Gone Away", leaving_date=dt.date(2026, 1, 1), trained_on=dt.date(2025, 1, 1)
    )
    client.force_login(viewer)
    page = client.get(reverse("staff-list")).content.decode()
    # 19 of 20 counted are trained: exactly 95 %.
    assert "19 of 20 people (95 %) trained in the last 12 months" in page
    assert "This meets the 95 %" in page
    assert "Due soon" in page
    assert "Never trained" in page
    assert ">Left<" in page
    assert "Add a person" not in page  # a viewer changes nothing
    assert "Fill 3.2.1" not in page


def test_the_as_at_date_shows_the_figure_on_another_day(client, member, organisation):
    staff_member_build(organisation, "Ann", trained_on=dt.date(2026, 1, 1))
    staff_member_build(organisation, "Bob", trained_on=dt.date(2025, 1, 1))
    client.force_login(member)
    today = client.get(reverse("staff-list")).content.decode()
    assert "1 of 2 people (50 %)" in today
    then = client.get(reverse("staff-list"), date_fields("as_at", dt.date(2025, 6, 1)))
    assert then.status_code == 200
    # Ann's training had not happened yet; Bob's counted.
    assert "1 of 2 people (50 %) trained in the last 12 months</strong> as at 1 June 2025" in (
        then.content.decode()
    )
    earlier = client.get(reverse("staff-list"), date_fields("as_at", dt.date(2024, 6, 1)))
    assert "0 of 2 people (0 %)" in earlier.content.decode()


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"as_at_0": "31", "as_at_1": "2", "as_at_2": "2026"}, "The date must be a real date"),
        ({"as_at_0": "1", "as_at_1": "", "as_at_2": "2026"}, "must include a month"),
        ({"as_at_0": "1", "as_at_1": "1", "as_at_2": "1990"}, "same as or after"),
        ({"status": "nonsense"}, "Choose who to show from the list"),
    ],
)
def test_a_bad_filter_is_an_error_summary_not_a_crash(client, member, query, message):
    client.force_login(member)
    response = client.get(reverse("staff-list"), query)
    assert response.status_code == 400
    page = response.content.decode()
    assert "There is a problem" in page
    assert message in page


def test_the_status_filter(client, member, organisation):
    staff_member_build(organisation, "Ann Trained", trained_on=dt.date(2026, 1, 1))
    staff_member_build(organisation, "Bob Never")
    client.force_login(member)
    page = client.get(reverse("staff-list"), {"status": "never_trained"}).content.decode()
    assert "Bob Never" in page
    assert "Ann Trained" not in page


# --- Adding and changing people ------------------------------------------------------------


def test_add_change_leave_and_remove_a_person(client, member, organisation):
    client.force_login(member)
    response = client.post(
        reverse("staff-add"),
        {
            "version": "0",
            "name": "  Ann   Smith ",
            "job_title": "Care assistant",
            "role": "staff",
            **date_fields("start_date", dt.date(2024, 2, 1)),
        },
    )
    ann = StaffMember.objects.get(organisation=organisation)
    assert response["Location"] == reverse("staff-detail", args=[ann.pk])
    assert (ann.name, ann.start_date, ann.version) == ("Ann Smith", dt.date(2024, 2, 1), 1)

    response = client.post(
        reverse("staff-edit", args=[ann.pk]),
        {"version": "1", "name": "Ann Smith", "job_title": "Senior carer", "role": "staff"},
    )
    assert response.status_code == 302
    ann.refresh_from_db()
    assert (ann.job_title, ann.start_date, ann.version) == ("Senior carer", None, 2)

    response = client.post(
        reverse("staff-leave", args=[ann.pk]),
        {"version": "2", **date_fields("leaving_date", dt.date(2026, 4, 30))},
    )
    assert response.status_code == 302
    ann.refresh_from_db()
    assert ann.leaving_date == dt.date(2026, 4, 30)

    assert client.get(reverse("staff-remove", args=[ann.pk])).status_code == 200
    assert StaffMember.objects.filter(pk=ann.pk).exists()  # the confirmation page removes nothing
    response = client.post(reverse("staff-remove", args=[ann.pk]), {"version": "3"})
    assert response["Location"] == reverse("staff-list")
    assert not StaffMember.objects.filter(pk=ann.pk).exists()
    assert len(events(Event.STAFF_ADDED)) == 1
    assert len(events(Event.STAFF_CHANGED)) == 1
    assert events(Event.STAFF_LEFT) == ["Ann Smith, leaving on 30 April 2026"]
    assert events(Event.STAFF_REMOVED) == ["Ann Smith and 0 training records"]


def test_a_save_from_a_stale_page_is_a_conflict_not_an_overwrite(client, member, organisation):
    ann = staff_member_build(organisation, "Ann Smith", job_title="Cook")
    client.force_login(member)
    # Someone else saves first (version 1 -> 2).
    assert (
        client.post(
            reverse("staff-edit", args=[ann.pk]),
            {"version": "1", "name": "Ann Smith", "job_title": "Chef", "role": "staff"},
        ).status_code
        == 302
    )
    stale = client.post(
        reverse("staff-edit", args=[ann.pk]),
        {"version": "1", "name": "Ann Smith", "job_title": "Kitchen porter", "role": "staff"},
    )
    assert stale.status_code == 409
    page = stale.content.decode()
    assert "changed Ann Smith&#x27;s details after you opened this page" in page
    assert "Chef" in page  # what is saved now is shown
    ann.refresh_from_db()
    assert ann.job_title == "Chef"
    for name, data in (
        ("staff-leave", {"version": "1", **date_fields("leaving_date", TODAY)}),
        ("staff-remove", {"version": "1"}),
    ):
        assert client.post(reverse(name, args=[ann.pk]), data).status_code == 409, name
    assert StaffMember.objects.get(pk=ann.pk).leaving_date is None


def test_the_person_form_refuses_bad_input(client, member):
    client.force_login(member)
    response = client.post(
        reverse("staff-add"),
        {
            "version": "0",
            "name": "",
            "role": "boss",
            **date_fields("start_date", dt.date(2025, 1, 1)),
            **date_fields("leaving_date", dt.date(2024, 1, 1)),
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Enter the person&#x27;s name" in page
    assert "The leaving date must be the same as or after the start date" in page
    assert not StaffMember.objects.exists()


# --- Training records -----------------------------------------------------------------------


def test_record_and_delete_training(client, member, organisation):
    ann = staff_member_build(organisation, "Ann Smith")
    client.force_login(member)
    response = client.post(
        reverse("training-add", args=[ann.pk]),
        {**date_fields("completed_on", dt.date(2026, 4, 1)), "course": "DSA 1", "provider": "X"},
    )
    assert response["Location"] == reverse("staff-detail", args=[ann.pk])
    record = TrainingRecord.objects.get(staff_member=ann)
    assert (record.completed_on, record.recorded_by, record.source) == (
        dt.date(2026, 4, 1),
        member,
        TrainingSource.RECORDED,
    )
    page = client.get(reverse("staff-detail", args=[ann.pk])).content.decode()
    assert "DSA 1" in page
    assert "counts until 1 April 2027" in page
    assert client.get(reverse("training-delete", args=[ann.pk, record.pk])).status_code == 200
    assert client.post(reverse("training-delete", args=[ann.pk, record.pk])).status_code == 302
    assert not TrainingRecord.objects.exists()
    assert events(Event.TRAINING_RECORDED) == ["Ann Smith: DSA 1 on 1 April 2026"]
    assert events(Event.TRAINING_DELETED) == ["Ann Smith: DSA 1 on 1 April 2026"]


@pytest.mark.parametrize(
    ("day", "message"),
    [
        (dt.date(2026, 5, 2), "The training date must be today or in the past"),
        (dt.date(1999, 12, 31), "The training date must be in the year 2000 or later"),
    ],
)
def test_training_dates_in_the_future_or_before_2000_are_refused(
    client, member, organisation, day, message
):
    ann = staff_member_build(organisation, "Ann Smith")
    client.force_login(member)
    response = client.post(
        reverse("training-add", args=[ann.pk]),
        {**date_fields("completed_on", day), "course": "DSA 1"},
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not TrainingRecord.objects.exists()


# --- Who may do what ------------------------------------------------------------------------


def test_another_organisations_people_and_records_are_not_found(
    client, member, organisation, other_organisation
):
    theirs = staff_member_build(other_organisation, "Their Person", trained_on=dt.date(2026, 1, 1))
    record = theirs.training_records.get()
    ours = staff_member_build(organisation, "Our Person", trained_on=dt.date(2026, 1, 1))
    client.force_login(member)
    for name, args in (
        ("staff-detail", [theirs.pk]),
        ("staff-edit", [theirs.pk]),
        ("staff-leave", [theirs.pk]),
        ("staff-remove", [theirs.pk]),
        ("training-add", [theirs.pk]),
        ("training-delete", [theirs.pk, record.pk]),
        # Our person with their record: the record is still not found.
        ("training-delete", [ours.pk, record.pk]),
    ):
        assert client.get(reverse(name, args=args)).status_code == 404, name
    forged = {
        "version": "1",
        "name": "Forged",
        "role": "staff",
        "course": "Forged",
        **date_fields("completed_on", dt.date(2026, 1, 1)),
        **date_fields("leaving_date", dt.date(2026, 1, 1)),
    }
    for name, args in (
        ("staff-edit", [theirs.pk]),
        ("staff-leave", [theirs.pk]),
        ("staff-remove", [theirs.pk]),
        ("training-add", [theirs.pk]),
        ("training-delete", [theirs.pk, record.pk]),
        ("training-delete", [ours.pk, record.pk]),
    ):
        assert client.post(reverse(name, args=args), forged).status_code == 404, name
    theirs.refresh_from_db()
    assert (theirs.name, theirs.leaving_date, theirs.version) == ("Their Person", None, 1)
    assert TrainingRecord.objects.filter(staff_member=theirs).count() == 1
    assert "Their Person" not in client.get(reverse("staff-list")).content.decode()


def test_a_viewer_can_see_but_not_change(client, viewer, organisation):
    ann = staff_member_build(organisation, "Ann Smith", trained_on=dt.date(2026, 1, 1))
    record = ann.training_records.get()
    client.force_login(viewer)
    assert client.get(reverse("staff-detail", args=[ann.pk])).status_code == 200
    for name, args in (
        ("staff-add", []),
        ("staff-edit", [ann.pk]),
        ("staff-leave", [ann.pk]),
        ("staff-remove", [ann.pk]),
        ("training-add", [ann.pk]),
        ("training-delete", [ann.pk, record.pk]),
        ("staff-import", []),
    ):
        assert client.post(reverse(name, args=args), {"version": "1"}).status_code == 403, name
    assert StaffMember.objects.get().version == 1
    assert TrainingRecord.objects.count() == 1


def test_a_session_without_its_second_factor_is_sent_to_verify(client, member, organisation):
    TOTPDevice.objects.create(user=member, name="Phone", confirmed=True)
    response = client.post(
        reverse("sign-in"), {"username": member.email, "password": "correct-horse-battery-9"}
    )
    assert response.status_code == 302
    for method, name in (("get", "staff-list"), ("post", "staff-add")):
        response = getattr(client, method)(
            reverse(name), {"version": "0", "name": "Sneaky", "role": "staff"}
        )
        assert response.status_code == 302, name
        assert response["Location"].startswith(reverse("mfa-verify")), name
    assert not StaffMember.objects.exists()


# --- Import ----------------------------------------------------------------------------------


def upload(data: bytes, name: str = "staff.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="text/csv")


def test_import_adds_everyone_with_their_training(client, member, organisation):
    client.force_login(member)
    data = (
        b"Name,Job title,Role,Start date,Last training date,Course\n"
        b"Ann Smith,Carer,,01/02/2024,15/03/2026,DSA 1\n"
        b"Bob Jones,Cook,,2023-09-01,,\n"
    )
    response = client.post(reverse("staff-import"), {"upload": upload(data)})
    assert response["Location"] == reverse("staff-list")
    assert sorted(StaffMember.objects.values_list("name", flat=True)) == ["Ann Smith", "Bob Jones"]
    record = TrainingRecord.objects.get()
    assert (record.staff_member.name, record.source) == ("Ann Smith", TrainingSource.IMPORTED)
    assert events(Event.STAFF_IMPORTED) == ["2 people and 1 training records from staff.csv"]
    # The same file again: both are already there, nobody is added twice.
    again = client.post(reverse("staff-import"), {"upload": upload(data)})
    assert again.status_code == 400
    assert "Row 2: Ann Smith (started 1 February 2024) is already in the register" in (
        again.content.decode()
    )
    assert StaffMember.objects.count() == 2


def test_import_with_a_bad_row_imports_nobody(client, member):
    client.force_login(member)
    data = b"Name,Start date\nAnn Smith,01/02/2024\nBob Jones,31/02/2024\n,01/01/2020\n"
    response = client.post(reverse("staff-import"), {"upload": upload(data)})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Nobody has been imported" in page
    assert 'Row 3: the start date "31/02/2024" is not a real date' in page.replace("&quot;", '"')
    assert "Row 4: enter the person&#x27;s name" in page
    assert not StaffMember.objects.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"Surname\nSmith\n", "one of them Name"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 50, "must be a CSV file or an Excel"),
        (b"Name\n" + b"Person\n" * 10_000, "more than 1,000 people"),
    ],
)
def test_import_file_problems_are_messages_never_a_crash(client, member, data, message):
    client.force_login(member)
    response = client.post(reverse("staff-import"), {"upload": upload(data)})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not StaffMember.objects.exists()


def test_an_empty_upload_is_refused(client, member):
    client.force_login(member)
    response = client.post(reverse("staff-import"), {"upload": upload(b"")})
    assert response.status_code == 400
    assert "The selected file is empty" in response.content.decode()


def test_an_xlsx_import(client, member):
    workbook = openpyxl.Workbook()
    workbook.active.append(["Name", "Start date", "Last training date", "Course"])
    workbook.active.append(["Ann Smith", dt.date(2024, 2, 1), dt.date(2026, 3, 1), "DSA"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    client.force_login(member)
    response = client.post(
        reverse("staff-import"), {"upload": upload(buffer.getvalue(), "staff.xlsx")}
    )
    assert response.status_code == 302
    assert TrainingRecord.objects.get().completed_on == dt.date(2026, 3, 1)


# --- Downloads -------------------------------------------------------------------------------


def test_the_downloads(client, viewer, organisation):
    staff_member_build(organisation, "=HYPERLINK(evil)", job_title="Carer", trained_on=TODAY)
    staff_member_build(organisation, "Bob", job_title="carer")
    staff_member_build(organisation, "Cat", job_title="Cook")
    staff_member_build(organisation, "Dan", role="trustee")
    client.force_login(viewer)
    template = client.get(reverse("staff-import-template"))
    assert template.content.decode("utf-8-sig").startswith("Name,Job title,Role,Start date")

    report = openpyxl.load_workbook(io.BytesIO(client.get(reverse("training-report")).content))
    sheet = report.active
    assert sheet["A3"].value == (
        "1 of 4 people (25 %) trained in the last 12 months as at 1 May 2026, from the portal's "
        "staff training register"
    )
    names = [sheet.cell(row=row, column=1) for row in range(7, 11)]
    assert [cell.value for cell in names] == ["=HYPERLINK(evil)", "Bob", "Cat", "Dan"]
    assert names[0].data_type == "s"
    assert names[0].quotePrefix

    analysis = openpyxl.load_workbook(
        io.BytesIO(client.get(reverse("training-needs-analysis")).content)
    ).active
    rows = [
        (analysis.cell(row=row, column=1).value, analysis.cell(row=row, column=2).value)
        for row in range(6, 9)
    ]
    assert rows == [("Carer", 2), ("Cook", 1), ("Trustee", 1)]
