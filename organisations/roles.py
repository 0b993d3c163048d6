"""Roles and permissions: the one list of what each role may do (DSPT-RULES.md, "Roles")."""

from django.db import models


class Role(models.TextChoices):
    VIEWER = "viewer", "Viewer"
    MEMBER = "member", "Member"
    ADMINISTRATOR = "administrator", "Administrator"


class Permission(models.TextChoices):
    VIEW_ORGANISATION = "view_organisation", "View the organisation and its assessment"
    EDIT_EVIDENCE = "edit_evidence", "Add and edit evidence"
    MANAGE_PROFILE = "manage_profile", "Change the organisation profile"
    MANAGE_USERS = "manage_users", "Manage users"
    PUBLISH = "publish", "Publish the assessment"


ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.VIEWER: frozenset({Permission.VIEW_ORGANISATION}),
    Role.MEMBER: frozenset({Permission.VIEW_ORGANISATION, Permission.EDIT_EVIDENCE}),
    Role.ADMINISTRATOR: frozenset(Permission),
}


def role_with_article(role: str) -> str:
    """The role as it reads in a sentence: "a viewer", "a member", "an administrator"."""
    name = Role(role).label.lower()
    article = "an" if name[0] in "aeiou" else "a"
    return f"{article} {name}"


ROLE_DESCRIPTIONS: dict[Role, str] = {
    Role.VIEWER: "Can view the assessment but not change it.",
    Role.MEMBER: "Can view the assessment and add and edit evidence.",
    Role.ADMINISTRATOR: "Can do everything a member can, manage users and publish.",
}
