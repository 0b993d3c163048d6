"""The one place the staff training register attaches a file to an answer.

It saves the generated spreadsheet with the answer through `assessments.services.answer_save`,
which keeps every uploaded file in the organisation's evidence library (a library document of its
own, linked from the answer), so the report is found again in the library like any upload.
"""

from __future__ import annotations

import io

from assessments.models import Answer, Assessment, EvidenceItem
from assessments.services import NewDocument, answer_save
from assessments.uploads import check_upload
from organisations.models import User


def answer_save_with_register_file(
    *,
    assessment: Assessment,
    item: EvidenceItem,
    values: dict,
    expected_version: int,
    user: User,
    file_name: str,
    content: bytes,
) -> Answer:
    """Saves `values` as the item's answer with `content` as its evidence document, through the
    same checks an upload gets. Raises what answer_save raises (AnswerConflict,
    StorageUnavailable)."""
    stream = io.BytesIO(content)
    checked = check_upload(name=file_name, stream=stream, declared_size=len(content))
    return answer_save(
        assessment=assessment,
        item=item,
        values=values,
        expected_version=expected_version,
        user=user,
        new_document=NewDocument(stream=stream, checked=checked),
    )
