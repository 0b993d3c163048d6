"""Helpdesk changes: each takes the acting operator (an `Actor`) and, where it acts on an
organisation, a reason; each records its event in the audit trail in its own transaction."""

from __future__ import annotations

import datetime
import hashlib
import logging
from pathlib import Path

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.text import get_valid_filename

from assessments.bank import BankDefinition, BankError, check_bank_size, parse_bank
from assessments.bank_loader import question_bank_load
from assessments.models import Assessment, QuestionBank
from assessments.vocabulary import format_date, level_label
from audit.models import Event
from audit.services import Actor, audit_record
from documents.services import BROKER_ERRORS
from organisations.directory import DirectoryFileError, directory_format_of
from organisations.models import Membership, User
from organisations.roles import Role
from organisations.services import ServiceError
from publishing.models import Publication
from register.search import organisation_statuses

from . import tasks
from .imports import NOT_STARTED_MESSAGE, import_job_may_retry
from .models import ImportJob, Notice, Operator
from .roles import HelpdeskPermission, HelpdeskRole
from .rules import (
    IMPORT_MAX_BYTES,
    bank_replace_refusal,
    helpdesk_role_may,
    import_kind_problem,
    import_size_problem,
    notice_expiry_problem,
    reason_problem,
)
from .selectors import helpdesk_role_of

logger = logging.getLogger(__name__)


class ActionRefused(Exception):
    """A helpdesk action that cannot be done, with a message the operator can act on."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field  # the form field the message belongs to, when it is about one


def _operator_only(actor: Actor) -> User:
    """The acting operator's account; PermissionDenied for anyone who may not change cases
    (auditors, people who are not helpdesk staff, nobody)."""
    user = actor.user
    if user is None or not helpdesk_role_may(helpdesk_role_of(user), HelpdeskPermission.ACT):
        raise PermissionDenied("Only helpdesk operators can do this")
    return user


def operator_create(
    *, email: str, full_name: str, role: HelpdeskRole, actor: Actor | None = None
) -> tuple[Operator, bool]:
    """Makes `email` helpdesk staff with `role` (creating the account, with no password yet, if
    there is none) and emails a link to choose a password. Returns the operator and whether the
    account is new. Two-factor set-up is asked for at the first helpdesk page."""
    email = User.objects.normalize_email(email.strip()).lower()
    with transaction.atomic():
        user = User.objects.filter(email__iexact=email).first()
        created = user is None
        if user is None:
            user = User.objects.create_user(email=email, full_name=full_name or email)
        operator, _ = Operator.objects.update_or_create(user=user, defaults={"role": role})
        audit_record(
            event=Event.HELPDESK_STAFF_ADDED,
            organisation=None,
            actor=actor,
            user=actor.user if actor is not None and actor.user is not None else user,
            detail=f"{user.email} became {HelpdeskRole(role).label.lower()}",
        )
    if created:
        _send_set_password(user)
    return operator, created


def _send_set_password(user: User) -> None:
    link = "{}{}".format(
        str(settings.DSPT_SITE_URL).rstrip("/"),
        reverse(
            "password-reset-confirm",
            kwargs={
                "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
                "token": default_token_generator.make_token(user),
            },
        ),
    )
    send_mail(
        f"Your {settings.DSPT_SERVICE_NAME} helpdesk account",
        (
            "Hello,\n\n"
            f"You have been given a helpdesk account on {settings.DSPT_SERVICE_NAME}. To choose "
            f"your password, open this link:\n\n{link}\n\n"
            "The link works once and expires after one day. When you first open the helpdesk you "
            "will be asked to set up two-factor authentication with an authenticator app.\n"
        ),
        settings.DEFAULT_FROM_EMAIL,
        [user.email],
    )


# News -------------------------------------------------------------------------------------------


class NoticeError(ServiceError):
    """A notice that cannot be published or withdrawn; `status` is the HTTP status to answer."""

    def __init__(self, message: str, *, status: int = 400):
        super().__init__(message)
        self.status = status


def _notice_author(actor: Actor) -> str:
    user = actor.user
    if user is None:
        raise ValueError("A notice needs the operator who acts")
    return user.full_name or user.email


def notice_publish(
    *,
    title: str,
    body: str,
    expires_on: datetime.date,
    actor: Actor,
    today: datetime.date | None = None,
) -> Notice:
    """Publishes a notice shown on every provider's dashboard from now until the end of
    `expires_on` (today at the earliest, a year ahead at the latest)."""
    title, body = " ".join(title.split()), body.strip()
    if not title:
        raise NoticeError("Enter a title")
    if not body:
        raise NoticeError("Enter the notice")
    problem = notice_expiry_problem(expires_on, today=today or timezone.localdate())
    if problem:
        raise NoticeError(problem)
    name = _notice_author(actor)
    with transaction.atomic():
        notice = Notice.objects.create(
            title=title,
            body=body,
            expires_on=expires_on,
            created_by=actor.user,
            created_by_name=name,
        )
        audit_record(
            event=Event.NOTICE_PUBLISHED,
            organisation=None,
            actor=actor,
            detail=f"{name} published the notice “{title}”, shown until {format_date(expires_on)}",
        )
    return notice


def notice_withdraw(*, notice_id: int, actor: Actor) -> Notice:
    """Takes a notice off the dashboards before it expires. Refused (409) when it has been
    withdrawn already, or has expired, since the operator looked at it."""
    name = _notice_author(actor)
    with transaction.atomic():
        notice = Notice.objects.select_for_update().filter(pk=notice_id).first()
        if notice is None:
            raise NoticeError("We cannot find this notice", status=404)
        if notice.withdrawn_at is not None:
            withdrawn_on = format_date(timezone.localdate(notice.withdrawn_at))
            raise NoticeError(f"This notice was already withdrawn on {withdrawn_on}", status=409)
        if notice.expires_on < timezone.localdate():
            raise NoticeError("This notice has expired already: nobody sees it", status=409)
        notice.withdrawn_at = timezone.now()
        notice.save(update_fields=["withdrawn_at"])
        audit_record(
            event=Event.NOTICE_WITHDRAWN,
            organisation=None,
            actor=actor,
            detail=f"{name} withdrew the notice “{notice.title}”",
        )
    return notice


# Withdrawing a publication --------------------------------------------------------------------


def _withdrawal_summary(publication: Publication) -> str:
    """ "the 2025-26 Standards Met publication" """
    return f"the {publication.bank.year} {level_label(publication.level)} publication"


def publication_withdraw(*, publication: Publication, reason: str, actor: Actor) -> Publication:
    """Withdraws a publication made in error or by fraud: it stays on record, marked withdrawn,
    and from then on decides no status (the organisation and the sites it listed fall back to
    the publication before it, or none), its certificate is refused and its code is checked as
    withdrawn (docs/adr/0010-withdrawn-publications.md).

    Operators only; `reason` as `reason_problem` wants it. The row is locked, so two operators
    pressing at once withdraw it once: the second is told it was already withdrawn. The audit
    event belongs to the organisation (its administrators see it on Activity) and names the
    operator. The organisation's administrators are emailed once the change is committed.

    No cache holds a status (the register works each one out per request from the database), so
    nothing needs invalidating: the public pages show the new status on the next request.
    """
    user = _operator_only(actor)
    problem = reason_problem(reason)
    if problem:
        raise ActionRefused(problem, field="reason")
    reason = " ".join(reason.split())
    with transaction.atomic():
        locked = (
            Publication.objects.select_for_update(of=("self",))
            .select_related("bank", "organisation")
            .get(pk=publication.pk)
        )
        if locked.is_withdrawn:
            raise ActionRefused(
                f"{_withdrawal_summary(locked).capitalize()} was already withdrawn on "
                f"{format_date(timezone.localdate(locked.withdrawn_at))} by "
                f"{locked.withdrawn_by_name}: nothing was changed"
            )
        locked.withdrawn_at = timezone.now()
        locked.withdrawn_by = user
        locked.withdrawn_by_name = user.full_name or user.email
        locked.withdrawn_reason = reason
        locked.save(
            update_fields=["withdrawn_at", "withdrawn_by", "withdrawn_by_name", "withdrawn_reason"]
        )
        audit_record(
            actor=actor,
            event=Event.PUBLICATION_WITHDRAWN,
            organisation=locked.organisation,
            detail=f"The helpdesk withdrew {_withdrawal_summary(locked)}: {reason}",
        )
    _email_withdrawal(locked)
    return locked


def _email_withdrawal(publication: Publication) -> None:
    """Tells the organisation's active administrators what was withdrawn, why, and what the
    public register shows now. A mail failure is logged: the withdrawal stands (the Activity page
    shows it) and the helpdesk can tell them another way."""
    organisation = publication.organisation
    recipients = list(
        Membership.objects.filter(
            organisation=organisation, role=Role.ADMINISTRATOR, user__is_active=True
        )
        .order_by("user__email")
        .values_list("user__email", flat=True)
    )
    if not recipients:
        return
    status = organisation_statuses(organisations=[organisation])[organisation.pk]
    base = str(settings.DSPT_SITE_URL).rstrip("/")
    context = {
        "service_name": settings.DSPT_SERVICE_NAME,
        "organisation": organisation,
        "publication": publication,
        "withdrawn_on": format_date(timezone.localdate(publication.withdrawn_at)),
        "status_text": status.text,
        "publications_url": base + reverse("publication-list"),
        "public_url": base + reverse("organisation-public", args=[organisation.ods_code]),
    }
    try:
        send_mail(
            f"{publication.status_text} publication withdrawn: {organisation.name}",
            render_to_string("helpdesk/email/publication_withdrawn.txt", context),
            settings.DEFAULT_FROM_EMAIL,
            recipients,
        )
    except Exception:  # SMTP refused: the change is made and on the Activity page
        logger.exception(
            "Could not email %s about the withdrawn publication %s",
            organisation.ods_code,
            publication.pk,
        )


# --- Directory and question bank uploads ---------------------------------------------------------


class UploadRefused(Exception):
    """The uploaded file cannot be used; nothing was stored or changed. `problems` lists what is
    wrong with a question bank, each saying where."""

    def __init__(self, message: str, *, problems: tuple[str, ...] = (), status: int = 400):
        super().__init__(message)
        self.message = message
        self.problems = problems
        self.status = status


class ImportNotStarted(Exception):
    """The import's task could not be sent (the broker is down): the job is marked failed."""


def import_job_start(
    *,
    actor: Actor,
    kind: str,
    upload: UploadedFile,
    sector: str = "",
    notes: str = "",
    max_bytes: int = IMPORT_MAX_BYTES,
) -> ImportJob:
    """Stores a directory file and queues its import. The file is checked first (size, kind,
    that it is a CSV or workbook the import can read); UploadRefused says what is wrong, and
    nothing is stored. ImportNotStarted when no worker can be asked."""
    if kind not in (ImportJob.Kind.ODS, ImportJob.Kind.TOOLKIT_EXPORT):
        raise ValueError(f"not a directory import: {kind!r}")
    problem = import_size_problem(size=upload.size or 0, max_bytes=max_bytes)
    if problem:
        raise UploadRefused(problem, status=413 if (upload.size or 0) > max_bytes else 400)
    data = _read_upload(upload)
    try:
        detected = directory_format_of(data)
    except DirectoryFileError as error:
        raise UploadRefused(error.message) from None
    problem = import_kind_problem(kind=kind, detected=detected)
    if problem:
        raise UploadRefused(problem)
    name = _upload_name(upload)
    with transaction.atomic():
        job = ImportJob(
            kind=kind,
            uploaded_by=actor.user,
            uploaded_by_name=_actor_name(actor),
            notes=notes.strip(),
            file_name=name,
            sector=sector if kind == ImportJob.Kind.ODS else "",
        )
        job.file.save(name, ContentFile(data), save=False)
        job.save()
        audit_record(
            event=Event.HELPDESK_IMPORT_STARTED,
            organisation=None,
            actor=actor,
            detail=f"{job.get_kind_display()} {name} uploaded for import (job {job.pk})",
        )
    _send_import(job)
    return job


def import_job_retry(*, actor: Actor, job: ImportJob) -> ImportJob:
    """ "Try again" on a failed or stuck import: it is queued again, unless someone else did first
    or it is not stuck (then it is left as it is). A file the import refused stays refused."""
    if not import_job_may_retry(job):
        return job
    with transaction.atomic():
        claimed = ImportJob.objects.filter(
            pk=job.pk, state=job.state, updated_at=job.updated_at
        ).update(
            state=ImportJob.State.QUEUED,
            error="",
            stage="",
            progress_done=0,
            progress_total=0,
            finished_at=None,
            updated_at=timezone.now(),
        )
        if claimed:
            audit_record(
                event=Event.HELPDESK_IMPORT_STARTED,
                organisation=None,
                actor=actor,
                detail=f"Import job {job.pk} ({job.file_name}) sent again",
            )
    job.refresh_from_db()
    if claimed:
        _send_import(job)
    return job


def _send_import(job: ImportJob) -> None:
    try:
        tasks.run_import.delay(job.pk)
    except BROKER_ERRORS as error:
        logger.warning("Import job %s could not be sent to a worker: %s", job.pk, error)
        now = timezone.now()
        ImportJob.objects.filter(pk=job.pk, state=ImportJob.State.QUEUED).update(
            state=ImportJob.State.FAILED,
            error=NOT_STARTED_MESSAGE,
            finished_at=now,
            updated_at=now,
        )
        raise ImportNotStarted(str(error)) from error


def question_bank_upload(*, actor: Actor, upload: UploadedFile, notes: str = "") -> ImportJob:
    """Checks a question bank file and, only when it has no problems, loads it; a record of the
    load is kept as a finished ImportJob.

    Refused (UploadRefused, nothing changed) when the file has problems (all of them listed), or
    when the year's bank already has assessments and this file would change it."""
    name = _upload_name(upload)
    try:
        check_bank_size(upload.size or 0, source_name=name)
    except BankError as error:
        raise UploadRefused(
            "The question bank was not loaded", problems=error.problems, status=413
        ) from None
    data = _read_upload(upload)
    if not data.strip():
        raise UploadRefused("The selected file is empty")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise UploadRefused(
            f"The selected file is not UTF-8 text (byte {error.start + 1} cannot be read): "
            "save it as UTF-8 and try again"
        ) from None
    try:
        definition = parse_bank(text, source_name=name)
    except BankError as error:
        raise UploadRefused(
            "The question bank has problems. Nothing was changed.", problems=error.problems
        ) from None
    sha256 = hashlib.sha256(data).hexdigest()
    with transaction.atomic():
        bank = QuestionBank.objects.select_for_update().filter(year=definition.year).first()
        assessments = Assessment.objects.filter(bank=bank).count() if bank is not None else 0
        identical = bank is not None and _bank_would_not_change(bank, definition, sha256)
        refusal = bank_replace_refusal(
            year=definition.year,
            exists=bank is not None,
            assessments=assessments,
            identical=identical,
        )
        if refusal:
            raise UploadRefused(refusal, status=409)
        try:
            report = question_bank_load(definition=definition, source_sha256=sha256)
        except BankError as error:
            raise UploadRefused(
                "The question bank was not loaded. Nothing was changed.", problems=error.problems
            ) from None
        job = ImportJob(
            kind=ImportJob.Kind.QUESTION_BANK,
            state=ImportJob.State.DONE,
            uploaded_by=actor.user,
            uploaded_by_name=_actor_name(actor),
            notes=notes.strip(),
            file_name=name,
            description=_bank_description(definition.year, report.status),
            created=report.created,
            updated=report.updated,
            unchanged=report.unchanged,
            messages=[report.summary(), *(f"Check: {w}" for w in report.warnings)],
            messages_total=1 + len(report.warnings),
            progress_done=len(definition.items),
            progress_total=len(definition.items),
            attempts=1,
            started_at=timezone.now(),
            finished_at=timezone.now(),
        )
        job.file.save(name, ContentFile(data), save=False)
        job.save()
        audit_record(
            event=Event.HELPDESK_BANK_LOADED,
            organisation=None,
            actor=actor,
            detail=f"{job.description} from {name}: {report.summary()}",
        )
    return job


class _DryRun(Exception):
    def __init__(self, changed: bool) -> None:
        self.changed = changed


def _bank_would_not_change(bank: QuestionBank, definition: BankDefinition, sha256: str) -> bool:
    """Whether loading `definition` would leave the year's sections and items as they are (its
    bytes may differ: comments, research notes). Tried in a savepoint that is rolled back."""
    try:
        with transaction.atomic():
            report = question_bank_load(definition=definition, source_sha256=sha256)
            details_changed = (
                bank.sector,
                bank.toolkit_version,
                bank.publication_deadline,
                bank.previous_year,
            ) != (
                definition.sector,
                definition.toolkit_version,
                definition.publication_deadline,
                definition.previous_year,
            )
            raise _DryRun(
                details_changed
                or any(
                    (
                        report.sections_created,
                        report.sections_updated,
                        report.sections_removed,
                        report.created,
                        report.updated,
                        report.removed,
                    )
                )
            )
    except _DryRun as dry_run:
        return not dry_run.changed
    except BankError:
        return False


def _bank_description(year: str, status: str) -> str:
    return {
        "created": f"DSPT {year} question bank created",
        "updated": f"DSPT {year} question bank updated",
    }.get(status, f"DSPT {year} question bank unchanged")


def _read_upload(upload: UploadedFile) -> bytes:
    upload.seek(0)
    return upload.read()


def _upload_name(upload: UploadedFile) -> str:
    return get_valid_filename(Path(upload.name or "upload").name)[:100] or "upload"


def _actor_name(actor: Actor) -> str:
    user = actor.user
    if user is None:
        return "the helpdesk"
    return (getattr(user, "full_name", "") or user.email)[:150]
