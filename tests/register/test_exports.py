"""The register's files in the toolkit's export layout, and the round trip: our export imported
by the directory importer gives back the same statuses and dates."""

from __future__ import annotations

import datetime

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from assessments.models import QuestionBank
from organisations.models import Organisation
from publishing.models import Publication, PublicationLevel
from register.exports import EXPORT_HEADER, export_row
from register.search import export_organisation
from register.status import PublicStatus, StatusKind, directory_status_year, public_status

from ..factories import OrganisationFactory, RegisteredOrganisationFactory, publication_build
from ..pages import csv_rows

D = datetime.date
TODAY = timezone.localdate()


# The toolkit's words for what the directory holds (no database) -------------------------------

YEAR_CASES = [
    ("later export, kept", "22/23 Standards Met", D(2023, 5, 1), "22/23 Standards Met", "2022-23"),
    ("2019 suffix", "Standards Met (19-20)", D(2019, 6, 1), "19/20 Standards Met", "2019-20"),
    ("2019 suffix, Entry Level", "Entry Level (19-20)", None, "19/20 Entry Level", "2019-20"),
    ("untagged, January", "Standards Met", D(2019, 1, 25), "18/19 Standards Met", "2018-19"),
    (
        "untagged, before the deadline",
        "Standards Met",
        D(2019, 5, 14),
        "18/19 Standards Met",
        "2018-19",
    ),
    ("untagged, July", "Standards Exceeded", D(2019, 7, 1), "19/20 Standards Exceeded", "2019-20"),
    ("never before the toolkit", "Entry Level", D(2018, 4, 20), "18/19 Entry Level", "2018-19"),
    ("untagged, no date", "Standards Met", None, "Standards Met", ""),
    ("spaces tidied", "  Standards  Met ", D(2019, 1, 2), "18/19 Standards Met", "2018-19"),
    ("not published", "Not Published", None, "", ""),
    ("not published, any case", "not published", D(2020, 1, 1), "", ""),
    ("blank", "   ", D(2019, 1, 1), "", ""),
    (
        "years that do not follow",
        "19/21 Standards Met",
        D(2019, 9, 1),
        "19/21 Standards Met",
        "",
    ),
]


@pytest.mark.parametrize(
    ("status", "published_on", "text", "year"),
    [case[1:] for case in YEAR_CASES],
    ids=[case[0] for case in YEAR_CASES],
)
def test_directory_statuses_in_the_toolkits_words(status, published_on, text, year):
    assert directory_status_year(status, published_on) == (text, year)


BANKS = {"2024-25": D(2025, 6, 30), "2025-26": D(2026, 6, 30)}


@pytest.mark.parametrize(
    ("status", "today", "kind", "text"),
    [
        ("25/26 Standards Met", D(2027, 6, 30), StatusKind.CURRENT, "25/26 Standards Met"),
        (
            "25/26 Standards Met",
            D(2027, 7, 1),
            StatusKind.OUT_OF_DATE,
            "Out of date (last published 25/26 Standards Met on 10 May 2026)",
        ),
        # No deadline known for the year: an imported status is never current on a guess.
        (
            "19/20 Standards Met",
            D(2020, 1, 1),
            StatusKind.OUT_OF_DATE,
            "Out of date (last published 19/20 Standards Met on 10 May 2026)",
        ),
    ],
)
def test_an_imported_status_with_its_year_lapses_by_the_deadlines(status, today, kind, text):
    result = public_status(
        publications=[],
        registered=False,
        directory_status=status,
        directory_published_on=D(2026, 5, 10),
        deadlines=BANKS,
        today=today,
    )
    assert (result.kind, result.text, result.toolkit_text) == (kind, text, status)
    assert result.out_of_date is (kind is StatusKind.OUT_OF_DATE)


def test_an_export_row_keeps_the_lapse_out_of_the_status():
    organisation = export_organisation(
        Organisation(ods_code="VM8L1", name="Langdale House", primary_sector="Social Care")
    )
    lapsed = public_status(
        publications=[],
        registered=False,
        directory_status="Standards Met",
        directory_published_on=D(2019, 1, 25),
        deadlines={},
        today=D(2026, 1, 1),
    )
    assert export_row(organisation, lapsed) == [
        "VM8L1",
        "Langdale House",
        "18/19 Standards Met",
        "25/01/2019",
        "Social Care",
        "",
        "Yes",
    ]
    nothing = PublicStatus(kind=StatusKind.NOT_REGISTERED, text="Not registered")
    assert export_row(organisation, nothing)[2:] == ["Not Published", "", "Social Care", "", ""]


# The round trip: export → import_organisations on an empty directory → the same --------------


def _export(client) -> tuple[bytes, dict[str, list[str]]]:
    response = client.get(reverse("organisation-search-csv"), {"q": "e"})
    assert response.status_code == 200
    rows = csv_rows(response)
    assert rows[0] == list(EXPORT_HEADER)
    return response.content, {row[0]: row for row in rows[1:]}


def _empty_the_directory() -> None:
    """What another portal starts from: the same question banks, no organisations."""
    Publication.objects.all().delete()
    Organisation.objects.all().delete()
    assert not Organisation.objects.exists()


@pytest.mark.django_db
def test_our_export_imports_back_with_the_same_statuses_and_dates(client, tmp_path, capsys):
    old_bank = QuestionBank.objects.create(year="2024-25", publication_deadline=D(2025, 6, 30))
    bank = QuestionBank.objects.create(
        year="2025-26", publication_deadline=TODAY + datetime.timedelta(days=30)
    )
    hq = RegisteredOrganisationFactory(
        name="Example Care Group", ods_code="AE12", kind=Organisation.Kind.HEADQUARTERS
    )
    branch = OrganisationFactory(name="Fellside Branch", ods_code="VFE01", parent=hq)
    publication_build(hq, bank, level=PublicationLevel.EXCEEDED, sites=(branch,))
    lapsed = RegisteredOrganisationFactory(name="Elm Lodge", ods_code="VEL01")
    publication_build(
        lapsed,
        old_bank,
        published_at=datetime.datetime(2023, 5, 10, 12, tzinfo=datetime.UTC),
    )
    OrganisationFactory(
        name="Beech House",
        ods_code="VBE01",
        directory_status="Standards Met",
        directory_published_on=D(2019, 1, 25),
        commissioner="NHS Leeds CCG",
    )
    OrganisationFactory(
        name="Rose Care (19-20)",
        ods_code="VRE01",
        directory_status="Entry Level (19-20)",
        directory_published_on=D(2019, 6, 3),
    )
    RegisteredOrganisationFactory(name="Ash Tree Home", ods_code="VAE01")
    OrganisationFactory(name="Never Registered Home", ods_code="VNE01")
    OrganisationFactory(name='=HYPERLINK("x") Care', ods_code="VHE01")

    content, before = _export(client)
    assert before["VFE01"][2:] == [
        "25/26 Standards Exceeded",
        before["AE12"][3],
        "Social Care",
        "",
        "No",
    ]
    # 2024-25 with a 2025-26 bank: current until that bank's deadline a month from now.
    assert before["VEL01"][2:4] == ["24/25 Standards Met", "10/05/2023"]
    assert before["VBE01"][2:] == [
        "18/19 Standards Met",
        "25/01/2019",
        "Social Care",
        "NHS Leeds CCG",
        "Yes",
    ]
    assert before["VRE01"][2:4] == ["19/20 Entry Level", "03/06/2019"]
    assert before["VAE01"][2:] == ["Not Published", "", "Social Care", "", ""]
    assert before["VHE01"][1] == '\'=HYPERLINK("x") Care'
    for row in before.values():
        assert not row[2].startswith("Out of date"), row

    path = tmp_path / "our-export.csv"
    path.write_bytes(content)
    _empty_the_directory()
    call_command("import_organisations", str(path))
    printed = capsys.readouterr().out
    assert "Created: 8" in printed
    assert "Rejected: 0" in printed
    # The one column the importer does not read, reported rather than dropped in silence.
    assert "Out Of Date" in printed

    _, after = _export(client)
    assert set(after) == set(before)
    for code, row in before.items():
        # Code, status, date, sector, commissioner and the lapse all survive the trip; the
        # formula guard stays a guard (one apostrophe, not two).
        assert after[code][:7] == row[:7] if code != "VHE01" else after[code][2:] == row[2:]
    assert Organisation.objects.get(ods_code="VHE01").name == '\'=HYPERLINK("x") Care'

    # And once more: importing the second export changes nothing.
    path.write_bytes(_export(client)[0])
    call_command("import_organisations", str(path))
    assert "Created: 0  Updated: 0  Unchanged: 8" in capsys.readouterr().out


@pytest.mark.django_db
def test_the_2019_export_layout_round_trips_through_ours(client, tmp_path, capsys):
    """Rows shaped like the toolkit's 2019 export (untagged and "(19-20)" statuses, dates as
    spreadsheet dates or text, a name carrying its code) go through import → our export →
    import again without a status changing."""
    source = tmp_path / "toolkit-2019.csv"
    source.write_text(
        "OrganisationName,ODSCode,PublicationStatus,DateOfPublication,PrimarySector,"
        "CCG (from ODS and CQC)\n"
        " LANGDALE HOUSE LTD (VM8L1),VM8L1,Standards Met,2019-01-25,Social Care,NHS Leeds CCG\n"
        "ELM CARE,VEC01,Standards Met (19-20),2019-06-03,Social Care,\n"
        "OAK CARE,VOC01,Standards Met,2019-05-14,Social Care,\n"
        "QIO CARE,VQC01,Standards Met,CompletedThroughQIO,Social Care,\n"
        "EMPTY CARE,VEM01,,,Social Care,\n",
        encoding="utf-8",
    )
    call_command("import_organisations", str(source))
    capsys.readouterr()
    content, first = _export(client)
    assert first["VM8L1"][1:4] == ["LANGDALE HOUSE LTD", "18/19 Standards Met", "25/01/2019"]
    assert first["VEC01"][2:4] == ["19/20 Standards Met", "03/06/2019"]
    assert first["VOC01"][2:4] == ["18/19 Standards Met", "14/05/2019"]
    # Without a date the register shows no publication, so neither does the file.
    assert first["VQC01"][2:4] == ["Not Published", ""]
    assert first["VEM01"][2:4] == ["Not Published", ""]

    path = tmp_path / "ours.csv"
    path.write_bytes(content)
    _empty_the_directory()
    call_command("import_organisations", str(path))
    _, second = _export(client)
    assert second == first
