from django.conf import settings

from helpdesk.selectors import helpdesk_role_of

from .rules import permissions_for


def current_organisation(request):
    membership = getattr(request, "membership", None)
    return {
        "current_membership": membership,
        "current_organisation": getattr(request, "organisation", None),
        "current_permissions": {p.value for p in permissions_for(membership)},
        "service_name": settings.DSPT_SERVICE_NAME,
        # Called only where a template asks (the header, for people without an organisation).
        "helpdesk_role": lambda: helpdesk_role_of(getattr(request, "user", None)),
    }
