"""Django's admin app, with the operator console (operator_site.py) as its default site."""

from django.contrib.admin.apps import AdminConfig


class OperatorAdminConfig(AdminConfig):
    default_site = "dspt_portal.operator_site.OperatorAdminSite"
