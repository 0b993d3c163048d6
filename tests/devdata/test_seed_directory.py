"""`make run`'s national directory: fixtures/ holds the real 2019 export with its licence note, and
`seed_directory` imports it once, timed."""

import hashlib
import io
import re
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from devdata.management.commands.seed_directory import directory_fixture
from organisations.models import Organisation

from ..factories import OrganisationFactory

pytestmark = pytest.mark.django_db

DATA = Path(__file__).resolve().parent.parent / "data"
EXTRACT = DATA / "organisation-search-2019-extract.csv"  # 12 rows of the real export
SHARED_EXPORT = (
    Path(__file__).resolve().parents[3]
    / "shared"
    / "data"
    / "dspt-organisation-search-2019-06.xlsx"
)


def seed(path: Path | None = None) -> str:
    out = io.StringIO()
    call_command("seed_directory", *([str(path)] if path else []), stdout=out)
    return out.getvalue()


def test_the_fixture_is_the_real_export_with_its_licence_note_beside_it():
    fixture = directory_fixture()
    assert fixture.parent.name == "fixtures"
    digest = hashlib.sha256(fixture.read_bytes()).hexdigest()
    assert digest == hashlib.sha256(SHARED_EXPORT.read_bytes()).hexdigest()
    note = (fixture.parent / "LICENCE-directory.md").read_text(encoding="utf-8")
    assert fixture.name in note
    assert "MIT License" in note
    assert "https://github.com/nhsx/open-cyber" in note


def test_an_empty_directory_is_loaded_and_the_time_it_took_printed():
    output = seed(EXTRACT)
    assert "Created: 12  Updated: 0  Unchanged: 0  Rejected: 0" in output
    assert re.search(r"National directory: 12 organisations loaded in \d+\.\d s", output)
    assert Organisation.objects.get(ods_code="VM8L1").name == "LANGDALE HOUSE LTD"


def test_a_loaded_directory_is_not_imported_again():
    seed(EXTRACT)
    Organisation.objects.filter(ods_code="VM8L1").update(name="Renamed since")
    output = seed(EXTRACT)
    assert output == "National directory: already loaded (12 organisations), not imported again.\n"
    assert Organisation.objects.get(ods_code="VM8L1").name == "Renamed since"


def test_organisations_added_on_the_portal_do_not_count_as_a_directory():
    """The demo's own organisations (seed_demo) are added on the portal: a database holding only
    them still gets the directory."""
    OrganisationFactory(ods_code="VDM01", source=Organisation.Source.PORTAL)
    output = seed(EXTRACT)
    assert "Created: 12" in output
    assert Organisation.objects.count() == 13


def test_a_file_that_cannot_be_imported_stops_the_seed(tmp_path):
    broken = tmp_path / "broken.csv"
    broken.write_bytes(b"\x00\x01binary")
    with pytest.raises(CommandError, match="neither a CSV file nor an Excel"):
        seed(broken)
    assert not Organisation.objects.exists()
