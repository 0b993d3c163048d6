"""Demo data for `make run`: a care home, an HQ with three branches, and one account per role.

Built through the portal's services, as people would: registration makes the first administrator,
invitations the other members, and the answers are saved as the evidence pages save them.
"""

import io

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test.utils import override_settings
from django.urls import reverse

from assessments import selectors as assessment_selectors
from assessments import services as assessment_services
from assessments.vocabulary import ITEM_APPROACHING
from organisations import services
from organisations.models import Organisation, User
from organisations.roles import Role

DEMO_PASSWORD = "Demo-portal-2025"

CARE_HOME = {
    "ods_code": "VDM01",
    "name": "Brook House Care Home",
    "address_line_1": "12 Brook Lane",
    "town": "Leeds",
    "postcode": "LS6 2AB",
}
HEADQUARTERS = {
    "ods_code": "ADM1",
    "name": "Meadowbank Care Group",
    "address_line_1": "1 Market Street",
    "town": "York",
    "postcode": "YO1 8AA",
}
BRANCHES = [
    {"ods_code": "VDM11", "name": "Meadowbank Lodge", "town": "York", "postcode": "YO24 1AB"},
    {"ods_code": "VDM12", "name": "Meadowbank Court", "town": "Harrogate", "postcode": "HG1 2CD"},
    {"ods_code": "VDM13", "name": "Meadowbank Home Care", "town": "Selby", "postcode": "YO8 4EF"},
]
# In the directory but not registered, so the registration journey can be tried.
UNREGISTERED = [
    {
        "ods_code": "VDM21",
        "name": "Riverside View Care Home",
        "town": "Wakefield",
        "postcode": "WF1 3GH",
    },
]
PEOPLE = [
    ("admin@brookhouse.example", "Asha Administrator", CARE_HOME["ods_code"], Role.ADMINISTRATOR),
    ("member@brookhouse.example", "Mo Member", CARE_HOME["ods_code"], Role.MEMBER),
    ("viewer@brookhouse.example", "Val Viewer", CARE_HOME["ods_code"], Role.VIEWER),
    ("admin@meadowbank.example", "Hana Headquarters", HEADQUARTERS["ods_code"], Role.ADMINISTRATOR),
    # A registered manager who also reads what HQ said: two organisations, to try switching.
    ("admin@brookhouse.example", "Asha Administrator", HEADQUARTERS["ods_code"], Role.VIEWER),
]


class Command(BaseCommand):
    help = "Creates demo organisations and one account per role, and prints their sign-ins."

    @transaction.atomic
    def handle(self, *args, **options):
        home = self._organisation(CARE_HOME, kind=Organisation.Kind.SITE)
        hq = self._organisation(HEADQUARTERS, kind=Organisation.Kind.HEADQUARTERS)
        for branch in BRANCHES:
            self._organisation(branch, kind=Organisation.Kind.SITE, parent=hq)
        for other in UNREGISTERED:
            self._organisation(other, kind=Organisation.Kind.SITE)
        organisations = {o.ods_code: o for o in (home, hq)}
        for email, name, code, role in PEOPLE:
            user = User.objects.filter(email=email).first()
            if user is None:
                user = User.objects.create_user(email, DEMO_PASSWORD, full_name=name)
            self._join(organisations[code], user, role)

        bank_file = settings.BASE_DIR / "fixtures" / "question-bank-2025-26.yaml"
        call_command("load_question_bank", str(bank_file), stdout=io.StringIO())
        self._answer_a_few(home, User.objects.get(email="member@brookhouse.example"))

        out = self.stdout
        out.write(
            self.style.SUCCESS(
                f"Demo data is ready. Sign in at {settings.DSPT_SITE_URL.rstrip('/')}"
                f"{reverse('sign-in')}"
            )
        )
        out.write(f"  Password for every demo account: {DEMO_PASSWORD}")
        for email, _name, code, role in PEOPLE:
            out.write(f"  {email:<28} {role.label:<14} {organisations[code].name} ({code})")
        out.write(
            f"  To try registering, use ODS code {UNREGISTERED[0]['ods_code']} "
            f"({UNREGISTERED[0]['name']})."
        )

    def _join(self, organisation: Organisation, user: User, role: Role) -> None:
        """The way people join for real: the first administrator registers the organisation, the
        others accept an administrator's invitation. Run again, it puts back the demo role."""
        membership = organisation.memberships.filter(user=user).first()
        if membership is not None:
            if membership.role != role:
                services.membership_change_role(
                    organisation=organisation,
                    membership_id=membership.pk,
                    role=role,
                    expected_role=membership.role,
                )
            return
        organisation.refresh_from_db()
        if not organisation.is_registered:
            if role != Role.ADMINISTRATOR:
                raise CommandError(f"{user} cannot register {organisation}: not an administrator")
            services.organisation_register(organisation_id=organisation.pk, user=user)
            return
        administrator = organisation.memberships.filter(role=Role.ADMINISTRATOR).first()
        tokens: list[str] = []

        def accept_url_for(token: str) -> str:
            tokens.append(token)
            return reverse("invitation-accept", args=[token])

        # Nobody reads the invitation emails: the demo person accepts straight away.
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
            services.invitation_create(
                organisation=organisation,
                email=user.email,
                role=role,
                invited_by=administrator.user,
                accept_url_for=accept_url_for,
            )
        services.invitation_accept(token=tokens[0], user=user)

    def _answer_a_few(self, organisation, user) -> None:
        """A started assessment, so the overview shows progress from the first visit."""
        bank = assessment_selectors.bank_get(year="2025-26")
        assessment = assessment_services.assessment_get_or_create(
            organisation=organisation, bank=bank
        )
        if assessment.answers.exists():
            return
        answers = {
            "text": {
                "text": "Our registered manager is accountable for data security; it is in "
                "her job description and was minuted at the March management meeting."
            },
            "yes_no": {"choice": "yes"},
        }
        bank_items = assessment_selectors.bank_items(bank=bank)
        items = [i for i in bank_items if i.answer_type in answers][:4]
        for item in items:
            assessment_services.answer_save(
                assessment=assessment,
                item=item,
                values={**answers[item.answer_type], "comments": ""},
                expected_version=0,
                user=user,
            )
        # One honest "No", so the demo shows how an unmet requirement looks.
        honest_no = next(
            i
            for i in bank_items
            if i.answer_type == "yes_no" and i not in items and i.level == ITEM_APPROACHING
        )
        assessment_services.answer_save(
            assessment=assessment,
            item=honest_no,
            values={"choice": "no", "comments": "Being sorted out with our IT supplier by March."},
            expected_version=0,
            user=user,
        )

    def _organisation(self, data, *, kind, parent=None) -> Organisation:
        """A row of the national directory (which the ODS import would bring in)."""
        defaults = {
            **{k: v for k, v in data.items() if k != "ods_code"},
            "kind": kind,
            "parent": parent,
            "primary_sector": "Social Care",
            "source": Organisation.Source.PORTAL,
        }
        organisation, _created = Organisation.objects.get_or_create(
            ods_code=data["ods_code"], defaults=defaults
        )
        return organisation
