"""The one place the staff training register attaches a file to an answer.

Today it stores the generated spreadsheet as the answer's document through
`assessments.services.answer_save`; when the evidence library lands, this function alone is
re-pointed at the library's service (issue 17's seam), and nothing else in training changes.
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
