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
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from django.db.models import F, QuerySet
from django.utils import timezone

from assessments import vocabulary
from dspt_portal.compiled_queries import CompiledShapes
from organisations.models import Organisation
from organisations.ods import normalise_ods_code
from publishing.coverage import PublicationFact, current_until, deciding_publication
from publishing.selectors import (
    latest_publication_subqueries,
    latest_publications,
    publication_facts,
)

from .search import (
    PUBLIC_COLUMN_ORDER,
    PUBLIC_COLUMNS,
    deadlines_from_json,
    deadlines_json,
    normalise_query,
    public_organisation_from,
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
    latest = latest_publications(organisation_ids=[org.pk for org in organisations])
    return _records(organisations, latest, today=today)


def _records(
    organisations: Sequence[Organisation],
    latest: Mapping[int, list[PublicationFact]],
    *,
    today: datetime.date | None = None,
    deadlines: Mapping[str, datetime.date] | None = None,
) -> list[OrganisationRecord]:
    today = today or timezone.localdate()
    if deadlines is None:
        deadlines = publication_deadlines()
    records = []
    for organisation in organisations:
        facts = latest[organisation.pk]
        deciding = deciding_publication(facts, registered=organisation.is_registered)
        status = status_from_facts(organisation, facts, deadlines=deadlines, today=today)
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


# The organisation's public columns, then its HQ's code and name, its own latest publication and
# the latest HQ publication listing it (as `latest_publication_subqueries` gives them), and the
# banks' deadlines.
def _record_shape(shape: str, *, code: str) -> QuerySet:
    own, via_hq = latest_publication_subqueries()
    return (
        Organisation.objects.filter(ods_code=code)
        .order_by("pk")
        .annotate(
            own=own,
            via_hq=via_hq,
            hq_code=F("parent__ods_code"),
            hq_name=F("parent__name"),
            deadlines=deadlines_json(),  # PostgreSQL: with it
        )
        .values_list(*PUBLIC_COLUMN_ORDER, "hq_code", "hq_name", "own", "via_hq", "deadlines")[:1]
    )


# Compiled once per process and prepared: every API lookup of a code not asked for lately reads
# it, and one statement answers what took three round trips (the organisation with its HQ, its
# latest publications, the banks' deadlines).
_RECORD = CompiledShapes(_record_shape, max_shapes=1, prepared=True)


def record_for_code(code: str, *, today: datetime.date | None = None) -> OrganisationRecord | None:
    """The record of the organisation whose code is exactly `code` (normalised already), with its
    HQ: one query for the organisation, its latest publications and (PostgreSQL) the banks'
    deadlines; None when no organisation has the code."""
    rows = _RECORD.rows("one", code=code)
    if not rows:
        return None
    *columns, hq_code, hq_name, own, via_hq, deadlines = rows[0]
    organisation = public_organisation_from(columns, hq_code=hq_code, hq_name=hq_name)
    (record,) = _records(
        [organisation],
        {organisation.pk: publication_facts(own, via_hq)},
        today=today,
        deadlines=deadlines_from_json(deadlines) if deadlines is not None else None,
    )
    return record


def lookup_code(value: object) -> str:
    """A code as a system sends it, normalised as the register's addresses are: "" when it
    cannot be an ODS code."""
    code = normalise_ods_code(normalise_query(value))
    return code if _CODE_SHAPE.fullmatch(code) else ""


def organisations_by_code(*, codes: Iterable[str]) -> dict[str, Organisation]:
    """ODS code → organisation (with its HQ's code and name) for the codes that exist: one
    query."""
    wanted = [code for code in dict.fromkeys(codes) if code]
    if not wanted:
        return {}
    rows = (
        Organisation.objects.select_related("parent")
        .only(*PUBLIC_COLUMNS, "parent__ods_code", "parent__name")
        .filter(ods_code__in=wanted)
    )
    return {organisation.ods_code: organisation for organisation in rows}
