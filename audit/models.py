"""The audit trail's one table, and the names of the events written to it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class Event(models.TextChoices):
    SIGNED_IN = "signed_in", "Signed in"
    SIGN_IN_FAILED = "sign_in_failed", "Sign-in failed"
    SIGNED_OUT = "signed_out", "Signed out"
    MFA_ENABLED = "mfa_enabled", "Two-factor authentication turned on"
    MFA_DISABLED = "mfa_disabled", "Two-factor authentication turned off"
    MFA_VERIFIED = "mfa_verified", "Two-factor code accepted"
    MFA_FAILED = "mfa_failed", "Two-factor code refused"
    MFA_RECOVERY_CODES = "mfa_recovery_codes", "New recovery codes made"
    ORGANISATION_REGISTERED = "organisation_registered", "Organisation registered"
    REGISTRATION_REQUESTED = "registration_requested", "Registration request sent to the helpdesk"
    REGISTRATION_LINK_RESENT = "registration_link_resent", "New registration link sent"
    INVITATION_SENT = "invitation_sent", "Invitation sent"
    INVITATION_ACCEPTED = "invitation_accepted", "Invitation accepted"
    INVITATION_CANCELLED = "invitation_cancelled", "Invitation cancelled"
    ROLE_CHANGED = "role_changed", "Role changed"
    PERSON_REMOVED = "person_removed", "Person removed"
    PROFILE_CHANGED = "profile_changed", "Organisation profile changed"
    PUBLISHED = "published", "Assessment published"
    DOCUMENT_DOWNLOADED = "document_downloaded", "Evidence document downloaded"
    EXPORT_REQUESTED = "export_requested", "Document requested"
    EXPORT_DOWNLOADED = "export_downloaded", "Document downloaded"
    INCIDENT_STARTED = "incident_started", "Incident report started"
    INCIDENT_SAVED = "incident_saved", "Incident report draft saved"
    INCIDENT_SUBMITTED = "incident_submitted", "Incident report submitted"
    HELPDESK_STAFF_ADDED = "helpdesk_staff_added", "Helpdesk account given"
    NOTICE_PUBLISHED = "notice_published", "Helpdesk news published"
    NOTICE_WITHDRAWN = "notice_withdrawn", "Helpdesk news withdrawn"
    # Helpdesk actions on an organisation: recorded on it with the operator as the person, and a
    # detail that reads as a sentence ("The helpdesk made Ana Smith an administrator: ...").
    REQUEST_APPROVED = "request_approved", "Registration request approved by the helpdesk"
    REQUEST_REJECTED = "request_rejected", "Registration request rejected by the helpdesk"
    REGISTRATION_SUSPENDED = "registration_suspended", "Registration suspended by the helpdesk"
    REGISTRATION_REINSTATED = "registration_reinstated", "Registration reinstated by the helpdesk"
    INVITATION_RESENT = "invitation_resent", "Invitation sent again by the helpdesk"
    INVITATION_CANCELLED_BY_HELPDESK = (
        "invitation_cancelled_by_helpdesk",
        "Invitation cancelled by the helpdesk",
    )
    ADMINISTRATOR_MADE = "administrator_made", "Administrator named by the helpdesk"
    ACCOUNT_UNLOCKED = "account_unlocked", "Account unlocked by the helpdesk"
    TWO_FACTOR_RESET = "two_factor_reset", "Two-factor authentication reset by the helpdesk"
    HQ_LINKED = "hq_linked", "Site linked to an HQ by the helpdesk"
    HQ_UNLINKED = "hq_unlinked", "Site unlinked from its HQ by the helpdesk"
    PUBLICATION_WITHDRAWN = "publication_withdrawn", "Publication withdrawn by the helpdesk"
    HELPDESK_IMPORT_STARTED = "helpdesk_import_started", "Directory file uploaded for import"
    HELPDESK_BANK_LOADED = "helpdesk_bank_loaded", "Question bank uploaded and loaded"
    INCIDENT_FOLLOWED_UP = "incident_followed_up", "Incident follow-up added"
    INCIDENT_CLOSED = "incident_closed", "Incident closed"
    INCIDENT_WITHDRAWN = "incident_withdrawn", "Incident withdrawn"
    INCIDENT_NOTICE_QUEUED = "incident_notice_queued", "Incident report queued for the regulator"
    INCIDENT_NOTICE_SENT = "incident_notice_sent", "Incident report sent to the regulator"
    INCIDENT_NOTICE_FAILED = "incident_notice_failed", "Incident report could not be sent"
    INCIDENT_NOTICE_RETRIED = "incident_notice_retried", "Incident report sent again"
    INCIDENT_REMINDER_SENT = "incident_reminder_sent", "Incident draft reminder emailed"
    QUIZ_LINK_CREATED = "quiz_link_created", "Frontline quiz link made"
    QUIZ_LINK_EMAILED = "quiz_link_emailed", "Frontline quiz link emailed"
    QUIZ_LINK_REVOKED = "quiz_link_revoked", "Frontline quiz link revoked"
    QUIZ_FINISHED = "quiz_finished", "Frontline quiz finished"
    LIBRARY_DOCUMENT_ADDED = "library_document_added", "Document added to the evidence library"
    LIBRARY_VERSION_ADDED = "library_version_added", "New version of a library document uploaded"
    LIBRARY_DOCUMENT_CHANGED = "library_document_changed", "Library document's details changed"
    LIBRARY_DOCUMENT_REVIEWED = "library_document_reviewed", "Library document confirmed current"
    LIBRARY_DOCUMENT_USED = "library_document_used", "Library document used for evidence items"
    LIBRARY_DOCUMENT_DELETED = "library_document_deleted", "Library document deleted"
    POLICY_ATTACHED = "policy_attached", "Policy used as evidence"
    # The staff training register (training/services.py, training/reminders.py).
    STAFF_ADDED = "staff_added", "Person added to the staff training register"
    STAFF_CHANGED = "staff_changed", "Person in the staff training register changed"
    STAFF_LEFT = "staff_left", "Person marked as left in the staff training register"
    STAFF_REMOVED = "staff_removed", "Person removed from the staff training register"
    STAFF_IMPORTED = "staff_imported", "People imported into the staff training register"
    TRAINING_RECORDED = "training_recorded", "Training recorded"
    TRAINING_DELETED = "training_deleted", "Training record deleted"
    TRAINING_ANSWER_FILLED = "training_answer_filled", "Item 3.2.1 filled from the staff register"
    TRAINING_REMINDER_SENT = "training_reminder_sent", "Monthly staff training reminder emailed"


class AuditEvent(models.Model):
    """A security-relevant event: who did what, when and from where."""

    organisation = models.ForeignKey(
        "organisations.Organisation",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="audit_events",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="audit_events",
    )
    # Kept as typed even when no account matches (a failed sign-in) or the account is deleted.
    actor_email = models.CharField(max_length=254, blank=True)
    event = models.CharField(max_length=40, db_index=True)
    detail = models.CharField(max_length=500, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        # The table (and its index) keep the names they had when the model lived in
        # organisations: moving it changed no data (audit/migrations/0001).
        db_table = "organisations_auditevent"
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(
                fields=["organisation", "-created_at"], name="organisatio_organis_2f1f40_idx"
            )
        ]

    def __str__(self) -> str:
        return (
            f"{self.event} by {self.actor_email or 'someone'} at {self.created_at:%Y-%m-%d %H:%M}"
        )
