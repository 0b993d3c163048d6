"""Demo data for `make run`: a care home, an HQ with three branches, and one account per role."""

import io

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from organisations.models import Membership, Organisation, OrganisationProfile, User
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
        now = timezone.now()
        home = self._organisation(CARE_HOME, kind=Organisation.Kind.SITE, registered_at=now)
        hq = self._organisation(
            HEADQUARTERS, kind=Organisation.Kind.HEADQUARTERS, registered_at=now
        )
        for branch in BRANCHES:
            self._organisation(branch, kind=Organisation.Kind.SITE, parent=hq)
        for other in UNREGISTERED:
            self._organisation(other, kind=Organisation.Kind.SITE)
        organisations = {o.ods_code: o for o in (home, hq)}
        for email, name, code, role in PEOPLE:
            user = User.objects.filter(email=email).first()
            if user is None:
                user = User.objects.create_user(email, DEMO_PASSWORD, full_name=name)
            Membership.objects.update_or_create(
                user=user, organisation=organisations[code], defaults={"role": role}
            )

        bank_file = settings.BASE_DIR / "fixtures" / "question-bank-2025-26.yaml"
        call_command("load_question_bank", str(bank_file), stdout=io.StringIO())
        self._answer_a_few(home, User.objects.get(email="member@brookhouse.example"))

        out = self.stdout
        out.write(
            self.style.SUCCESS("Demo data is ready. Sign in at http://127.0.0.1:8000/sign-in/")
        )
        out.write(f"  Password for every demo account: {DEMO_PASSWORD}")
        for email, _name, code, role in PEOPLE:
            out.write(f"  {email:<28} {role.label:<14} {organisations[code].name} ({code})")
        out.write(
            f"  To try registering, use ODS code {UNREGISTERED[0]['ods_code']} "
            f"({UNREGISTERED[0]['name']})."
        )

    def _answer_a_few(self, organisation, user) -> None:
        """A started assessment, so the overview shows progress from the first visit."""
        from assessments import selectors, services

        bank = selectors.bank_get(year="2025-26")
        assessment = services.assessment_get_or_create(organisation=organisation, bank=bank)
        if assessment.answers.exists():
            return
        answers = {
            "text": {
                "text": "Our registered manager is accountable for data security; it is in "
                "her job description and was minuted at the March management meeting."
            },
            "yes_no": {"choice": "yes"},
        }
        items = [i for i in selectors.bank_items(bank=bank) if i.answer_type in answers][:4]
        for item in items:
            services.answer_save(
                assessment=assessment,
                item=item,
                values={**answers[item.answer_type], "comments": ""},
                expected_version=0,
                user=user,
            )
        # One honest "No", so the demo shows how an unmet requirement looks.
        honest_no = next(
            i
            for i in selectors.bank_items(bank=bank)
            if i.answer_type == "yes_no" and i not in items and i.level == "approaching"
        )
        services.answer_save(
            assessment=assessment,
            item=honest_no,
            values={"choice": "no", "comments": "Being sorted out with our IT supplier by March."},
            expected_version=0,
            user=user,
        )

    def _organisation(self, data, *, kind, parent=None, registered_at=None) -> Organisation:
        defaults = {
            **{k: v for k, v in data.items() if k != "ods_code"},
            "kind": kind,
            "parent": parent,
            "primary_sector": "Social Care",
            "source": Organisation.Source.PORTAL,
        }
        organisation, created = Organisation.objects.get_or_create(
            ods_code=data["ods_code"], defaults=defaults
        )
        if registered_at and not organisation.is_registered:
            organisation.registration_state = Organisation.RegistrationState.REGISTERED
            organisation.registered_at = registered_at
            organisation.save()
        if organisation.is_registered:
            OrganisationProfile.objects.get_or_create(organisation=organisation)
        return organisation
