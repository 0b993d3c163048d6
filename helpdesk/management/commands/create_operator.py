from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email

from helpdesk.roles import HelpdeskRole
from helpdesk.services import operator_create


class Command(BaseCommand):
    help = (
        "Gives EMAIL a helpdesk account (an operator, or with --auditor a read-only auditor). A "
        "new account is emailed a link to choose its password; two-factor authentication is "
        "set up at the first helpdesk page."
    )

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--name", default="", help="Full name (for a new account)")
        parser.add_argument(
            "--auditor", action="store_true", help="Read-only: sees every case, changes nothing"
        )

    def handle(self, *args, email, name, auditor, **options):
        try:
            validate_email(email.strip())
        except ValidationError as error:
            raise CommandError(f"{email!r} is not an email address") from error
        role = HelpdeskRole.AUDITOR if auditor else HelpdeskRole.OPERATOR
        operator, created = operator_create(email=email, full_name=name.strip(), role=role)
        account = (
            "New account; a link to choose a password was emailed"
            if created
            else ("Existing account")
        )
        self.stdout.write(f"{operator.user.email} is now a {role.label.lower()}. {account}.")
