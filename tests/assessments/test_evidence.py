import io
import zipfile

import pytest
from bs4 import BeautifulSoup
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from assessments.models import Answer, AnswerRevision, Assessment, Document

from ..factories import bank_build

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def bank():
    return bank_build(items_per_section=4)


def item_url(bank, ref):
    return reverse("evidence-item", args=[bank.year, ref])


def overview_url(bank):
    return reverse("assessment-overview", args=[bank.year])


def save(client, bank, ref, version=0, **data):
    return client.post(item_url(bank, ref), {"version": version, "comments": "", **data})


def answer(ref) -> Answer:
    return Answer.objects.get(item__ref=ref)


# --- Overview ----------------------------------------------------------------------------------


def test_overview_starts_on_request_and_lists_every_section(client, member, bank):
    client.force_login(member)
    client.get(overview_url(bank))
    assert Assessment.objects.count() == 0  # opening it creates nothing
    start = reverse("assessment-start", args=[bank.year])
    assert client.post(start)["Location"] == overview_url(bank)
    client.post(start)
    assert Assessment.objects.count() == 1
    page = client.get(overview_url(bank)).content.decode()
    for title in ("Staffing and roles", "Policies and procedures", "Data security"):
        assert title in page
    assert page.index("Staffing and roles") < page.index("IT systems and devices")
    assert "Progress: 0 of 8 mandatory evidence items provided" in page
    assert "Standards Met: 0 of 13 evidence items provided" in page
    assert page.count(">Mandatory<") == 8


def test_current_assessment_goes_to_the_latest_year(client, member, bank):
    bank_build(year="2024-25")
    client.force_login(member)
    response = client.get(reverse("assessment-current"))
    assert response["Location"] == overview_url(bank)


def test_unknown_year_is_404(client, member, bank):
    client.force_login(member)
    client.post(reverse("assessment-start", args=[bank.year]))
    assert client.post(reverse("assessment-start", args=["2099-00"])).status_code == 404
    assert client.get(reverse("assessment-overview", args=["2099-00"])).status_code == 404
    assert client.get(item_url(bank, "9.9.9")).status_code == 404


def test_progress_and_the_left_to_do_filter(client, member, bank):
    client.force_login(member)
    save(client, bank, "1.1.1", text="Our manager, Jo, is the data security lead.")
    save(client, bank, "1.1.2", choice="no")
    page = client.get(overview_url(bank)).content.decode()
    assert "Progress: 2 of 8 mandatory evidence items provided" in page
    todo = client.get(overview_url(bank) + "?show=todo").content.decode()
    assert 'id="item-1.1.1"' not in todo
    assert 'id="item-1.1.3"' in todo
    assert 'id="item-1.1.4"' not in todo  # non-mandatory items are never "left to do"


def test_the_conditional_item_applies_only_after_the_right_answer(client, member, bank):
    client.force_login(member)
    client.post(reverse("assessment-start", args=[bank.year]))
    page = client.get(overview_url(bank)).content.decode()
    assert "Standards Met: 0 of 13" in page
    save(client, bank, "4.9.8", choice="unsupported-managed")
    page = client.get(overview_url(bank)).content.decode()
    assert "Standards Met: 1 of 14" in page
    save(client, bank, "4.9.8", version=1, choice="supported")
    assert "Standards Met: 1 of 13" in client.get(overview_url(bank)).content.decode()


# --- Saving answers ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ref", "data", "field", "stored"),
    [
        ("1.1.1", {"text": "Policy reviewed 😀 – ünïcödé"}, "text", "Policy reviewed 😀 – ünïcödé"),
        ("1.1.2", {"choice": "yes"}, "choice", "yes"),
        (
            "1.1.3",
            {"date_0": "15", "date_1": "3", "date_2": "2025"},
            "date",
            "2025-03-15",
        ),
        ("1.1.4", {"number": "12.5"}, "number", "12.50"),
    ],
)
def test_saving_each_answer_type(client, member, bank, ref, data, field, stored):
    client.force_login(member)
    response = save(client, bank, ref, comments="Checked by the manager", **data)
    assert response.status_code == 302
    saved = answer(ref)
    assert str(getattr(saved, field)) == stored
    assert saved.comments == "Checked by the manager"
    assert saved.updated_by == member
    assert saved.version == 1


@pytest.mark.parametrize(
    ("ref", "data", "message"),
    [
        ("1.1.1", {"text": ""}, "Enter your answer"),
        ("1.1.1", {"text": "x" * 100_000}, "Your answer must be 20,000 characters or fewer"),
        ("1.1.1", {"text": "abc\x00def"}, "Null characters are not allowed"),
        ("1.1.2", {"choice": "maybe"}, "Select yes or no"),
        ("1.1.2", {}, "Select yes or no"),
        ("1.1.3", {"date_0": "31", "date_1": "2", "date_2": "2025"}, "must be a real date"),
        ("1.1.3", {"date_0": "", "date_1": "", "date_2": ""}, "Enter a date"),
        ("1.1.4", {"number": "lots"}, "Enter a number, like 12 or 3.5"),
        ("1.1.4", {"number": "-1"}, "The number must be 0 or more"),
        ("2.1.1", {}, "Upload a document or say where it is kept"),
        ("4.9.8", {"choice": "perhaps"}, "Select one of the answers shown"),
    ],
)
def test_bad_answers_are_refused_and_what_was_typed_is_kept(
    client, member, bank, ref, data, message
):
    client.force_login(member)
    response = save(client, bank, ref, comments="My careful comment", **data)
    assert response.status_code == 400
    body = response.content.decode()
    assert message in body
    assert "nhsuk-error-summary" in body
    assert "My careful comment" in body
    assert not Answer.objects.exists()


def test_html_is_stored_as_typed_and_shown_escaped(client, member, viewer, bank):
    client.force_login(member)
    script = '<script>alert("x")</script><b>bold</b>'
    save(client, bank, "1.1.1", text=script, comments=script)
    assert answer("1.1.1").text == script
    client.force_login(viewer)
    body = client.get(item_url(bank, "1.1.1")).content.decode()
    assert "<script>alert" not in body
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in body


def test_viewers_see_the_answer_but_no_form_and_cannot_post(client, member, viewer, bank):
    client.force_login(member)
    save(client, bank, "1.1.1", text="Written by a member")
    client.force_login(viewer)
    page = client.get(item_url(bank, "1.1.1")).content.decode()
    assert "Written by a member" in page
    assert "<textarea" not in page
    assert 'type="submit" name="save"' not in page
    assert save(client, bank, "1.1.1", version=1, text="Viewer edit").status_code == 403
    assert answer("1.1.1").text == "Written by a member"


def test_save_and_next_goes_to_the_next_item(client, member, bank):
    client.force_login(member)
    response = save(client, bank, "1.1.1", text="x", save_and_next="1")
    assert response["Location"] == item_url(bank, "1.1.2")


def test_previous_and_next_links(client, member, bank):
    client.force_login(member)
    client.post(reverse("assessment-start", args=[bank.year]))
    page = client.get(item_url(bank, "1.1.2")).content.decode()
    assert item_url(bank, "1.1.1") in page
    assert item_url(bank, "1.1.3") in page


# --- Nothing lost ------------------------------------------------------------------------------


def test_every_save_is_kept_in_the_history(client, member, administrator, bank):
    client.force_login(member)
    save(client, bank, "1.1.1", text="First answer")
    client.force_login(administrator)
    save(client, bank, "1.1.1", version=1, text="Second answer")
    assert list(AnswerRevision.objects.values_list("version", "text")) == [
        (2, "Second answer"),
        (1, "First answer"),
    ]
    page = client.get(reverse("evidence-history", args=[bank.year, "1.1.1"])).content.decode()
    assert "First answer" in page
    assert "Second answer" in page
    assert member.full_name in page
    assert administrator.full_name in page


def test_a_stale_save_is_a_conflict_not_an_overwrite(client, member, administrator, bank):
    client.force_login(member)
    save(client, bank, "1.1.1", text="Member's answer")
    # The administrator opened the page before the member saved (version 0).
    client.force_login(administrator)
    response = save(client, bank, "1.1.1", version=0, text="Administrator's answer")
    assert response.status_code == 409
    body = response.content.decode()
    assert "saved an answer to 1.1.1 after you opened this page" in body
    assert "Member&#x27;s answer" in body  # theirs
    assert "Administrator&#x27;s answer" in body  # mine, still in the form
    assert answer("1.1.1").text == "Member's answer"
    # The form now carries the version they have seen: saving again replaces it on purpose.
    assert 'name="version" value="1"' in body
    assert save(client, bank, "1.1.1", version=1, text="Administrator's answer").status_code == 302
    assert answer("1.1.1").text == "Administrator's answer"
    assert AnswerRevision.objects.count() == 2


# --- Documents ---------------------------------------------------------------------------------


def upload(client, bank, name, content, **data):
    return client.post(
        item_url(bank, "2.1.1"),
        {"version": 0, "comments": "", "upload": SimpleUploadedFile(name, content), **data},
    )


def test_a_document_is_stored_privately_and_downloaded_through_a_check(
    client, member, viewer, outsider, bank, private_media
):
    client.force_login(member)
    assert upload(client, bank, "IG policy.pdf", PDF).status_code == 302
    document = Document.objects.get()
    assert document.original_name == "IG policy.pdf"
    assert document.content_type == "application/pdf"
    stored = private_media / document.file.name
    assert stored.read_bytes() == PDF
    assert "IG policy" not in document.file.name  # an unguessable name, not the uploader's
    assert answer("2.1.1").library_document.current_version == document

    url = reverse("document-download", args=[document.pk])
    for person in (member, viewer):
        client.force_login(person)
        response = client.get(url)
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == PDF
        assert "attachment" in response["Content-Disposition"]
    client.force_login(outsider)
    assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302


def test_a_name_with_quotes_is_shown_and_downloaded_as_it_is(client, member, bank, private_media):
    client.force_login(member)
    # A browser sends 'Policy "final" – v2.pdf' with its quotes percent-encoded (HTML's rule).
    assert upload(client, bank, "Policy %22final%22 – v2.pdf", PDF).status_code == 302
    document = Document.objects.get()
    assert document.original_name == 'Policy "final" – v2.pdf'
    page = client.get(item_url(bank, "2.1.1")).content.decode()
    assert "Policy &quot;final&quot; – v2.pdf" in page
    assert "%22" not in page

    response = client.get(reverse("document-download", args=[document.pk]))
    assert response["Content-Disposition"] == (
        "attachment; filename=\"Policy 'final'  v2.pdf\"; "
        "filename*=UTF-8''Policy%20%22final%22%20%E2%80%93%20v2.pdf"
    )


def test_a_location_instead_of_a_file(client, member, bank):
    client.force_login(member)
    response = save(client, bank, "2.1.1", document_location="Blue folder, manager's office")
    assert response.status_code == 302
    assert answer("2.1.1").document_location == "Blue folder, manager's office"


def item_page(client, bank, ref="2.1.1") -> BeautifulSoup:
    client.post(reverse("assessment-start", args=[bank.year]))
    return BeautifulSoup(client.get(item_url(bank, ref)).content, "html.parser")


def document_fields(client, bank) -> dict[str, tuple[str, str]]:
    """Each of the document item's two fields: its label and its hint."""
    soup = item_page(client, bank)
    found = {}
    for field_id in ("id_upload", "id_document_location"):
        label = soup.find("label", attrs={"for": field_id})
        hint = soup.find(id=f"{field_id}-hint")
        found[field_id] = (label.get_text(strip=True), hint.get_text(" ", strip=True))
    return found


def test_the_upload_and_where_kept_pair_says_which_is_needed_not_optional(client, member, bank):
    client.force_login(member)
    fields = document_fields(client, bank)
    assert fields["id_upload"][0] == "Upload a document"
    assert fields["id_document_location"][0] == "Or say where the document is kept"
    assert fields["id_upload"][1].startswith("Upload the document, or say below where it is kept.")
    assert fields["id_document_location"][1].startswith("Needed if you do not upload the document.")
    # And the rule the hints describe: one or the other.
    response = save(client, bank, "2.1.1")
    assert response.status_code == 400
    assert "Upload a document or say where it is kept" in response.content.decode()

    # With a file kept, neither is needed: the hints say when they are.
    assert upload(client, bank, "IG policy.pdf", PDF).status_code == 302
    fields = document_fields(client, bank)
    assert fields["id_upload"][1].startswith("Only to replace the current file.")
    assert fields["id_document_location"][1].startswith(
        "Needed if you remove the current file and do not upload another."
    )
    assert "(optional)" not in fields["id_upload"][0] + fields["id_document_location"][0]


def test_the_file_input_is_labelled_by_its_own_label(client, member, bank):
    client.force_login(member)
    soup = item_page(client, bank)
    file_input = soup.find("input", type="file")
    assert soup.find("label", attrs={"for": file_input["id"]}).get_text(strip=True) == (
        "Upload a document"
    )
    assert file_input.find_parent(attrs={"data-module": "nhsuk-file-upload"}) is None


def exe_bytes():
    return b"MZ\x90\x00" + b"\x00" * 200


def zip_bomb():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("word/document.xml", "w") as member:
            chunk = b"\x00" * (1024 * 1024)
            for _ in range(200):
                member.write(chunk)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("policy.pdf", exe_bytes(), "must be a PDF"),
        ("policy.pdf", b"", "The selected file is empty"),
        ("huge.pdf", PDF + b"0" * (10 * 1024 * 1024), "must be smaller than 10 MB"),
        ("policy.docx", zip_bomb(), ""),
    ],
)
def test_bad_uploads_are_refused_and_nothing_is_saved(
    client, member, bank, private_media, name, content, message
):
    client.force_login(member)
    response = upload(client, bank, name, content, comments="Keep me")
    assert response.status_code == 400
    body = response.content.decode()
    assert message in body
    assert "Keep me" in body
    assert not Document.objects.exists()
    assert not Answer.objects.exists()
    assert (
        not any(p.is_file() for p in private_media.rglob("*")) if private_media.exists() else True
    )


def test_a_path_traversal_name_is_made_safe(client, member, bank, private_media):
    client.force_login(member)
    assert upload(client, bank, "../../../etc/passwd.pdf", PDF).status_code == 302
    document = Document.objects.get()
    assert document.original_name == "passwd.pdf"
    assert (private_media / document.file.name).resolve().is_relative_to(private_media.resolve())


# --- Speed from the start ----------------------------------------------------------------------


@pytest.mark.parametrize("items_per_section", [11, 50])
def test_pages_use_a_fixed_number_of_queries(
    client, member, django_assert_max_num_queries, items_per_section
):
    bank = bank_build(items_per_section=items_per_section)  # 46 and 202 items
    client.force_login(member)
    client.get(overview_url(bank))  # creates the assessment
    for ref in ("1.1.1", "1.1.2", "2.1.1"):
        save(client, bank, ref, text="x", choice="yes", document_location="Office")
    # The overview also shows the deadline notice and the Publish entry point (see BUDGETS in
    # tests/test_query_budgets.py), and the evidence library's documents past their review date.
    with django_assert_max_num_queries(15):
        assert client.get(overview_url(bank)).status_code == 200
    with django_assert_max_num_queries(7):
        assert client.get(item_url(bank, "1.1.2")).status_code == 200
