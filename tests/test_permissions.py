"""The permission matrix: every URL the project defines, by every kind of person, by GET and by
POST, with the settings production runs with (two-factor required of administrators, rate limits
on).

Every named URL must be in MATRIX with the requirement its view declares and the status each
person gets; a URL without a name, without a declared requirement or missing from MATRIX fails
`test_the_matrix_covers_every_url`, so a new page cannot slip in unchecked. Object ids in the URLs
belong to the first organisation (Langdale House); `outsider` is a verified administrator of
another organisation, and the POST bodies carry that other organisation's ids where a form takes
one. Each request runs in a savepoint that is rolled back, so every cell starts from the same data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import get_resolver, path, reverse

from helpdesk.roles import HelpdeskPermission
from organisations.access import Access
from organisations.models import Organisation
from organisations.roles import Permission

from .factories import OrganisationFactory
from .people import PEOPLE, as_person, project_urls

PUBLIC = Access.PUBLIC
SIGNED_IN = Access.SIGNED_IN
VIEW = Permission.VIEW_ORGANISATION
EDIT = Permission.EDIT_EVIDENCE
PROFILE = Permission.MANAGE_PROFILE
USERS = Permission.MANAGE_USERS
PUBLISH = Permission.PUBLISH
HELPDESK_READ = HelpdeskPermission.READ
HELPDESK_ACT = HelpdeskPermission.ACT
OPERATOR = "operator"  # Django's admin site, behind staff status and a verified second factor


@dataclass(frozen=True)
class Row:
    needs: object  # what the view declares (required_access)
    get: tuple[int, ...]
    post: tuple[int, ...]
    needs_to_change: Permission | HelpdeskPermission | None = None  # stricter, for POST


# Status codes in the order of PEOPLE. 302 for anonymous is the sign-in page; for admin_unverified
# on a PUBLISH or MANAGE_USERS page it is two-factor set-up.
MATRIX: dict[str, Row] = {
    "home": Row(
        PUBLIC,
        (200, 200, 200, 200, 200, 200, 200, 200, 200),
        (200, 200, 200, 200, 200, 200, 200, 200, 200),
    ),
    # Signed-in people are sent on from the sign-in page.
    "sign-in": Row(
        PUBLIC,
        (200, 302, 302, 302, 302, 302, 302, 302, 302),
        (200, 302, 302, 302, 302, 302, 302, 302, 302),
    ),
    "sign-out": Row(
        PUBLIC,
        (405, 405, 405, 405, 405, 405, 405, 405, 405),
        (302, 302, 302, 302, 302, 302, 302, 302, 302),
    ),
    # The session warning's "Stay signed in": a 401 (not the sign-in page) once signed out.
    "session-extend": Row(
        PUBLIC,
        (405, 405, 405, 405, 405, 405, 405, 405, 405),
        (401, 200, 200, 200, 200, 200, 200, 200, 200),
    ),
    # Asked before the page says "signed out": reads the time left, extends nothing.
    "session-status": Row(
        PUBLIC,
        (200, 200, 200, 200, 200, 200, 200, 200, 200),
        (405, 405, 405, 405, 405, 405, 405, 405, 405),
    ),
    "password-reset": Row(
        PUBLIC,
        (200, 200, 200, 200, 200, 200, 200, 200, 200),
        (200, 200, 200, 200, 200, 200, 200, 200, 200),
    ),
    # The policy templates Help page: public; item refs link only for people with an assessment.
    "help-policy-templates": Row(
        PUBLIC,
        (200, 200, 200, 200, 200, 200, 200, 200, 200),
        (405, 405, 405, 405, 405, 405, 405, 405, 405),
    ),
    "password-reset-sent": Row(
        PUBLIC,
        (200, 200, 200, 200, 200, 200, 200, 200, 200),
        (405, 405, 405, 405, 405, 405, 405, 405, 405),
    ),
    "password-reset-confirm": Row(
        PUBLIC,
        (200, 200, 200, 200, 200, 200, 200, 200, 200),
        (200, 200, 200, 200, 200, 200, 200, 200, 200),
    ),
    "password-reset-complete": Row(
        PUBLIC,
        (200, 200, 200, 200, 200, 200, 200, 200, 200),
        (405, 405, 405, 405, 405, 405, 405, 405, 405),
    ),
    "register": Row(
        PUBLIC,
        (200, 200, 200, 200, 200, 200, 200, 200, 200),
        (400, 400, 400, 400, 400, 400, 400, 400, 400),
    ),
    # Nothing chosen yet in this session: back to the start.
    "register-confirm": Row(
        PUBLIC,
        (302, 302, 302, 302, 302, 302, 302, 302, 302),
        (302, 302, 302, 302, 302, 302, 302, 302, 302),
    ),
    "register-helpdesk": Row(
        PUBLIC,
        (302, 302, 302, 302, 302, 302, 302, 302, 302),
        (302, 302, 302, 302, 302, 302, 302, 302, 302),
    ),
    # The emailed link is someone else's: signed-in people are the wrong account.
    "register-complete": Row(
        PUBLIC,
        (200, 403, 403, 403, 403, 403, 403, 403, 403),
        (400, 403, 403, 403, 403, 403, 403, 403, 403),
    ),
    # "Send a new link" from an expired link; this link still works, so nothing is sent.
    "register-new-link": Row(
        PUBLIC,
        (405, 405, 405, 405, 405, 405, 405, 405, 405),
        (409, 409, 409, 409, 409, 409, 409, 409, 409),
    ),
    # The forged id is the other organisation: only its own administrator may switch to it.
    "organisation-change": Row(
        SIGNED_IN,
        (302, 200, 200, 200, 200, 200, 200, 200, 200),
        (302, 400, 400, 400, 400, 400, 302, 400, 400),
    ),
    "profile": Row(
        VIEW,
        (302, 403, 200, 200, 200, 200, 200, 403, 403),
        (302, 403, 200, 200, 200, 200, 200, 403, 403),
    ),
    # The Cyber Essentials Plus claim: administrators need a verified second factor.
    "profile-edit": Row(
        PROFILE,
        (302, 403, 403, 403, 302, 200, 200, 403, 403),
        (302, 403, 403, 403, 302, 400, 400, 403, 403),
    ),
    "people-list": Row(
        USERS,
        (302, 403, 403, 403, 302, 200, 200, 403, 403),
        (302, 403, 403, 403, 302, 200, 200, 403, 403),
    ),
    "people-invite": Row(
        USERS,
        (302, 403, 403, 403, 302, 200, 200, 403, 403),
        (302, 403, 403, 403, 302, 302, 302, 403, 403),
    ),
    # Object ids are the first organisation's: the outsider gets 404, never the object.
    "people-change-role": Row(
        USERS,
        (302, 403, 403, 403, 302, 200, 404, 403, 403),
        (302, 403, 403, 403, 302, 302, 404, 403, 403),
    ),
    "people-remove": Row(
        USERS,
        (302, 403, 403, 403, 302, 200, 404, 403, 403),
        (302, 403, 403, 403, 302, 302, 404, 403, 403),
    ),
    "invitation-cancel": Row(
        USERS,
        (302, 403, 403, 403, 302, 200, 404, 403, 403),
        (302, 403, 403, 403, 302, 302, 404, 403, 403),
    ),
    # The invitation is for someone else's address.
    "invitation-accept": Row(
        PUBLIC,
        (200, 403, 403, 403, 403, 403, 403, 403, 403),
        (400, 403, 403, 403, 403, 403, 403, 403, 403),
    ),
    "activity": Row(
        USERS,
        (302, 403, 403, 403, 302, 200, 200, 403, 403),
        (302, 403, 403, 403, 302, 200, 200, 403, 403),
    ),
    "account": Row(
        SIGNED_IN,
        (302, 200, 200, 200, 200, 200, 200, 200, 200),
        (302, 200, 200, 200, 200, 200, 200, 200, 200),
    ),
    "mfa-setup": Row(
        SIGNED_IN,
        (302, 200, 200, 200, 200, 200, 200, 200, 200),
        (302, 400, 400, 400, 400, 400, 400, 400, 400),
    ),
    "mfa-verify": Row(
        SIGNED_IN,
        (302, 200, 200, 200, 200, 200, 200, 200, 200),
        (302, 400, 400, 400, 400, 400, 400, 400, 400),
    ),
    # New codes only for a session that passed two-factor.
    "mfa-recovery-codes": Row(
        SIGNED_IN,
        (302, 405, 405, 405, 405, 405, 405, 405, 405),
        (302, 302, 302, 302, 302, 200, 200, 200, 200),
    ),
    "mfa-remove": Row(
        SIGNED_IN,
        (302, 200, 200, 200, 200, 200, 200, 200, 200),
        (302, 400, 400, 400, 400, 400, 400, 400, 400),
    ),
    "assessment-current": Row(
        VIEW,
        (302, 403, 302, 302, 302, 302, 302, 403, 403),
        (302, 403, 302, 302, 302, 302, 302, 403, 403),
    ),
    "assessment-overview": Row(
        VIEW,
        (302, 403, 200, 200, 200, 200, 200, 403, 403),
        (302, 403, 200, 200, 200, 200, 200, 403, 403),
    ),
    # POST only, by those who may add evidence; the outsider starts (finds) their own.
    "assessment-start": Row(
        EDIT,
        (302, 403, 403, 405, 405, 405, 405, 403, 403),
        (302, 403, 403, 302, 302, 302, 302, 403, 403),
    ),
    # A year is not another organisation's object: the outsider answers their own.
    "evidence-item": Row(
        VIEW,
        (302, 403, 200, 200, 200, 200, 200, 403, 403),
        (302, 403, 403, 302, 302, 302, 302, 403, 403),
        needs_to_change=EDIT,
    ),
    "evidence-history": Row(
        VIEW,
        (302, 403, 200, 200, 200, 200, 200, 403, 403),
        (302, 403, 200, 200, 200, 200, 200, 403, 403),
    ),
    "document-download": Row(
        VIEW,
        (302, 403, 200, 200, 200, 200, 404, 403, 403),
        (302, 403, 200, 200, 200, 200, 404, 403, 403),
    ),
    # The evidence library: viewers see and download, members and administrators change; the
    # outsider (another organisation) finds none of these documents.
    "library-list": Row(
        VIEW,
        (302, 403, 200, 200, 200, 200, 200, 403, 403),
        (302, 403, 405, 405, 405, 405, 405, 403, 403),
    ),
    # An empty form is refused; the outsider adds to their own library.
    "library-add": Row(
        EDIT,
        (302, 403, 403, 200, 200, 200, 200, 403, 403),
        (302, 403, 403, 400, 400, 400, 400, 403, 403),
    ),
    "library-document": Row(
        VIEW,
        (302, 403, 200, 200, 200, 200, 404, 403, 403),
        (302, 403, 405, 405, 405, 405, 405, 403, 403),
    ),
    "library-version-upload": Row(
        EDIT,
        (302, 403, 403, 200, 200, 200, 404, 403, 403),
        (302, 403, 403, 400, 400, 400, 404, 403, 403),
    ),
    "library-edit": Row(
        EDIT,
        (302, 403, 403, 200, 200, 200, 404, 403, 403),
        (302, 403, 403, 400, 400, 400, 404, 403, 403),
    ),
    "library-review": Row(
        EDIT,
        (302, 403, 403, 200, 200, 200, 404, 403, 403),
        (302, 403, 403, 400, 400, 400, 404, 403, 403),
    ),
    "library-use": Row(
        EDIT,
        (302, 403, 403, 200, 200, 200, 404, 403, 403),
        (302, 403, 403, 400, 400, 400, 404, 403, 403),
    ),
    # Nothing uses the document and nothing published names it, so deleting goes through.
    "library-delete": Row(
        EDIT,
        (302, 403, 403, 200, 200, 200, 404, 403, 403),
        (302, 403, 403, 302, 302, 302, 404, 403, 403),
    ),
    # POST only; the current version cannot be deleted on its own.
    "library-version-delete": Row(
        EDIT,
        (302, 403, 403, 405, 405, 405, 405, 403, 403),
        (302, 403, 403, 409, 409, 409, 404, 403, 403),
    ),
    "publish-start": Row(
        PUBLISH,
        (302, 403, 403, 403, 302, 200, 200, 403, 403),
        (302, 403, 403, 403, 302, 200, 200, 403, 403),
    ),
    "publish-profile": Row(
        PUBLISH,
        (302, 403, 403, 403, 302, 200, 200, 403, 403),
        (302, 403, 403, 403, 302, 400, 400, 403, 403),
    ),
    # The profile is not confirmed in this session yet: back to that step.
    "publish-sites": Row(
        PUBLISH,
        (302, 403, 403, 403, 302, 302, 302, 403, 403),
        (302, 403, 403, 403, 302, 302, 302, 403, 403),
    ),
    "publish-sites-csv": Row(
        PUBLISH,
        (302, 403, 403, 403, 302, 200, 200, 403, 403),
        (302, 403, 403, 403, 302, 200, 200, 403, 403),
    ),
    "publish-summary": Row(
        PUBLISH,
        (302, 403, 403, 403, 302, 302, 302, 403, 403),
        (302, 403, 403, 403, 302, 302, 302, 403, 403),
    ),
    "action-plan": Row(
        PUBLISH,
        (302, 403, 403, 403, 302, 200, 200, 403, 403),
        (302, 403, 403, 403, 302, 400, 400, 403, 403),
    ),
    "action-plan-download": Row(
        PUBLISH,
        (302, 403, 403, 403, 302, 200, 200, 403, 403),
        (302, 403, 403, 403, 302, 200, 200, 403, 403),
    ),
    "action-plan-upload": Row(
        PUBLISH,
        (302, 403, 403, 403, 302, 302, 302, 403, 403),
        (302, 403, 403, 403, 302, 400, 400, 403, 403),
    ),
    "publication-list": Row(
        VIEW,
        (302, 403, 200, 200, 200, 200, 200, 403, 403),
        (302, 403, 200, 200, 200, 200, 200, 403, 403),
    ),
    "publication-detail": Row(
        VIEW,
        (302, 403, 200, 200, 200, 200, 404, 403, 403),
        (302, 403, 200, 200, 200, 200, 404, 403, 403),
    ),
    "publication-download": Row(
        VIEW,
        (302, 403, 405, 405, 405, 405, 405, 403, 403),
        (302, 403, 302, 302, 302, 302, 404, 403, 403),
    ),
    "certificate-download": Row(
        VIEW,
        (302, 403, 405, 405, 405, 405, 405, 403, 403),
        (302, 403, 302, 302, 302, 302, 404, 403, 403),
    ),
    # POST only; the outsider gets their own organisation's assessment.
    "assessment-download": Row(
        VIEW,
        (302, 403, 405, 405, 405, 405, 405, 403, 403),
        (302, 403, 302, 302, 302, 302, 302, 403, 403),
    ),
    "reminder-list": Row(
        VIEW,
        (302, 403, 200, 200, 200, 200, 200, 403, 403),
        (302, 403, 200, 200, 200, 200, 200, 403, 403),
    ),
    "document-job": Row(
        VIEW,
        (302, 403, 200, 200, 200, 200, 404, 403, 403),
        (302, 403, 200, 200, 200, 200, 404, 403, 403),
    ),
    # The JSON the job page's script asks for: the organisation's people only.
    "document-job-status": Row(
        VIEW,
        (302, 403, 200, 200, 200, 200, 404, 403, 403),
        (302, 403, 405, 405, 405, 405, 405, 403, 403),
    ),
    "document-job-file": Row(
        VIEW,
        (302, 403, 200, 200, 200, 200, 404, 403, 403),
        (302, 403, 200, 200, 200, 200, 404, 403, 403),
    ),
    "document-job-retry": Row(
        VIEW,
        (302, 403, 405, 405, 405, 405, 405, 403, 403),
        (302, 403, 302, 302, 302, 302, 404, 403, 403),
    ),
    # The policy builder: viewers see the list and the documents made, members make them.
    "policy-list": Row(
        VIEW,
        (302, 403, 200, 200, 200, 200, 200, 403, 403),
        (302, 403, 405, 405, 405, 405, 405, 403, 403),
    ),
    "policy-builder": Row(
        EDIT,
        (302, 403, 403, 200, 200, 200, 200, 403, 403),
        (302, 403, 403, 400, 400, 400, 400, 403, 403),
    ),
    "policy-job": Row(
        VIEW,
        (302, 403, 200, 200, 200, 200, 404, 403, 403),
        (302, 403, 405, 405, 405, 405, 405, 403, 403),
    ),
    # The PDF serves no item of the test bank: confirming is refused (409), nothing written.
    "policy-use": Row(
        EDIT,
        (302, 403, 403, 200, 200, 200, 404, 403, 403),
        (302, 403, 403, 409, 409, 409, 404, 403, 403),
    ),
    "incident-list": Row(
        VIEW,
        (302, 403, 200, 200, 200, 200, 200, 403, 403),
        (302, 403, 405, 405, 405, 405, 405, 403, 403),
    ),
    # POST only, by those who may add evidence; the outsider starts a report of their own.
    "incident-start": Row(
        EDIT,
        (302, 403, 403, 405, 405, 405, 405, 403, 403),
        (302, 403, 403, 302, 302, 302, 302, 403, 403),
    ),
    "incident-detail": Row(
        VIEW,
        (302, 403, 200, 200, 200, 200, 404, 403, 403),
        (302, 403, 405, 405, 405, 405, 405, 403, 403),
    ),
    # A draft's question: the forged answer saves (and moves on) only for the organisation.
    "incident-step": Row(
        EDIT,
        (302, 403, 403, 200, 200, 200, 404, 403, 403),
        (302, 403, 403, 302, 302, 302, 404, 403, 403),
    ),
    # The draft has no answers yet, so submitting it is refused.
    "incident-check": Row(
        EDIT,
        (302, 403, 403, 200, 200, 200, 404, 403, 403),
        (302, 403, 403, 400, 400, 400, 404, 403, 403),
    ),
    "incident-submitted": Row(
        VIEW,
        (302, 403, 200, 200, 200, 200, 404, 403, 403),
        (302, 403, 405, 405, 405, 405, 405, 403, 403),
    ),
    # The staff training register: viewers see it, members and administrators change it.
    "staff-list": Row(
        VIEW,
        (302, 403, 200, 200, 200, 200, 200, 403, 403),
        (302, 403, 405, 405, 405, 405, 405, 403, 403),
    ),
    "staff-add": Row(
        EDIT,
        (302, 403, 403, 200, 200, 200, 200, 403, 403),
        (302, 403, 403, 302, 302, 302, 302, 403, 403),
    ),
    "staff-detail": Row(
        VIEW,
        (302, 403, 200, 200, 200, 200, 404, 403, 403),
        (302, 403, 405, 405, 405, 405, 405, 403, 403),
    ),
    "staff-edit": Row(
        EDIT,
        (302, 403, 403, 200, 200, 200, 404, 403, 403),
        (302, 403, 403, 302, 302, 302, 404, 403, 403),
    ),
    "staff-leave": Row(
        EDIT,
        (302, 403, 403, 200, 200, 200, 404, 403, 403),
        (302, 403, 403, 302, 302, 302, 404, 403, 403),
    ),
    "staff-remove": Row(
        EDIT,
        (302, 403, 403, 200, 200, 200, 404, 403, 403),
        (302, 403, 403, 302, 302, 302, 404, 403, 403),
    ),
    "training-add": Row(
        EDIT,
        (302, 403, 403, 200, 200, 200, 404, 403, 403),
        (302, 403, 403, 302, 302, 302, 404, 403, 403),
    ),
    "training-delete": Row(
        EDIT,
        (302, 403, 403, 200, 200, 200, 404, 403, 403),
        (302, 403, 403, 302, 302, 302, 404, 403, 403),
    ),
    # No file chosen: the form says so.
    "staff-import": Row(
        EDIT,
        (302, 403, 403, 200, 200, 200, 200, 403, 403),
        (302, 403, 403, 400, 400, 400, 400, 403, 403),
    ),
    "staff-import-template": Row(
        VIEW,
        (302, 403, 200, 200, 200, 200, 200, 403, 403),
        (302, 403, 405, 405, 405, 405, 405, 403, 403),
    ),
    "training-report": Row(
        VIEW,
        (302, 403, 200, 200, 200, 200, 200, 403, 403),
        (302, 403, 405, 405, 405, 405, 405, 403, 403),
    ),
    "training-needs-analysis": Row(
        VIEW,
        (302, 403, 200, 200, 200, 200, 200, 403, 403),
        (302, 403, 405, 405, 405, 405, 405, 403, 403),
    ),
    # POST only; each organisation's assessment is started and 3.2.1 has no answer yet, so the
    # register's figure is saved at once (the outsider fills their own).
    "training-fill": Row(
        EDIT,
        (302, 403, 403, 405, 405, 405, 405, 403, 403),
        (302, 403, 403, 302, 302, 302, 302, 403, 403),
    ),
    "organisation-search": Row(
        PUBLIC,
        (200, 200, 200, 200, 200, 200, 200, 200, 200),
        (405, 405, 405, 405, 405, 405, 405, 405, 405),
    ),
    "organisation-search-csv": Row(
        PUBLIC,
        (302, 302, 302, 302, 302, 302, 302, 302, 302),
        (405, 405, 405, 405, 405, 405, 405, 405, 405),
    ),
    # The bulk status check: an empty form is refused with the reason (400).
    "bulk-check": Row(
        PUBLIC,
        (200, 200, 200, 200, 200, 200, 200, 200, 200),
        (400, 400, 400, 400, 400, 400, 400, 400, 400),
    ),
    # Its download takes the checked codes by POST; a GET goes back to the form.
    "bulk-check-download": Row(
        PUBLIC,
        (302, 302, 302, 302, 302, 302, 302, 302, 302),
        (400, 400, 400, 400, 400, 400, 400, 400, 400),
    ),
    # No open data file has been made in this world yet.
    "open-data": Row(
        PUBLIC,
        (404, 404, 404, 404, 404, 404, 404, 404, 404),
        (405, 405, 405, 405, 405, 405, 405, 405, 405),
    ),
    "organisation-public": Row(
        PUBLIC,
        (200, 200, 200, 200, 200, 200, 200, 200, 200),
        (405, 405, 405, 405, 405, 405, 405, 405, 405),
    ),
    # The JSON API: the same for everyone. Search without a query and a lookup without a body
    # are refused as bad requests; each operation answers only its own method.
    "api-v1:organisation": Row(
        PUBLIC,
        (200, 200, 200, 200, 200, 200, 200, 200, 200),
        (405, 405, 405, 405, 405, 405, 405, 405, 405),
    ),
    "api-v1:organisation-search": Row(
        PUBLIC,
        (400, 400, 400, 400, 400, 400, 400, 400, 400),
        (405, 405, 405, 405, 405, 405, 405, 405, 405),
    ),
    "api-v1:organisation-lookup": Row(
        PUBLIC,
        (405, 405, 405, 405, 405, 405, 405, 405, 405),
        (400, 400, 400, 400, 400, 400, 400, 400, 400),
    ),
    "api-v1:openapi-json": Row(
        PUBLIC,
        (200, 200, 200, 200, 200, 200, 200, 200, 200),
        (405, 405, 405, 405, 405, 405, 405, 405, 405),
    ),
    "api-v1:api-root": Row(
        PUBLIC,
        (302, 302, 302, 302, 302, 302, 302, 302, 302),
        (405, 405, 405, 405, 405, 405, 405, 405, 405),
    ),
    "api-guide": Row(
        PUBLIC,
        (200, 200, 200, 200, 200, 200, 200, 200, 200),
        (405, 405, 405, 405, 405, 405, 405, 405, 405),
    ),
    "certificate-verify": Row(
        PUBLIC,
        (200, 200, 200, 200, 200, 200, 200, 200, 200),
        (200, 200, 200, 200, 200, 200, 200, 200, 200),
    ),
    # The pages every public service has, and the form that takes a code to its certificate.
    "certificate-verify-start": Row(
        PUBLIC,
        (200, 200, 200, 200, 200, 200, 200, 200, 200),
        (405, 405, 405, 405, 405, 405, 405, 405, 405),
    ),
    "help-contact": Row(
        PUBLIC,
        (200, 200, 200, 200, 200, 200, 200, 200, 200),
        (405, 405, 405, 405, 405, 405, 405, 405, 405),
    ),
    "news": Row(
        PUBLIC,
        (200, 200, 200, 200, 200, 200, 200, 200, 200),
        (405, 405, 405, 405, 405, 405, 405, 405, 405),
    ),
    "ods-code-help": Row(
        PUBLIC,
        (200, 200, 200, 200, 200, 200, 200, 200, 200),
        (405, 405, 405, 405, 405, 405, 405, 405, 405),
    ),
    "accessibility": Row(
        PUBLIC,
        (200, 200, 200, 200, 200, 200, 200, 200, 200),
        (405, 405, 405, 405, 405, 405, 405, 405, 405),
    ),
    "cookies": Row(
        PUBLIC,
        (200, 200, 200, 200, 200, 200, 200, 200, 200),
        (405, 405, 405, 405, 405, 405, 405, 405, 405),
    ),
    "privacy": Row(
        PUBLIC,
        (200, 200, 200, 200, 200, 200, 200, 200, 200),
        (405, 405, 405, 405, 405, 405, 405, 405, 405),
    ),
    "terms": Row(
        PUBLIC,
        (200, 200, 200, 200, 200, 200, 200, 200, 200),
        (405, 405, 405, 405, 405, 405, 405, 405, 405),
    ),
    "health": Row(
        PUBLIC,
        (200, 200, 200, 200, 200, 200, 200, 200, 200),
        (405, 405, 405, 405, 405, 405, 405, 405, 405),
    ),
    # Helpdesk actions (helpdesk/views/actions.py): a page to read, a form only operators send;
    # an empty or forged form is refused with the reason missing (400).
    "helpdesk:requests": Row(
        HELPDESK_READ,
        (302, 403, 403, 403, 403, 403, 403, 200, 200),
        (405, 405, 405, 405, 405, 405, 405, 405, 405),
    ),
    "helpdesk:person": Row(
        HELPDESK_READ,
        (302, 403, 403, 403, 403, 403, 403, 200, 200),
        (405, 405, 405, 405, 405, 405, 405, 405, 405),
    ),
    "helpdesk:request": Row(
        HELPDESK_READ,
        (302, 403, 403, 403, 403, 403, 403, 200, 200),
        (302, 403, 403, 403, 403, 403, 403, 400, 403),
        HELPDESK_ACT,
    ),
    "helpdesk:suspend": Row(
        HELPDESK_READ,
        (302, 403, 403, 403, 403, 403, 403, 200, 200),
        (302, 403, 403, 403, 403, 403, 403, 400, 403),
        HELPDESK_ACT,
    ),
    "helpdesk:reinstate": Row(
        HELPDESK_READ,
        (302, 403, 403, 403, 403, 403, 403, 200, 200),
        (302, 403, 403, 403, 403, 403, 403, 400, 403),
        HELPDESK_ACT,
    ),
    "helpdesk:hq-link": Row(
        HELPDESK_READ,
        (302, 403, 403, 403, 403, 403, 403, 200, 200),
        (302, 403, 403, 403, 403, 403, 403, 400, 403),
        HELPDESK_ACT,
    ),
    "helpdesk:hq-unlink": Row(
        HELPDESK_READ,
        (302, 403, 403, 403, 403, 403, 403, 200, 200),
        (302, 403, 403, 403, 403, 403, 403, 400, 403),
        HELPDESK_ACT,
    ),
    "helpdesk:make-administrator": Row(
        HELPDESK_READ,
        (302, 403, 403, 403, 403, 403, 403, 200, 200),
        (302, 403, 403, 403, 403, 403, 403, 400, 403),
        HELPDESK_ACT,
    ),
    "helpdesk:unlock": Row(
        HELPDESK_READ,
        (302, 403, 403, 403, 403, 403, 403, 200, 200),
        (302, 403, 403, 403, 403, 403, 403, 400, 403),
        HELPDESK_ACT,
    ),
    "helpdesk:reset-two-factor": Row(
        HELPDESK_READ,
        (302, 403, 403, 403, 403, 403, 403, 200, 200),
        (302, 403, 403, 403, 403, 403, 403, 400, 403),
        HELPDESK_ACT,
    ),
    "helpdesk:invitation-resend": Row(
        HELPDESK_READ,
        (302, 403, 403, 403, 403, 403, 403, 200, 200),
        (302, 403, 403, 403, 403, 403, 403, 400, 403),
        HELPDESK_ACT,
    ),
    "helpdesk:invitation-cancel": Row(
        HELPDESK_READ,
        (302, 403, 403, 403, 403, 403, 403, 200, 200),
        (302, 403, 403, 403, 403, 403, 403, 400, 403),
        HELPDESK_ACT,
    ),
    "helpdesk:publication-find": Row(
        HELPDESK_READ,
        (302, 403, 403, 403, 403, 403, 403, 200, 200),
        (405, 405, 405, 405, 405, 405, 405, 405, 405),
    ),
    # Any organisation's publication; the empty POST is refused for want of a reason.
    "helpdesk:publication-withdraw": Row(
        HELPDESK_READ,
        (302, 403, 403, 403, 403, 403, 403, 200, 200),
        (302, 403, 403, 403, 403, 403, 403, 400, 403),
        needs_to_change=HELPDESK_ACT,
    ),
    "helpdesk:imports": Row(
        HELPDESK_READ,
        (302, 403, 403, 403, 403, 403, 403, 200, 200),
        (405, 405, 405, 405, 405, 405, 405, 405, 405),
    ),
    # Auditors see the form's page (saying only operators upload) but cannot upload; an empty
    # upload is a 400 with the error summary.
    "helpdesk:import-new": Row(
        HELPDESK_READ,
        (302, 403, 403, 403, 403, 403, 403, 200, 200),
        (302, 403, 403, 403, 403, 403, 403, 400, 403),
        HELPDESK_ACT,
    ),
    "helpdesk:import": Row(
        HELPDESK_READ,
        (302, 403, 403, 403, 403, 403, 403, 200, 200),
        (405, 405, 405, 405, 405, 405, 405, 405, 405),
    ),
    "helpdesk:import-status": Row(
        HELPDESK_READ,
        (302, 403, 403, 403, 403, 403, 403, 200, 200),
        (405, 405, 405, 405, 405, 405, 405, 405, 405),
    ),
    "helpdesk:import-rejected": Row(
        HELPDESK_READ,
        (302, 403, 403, 403, 403, 403, 403, 200, 200),
        (405, 405, 405, 405, 405, 405, 405, 405, 405),
    ),
    # The job in the matrix has finished: "Try again" leaves it be and goes back to its page.
    "helpdesk:import-retry": Row(
        HELPDESK_ACT,
        (405, 405, 405, 405, 405, 405, 405, 405, 405),
        (302, 403, 403, 403, 403, 403, 403, 302, 403),
    ),
    # The outsider exports their own organisation's log.
    "incident-log-export": Row(
        VIEW,
        (302, 403, 405, 405, 405, 405, 405, 403, 403),
        (302, 403, 302, 302, 302, 302, 302, 403, 403),
    ),
    "incident-follow-up": Row(
        EDIT,
        (302, 403, 403, 200, 200, 200, 404, 403, 403),
        (302, 403, 403, 400, 400, 400, 404, 403, 403),
    ),
    "incident-close": Row(
        EDIT,
        (302, 403, 403, 200, 200, 200, 404, 403, 403),
        (302, 403, 403, 400, 400, 400, 404, 403, 403),
    ),
    "incident-withdraw": Row(
        EDIT,
        (302, 403, 403, 200, 200, 200, 404, 403, 403),
        (302, 403, 403, 400, 400, 400, 404, 403, 403),
    ),
    "incident-pdf": Row(
        VIEW,
        (302, 403, 405, 405, 405, 405, 405, 403, 403),
        (302, 403, 302, 302, 302, 302, 404, 403, 403),
    ),
    "incident-notification-retry": Row(
        EDIT,
        (302, 403, 403, 405, 405, 405, 405, 403, 403),
        (302, 403, 403, 302, 302, 302, 404, 403, 403),
    ),
    # The status badge (cached, cookieless images) and the page giving its HTML.
    "organisation-badge": Row(
        PUBLIC,
        (200, 200, 200, 200, 200, 200, 200, 200, 200),
        (405, 405, 405, 405, 405, 405, 405, 405, 405),
    ),
    "organisation-badge-svg": Row(
        PUBLIC,
        (200, 200, 200, 200, 200, 200, 200, 200, 200),
        (405, 405, 405, 405, 405, 405, 405, 405, 405),
    ),
    "organisation-badge-png": Row(
        PUBLIC,
        (200, 200, 200, 200, 200, 200, 200, 200, 200),
        (405, 405, 405, 405, 405, 405, 405, 405, 405),
    ),
    # Commissioning areas: every area, one area's figures, and its organisations as CSV.
    "area-list": Row(
        PUBLIC,
        (200, 200, 200, 200, 200, 200, 200, 200, 200),
        (405, 405, 405, 405, 405, 405, 405, 405, 405),
    ),
    "area-detail": Row(
        PUBLIC,
        (200, 200, 200, 200, 200, 200, 200, 200, 200),
        (405, 405, 405, 405, 405, 405, 405, 405, 405),
    ),
    "area-csv": Row(
        PUBLIC,
        (200, 200, 200, 200, 200, 200, 200, 200, 200),
        (405, 405, 405, 405, 405, 405, 405, 405, 405),
    ),
    # Nobody here is an operator: on to sign-in, or two-factor.
    # Helpdesk staff only, always with a verified second factor; auditors read, never change.
    "helpdesk:home": Row(
        HELPDESK_READ,
        (302, 403, 403, 403, 403, 403, 403, 200, 200),
        (405, 405, 405, 405, 405, 405, 405, 405, 405),
    ),
    "helpdesk:find": Row(
        HELPDESK_READ,
        (302, 403, 403, 403, 403, 403, 403, 200, 200),
        (405, 405, 405, 405, 405, 405, 405, 405, 405),
    ),
    "helpdesk:case": Row(
        HELPDESK_READ,
        (302, 403, 403, 403, 403, 403, 403, 200, 200),
        (405, 405, 405, 405, 405, 405, 405, 405, 405),
    ),
    "helpdesk:case-activity": Row(
        HELPDESK_READ,
        (302, 403, 403, 403, 403, 403, 403, 200, 200),
        (405, 405, 405, 405, 405, 405, 405, 405, 405),
    ),
    "helpdesk:news": Row(
        HELPDESK_READ,
        (302, 403, 403, 403, 403, 403, 403, 200, 200),
        (405, 405, 405, 405, 405, 405, 405, 405, 405),
    ),
    # An empty form: 400 for an operator; auditors read the page but publish nothing.
    "helpdesk:news-publish": Row(
        HELPDESK_READ,
        (302, 403, 403, 403, 403, 403, 403, 200, 200),
        (302, 403, 403, 403, 403, 403, 403, 400, 403),
        needs_to_change=HELPDESK_ACT,
    ),
    # The confirm step; the operator's POST withdraws the notice.
    "helpdesk:news-withdraw": Row(
        HELPDESK_READ,
        (302, 403, 403, 403, 403, 403, 403, 200, 200),
        (302, 403, 403, 403, 403, 403, 403, 302, 403),
        needs_to_change=HELPDESK_ACT,
    ),
    # The frontline quiz, the manager's side: results for everyone in the organisation; links
    # made, emailed and revoked by those who may add evidence. Making or emailing a link needs a
    # session that passed two-factor authentication, members' too (302 to set it up).
    "quiz-results": Row(
        VIEW,
        (302, 403, 200, 200, 200, 200, 200, 403, 403),
        (302, 403, 405, 405, 405, 405, 405, 403, 403),
    ),
    "quiz-staff": Row(
        VIEW,
        (302, 403, 200, 200, 200, 200, 404, 403, 403),
        (302, 403, 405, 405, 405, 405, 405, 403, 403),
    ),
    "quiz-link-create": Row(
        EDIT,
        (302, 403, 403, 405, 405, 405, 405, 403, 403),
        (302, 403, 403, 302, 302, 200, 404, 403, 403),
    ),
    # The form posted without the link's secret: refused with the error summary.
    "quiz-link-email": Row(
        EDIT,
        (302, 403, 403, 405, 405, 405, 405, 403, 403),
        (302, 403, 403, 302, 302, 400, 404, 403, 403),
    ),
    "quiz-link-revoke": Row(
        EDIT,
        (302, 403, 403, 200, 200, 200, 404, 403, 403),
        (302, 403, 403, 302, 302, 302, 404, 403, 403),
    ),
    # The taker's pages: public, opened by the link's secret alone (like invitation-accept, but
    # anyone holding the link takes the quiz). A POST without the form's signed field is refused;
    # the questions and the result wait for the quiz to be started and finished.
    "quiz-take-start": Row(
        PUBLIC,
        (200, 200, 200, 200, 200, 200, 200, 200, 200),
        (400, 400, 400, 400, 400, 400, 400, 400, 400),
    ),
    "quiz-take-page": Row(
        PUBLIC,
        (302, 302, 302, 302, 302, 302, 302, 302, 302),
        (302, 302, 302, 302, 302, 302, 302, 302, 302),
    ),
    "quiz-take-result": Row(
        PUBLIC,
        (302, 302, 302, 302, 302, 302, 302, 302, 302),
        (405, 405, 405, 405, 405, 405, 405, 405, 405),
    ),
    "admin:index": Row(
        OPERATOR,
        (302, 302, 302, 302, 302, 302, 302, 302, 302),
        (302, 302, 302, 302, 302, 302, 302, 302, 302),
    ),
}


# --- Coverage: every URL is named, declared and in the matrix --------------------------------


def test_the_matrix_covers_every_url():
    found, unnamed = project_urls()
    assert unnamed == [], "every URL pattern needs a name"
    assert sorted(set(found) - set(MATRIX)) == [], "URLs missing from MATRIX"
    assert sorted(set(MATRIX) - set(found)) == [], "MATRIX lists URLs that do not exist"


def test_every_view_declares_the_requirement_the_matrix_expects():
    found, _ = project_urls()
    for name, view in found.items():
        row = MATRIX[name]
        if row.needs == OPERATOR:
            continue
        declared = getattr(view, "required_access", None)
        assert declared is not None, f"{name} declares no requirement"
        assert declared == row.needs, name
        assert getattr(view, "required_access_to_change", None) == row.needs_to_change, name


# Account pages where what a person gets depends on a verified second factor, not an organisation.
VERIFIED_ONLY = ("mfa-recovery-codes",)


def test_the_matrix_is_consistent_with_the_requirements():
    """Reading the table: who may do what follows from the declared requirement."""
    for name, row in MATRIX.items():
        for method, statuses in (("GET", row.get), ("POST", row.post)):
            got = dict(zip(PEOPLE, statuses, strict=True))
            needs = row.needs_to_change if method == "POST" and row.needs_to_change else row.needs
            if needs in (VIEW, EDIT, PROFILE, USERS, PUBLISH, SIGNED_IN, OPERATOR):
                assert got["anonymous"] == 302, (name, method)
            if needs in (VIEW, EDIT, PROFILE, USERS, PUBLISH):
                assert got["no_organisation"] == 403, (name, method)
            if needs in (EDIT, PROFILE, USERS, PUBLISH):
                assert got["viewer"] in (403, 405), (name, method)
            if needs in (PROFILE, USERS, PUBLISH):
                assert got["member"] in (403, 405), (name, method)
            if needs in (USERS, PUBLISH):
                assert got["admin_unverified"] in (302, 405), (name, method)
            if needs == OPERATOR:
                assert set(statuses) <= {302, 403, 404}, name
            if needs not in (HELPDESK_READ, HELPDESK_ACT):
                # Helpdesk staff belong to no organisation: no more than someone with none.
                if name not in VERIFIED_ONLY:
                    assert got["operator"] == got["auditor"] == got["no_organisation"], name
            else:
                assert got["anonymous"] in (302, 405), (name, method)
                for person in PEOPLE[1:7]:
                    assert got[person] in (403, 405), (name, method, person)
                assert got["operator"] != 403, (name, method)
            if needs == HELPDESK_ACT:
                assert got["auditor"] in (403, 405), (name, method)


# --- The people and the objects they try to reach ------------------------------------------------


@pytest.fixture(autouse=True)
def production_like(settings):
    settings.DSPT_REQUIRE_MFA_FOR_ADMINISTRATORS = True
    settings.DSPT_RATE_LIMITS_ENABLED = True
    cache.clear()  # rate-limit counters from other tests
    yield
    cache.clear()


def status(client, method: str, url: str, data: dict | None = None) -> int:
    """One request by whoever the client is signed in as, in a savepoint rolled back afterwards,
    so every cell starts from the same data (and the same session: signing out, or a view
    starting a new session, is undone too)."""
    cookies = {key: morsel.value for key, morsel in client.cookies.items()}
    cache.clear()  # a fresh rate-limit allowance: each cell is one request
    with transaction.atomic():
        response = client.get(url) if method == "GET" else client.post(url, data or {})
        transaction.set_rollback(True)
    client.cookies.clear()
    for key, value in cookies.items():
        client.cookies[key] = value
    return response.status_code


# --- The matrix ----------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("person", PEOPLE)
def test_get_matrix(client, world, person):
    column = PEOPLE.index(person)
    as_person(client, world["people"][person])
    got = {name: status(client, "GET", url) for name, url in world["ours"].items()}
    assert got == {name: row.get[column] for name, row in MATRIX.items()}


@pytest.mark.django_db
@pytest.mark.parametrize("person", PEOPLE)
def test_post_matrix(client, world, person):
    column = PEOPLE.index(person)
    as_person(client, world["people"][person])
    got = {
        name: status(client, "POST", url, world["forged"].get(name))
        for name, url in world["ours"].items()
    }
    assert got == {name: row.post[column] for name, row in MATRIX.items()}


# Writes a page view may make: the session itself, and the access log (a download is recorded).
MAY_WRITE_ON_GET = ("django_session", "organisations_auditevent")
# Answers that write nothing at all on GET, not even the session (it must not be extended).
WRITE_NOTHING_AT_ALL = ("session-status",)
_WRITE = re.compile(r'^\s*(?:INSERT INTO|UPDATE|DELETE FROM)\s+"?(\w+)"?', re.IGNORECASE)


@pytest.mark.django_db
@pytest.mark.parametrize("person", PEOPLE)
def test_page_views_write_nothing(client, world, person):
    """Every GET, by every person: opening a page never creates or changes anything (no
    assessment started, no profile made, no answers carried forward)."""
    as_person(client, world["people"][person])
    written = {}
    for name, url in world["ours"].items():
        with CaptureQueriesContext(connection) as queries:
            status(client, "GET", url)
        tables = {
            match.group(1)
            for query in queries.captured_queries
            if (match := _WRITE.match(query["sql"]))
        }
        if name not in WRITE_NOTHING_AT_ALL:
            tables -= set(MAY_WRITE_ON_GET)
        if tables:
            written[name] = sorted(tables)
    assert written == {}


OBJECT_URLS = (
    "people-change-role",
    "people-remove",
    "invitation-cancel",
    "document-download",
    "library-document",
    "library-version-upload",
    "library-edit",
    "library-review",
    "library-use",
    "library-delete",
    "library-version-delete",
    "publication-detail",
    "publication-download",
    "certificate-download",
    "document-job",
    "document-job-status",
    "document-job-file",
    "document-job-retry",
    "policy-job",
    "policy-use",
    "incident-detail",
    "incident-step",
    "incident-check",
    "incident-submitted",
    "quiz-staff",
    "quiz-link-create",
    "quiz-link-email",
    "quiz-link-revoke",
    "staff-detail",
    "staff-edit",
    "staff-leave",
    "staff-remove",
    "training-add",
    "training-delete",
)


# What each person of the first organisation may do there, past the two-factor check.
ALLOWED = {
    "viewer": {VIEW},
    "member": {VIEW, EDIT},
    "admin_unverified": {VIEW, EDIT},  # the rest waits for two-factor set-up
    "admin_verified": {VIEW, EDIT, PROFILE, USERS, PUBLISH},
}


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_another_organisations_objects_are_never_reached(client, world, method):
    """The first organisation's people, with the other organisation's ids in the URL: 404 for
    everyone who gets past the permission check, the same refusal as before for everyone else."""
    for person in ("anonymous", "no_organisation", *ALLOWED):
        column = PEOPLE.index(person)
        as_person(client, world["people"][person])
        for name in OBJECT_URLS:
            row = MATRIX[name]
            ours = (row.get if method == "GET" else row.post)[column]
            needs = row.needs_to_change if method == "POST" and row.needs_to_change else row.needs
            got = status(client, method, world["theirs"][name], world["forged"].get(name))
            if ours != 405 and needs in ALLOWED.get(person, ()):
                assert got == 404, (person, name, got)
            else:
                assert got == ours, (person, name, got)


@pytest.mark.django_db
def test_forged_site_ids_are_refused_on_the_publish_page(client, world, organisation):
    """An HQ's administrator ticking another organisation and its branch by a forged POST."""
    Organisation.objects.filter(pk=organisation.pk).update(kind=Organisation.Kind.HEADQUARTERS)
    own_branch = OrganisationFactory(name="Our branch", parent=organisation)
    as_person(client, world["people"]["admin_verified"])
    assert client.post(reverse("publish-profile"), {"confirm": "on"}).status_code == 302
    assert str(own_branch.pk) in client.get(reverse("publish-sites")).content.decode()
    response = client.post(reverse("publish-sites"), world["forged"]["publish-sites"])
    assert response.status_code == 400
    assert "There is a problem" in response.content.decode()
    mixed = {"sites": [own_branch.pk, *world["forged"]["publish-sites"]["sites"]]}
    assert client.post(reverse("publish-sites"), mixed).status_code == 400
    assert client.post(reverse("publish-sites"), {"sites": [own_branch.pk]}).status_code == 302


unnamed_urlpatterns = [path("unnamed/", lambda request: None)]


@pytest.mark.urls(__name__)
def test_an_unnamed_url_is_caught():
    _found, unnamed = project_urls()
    assert unnamed == ["unnamed/"]


urlpatterns = [*get_resolver("dspt_portal.urls").url_patterns, *unnamed_urlpatterns]
