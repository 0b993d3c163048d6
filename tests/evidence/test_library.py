"""The evidence library end to end: uploads on the item page land in the library, one document
serves several items, a new version shows everywhere with the history kept, review dates, the
storage allowance, deleting, and who may do what."""

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from assessments import services as assessment_services
from assessments.models import Answer, AnswerRevision, Document, EvidenceItem
from audit.models import AuditEvent, Event
from evidence import selectors, services
from evidence.models import LibraryDocument
from publishing import services as publishing_services
from publishing.snapshot import AnswersSnapshot

from ..factories import bank_build, library_document_with_file, publication_build

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def document_items(bank) -> list[EvidenceItem]:
    return list(EvidenceItem.objects.filter(bank=bank, answer_type="document").order_by("position"))


def item_url(bank, ref):
    return reverse("evidence-item", args=[bank.year, ref])


def pdf(name="Data protection policy.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def new_document(content=PDF, name="policy.pdf"):
    return services._new_document(content, name)


# --- The item page puts uploads in the library and chooses from it ------------------------------


def test_an_upload_on_the_item_page_goes_into_the_library(client, member, assessment, bank):
    first = document_items(bank)[0]
    client.force_login(member)
    response = client.post(item_url(bank, first.ref), {"version": 0, "upload": pdf()})
    assert response.status_code == 302
    library = LibraryDocument.objects.get()
    assert library.title == "Data protection policy"
    assert library.current_version.version_number == 1
    assert library.current_version.original_name == "Data protection policy.pdf"
    answer = Answer.objects.get(item=first)
    assert answer.library_document == library
    assert AnswerRevision.objects.get(answer=answer).library_document == library
    page = client.get(item_url(bank, first.ref)).content.decode()
    assert "Data protection policy" in page
    assert "version 1" in page
    listing = client.get(reverse("library-list")).content.decode()
    assert item_url(bank, first.ref) in listing


def test_choose_from_the_library_and_remove_from_the_answer(client, member, assessment, bank):
    first, second = document_items(bank)[:2]
    library = library_document_with_file(assessment.organisation, user=member)
    client.force_login(member)
    page = client.get(item_url(bank, second.ref)).content.decode()
    assert "Or choose from your library" in page
    assert "Data protection policy" in page
    response = client.post(
        item_url(bank, second.ref), {"version": 0, "library_document": library.pk}
    )
    assert response.status_code == 302
    answer = Answer.objects.get(item=second)
    assert answer.library_document == library
    response = client.post(
        item_url(bank, second.ref),
        {"version": answer.version, "remove_document": "on", "document_location": "Office"},
    )
    assert response.status_code == 302
    answer.refresh_from_db()
    assert answer.library_document is None
    assert LibraryDocument.objects.filter(pk=library.pk).exists()  # the library keeps it
    history = [r.library_document_id for r in answer.revisions.order_by("version")]
    assert history == [library.pk, None]
    # Both at once is refused, and nothing is saved.
    response = client.post(
        item_url(bank, first.ref), {"version": 0, "upload": pdf(), "library_document": library.pk}
    )
    assert response.status_code == 400
    assert "not both" in response.content.decode()
    assert not Answer.objects.filter(item=first).exists()


def test_another_organisations_library_document_cannot_be_chosen(
    client, member, assessment, bank, other_organisation
):
    first = document_items(bank)[0]
    library_document_with_file(assessment.organisation, title="Ours")
    theirs = library_document_with_file(other_organisation, title="Theirs")
    client.force_login(member)
    assert "Theirs" not in client.get(item_url(bank, first.ref)).content.decode()
    response = client.post(item_url(bank, first.ref), {"version": 0, "library_document": theirs.pk})
    assert response.status_code == 400
    assert "Choose one of the documents in your library" in response.content.decode()
    assert not Answer.objects.filter(item=first).exists()
    with pytest.raises(ValueError, match="another organisation"):
        assessment_services.answer_save(
            assessment=assessment,
            item=first,
            values={},
            expected_version=0,
            user=member,
            library_document=theirs,
        )


# --- One document, several items, new versions -------------------------------------------------


def test_a_new_version_shows_on_every_item_using_it_and_history_stays(
    client, member, assessment, bank
):
    items = document_items(bank)
    library = library_document_with_file(assessment.organisation, user=member)
    client.force_login(member)
    use_url = reverse("library-use", args=[library.pk])
    page = client.get(use_url).content.decode()
    for item in items:
        assert item.ref in page
    data = {"items": [item.ref for item in items]} | {f"version_{item.ref}": 0 for item in items}
    response = client.post(use_url, data)
    assert response.status_code == 302
    assert Answer.objects.filter(library_document=library).count() == len(items)
    first_version = library.current_version

    response = client.post(
        reverse("library-version-upload", args=[library.pk]),
        {"upload": pdf("Policy 2026.pdf", PDF + b"% reviewed\n")},
    )
    assert response.status_code == 302
    library.refresh_from_db()
    assert library.current_version.version_number == 2
    for item in items:
        page = client.get(item_url(bank, item.ref)).content.decode()
        assert "Policy 2026.pdf" in page
        assert "version 2" in page
    # Both versions stay and can be downloaded; each answer's revisions are as they were.
    versions = selectors.library_versions(document=library)
    assert [v.version_number for v in versions] == [2, 1]
    for version in versions:
        response = client.get(reverse("document-download", args=[version.pk]))
        assert response.status_code == 200
    assert Document.objects.filter(pk=first_version.pk).exists()
    assert AnswerRevision.objects.filter(library_document=library).count() == len(items)
    assert AuditEvent.objects.filter(event=Event.LIBRARY_VERSION_ADDED).count() == 1


def test_use_for_respects_each_answers_version(client, member, administrator, assessment, bank):
    first, second = document_items(bank)[:2]
    library = library_document_with_file(assessment.organisation)
    client.force_login(member)
    use_url = reverse("library-use", args=[library.pk])
    client.get(use_url)
    # Someone answers the second item after the page was opened.
    assessment_services.answer_save(
        assessment=assessment,
        item=second,
        values={"document_location": "Office", "comments": "Theirs"},
        expected_version=0,
        user=administrator,
    )
    data = {"items": [first.ref, second.ref], f"version_{first.ref}": 0, f"version_{second.ref}": 0}
    response = client.post(use_url, data)
    assert response.status_code == 409
    assert f"saved an answer to {second.ref}" in response.content.decode()
    assert not Answer.objects.filter(library_document=library).exists()  # all or nothing
    data[f"version_{second.ref}"] = 1
    assert client.post(use_url, data).status_code == 302
    answer = Answer.objects.get(item=second)
    assert answer.library_document == library
    assert answer.comments == "Theirs"
    assert answer.document_location == "Office"


def test_use_for_refuses_items_that_take_no_document(member, assessment, bank):
    library = library_document_with_file(assessment.organisation)
    text_item = EvidenceItem.objects.filter(bank=bank, answer_type="text").first()
    with pytest.raises(services.UseForRefused, match="not a document"):
        services.library_document_use_for(
            document=library, assessment=assessment, items=[text_item], user=member
        )
    assert not Answer.objects.exists()


def test_carry_forward_keeps_the_link_to_the_same_library_document(member, organisation):
    last_year = bank_build(year="2024-25", items_per_section=4)
    this_year = bank_build(year="2025-26", items_per_section=4, previous_year="2024-25")
    old = assessment_services.assessment_get_or_create(organisation=organisation, bank=last_year)
    library = library_document_with_file(organisation)
    services.library_document_use_for(
        document=library, assessment=old, items=document_items(last_year), user=member
    )
    new = assessment_services.assessment_get_or_create(organisation=organisation, bank=this_year)
    carried = Answer.objects.filter(assessment=new, library_document=library)
    assert carried.count() == len(document_items(this_year))
    assert all(answer.needs_review for answer in carried)
    years = {use.year for use in selectors.library_used_for(document=library)}
    assert years == {"2024-25", "2025-26"}


# --- Details, review dates, conflicts ---------------------------------------------------------


def test_editing_details_is_versioned(client, member, administrator, organisation):
    library = library_document_with_file(organisation)
    client.force_login(member)
    url = reverse("library-edit", args=[library.pk])
    services.library_document_change(
        document=library,
        title="IG policy",
        owner="Registered manager",
        review_date=None,
        expected_version=1,
        user=administrator,
    )
    stale = {"version": 1, "title": "Mine", "owner": "", "review_date_0": "", "review_date_1": ""}
    response = client.post(url, stale | {"review_date_2": ""})
    assert response.status_code == 409
    assert "changed IG policy after you opened this page" in response.content.decode()
    library.refresh_from_db()
    assert (library.title, library.version) == ("IG policy", 2)
    response = client.post(url, stale | {"version": 2, "review_date_2": ""})
    assert response.status_code == 302
    library.refresh_from_db()
    assert (library.title, library.owner, library.version) == ("Mine", "", 3)


def test_overdue_documents_are_flagged_and_reviewed(client, member, organisation, assessment, bank):
    today = timezone.localdate()
    overdue = library_document_with_file(
        organisation, title="Old policy", review_date=today - datetime.timedelta(days=1)
    )
    library_document_with_file(organisation, title="Fresh policy", review_date=today)
    client.force_login(member)
    overview = client.get(reverse("assessment-overview", args=[bank.year])).content.decode()
    assert "1 document in your evidence library is past its review date" in overview
    listing = client.get(reverse("library-list")).content.decode()
    assert listing.count("Review overdue") == 2  # the callout's label and Old policy's tag
    assert reverse("library-review", args=[overdue.pk]) in listing
    only = client.get(reverse("library-list") + "?show=review").content.decode()
    assert "Old policy" in only
    assert "Fresh policy" not in only

    url = reverse("library-review", args=[overdue.pk])
    past = {"version": 1, "review_date_0": today.day, "review_date_1": today.month}
    response = client.post(url, past | {"review_date_2": today.year})
    assert response.status_code == 400
    assert "must be in the future" in response.content.decode()
    next_year = today.replace(year=today.year + 1)
    data = {
        "version": 1,
        "review_date_0": next_year.day,
        "review_date_1": next_year.month,
        "review_date_2": next_year.year,
    }
    assert client.post(url, data).status_code == 302
    overdue.refresh_from_db()
    assert overdue.review_date == next_year
    event = AuditEvent.objects.get(event=Event.LIBRARY_DOCUMENT_REVIEWED)
    assert "still current" in event.detail
    overview = client.get(reverse("assessment-overview", args=[bank.year])).content.decode()
    assert "past its review date" not in overview


# --- Storage allowance -------------------------------------------------------------------------


def test_the_storage_allowance_exactly_full_and_one_byte_over(
    client, member, organisation, settings, assessment, bank
):
    existing = library_document_with_file(organisation, content=b"%PDF-1.4\n" + b"x" * 91)
    assert assessment_services.selectors.storage_used(organisation=organisation) == 100
    settings.DSPT_EVIDENCE_QUOTA_BYTES = 100 + len(PDF) - 1  # one byte short
    with pytest.raises(assessment_services.QuotaExceeded) as refused:
        services.library_version_add(document=existing, content=PDF, file_name="p.pdf", user=member)
    assert refused.value.message.startswith("Your organisation has used 100 bytes of its ")
    assert Document.objects.count() == 1
    settings.DSPT_EVIDENCE_QUOTA_BYTES = 100 + len(PDF)  # exactly full
    services.library_version_add(document=existing, content=PDF, file_name="p.pdf", user=member)
    assert Document.objects.count() == 2

    client.force_login(member)
    first = document_items(bank)[0]
    response = client.post(item_url(bank, first.ref), {"version": 0, "upload": pdf()})
    assert response.status_code == 400
    assert (
        "Remove old versions or documents you no longer need, or contact the helpdesk"
        in response.content.decode()
    )
    assert not Answer.objects.filter(item=first).exists()
    assert Document.objects.count() == 2
    assert LibraryDocument.objects.count() == 1
    files = list((settings.MEDIA_ROOT / "evidence").rglob("*"))
    assert len([f for f in files if f.is_file()]) == 2  # nothing left behind
    response = client.post(reverse("library-version-upload", args=[existing.pk]), {"upload": pdf()})
    assert response.status_code == 400
    assert "of its 145 bytes storage" in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_two_uploads_at_once_cannot_both_slip_under(organisation, member, settings):
    import threading

    from django.db import connection

    settings.DSPT_EVIDENCE_QUOTA_BYTES = len(PDF) + len(PDF) // 2
    barrier = threading.Barrier(2)
    outcomes = []

    def upload(name):
        try:
            barrier.wait(timeout=10)
            services.library_document_add(
                organisation=organisation, title=name, content=PDF, file_name="p.pdf", user=member
            )
            outcomes.append("stored")
        except assessment_services.QuotaExceeded:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=upload, args=(name,)) for name in ("A", "B")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["refused", "stored"]
    assert Document.objects.count() == 1


# --- Deleting ----------------------------------------------------------------------------------


def test_delete_is_refused_while_used_and_when_published(
    client, member, administrator, assessment, bank, organisation, settings
):
    first = document_items(bank)[0]
    library = library_document_with_file(organisation)
    services.library_document_use_for(
        document=library, assessment=assessment, items=[first], user=member
    )
    client.force_login(member)
    url = reverse("library-delete", args=[library.pk])
    response = client.post(url)
    assert response.status_code == 409
    assert f"while it is used for {first.ref} ({bank.year})" in response.content.decode()

    # Published: the record names the version's checksum.
    publication = publication_build(organisation, bank)
    publication.answers_snapshot = publishing_services._answers_snapshot(assessment=assessment)
    publication.save()
    entry = next(
        a
        for a in AnswersSnapshot.from_json(publication.answers_snapshot).answers
        if a.ref == first.ref
    )
    assert (entry.document_version, entry.document_sha256) == (
        1,
        library.current_version.sha256,
    )
    answer = Answer.objects.get(item=first)
    assessment_services.answer_save(
        assessment=assessment,
        item=first,
        values={"document_location": "Office"},
        expected_version=answer.version,
        user=member,
        remove_document=True,
    )
    response = client.post(url)
    assert response.status_code == 409
    assert "evidence in your published assessment (2025-26)" in response.content.decode()
    assert LibraryDocument.objects.filter(pk=library.pk).exists()
    # Its one version cannot go either (the current one, and published).
    response = client.post(
        reverse("library-version-delete", args=[library.pk, library.current_version_id])
    )
    assert response.status_code == 409


def test_an_older_publication_without_checksums_still_protects_its_document(
    member, assessment, bank, organisation
):
    first = document_items(bank)[0]
    library = library_document_with_file(organisation)
    services.library_document_use_for(
        document=library, assessment=assessment, items=[first], user=member
    )
    publication_build(organisation, bank, published_at=timezone.now())  # version 2 record: []
    answer = Answer.objects.get(item=first)
    assessment_services.answer_save(
        assessment=assessment,
        item=first,
        values={"document_location": "Office"},
        expected_version=answer.version,
        user=member,
        remove_document=True,
    )
    with pytest.raises(services.DeleteRefused) as refused:
        services.library_document_delete(document=library, user=member)
    assert refused.value.kind == "published"


def test_deleting_an_unused_document_removes_its_files_after_commit(
    member, organisation, settings, django_capture_on_commit_callbacks
):
    library = library_document_with_file(organisation)
    services.library_version_add(document=library, content=PDF, file_name="v2.pdf", user=member)
    names = list(library.versions.values_list("file", flat=True))
    storage = Document.file.field.storage
    assert all(storage.exists(name) for name in names)
    with django_capture_on_commit_callbacks(execute=True):
        services.library_document_delete(document=library, user=member)
    assert not LibraryDocument.objects.exists()
    assert not Document.objects.exists()
    assert not any(storage.exists(name) for name in names)
    assert AuditEvent.objects.filter(event=Event.LIBRARY_DOCUMENT_DELETED).count() == 1


def test_an_older_version_can_be_removed_to_free_storage(client, member, organisation):
    library = library_document_with_file(organisation)
    old = library.current_version
    services.library_version_add(document=library, content=PDF, file_name="v2.pdf", user=member)
    client.force_login(member)
    response = client.post(reverse("library-version-delete", args=[library.pk, old.pk]))
    assert response.status_code == 302
    assert list(library.versions.values_list("version_number", flat=True)) == [2]


# --- Who may do what ---------------------------------------------------------------------------


def test_a_viewer_sees_and_downloads_but_changes_nothing(client, viewer, organisation):
    library = library_document_with_file(organisation)
    client.force_login(viewer)
    page = client.get(reverse("library-document", args=[library.pk])).content.decode()
    assert "Upload a new version" not in page
    download = reverse("document-download", args=[library.current_version_id])
    assert client.get(download).status_code == 200
    for name in ("library-version-upload", "library-edit", "library-review", "library-delete"):
        assert client.post(reverse(name, args=[library.pk]), {"upload": pdf()}).status_code == 403
    assert client.post(reverse("library-add"), {"upload": pdf()}).status_code == 403
    assert LibraryDocument.objects.get().version == 1
    assert Document.objects.count() == 1


def test_another_organisations_ids_are_not_found(client, member, organisation, other_organisation):
    ours = library_document_with_file(organisation)
    theirs = library_document_with_file(other_organisation)
    client.force_login(member)
    for name in (
        "library-document",
        "library-version-upload",
        "library-edit",
        "library-review",
        "library-use",
        "library-delete",
    ):
        method = client.get if name == "library-document" else client.post
        assert method(reverse(name, args=[theirs.pk])).status_code == 404, name
    # Their version under our document, and our version under theirs.
    for args in ((ours.pk, theirs.current_version_id), (theirs.pk, ours.current_version_id)):
        assert client.post(reverse("library-version-delete", args=args)).status_code == 404
    assert (
        client.get(reverse("document-download", args=[theirs.current_version_id])).status_code
        == 404
    )
    assert LibraryDocument.objects.count() == 2
    assert Document.objects.count() == 2


def test_a_session_that_has_not_passed_the_code_step_reaches_nothing(client, member, organisation):
    """Signed in with the password only, by someone who has two-factor set up: every library
    page and form sends them to the code step, and nothing is changed."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from ..conftest import PASSWORD

    library = library_document_with_file(organisation)
    TOTPDevice.objects.create(user=member, name="Authenticator app", confirmed=True)
    response = client.post(reverse("sign-in"), {"username": member.email, "password": PASSWORD})
    assert response.status_code == 302
    for url in (
        reverse("library-list"),
        reverse("library-document", args=[library.pk]),
        reverse("document-download", args=[library.current_version_id]),
    ):
        response = client.get(url)
        assert response.status_code == 302, url
        assert reverse("mfa-verify") in response["Location"]
    response = client.post(reverse("library-delete", args=[library.pk]))
    assert response.status_code == 302
    assert reverse("mfa-verify") in response["Location"]
    response = client.post(reverse("library-add"), {"upload": pdf(), "title": "Forged"})
    assert reverse("mfa-verify") in response["Location"]
    assert LibraryDocument.objects.get() == library


def test_the_public_service_adds_bytes_checked_like_an_upload(member, organisation):
    from assessments.uploads import UploadRejected

    with pytest.raises(UploadRejected):
        services.library_document_add(
            organisation=organisation,
            title="Script",
            content=b"<script>alert(1)</script>",
            file_name="policy.pdf",
            user=member,
        )
    added = services.library_document_add(
        organisation=organisation,
        title="",
        content=PDF,
        file_name="Training record.pdf",
        user=member,
        owner="Manager",
        review_date=datetime.date(2027, 1, 1),
    )
    assert (added.title, added.owner, added.current_version.version_number) == (
        "Training record",
        "Manager",
        1,
    )
    assert io.BytesIO(added.current_version.file.read()).read() == PDF
