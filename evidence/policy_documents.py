"""What a policy document is made from: the organisation's details read when it is asked for,
kept in the document job's parameters, and turned into the builders' plain data when it is made.

`documents.services` (asking) and `documents.jobs` (making) call these, as they call
`incidents.exports` for an incident's PDF. Everything the document says is in the parameters, so
the document shows exactly what the builder page showed, even if the profile changes meanwhile,
and "Use as evidence" can say which version and review date it attaches.
"""

from __future__ import annotations

import datetime
import hashlib
import json

from assessments.vocabulary import format_date
from documents.builders.policy import PolicyDocumentData
from organisations.models import Organisation
from organisations.selectors import profile_get

from .policy_texts import PolicyText, policy_fill, policy_texts_load

PARAMETERS_VERSION = 1


def policy_details(*, organisation: Organisation) -> dict[str, str]:
    """The details the texts fill in from the organisation's record and profile, "" where the
    organisation has not given one (the data security lead is asked on the builder page)."""
    profile = profile_get(organisation=organisation)
    return {
        "organisation_name": organisation.name,
        "address": ", ".join(organisation.address_lines),
        "ods_code": organisation.ods_code,
        "caldicott_guardian": profile.caldicott_guardian.strip(),
        "siro": profile.senior_information_risk_owner.strip(),
        "dpo": profile.data_protection_officer.strip(),
        "ig_lead": profile.information_governance_lead.strip(),
    }


def policy_parameters(
    *,
    organisation: Organisation,
    policy: PolicyText,
    answers: dict[str, object],
    data_security_lead: str,
    review_date: datetime.date,
    version: str,
    made_on: datetime.date,
    year: str,
) -> dict:
    """Everything one document is made from, as JSON for the job. `year` is the assessment year
    it was made for (the one "Use as evidence" attaches it to)."""
    details = policy_details(organisation=organisation)
    details["data_security_lead"] = data_security_lead.strip()
    return {
        "v": PARAMETERS_VERSION,
        "key": policy.key,
        "title": policy.title,
        "details": details,
        "address_lines": list(organisation.address_lines),
        "answers": {question.key: answers.get(question.key) for question in policy.questions},
        "review_date": review_date.isoformat(),
        "version": version,
        "made_on": made_on.isoformat(),
        "year": year,
    }


def policy_job_identity(*, organisation: Organisation, parameters: dict) -> tuple[str, str]:
    """The job's subject (one per organisation and policy: a newer build replaces the older
    files) and the fingerprint of what it is made from (the same answers give the same job)."""
    subject = f"policy:{organisation.pk}:{parameters['key']}"
    fingerprint = hashlib.sha256(
        json.dumps(parameters, sort_keys=True, default=str).encode()
    ).hexdigest()
    return subject, fingerprint


def policy_document_data(*, parameters: dict) -> PolicyDocumentData:
    policy = policy_texts_load().by_key[parameters["key"]]
    return policy_fill(
        policy,
        details=parameters["details"],
        answers=parameters["answers"],
        review_date_text=format_date(datetime.date.fromisoformat(parameters["review_date"])),
        version=parameters["version"],
        made_on_text=format_date(datetime.date.fromisoformat(parameters["made_on"])),
        address_lines=tuple(parameters["address_lines"]),
    )


def policy_file_name(*, parameters: dict, extension: str) -> str:
    ods_code = "".join(c for c in parameters["details"]["ods_code"] if c.isalnum())
    version = "".join(c if c.isalnum() else "-" for c in parameters["version"]).strip("-")
    return f"{parameters['key']}-{ods_code}-v{version}.{extension}"
