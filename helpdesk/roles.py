"""The helpdesk's two roles and what each may do: the one list (the decision is in rules.py).

Helpdesk staff are not people of any organisation: an operator works on cases for every
organisation, an auditor reads the same pages and changes nothing."""

from django.db import models


class HelpdeskRole(models.TextChoices):
    OPERATOR = "operator", "Helpdesk operator"
    AUDITOR = "auditor", "Helpdesk auditor (read only)"


class HelpdeskPermission(models.TextChoices):
    READ = "helpdesk_read", "Read helpdesk cases"
    ACT = "helpdesk_act", "Act on helpdesk cases"


HELPDESK_ROLE_PERMISSIONS: dict[HelpdeskRole, frozenset[HelpdeskPermission]] = {
    HelpdeskRole.OPERATOR: frozenset(HelpdeskPermission),
    HelpdeskRole.AUDITOR: frozenset({HelpdeskPermission.READ}),
}
