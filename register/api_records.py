"""What the JSON API says about organisations: the public status, worked out by the register's one
rule (status.public_status) from the one latest-publication query, plus the facts a system needs
and a person reads off the page — which publication decides the status, the HQ, and the current
certificate's verification code.

Only public facts: the same as the organisation page and the CSV export, never answers, people or
documents.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.utils import timezone

from assessments import vocabulary
from organisations.models import Organisation
from organisations.ods import normalise_ods_code
from publishing.coverage import current_until, deciding_publication
from publishing.selectors import latest_publications

from .search import (
    PUBLIC_COLUMNS,
    normalise_query,
    organisation_public_exact,
    publication_deadlines,
    status_from_facts,
)
from .status import PublicStatus

# How many codes one bulk lookup may ask for.
LOOKUP_LIMIT = 500

# Which publication decides the status.
DECIDED_BY_OWN = "own"
DECIDED_BY_HQ = "hq"
DECIDED_BY_PREVIOUS_TOOLKIT = "previous_toolkit"

# Anything that cannot be part of an ODS code: such a "code" is reported unknown without a query.
_CODE_SHAPE = re.compile(r"[A-Z0-9][A-Z0-9 \-]{0,39}")


@dataclass(frozen=True)
class OrganisationRecord:
    organisation: Organisation
    status: PublicStatus
    decided_by: str | None
    current_until: datetime.date | None
    verification_code: str  # of the deciding publication's certificate; "" when it has none


def _decided_by(status: PublicStatus) -> str | None:
    if status.from_directory:
        return DECIDED_BY_PREVIOUS_TOOLKIT
    if status.published_on is None:
        return None
    return DECIDED_BY_HQ if status.is_via_hq else DECIDED_BY_OWN


def organisation_records(
    *, organisations: Sequence[Organisation], today: datetime.date | None = None
) -> list[OrganisationRecord]:
    """Records in the order given, in two queries whatever their number (banks, the own and HQ
    latest publications with their certificate codes), and none for an empty list. The organisations
    must have their HQ loaded (`organisations_by_code` does)."""
    if not organisations:
        return []
    today = today or timezone.localdate()
    deadlines = publication_deadlines()
    latest = latest_publications(organisation_ids=[org.pk for org in organisations])
    decided = {}
    for organisation in organisations:
        facts = latest[organisation.pk]
        deciding = deciding_publication(facts, registered=organisation.is_registered)
        status = status_from_facts(organisation, facts, deadlines=deadlines, today=today)
        decided[organisation.pk] = (status, deciding)
    records = []
    for organisation in organisations:
        status, deciding = decided[organisation.pk]
        records.append(
            OrganisationRecord(
                organisation=organisation,
                status=status,
                decided_by=_decided_by(status),
                current_until=(
                    current_until(year=status.year, deadlines=deadlines) if status.year else None
                ),
                verification_code=(
                    deciding.verification_code
                    if deciding is not None and vocabulary.earns_certificate(deciding.level)
                    else ""
                ),
            )
        )
    return records


def lookup_code(value: object) -> str:
    """A code as a system sends it, normalised as the register's addresses are: "" when it
    cannot be an ODS code."""
    code = normalise_ods_code(normalise_query(value))
    return code if _CODE_SHAPE.fullmatch(code) else ""


def organisations_by_code(*, codes: Iterable[str]) -> dict[str, Organisation]:
    """ODS code → organisation (with its HQ) for the codes that exist: one query."""
    wanted = [code for code in dict.fromkeys(codes) if code]
    if not wanted:
        return {}
    if len(wanted) == 1:  # a lookup by code: the register's compiled read of one organisation
        organisation = organisation_public_exact(code=wanted[0])
        return {organisation.ods_code: organisation} if organisation is not None else {}
    rows = (
        Organisation.objects.select_related("parent")
        .only(*PUBLIC_COLUMNS, "parent__ods_code", "parent__name")
        .filter(ods_code__in=wanted)
    )
    return {organisation.ods_code: organisation for organisation in rows}
