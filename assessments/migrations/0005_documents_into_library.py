"""Every evidence file already uploaded becomes a version of a library document, and every answer
and saved revision that named a file now links to that file's library document.

Files that followed one another on the same answer (a policy replaced by a newer copy, carried
forward into next year's assessment and replaced again) become the versions of one library
document, oldest first, so the library does not fill up with superseded copies. A file no answer
ever named becomes a library document of its own. Nothing is deleted: every file stays, and
every revision still says which document it used.
"""

from collections import defaultdict

from django.db import migrations


def _title(file_name: str) -> str:
    stem = file_name.rsplit(".", 1)[0] if "." in file_name else file_name
    return (stem.strip() or file_name or "Document")[:200]


def documents_into_library(apps, schema_editor):
    Document = apps.get_model("assessments", "Document")
    Answer = apps.get_model("assessments", "Answer")
    AnswerRevision = apps.get_model("assessments", "AnswerRevision")
    LibraryDocument = apps.get_model("evidence", "LibraryDocument")

    documents = {document.pk: document for document in Document.objects.all()}
    if not documents:
        return
    parent = {pk: pk for pk in documents}

    def root(pk):
        while parent[pk] != pk:
            parent[pk] = parent[parent[pk]]
            pk = parent[pk]
        return pk

    # The files each answer has named, now or in any saved revision. A carried-forward answer
    # names the same file as last year's, which joins the two years' chains.
    named = defaultdict(set)
    for answer_id, document_id in Answer.objects.filter(document__isnull=False).values_list(
        "pk", "document_id"
    ):
        named[answer_id].add(document_id)
    for answer_id, document_id in AnswerRevision.objects.filter(
        document__isnull=False
    ).values_list("answer_id", "document_id"):
        named[answer_id].add(document_id)
    for document_ids in named.values():
        first, *others = sorted(document_ids)
        for other in others:
            if documents[other].organisation_id == documents[first].organisation_id:
                parent[root(other)] = root(first)

    groups = defaultdict(list)
    for pk, document in documents.items():
        groups[root(pk)].append(document)
    library_of = {}
    for group in groups.values():
        group.sort(key=lambda document: (document.uploaded_at, document.pk))
        first, newest = group[0], group[-1]
        library = LibraryDocument.objects.create(
            organisation_id=newest.organisation_id,
            title=_title(newest.original_name),
            current_version_id=newest.pk,
            created_by_id=first.uploaded_by_id,
            updated_by_id=newest.uploaded_by_id,
        )
        LibraryDocument.objects.filter(pk=library.pk).update(
            created_at=first.uploaded_at, updated_at=newest.uploaded_at
        )
        for number, document in enumerate(group, start=1):
            document.library_document_id = library.pk
            document.version_number = number
            library_of[document.pk] = library.pk
    Document.objects.bulk_update(
        documents.values(), ["library_document", "version_number"], batch_size=1000
    )
    for model in (Answer, AnswerRevision):
        rows = list(model.objects.filter(document__isnull=False).only("pk", "document_id"))
        for row in rows:
            row.library_document_id = library_of[row.document_id]
        model.objects.bulk_update(rows, ["library_document"], batch_size=1000)


def library_into_documents(apps, schema_editor):
    """Back again: each answer and revision names its library document's newest file."""
    Answer = apps.get_model("assessments", "Answer")
    AnswerRevision = apps.get_model("assessments", "AnswerRevision")
    for model in (Answer, AnswerRevision):
        rows = list(
            model.objects.filter(library_document__isnull=False).select_related("library_document")
        )
        for row in rows:
            row.document_id = row.library_document.current_version_id
        model.objects.bulk_update(rows, ["document"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0004_library_document_links"),
    ]

    operations = [
        migrations.RunPython(documents_into_library, library_into_documents),
    ]
