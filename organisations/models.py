from __future__ import annotations

import secrets

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac

from .ods import DIRECTORY_CODE_MAX_LENGTH, normalise_ods_code, validate_directory_code
from .roles import Role
from .search_name import search_name_expression


class PrimarySector(models.TextChoices):
    """The toolkit's list of primary sectors (as used in its public organisation search)."""

    SOCIAL_CARE = "Social Care", "Social Care"
    CARE_HOME = "Care Home", "Care Home"
    DOMICILIARY_CARE = "Domiciliary Care Organisation", "Domiciliary Care Organisation"
    ACUTE = "Acute", "Acute"
    AMBULANCE_TRUST = "Ambulance Trust", "Ambulance Trust"
    AQP_CLINICAL = "AQP Clinical Services", "AQP Clinical Services"
    AQP_NON_CLINICAL = "AQP Non-Clinical Services", "AQP Non-Clinical Services"
    ARMS_LENGTH_BODY = "Arms Length Body", "Arms Length Body"
    CCG = "CCG", "CCG"
    CHARITY_HOSPICE = "Charity / Hospice", "Charity / Hospice"
    COMMUNITY_SERVICES = "Community Services Provider", "Community Services Provider"
    COMPANY = "Company", "Company"
    CSU = "CSU", "CSU"
    DENTIST_NHS = "Dentist (NHS)", "Dentist (NHS)"
    DENTIST_PRIVATE = "Dentist (Private)", "Dentist (Private)"
    GP = "GP", "GP"
    ICB = "ICB", "ICB"
    LOCAL_AUTHORITY = "Local Authority", "Local Authority"
    MENTAL_HEALTH_TRUST = "Mental Health Trust", "Mental Health Trust"
    NHS_BUSINESS_PARTNER = "NHS Business Partner", "NHS Business Partner"
    NHS_DIGITAL = "NHS Digital", "NHS Digital"
    NHS_TRUST = "NHS Trust", "NHS Trust"
    OPTICIAN = "Optician", "Optician"
    PHARMACY = "Pharmacy", "Pharmacy"
    PRISON = "Prison", "Prison"
    RESEARCHER = "Researcher / Department", "Researcher / Department"
    SECONDARY_USE = "Secondary Use Organisation", "Secondary Use Organisation"
    UNIVERSITY = "University", "University"


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def get_by_natural_key(self, username: str | None) -> User:
        return self.get(email__iexact=(username or "").strip())

    def create_user(self, email: str, password: str | None = None, **extra) -> User:
        if not email:
            raise ValueError("An email address is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person. People sign in with their email address."""

    email = models.EmailField("email address", unique=True)
    full_name = models.CharField("full name", max_length=150)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(
        default=False, help_text="Operators who may use the Django admin site."
    )
    date_joined = models.DateTimeField(default=timezone.now)
    # Changed whenever two-factor authentication is turned on, off or replaced: it is part of
    # the session hash, so every other session of the person ends (see get_session_auth_hash).
    security_stamp = models.CharField(max_length=32, blank=True, default="", editable=False)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        ordering = ["full_name", "email"]

    def __str__(self) -> str:
        return self.full_name or self.email

    def clean(self) -> None:
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email).lower()

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email

    # Django checks this hash, kept in the session, on every request (with the user it loads
    # anyway), so folding the stamp in ends other sessions at no cost per request. Before the
    # first change the hash is Django's own, so adding the field signed nobody out.
    def get_session_auth_hash(self) -> str:
        return self._session_hash(secret=None)

    def get_session_auth_fallback_hash(self):
        for fallback_secret in settings.SECRET_KEY_FALLBACKS:
            yield self._session_hash(secret=fallback_secret)

    def _session_hash(self, *, secret) -> str:
        if not self.security_stamp:
            return salted_hmac(
                "django.contrib.auth.models.AbstractBaseUser.get_session_auth_hash",
                self.password,
                secret=secret,
                algorithm="sha256",
            ).hexdigest()
        return salted_hmac(
            "organisations.User.get_session_auth_hash",
            f"{self.password}:{self.security_stamp}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()

    def security_stamp_rotate(self) -> None:
        """Ends every session of this person (the caller keeps its own with
        update_session_auth_hash)."""
        self.security_stamp = secrets.token_hex(16)
        self.save(update_fields=["security_stamp"])


class Organisation(models.Model):
    """An organisation in the national directory; registered ones use the portal."""

    class Kind(models.TextChoices):
        HEADQUARTERS = "headquarters", "Headquarters"
        SITE = "site", "Site"

    class RegistrationState(models.TextChoices):
        DIRECTORY = "directory", "In the directory only"
        REGISTERED = "registered", "Registered on the portal"

    class Source(models.TextChoices):
        ODS = "ods", "NHS ODS file"
        TOOLKIT_EXPORT = "toolkit_export", "Toolkit organisation search export"
        PORTAL = "portal", "Added on the portal"

    ods_code = models.CharField(
        "ODS code",
        max_length=DIRECTORY_CODE_MAX_LENGTH,
        unique=True,
        validators=[validate_directory_code],
    )
    name = models.CharField(max_length=255)
    # The name trimmed, unaccented and in lower case, kept by the database (search_name.py).
    search_name = models.GeneratedField(
        expression=search_name_expression(),
        output_field=models.CharField(max_length=255),
        db_persist=True,
    )
    primary_sector = models.CharField(max_length=64, choices=PrimarySector.choices, blank=True)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.SITE)
    parent = models.ForeignKey(
        "self",
        verbose_name="parent headquarters",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="branches",
    )
    address_line_1 = models.CharField(max_length=255, blank=True)
    address_line_2 = models.CharField(max_length=255, blank=True)
    address_line_3 = models.CharField(max_length=255, blank=True)
    town = models.CharField(max_length=255, blank=True)
    county = models.CharField(max_length=255, blank=True)
    postcode = models.CharField(max_length=16, blank=True)
    telephone = models.CharField(max_length=32, blank=True)
    opened_on = models.DateField(null=True, blank=True)
    closed_on = models.DateField(null=True, blank=True)
    commissioner = models.CharField(max_length=255, blank=True)
    # What the toolkit's public export said about the organisation when it was imported.
    directory_status = models.CharField(max_length=128, blank=True)
    directory_published_on = models.DateField(null=True, blank=True)
    directory_publication_note = models.CharField(max_length=128, blank=True)
    source = models.CharField(max_length=32, choices=Source.choices, default=Source.PORTAL)
    registration_state = models.CharField(
        max_length=16, choices=RegistrationState.choices, default=RegistrationState.DIRECTORY
    )
    registered_at = models.DateTimeField(null=True, blank=True)
    # Set by the helpdesk for a disputed registration: its people lose access, its invitations
    # and registration links stop working; nothing is deleted and the public register is
    # unchanged. Cleared when the helpdesk reinstates it, or when the rightful owner registers it
    # through an approved request (the earlier people are then kept without access).
    suspended_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "ods_code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(parent__isnull=True) | ~Q(parent=F("pk")),
                name="organisation_not_own_parent",
            ),
            models.CheckConstraint(
                condition=Q(parent__isnull=True) | Q(kind="site"),
                name="organisation_only_sites_have_parent",
            ),
            models.CheckConstraint(
                condition=Q(registration_state="directory") | Q(registered_at__isnull=False),
                name="organisation_registered_has_date",
            ),
        ]
        indexes = [
            # The public search's alphabetical order (and names starting with the query); the
            # trigram index for names containing it is made by migration 0007 (PostgreSQL only).
            models.Index(fields=["search_name", "ods_code"], name="organisation_search_name"),
            # The area pages read an area's organisations by the commissioner's name.
            models.Index(fields=["commissioner"], name="organisation_commissioner_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.ods_code})"

    def save(self, *args, **kwargs) -> None:
        self.ods_code = normalise_ods_code(self.ods_code)
        super().save(*args, **kwargs)

    def clean(self) -> None:
        super().clean()
        self.ods_code = normalise_ods_code(self.ods_code)
        if self.parent_id is None:
            return
        if self.pk is not None and self.parent_id == self.pk:
            raise ValidationError({"parent": "An organisation cannot be its own headquarters."})
        if self.kind != self.Kind.SITE:
            raise ValidationError({"parent": "Only a site can belong to a headquarters."})
        if self.parent.kind != self.Kind.HEADQUARTERS or self.parent.parent_id is not None:
            raise ValidationError(
                {"parent": "The parent must be a headquarters that has no parent of its own."}
            )

    @property
    def is_registered(self) -> bool:
        return self.registration_state == self.RegistrationState.REGISTERED

    @property
    def is_suspended(self) -> bool:
        return self.suspended_at is not None

    @property
    def is_headquarters(self) -> bool:
        return self.kind == self.Kind.HEADQUARTERS

    @property
    def address_lines(self) -> list[str]:
        parts = [
            self.address_line_1,
            self.address_line_2,
            self.address_line_3,
            self.town,
            self.county,
            self.postcode,
        ]
        return [part for part in parts if part]

    def is_closed(self, on=None) -> bool:
        on = on or timezone.localdate()
        return self.closed_on is not None and self.closed_on <= on


class YesNo(models.TextChoices):
    YES = "yes", "Yes"
    NO = "no", "No"


class YesNoNotSure(models.TextChoices):
    YES = "yes", "Yes"
    NO = "no", "No"
    NOT_SURE = "not_sure", "Not sure"


class OrganisationProfile(models.Model):
    """What a registered organisation says about itself; confirmed again at every publication."""

    organisation = models.OneToOneField(
        Organisation, on_delete=models.CASCADE, related_name="profile"
    )
    caldicott_guardian = models.CharField("Caldicott Guardian", max_length=150, blank=True)
    senior_information_risk_owner = models.CharField(
        "Senior Information Risk Owner (SIRO)", max_length=150, blank=True
    )
    information_governance_lead = models.CharField(
        "Information governance lead", max_length=150, blank=True
    )
    data_protection_officer = models.CharField(
        "Data Protection Officer (DPO)", max_length=150, blank=True
    )
    nhsmail_only = models.CharField(
        "Is NHSmail your only email system?", max_length=8, choices=YesNo.choices, blank=True
    )
    cyber_essentials_plus = models.CharField(
        "Do you have Cyber Essentials Plus?",
        max_length=16,
        choices=YesNoNotSure.choices,
        blank=True,
    )
    cyber_essentials_plus_certificate_number = models.CharField(
        "Cyber Essentials Plus certificate number", max_length=64, blank=True
    )
    cyber_essentials_plus_expires_on = models.DateField(
        "Cyber Essentials Plus expiry date", null=True, blank=True
    )
    # Bumped on every save so two people editing at once cannot overwrite each other unseen.
    version = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~Q(cyber_essentials_plus="yes")
                | (
                    ~Q(cyber_essentials_plus_certificate_number="")
                    & Q(cyber_essentials_plus_expires_on__isnull=False)
                ),
                name="profile_ce_plus_yes_has_certificate",
            ),
        ]

    def __str__(self) -> str:
        return f"Profile of {self.organisation}"

    def clean(self) -> None:
        super().clean()
        if self.cyber_essentials_plus == YesNoNotSure.YES:
            errors = {}
            if not self.cyber_essentials_plus_certificate_number.strip():
                errors["cyber_essentials_plus_certificate_number"] = (
                    "Enter your Cyber Essentials Plus certificate number"
                )
            if self.cyber_essentials_plus_expires_on is None:
                errors["cyber_essentials_plus_expires_on"] = (
                    "Enter the date your Cyber Essentials Plus certificate expires"
                )
            if errors:
                raise ValidationError(errors)
        else:
            self.cyber_essentials_plus_certificate_number = ""
            self.cyber_essentials_plus_expires_on = None


class Membership(models.Model):
    """A person's role in an organisation."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=16, choices=Role.choices)
    # Set when the organisation's registration is suspended (the same moment as the
    # organisation's suspended_at): the membership is kept but gives no access. Reinstating the
    # organisation clears it; a new registration through an approved request leaves it set.
    suspended_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["organisation__name", "user__full_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation"], name="membership_one_per_person"
            ),
            models.CheckConstraint(
                condition=Q(role__in=[r.value for r in Role]), name="membership_known_role"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.get_role_display()} of {self.organisation}"

    def get_absolute_url(self) -> str:
        return reverse("people-change-role", args=[self.pk])


class Invitation(models.Model):
    """A single-use invitation to join an organisation. Only a hash of the token is stored."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField()
    role = models.CharField(max_length=16, choices=Role.choices)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, related_name="invitations_sent"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Invitation for {self.email} to {self.organisation}"

    def is_pending(self, now=None) -> bool:
        now = now or timezone.now()
        return self.accepted_at is None and self.cancelled_at is None and self.expires_at > now

    @property
    def status(self) -> str:
        if self.accepted_at:
            return "Accepted"
        if self.cancelled_at:
            return "Cancelled"
        if self.expires_at <= timezone.now():
            return "Expired"
        return "Pending"


class PendingRegistration(models.Model):
    """A registration waiting for its email address to be confirmed. Only a hash of the token is
    stored; nothing (no account, no membership, no registered organisation) exists until the
    emailed link is used."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="pending_registrations"
    )
    email = models.EmailField()
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    # Set when the helpdesk approved a request to register: the sector check is waived, and the
    # link may register an organisation whose registration is suspended.
    approved_request = models.ForeignKey(
        "RegistrationRequest",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="registration_links",
    )
    # Sent because someone holding this registration's expired (or replaced) link asked for a
    # new one: the link they held. Counted for the daily limit of new links.
    resent_from = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["email", "-created_at"])]

    def __str__(self) -> str:
        return f"Registration of {self.organisation} for {self.email}"

    def is_pending(self, now=None) -> bool:
        now = now or timezone.now()
        return self.completed_at is None and self.cancelled_at is None and self.expires_at > now

    @property
    def status(self) -> str:
        if self.completed_at:
            return "Completed"
        if self.cancelled_at:
            return "Replaced"
        if self.expires_at <= timezone.now():
            return "Expired"
        return "Waiting for the email link"


class RegistrationRequest(models.Model):
    """A request to register an organisation that may not register itself (not adult social
    care), kept for the helpdesk to check by hand. The helpdesk approves it (the requester is
    emailed the link that finishes registering) or rejects it (with the reason emailed)."""

    class State(models.TextChoices):
        OPEN = "open", "Waiting for the helpdesk"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"

    ods_code = models.CharField("ODS code", max_length=DIRECTORY_CODE_MAX_LENGTH, db_index=True)
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="registration_requests",
    )
    organisation_name = models.CharField(max_length=255, blank=True)
    primary_sector = models.CharField(max_length=64, blank=True)
    email = models.EmailField()
    full_name = models.CharField(max_length=150)
    reason = models.TextField(max_length=2000)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    state = models.CharField(max_length=16, choices=State.choices, default=State.OPEN)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_by_name = models.CharField(max_length=150, blank=True)
    decision_reason = models.TextField(max_length=500, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["state", "created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(state="open", decided_at__isnull=True)
                | (~Q(state="open") & Q(decided_at__isnull=False)),
                name="registration_request_decided_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"Request to register {self.ods_code} from {self.email}"
