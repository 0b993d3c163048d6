"""The operator's view of the directory and accounts (Django admin at /operator/, staff only)."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import (
    Invitation,
    Membership,
    Organisation,
    OrganisationProfile,
    PendingRegistration,
    RegistrationRequest,
    User,
)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "is_active", "is_staff", "date_joined"]
    search_fields = ["email", "full_name"]
    fieldsets = [
        (None, {"fields": ["email", "full_name", "password"]}),
        ("Access", {"fields": ["is_active", "is_staff", "is_superuser"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "full_name", "password1", "password2"]})
    ]
    filter_horizontal = []
    list_filter = ["is_active", "is_staff"]


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["ods_code", "name", "kind", "primary_sector", "registration_state", "postcode"]
    list_filter = ["registration_state", "kind", "source", "primary_sector"]
    search_fields = ["ods_code", "name", "postcode"]
    raw_id_fields = ["parent"]
    readonly_fields = ["created_at", "updated_at"]
    inlines = [MembershipInline]


@admin.register(OrganisationProfile)
class OrganisationProfileAdmin(admin.ModelAdmin):
    list_display = ["organisation", "cyber_essentials_plus", "updated_at"]
    raw_id_fields = ["organisation", "updated_by"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "organisation", "role", "created_at", "expires_at", "accepted_at"]
    raw_id_fields = ["organisation", "invited_by", "accepted_by"]
    readonly_fields = ["token_hash"]
    search_fields = ["email", "organisation__name", "organisation__ods_code"]


@admin.register(RegistrationRequest)
class RegistrationRequestAdmin(admin.ModelAdmin):
    """Requests from organisations that may not register themselves (not adult social care).

    Read only: the helpdesk checks each by hand and registers the organisation from its own
    record; the request itself is the evidence of who asked and why."""

    list_display = [
        "created_at",
        "ods_code",
        "organisation_name",
        "primary_sector",
        "full_name",
        "email",
    ]
    list_filter = ["primary_sector", "created_at"]
    search_fields = ["ods_code", "organisation_name", "email", "full_name"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "ods_code",
        "organisation",
        "organisation_name",
        "primary_sector",
        "email",
        "full_name",
        "reason",
        "ip_address",
        "created_at",
    ]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(PendingRegistration)
class PendingRegistrationAdmin(admin.ModelAdmin):
    """Registrations waiting for (or finished by) their emailed link. Read only."""

    list_display = ["created_at", "organisation", "email", "expires_at", "completed_at"]
    list_filter = ["created_at", "completed_at"]
    search_fields = ["email", "organisation__name", "organisation__ods_code"]
    readonly_fields = [
        "organisation",
        "email",
        "token_hash",
        "created_at",
        "expires_at",
        "completed_at",
        "completed_by",
        "cancelled_at",
        "ip_address",
    ]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
