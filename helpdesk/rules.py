"""Who may do what on the helpdesk: plain functions over plain data."""

from __future__ import annotations

from .roles import HELPDESK_ROLE_PERMISSIONS, HelpdeskPermission, HelpdeskRole


def helpdesk_role_may(role: str | None, permission: HelpdeskPermission) -> bool:
    """True when a person holding `role` (None: not helpdesk staff) has `permission`."""
    if not role:
        return False
    try:
        known = HelpdeskRole(role)
    except ValueError:
        return False
    return permission in HELPDESK_ROLE_PERMISSIONS[known]


def reason_problem(reason: str) -> str | None:
    """Every helpdesk action needs a reason a colleague can read later."""
    text = " ".join(reason.split())
    if not text:
        return "Enter the reason"
    if len(text) < 5:
        return "Reason must say what happened (5 characters or more)"
    if len(text) > 500:
        return "Reason must be 500 characters or fewer"
    return None


# A national directory file: the 2019 export is 1.5 MB as xlsx, an ODS care home site file a few
# MB. Below the request limit (DSPT_MAX_REQUEST_BODY_BYTES), so the form can say what is wrong.
IMPORT_MAX_BYTES = 10 * 1024 * 1024


def import_size_problem(*, size: int, max_bytes: int) -> str | None:
    if size == 0:
        return "The selected file is empty"
    if size > max_bytes:
        return (
            f"The selected file must be smaller than {max_bytes // (1024 * 1024)} MB "
            f"(it is {size / (1024 * 1024):.1f} MB)"
        )
    return None


def import_kind_problem(*, kind: str, detected: str) -> str | None:
    """When the file's content ("ods" or "toolkit_export") is not the kind the operator chose."""
    if detected == kind:
        return None
    if kind == "ods":
        return (
            "The selected file is a toolkit directory export, not an NHS ODS file: "
            "choose 'Toolkit directory export'"
        )
    return (
        "The selected file is an NHS ODS file, not a toolkit directory export: "
        "choose 'NHS ODS file'"
    )


def bank_replace_refusal(
    *, year: str, exists: bool, assessments: int, identical: bool
) -> str | None:
    """Why a question bank may not be loaded over the year's existing one, or None.

    Once organisations have started a year's assessment their answers hang on its items: a bank
    that changes them is refused, and only the same bank may be loaded again."""
    if not exists or assessments == 0 or identical:
        return None
    started = "1 organisation has" if assessments == 1 else f"{assessments} organisations have"
    return (
        f"The {year} question bank was not changed: {started} already started its assessment, "
        "so only the same bank can be loaded again. Changing the items under their answers "
        "would change what they answered."
    )
