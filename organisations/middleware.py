"""Sets request.membership and request.organisation for the signed-in person.

The current organisation is kept in the session and must be one the person belongs to. Views reach
tenant data only through request.organisation.
"""

from .selectors import membership_current, membership_suspended

SESSION_KEY = "current_organisation_id"


class CurrentOrganisationMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        membership = None
        if request.user.is_authenticated:
            membership = membership_current(
                user=request.user, organisation_id=request.session.get(SESSION_KEY)
            )
            if (
                membership is not None
                and request.session.get(SESSION_KEY) != membership.organisation_id
            ):
                request.session[SESSION_KEY] = membership.organisation_id
        _set(request, membership)
        if membership is None and request.user.is_authenticated:
            # Only for people with no organisation they can use: is it because the helpdesk
            # suspended their organisation's registration? (Pages say so instead of a refusal.)
            suspended = membership_suspended(user=request.user)
            request.suspended_organisation = suspended.organisation if suspended else None
        return self.get_response(request)


def _set(request, membership) -> None:
    request.membership = membership
    request.organisation = membership.organisation if membership is not None else None
    request.suspended_organisation = None


def organisation_switch(request, membership) -> None:
    """Make `membership`'s organisation the current one for the rest of this session."""
    request.session[SESSION_KEY] = membership.organisation_id
    _set(request, membership)
