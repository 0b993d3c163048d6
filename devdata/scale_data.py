"""A national-scale data set for measuring the portal: `manage.py generate_scale_data`.

On top of the real national directory (the 2019 export, imported by the ordinary importer) it adds
generated organisations up to the requested total: headquarters with their branches (skewed: most
HQs have a handful, a few have hundreds, and ``BIG_HQ_CODE`` has exactly ``big_hq_branches``),
standalone sites, registered organisations with their people, profiles, 2025-26 assessments with
answers and saved versions, action plans and publications (HQ publications cover their branches).

Everything generated is recognisable, so it can be removed again without touching real rows:
organisation codes start with ``ZZHQ`` (headquarters) or ``ZZS`` (sites) — no real ODS code does —
and people's addresses end with ``@scale.invalid``. Rows are written in bulk (devdata/bulk.py: COPY
on PostgreSQL, ``bulk_create`` elsewhere), never saved one by one, so no per-row signal or
validation runs. The values come from the portal's own functions instead: which items apply and
whether an answer meets them from ``assessments.rules``, the answers and profile as published from
``publishing.snapshot`` (the one writer of those columns), the action plan's items from
``publishing.rules``, verification codes from ``publishing.models.verification_code_new`` and
the levels from ``assessments.vocabulary``. The plan keeps to the publishing rules: a level only
published when the answers allow it, Approaching Standards only as a first publication and with
its action plan, Standards Exceeded only with Cyber Essentials Plus.

The same seed gives the same data (names, codes, answers, dates); only database ids and the
publications' verification codes (random, as the portal makes them) differ.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.contrib.auth.hashers import make_password
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, models, transaction

from assessments.models import (
    Answer,
    AnswerRevision,
    Assessment,
    EvidenceItem,
    QuestionBank,
)
from assessments.rules import AnswerValues, Item, item_applies, item_statuses
from assessments.selectors import bank_items, rule_item
from assessments.vocabulary import (
    APPROACHING_STANDARDS,
    ITEM_APPROACHING,
    ITEM_MET,
    STANDARDS_EXCEEDED,
    STANDARDS_MET,
)
from documents.models import DocumentJob
from organisations.models import Invitation, Membership, Organisation, OrganisationProfile, User
from organisations.roles import Role
from publishing.models import (
    ActionPlanEntry,
    Publication,
    PublicationSite,
    ReminderSent,
    verification_code_new,
)
from publishing.rules import outstanding_for_action_plan
from publishing.site_rules import SiteFacts, SiteOffer, site_offer
from publishing.snapshot import PublishedProfile, published_answer, published_answers

from . import scale_words as words
from .bulk import BulkTable, allocate_ids

HQ_PREFIX = "ZZHQ"
SITE_PREFIX = "ZZS"
GENERATED_PREFIXES = (HQ_PREFIX, SITE_PREFIX)
BIG_HQ_CODE = f"{HQ_PREFIX}0001"
EMAIL_DOMAIN = "scale.invalid"
# The people the benchmark signs in as (both in BIG_HQ_CODE). A benchmark database only.
BENCH_ADMIN_EMAIL = f"bench-admin@{EMAIL_DOMAIN}"
BENCH_MEMBER_EMAIL = f"bench-member@{EMAIL_DOMAIN}"
BENCH_PASSWORD = "Bench-scale-data-2025"
YEAR = "2025-26"

_LONDON = ZoneInfo("Europe/London")
# Fixed, so the same seed gives the same rows whenever it runs.
_GENERATED_AT = dt.datetime(2026, 7, 1, 9, 0, tzinfo=_LONDON)
_YEAR_STARTS = dt.datetime(2025, 7, 1, 9, 0, tzinfo=_LONDON)
_PUBLISHED_UNTIL = dt.datetime(2026, 6, 30, 17, 0, tzinfo=_LONDON)
_NUMBER_PLACES = Decimal(1).scaleb(-Answer._meta.get_field("number").decimal_places)
# Unusable (starts with "!"): generated people cannot sign in, except the two benchmark people.
_UNUSABLE_PASSWORD = "!generated-scale-data"

Progress = Callable[[str, int, int], None]  # (stage, done, total)


@dataclass(frozen=True)
class ScaleSpec:
    organisations: int = 300_000  # in the whole directory, real ones included
    headquarters: int = 6_000
    assessments: int = 75_000  # registered organisations, each with a 2025-26 assessment
    publications: int = 120_000
    big_hq_branches: int = 500
    max_branches: int = 500
    # HQs (besides BIG_HQ_CODE) with max_branches branches: "a few with 500".
    largest_headquarters: int = 4
    big_hq_people: int = 30
    seed: int = 1


SMALL = ScaleSpec(
    organisations=600,
    headquarters=12,
    assessments=80,
    publications=120,
    big_hq_branches=40,
    max_branches=40,
    largest_headquarters=1,
    big_hq_people=8,
)


@dataclass
class ScaleReport:
    counts: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)


def is_generated_code(code: str) -> bool:
    return code.startswith(GENERATED_PREFIXES)


def _table(model: type[models.Model], fields: Sequence[str]) -> BulkTable:
    return BulkTable(model, fields, written_at=_GENERATED_AT)


# --- Finding and removing generated rows ---------------------------------------------------------


def _generated_organisations() -> models.QuerySet[Organisation]:
    return Organisation.objects.filter(
        models.Q(ods_code__startswith=HQ_PREFIX) | models.Q(ods_code__startswith=SITE_PREFIX)
    )


def _generated_users() -> models.QuerySet[User]:
    return User.objects.filter(email__iendswith=f"@{EMAIL_DOMAIN}")


def scale_data_counts() -> dict[str, int]:
    """How much generated data the database holds (zeros when there is none)."""
    organisations = _generated_organisations()
    return {
        "organisations (all)": Organisation.objects.count(),
        "organisations (generated)": organisations.count(),
        "people (generated)": _generated_users().count(),
        "assessments": Assessment.objects.filter(organisation__in=organisations).count(),
        "publications": Publication.objects.filter(organisation__in=organisations).count(),
    }


def scale_data_exists() -> bool:
    return _generated_organisations().exists() or _generated_users().exists()


def scale_data_delete() -> dict[str, int]:
    """Removes the generated organisations and people and everything hanging off them.

    The big tables (saved versions, answers, publications and what hangs off them) go by raw
    DELETEs in dependency order: the ORM would load a million answers to cascade them. The
    organisations and people themselves then go through the ORM, so every table pointing at them,
    including ones added later, is handled by its own on_delete. Real organisations are untouched.
    """
    quote = connection.ops.quote_name

    def table(model: type[models.Model]) -> str:
        return quote(model._meta.db_table)

    organisation_ids = (
        f"SELECT id FROM {table(Organisation)} "
        f"WHERE ods_code LIKE '{HQ_PREFIX}%' OR ods_code LIKE '{SITE_PREFIX}%'"
    )
    assessment_ids = (
        f"SELECT id FROM {table(Assessment)} WHERE organisation_id IN ({organisation_ids})"
    )
    publication_ids = (
        f"SELECT id FROM {table(Publication)} WHERE organisation_id IN ({organisation_ids})"
    )
    answer_ids = f"SELECT id FROM {table(Answer)} WHERE assessment_id IN ({assessment_ids})"
    statements = [
        (
            "saved versions",
            f"DELETE FROM {table(AnswerRevision)} WHERE answer_id IN ({answer_ids})",
        ),
        (
            None,
            f"UPDATE {table(Answer)} SET carried_forward_from_id = NULL "
            f"WHERE carried_forward_from_id IN ({answer_ids}) "
            f"AND assessment_id NOT IN ({assessment_ids})",
        ),
        ("answers", f"DELETE FROM {table(Answer)} WHERE assessment_id IN ({assessment_ids})"),
        (
            "action plan entries",
            f"DELETE FROM {table(ActionPlanEntry)} WHERE assessment_id IN ({assessment_ids})",
        ),
        (
            "document jobs",
            f"DELETE FROM {table(DocumentJob)} WHERE organisation_id IN ({organisation_ids}) "
            f"OR assessment_id IN ({assessment_ids}) OR publication_id IN ({publication_ids})",
        ),
        (
            "publication sites",
            f"DELETE FROM {table(PublicationSite)} WHERE publication_id IN ({publication_ids}) "
            f"OR organisation_id IN ({organisation_ids})",
        ),
        ("publications", f"DELETE FROM {table(Publication)} WHERE id IN ({publication_ids})"),
        ("assessments", f"DELETE FROM {table(Assessment)} WHERE id IN ({assessment_ids})"),
    ]
    counts: dict[str, int] = {}
    with transaction.atomic():
        with connection.cursor() as cursor:
            for label, sql in statements:
                cursor.execute(sql)
                if label:
                    counts[label] = cursor.rowcount
        counts["organisations"] = (
            _generated_organisations().delete()[1].get(Organisation._meta.label, 0)
        )
        counts["people"] = _generated_users().delete()[1].get(User._meta.label, 0)
    return counts


# --- Generating ----------------------------------------------------------------------------------


@dataclass
class _Org:
    index: int
    code: str
    name: str
    kind: str
    sector: str
    parent: int | None  # index of the HQ
    town: str
    county: str
    postcode: str
    address_line_1: str
    telephone: str
    registered_at: dt.datetime | None = None
    id: int = 0


@dataclass
class _Registered:
    """A registered organisation's plan: its people, what it answered and what it published."""

    org: _Org
    people: list[int]  # indexes into the people list; the first is an administrator
    levels: list[str]  # publications in order, [] when it has not published
    complete: bool  # all items needed for Standards Met answered
    answered_share: float  # for an unpublished assessment: share of items answered
    ce_plus: bool
    assessment_id: int = 0
    publication_ids: list[int] = field(default_factory=list)


class _Generator:
    def __init__(self, *, spec: ScaleSpec, bank: QuestionBank, progress: Progress | None):
        self.spec = spec
        self.bank = bank
        self.progress = progress
        self.rng = random.Random(spec.seed)
        # The bank's rows (for ids, positions and wording) and the same items as the rules see
        # them, in bank order.
        self.rows = bank_items(bank=bank)
        if not self.rows:
            raise ImproperlyConfigured(f"The {bank.year} question bank has no items")
        self.rows_by_ref = {row.ref: row for row in self.rows}
        self.items = [rule_item(row) for row in self.rows]
        self.items_by_ref = {item.ref: item for item in self.items}
        self.counts: Counter[str] = Counter()

    # Progress ------------------------------------------------------------------------------------

    def _ticker(self, stage: str, total: int) -> Callable[[int], None]:
        done = 0

        def tick(step: int) -> None:
            nonlocal done
            done += step
            if self.progress is not None:
                self.progress(stage, min(done, total), total)

        tick(0)
        return tick

    # Organisations -------------------------------------------------------------------------------

    def _name(self, rng: random.Random) -> str:
        roll = rng.random()
        if roll < 0.02:
            first = rng.choice(words.NAME_FIRST_ACCENTED)
        elif roll < 0.08:
            first = rng.choice(words.SAINTS)
        else:
            first = rng.choice(words.NAME_FIRST)
        return f"{first} {rng.choice(words.NAME_SECOND)}{rng.choice(words.NAME_KIND)}"

    def _address(self, rng: random.Random) -> tuple[str, str, str, str, str]:
        town, county, area, districts = rng.choice(words.PLACES)
        postcode = (
            f"{area}{rng.randint(1, districts)} {rng.randint(0, 9)}"
            f"{rng.choice(words.INWARD_LETTERS)}{rng.choice(words.INWARD_LETTERS)}"
        )
        line_1 = (
            f"{rng.randint(1, 220)} {rng.choice(words.STREETS)} {rng.choice(words.STREET_KINDS)}"
        )
        # 01632 960xxx: Ofcom's range for drama, never a real number.
        telephone = f"01632 960{rng.randint(0, 999):03d}"
        return town, county, postcode, line_1, telephone

    def branch_counts(self, generated: int) -> list[int]:
        """Branches per HQ: skewed, most small, a few at the maximum, the first exactly big."""
        spec, rng = self.spec, self.rng
        hqs = spec.headquarters
        counts = [min(spec.max_branches, 2 + int(rng.lognormvariate(1.2, 1.0))) for _ in range(hqs)]
        counts[0] = spec.big_hq_branches
        for index in range(1, min(hqs, 1 + spec.largest_headquarters)):
            counts[index] = spec.max_branches
        # At most half the generated sites are branches; scale the small ones down if needed.
        budget = max(0, (generated - hqs) // 2)
        fixed = sum(counts[: 1 + spec.largest_headquarters])
        rest = sum(counts[1 + spec.largest_headquarters :])
        if fixed + rest > budget and rest:
            factor = max(0.0, (budget - fixed) / rest)
            for index in range(1 + spec.largest_headquarters, hqs):
                counts[index] = max(2, int(counts[index] * factor))
        if sum(counts) > generated - hqs:
            raise ImproperlyConfigured(
                f"{generated} generated organisations cannot hold {hqs} headquarters and "
                f"{sum(counts)} branches: ask for more organisations or fewer headquarters"
            )
        return counts

    def organisations(self, generated: int) -> list[_Org]:
        spec, rng = self.spec, self.rng
        hqs = spec.headquarters
        if generated < hqs + spec.big_hq_branches:
            raise ImproperlyConfigured(
                f"Only {generated} organisations to generate: not enough for {hqs} headquarters "
                f"and {spec.big_hq_branches} branches of {BIG_HQ_CODE}"
            )
        branch_counts = self.branch_counts(generated)
        orgs: list[_Org] = []
        for index in range(hqs):
            town, county, postcode, line_1, telephone = self._address(rng)
            surname = rng.choice(words.SURNAMES)
            word = rng.choice(
                (surname, rng.choice(words.NAME_FIRST), f"{surname} & {rng.choice(words.SURNAMES)}")
            )
            orgs.append(
                _Org(
                    index=index,
                    code=f"{HQ_PREFIX}{index + 1:04d}",
                    name=f"{word} {rng.choice(words.HQ_KIND)}",
                    kind=Organisation.Kind.HEADQUARTERS,
                    sector="Social Care",
                    parent=None,
                    town=town,
                    county=county,
                    postcode=postcode,
                    address_line_1=line_1,
                    telephone=telephone,
                )
            )
        orgs[0].name = "Scale Benchmark Care Group Ltd"
        parents = [hq for hq, count in enumerate(branch_counts) for _ in range(count)]
        standalone = generated - hqs - len(parents)
        for site_number, parent in enumerate(parents + [None] * standalone, start=1):
            town, county, postcode, line_1, telephone = self._address(rng)
            orgs.append(
                _Org(
                    index=len(orgs),
                    code=f"{SITE_PREFIX}{site_number:06d}",
                    name=self._name(rng),
                    kind=Organisation.Kind.SITE,
                    sector=rng.choice(words.SECTORS_SITE),
                    parent=parent,
                    town=town,
                    county=county,
                    postcode=postcode,
                    address_line_1=line_1,
                    telephone=telephone,
                )
            )
        self.branch_total = len(parents)
        return orgs

    # The plan for registered organisations -------------------------------------------------------

    def registered(self, orgs: list[_Org]) -> list[_Registered]:
        spec, rng = self.spec, self.rng
        hqs = [org for org in orgs if org.kind == Organisation.Kind.HEADQUARTERS]
        branches = [org for org in orgs if org.parent is not None]
        standalone = [
            org for org in orgs if org.kind == Organisation.Kind.SITE and org.parent is None
        ]
        wanted = min(spec.assessments, len(orgs))
        # Most HQs register (they publish for their branches); a few branches register on their
        # own; the rest are standalone homes.
        chosen_hqs = [hqs[0], *rng.sample(hqs[1:], min(len(hqs) - 1, int(0.8 * len(hqs))))]
        chosen_hqs = chosen_hqs[:wanted]
        chosen_branches = rng.sample(
            branches, min(len(branches), max(0, wanted - len(chosen_hqs)) // 20)
        )
        remaining = wanted - len(chosen_hqs) - len(chosen_branches)
        chosen_sites = rng.sample(standalone, min(len(standalone), remaining))
        chosen = chosen_hqs + chosen_branches + chosen_sites
        if len(chosen) < wanted:
            raise ImproperlyConfigured(
                f"Only {len(chosen)} generated organisations can register; {wanted} were asked for"
            )

        # Publications: most registered organisations publish, some more than once.
        publishing = min(len(chosen), spec.publications, max(1, round(0.9 * len(chosen))))
        per_org = [1] * publishing
        extra = spec.publications - publishing
        capacity = 3  # at most four publications each
        while extra > 0:
            index = rng.randrange(publishing)
            if per_org[index] <= capacity:
                per_org[index] += 1
                extra -= 1
            elif all(count > capacity for count in per_org):
                capacity += 1
        # The benchmark HQ has published before (Approaching, then Met), for all its branches.
        publishing_orgs = [chosen[0], *rng.sample(chosen[1:], publishing - 1)]
        counts = dict(zip((org.index for org in publishing_orgs), per_org, strict=True))
        counts[chosen[0].index] = max(2, counts[chosen[0].index])
        overflow = counts[chosen[0].index] - per_org[0]
        if overflow:  # keep the total exact
            for org in publishing_orgs[1:]:
                while overflow and counts[org.index] > 1:
                    counts[org.index] -= 1
                    overflow -= 1

        plans = []
        people_total = 0
        for org in chosen:
            count = counts.get(org.index, 0)
            levels = self._levels(count, rng) if count else []
            if org.index == chosen[0].index:
                levels = [APPROACHING_STANDARDS] + [STANDARDS_MET] * (count - 1)
            people = spec.big_hq_people if org.index == 0 else rng.choice((1, 1, 2, 2, 3, 4))
            plans.append(
                _Registered(
                    org=org,
                    people=list(range(people_total, people_total + people)),
                    levels=levels,
                    complete=bool(levels) and levels[-1] != APPROACHING_STANDARDS,
                    answered_share=rng.uniform(0.1, 0.95),
                    ce_plus=STANDARDS_EXCEEDED in levels or rng.random() < 0.1,
                )
            )
            people_total += people
            org.registered_at = _between(rng, _YEAR_STARTS - dt.timedelta(days=400), _YEAR_STARTS)
        self.people_total = people_total
        return plans

    @staticmethod
    def _levels(count: int, rng: random.Random) -> list[str]:
        """Levels in publication order. Approaching Standards only as the first publication."""
        if count == 1:
            return [
                rng.choices(
                    (STANDARDS_MET, APPROACHING_STANDARDS, STANDARDS_EXCEEDED), (75, 15, 10)
                )[0]
            ]
        first = APPROACHING_STANDARDS if rng.random() < 0.5 else STANDARDS_MET
        later = [STANDARDS_MET] * (count - 1)
        if rng.random() < 0.1:
            later[-1] = STANDARDS_EXCEEDED
        return [first, *later]

    # Answers -------------------------------------------------------------------------------------

    def answers_for(self, plan: _Registered) -> list[tuple[EvidenceItem, AnswerValues, int]]:
        """(item, values, version) for each answered item: the same every time for one plan."""
        rng = random.Random(f"{self.spec.seed}-answers-{plan.org.code}")
        # Published organisations answered in a way that meets what they published for; the
        # others sometimes say "No".
        comply = plan.complete or bool(plan.levels)
        answered: dict[str, AnswerValues] = {}
        rows = []
        for item in self.items:
            if plan.complete:
                wanted = item.level in (ITEM_APPROACHING, ITEM_MET) or rng.random() < 0.5
            elif plan.levels:  # published Approaching Standards only: some Met items missing
                wanted = item.level == ITEM_APPROACHING or rng.random() < 0.6
            else:
                wanted = rng.random() < plan.answered_share
            # Only items that apply given the answers before them (the bank lists an item after
            # the one it depends on), as the assessment pages decide it.
            wanted = wanted and item_applies(item, answered, self.items_by_ref)
            values = self._values(item, rng, comply=comply)
            version = rng.choices((1, 2, 3), (75, 20, 5))[0]
            if wanted:
                answered[item.ref] = values
                rows.append((self.rows_by_ref[item.ref], values, version))
        return rows

    @staticmethod
    def _values(item: Item, rng: random.Random, *, comply: bool) -> AnswerValues:
        """An answer of the item's type; with `comply`, one that meets what the item asks."""
        kind = item.answer_type
        meets = item.meets
        if kind == "text":
            return AnswerValues(text=rng.choice(words.TEXT_ANSWERS))
        if kind in ("yes_no", "yes_no_text"):
            meeting = meets.answers[0] if meets.answers else "yes"
            if kind == "yes_no_text":
                return AnswerValues(choice=meeting, text=rng.choice(words.TEXT_ANSWERS))
            other = "no" if meeting == "yes" else "yes"
            return AnswerValues(choice=meeting if comply or rng.random() < 0.93 else other)
        if kind == "date":
            return AnswerValues(date=dt.date(2025, 7, 1) + dt.timedelta(days=rng.randrange(300)))
        if kind == "number":
            lowest = math.ceil(meets.at_least or 0) if comply else 0
            figure = Decimal(rng.randint(max(lowest, 1), max(lowest, 100)))
            # As the column gives it back, so the snapshot shows it as publishing would.
            return AnswerValues(number=figure.quantize(_NUMBER_PLACES))
        if kind == "document":
            return AnswerValues(document_location=rng.choice(words.DOCUMENT_LOCATIONS))
        if kind == "choice":
            options = [value for value, _label in item.option_labels]
            if comply and meets.answers:
                options = [option for option in options if option in meets.answers]
            return AnswerValues(choice=options[0] if rng.random() < 0.8 else rng.choice(options))
        return AnswerValues(text=rng.choice(words.TEXT_ANSWERS))

    # Writing -------------------------------------------------------------------------------------

    def write_organisations(self, orgs: list[_Org]) -> None:
        ids = allocate_ids(Organisation, len(orgs))
        for org, pk in zip(orgs, ids, strict=True):
            org.id = pk
        table = _table(
            Organisation,
            (
                "id",
                "ods_code",
                "name",
                "primary_sector",
                "kind",
                "parent_id",
                "address_line_1",
                "town",
                "county",
                "postcode",
                "telephone",
                "opened_on",
                "source",
                "registration_state",
                "registered_at",
                "created_at",
                "updated_at",
            ),
        )
        tick = self._ticker("Organisations", len(orgs))

        def rows():
            for org in orgs:
                yield (
                    org.id,
                    org.code,
                    org.name,
                    org.sector,
                    org.kind,
                    orgs[org.parent].id if org.parent is not None else None,
                    org.address_line_1,
                    org.town,
                    org.county,
                    org.postcode,
                    org.telephone,
                    dt.date(2000, 1, 1) + dt.timedelta(days=(org.index * 37) % 8000),
                    Organisation.Source.ODS,
                    "registered" if org.registered_at else "directory",
                    org.registered_at,
                    _GENERATED_AT,
                    _GENERATED_AT,
                )

        self.counts["organisations"] = table.write(rows(), tick=tick)
        self.counts["headquarters"] = sum(
            1 for o in orgs if o.kind == Organisation.Kind.HEADQUARTERS
        )
        self.counts["branches"] = self.branch_total

    def write_people(self, plans: list[_Registered]) -> list[int]:
        rng = random.Random(f"{self.spec.seed}-people")
        ids = allocate_ids(User, self.people_total)
        bench_password = make_password(BENCH_PASSWORD)
        users = _table(
            User,
            (
                "id",
                "password",
                "email",
                "full_name",
                "is_active",
                "is_staff",
                "is_superuser",
                "date_joined",
            ),
        )
        memberships = _table(
            Membership, ("organisation_id", "user_id", "role", "created_at", "updated_at")
        )
        names: dict[int, str] = {}

        def user_rows():
            for plan in plans:
                for position, person in enumerate(plan.people):
                    name = f"{rng.choice(words.FORENAMES)} {rng.choice(words.SURNAMES)}"
                    email = f"person{person + 1:06d}@{EMAIL_DOMAIN}"
                    password = _UNUSABLE_PASSWORD
                    if plan.org.index == 0 and position in (0, 1):
                        email = BENCH_ADMIN_EMAIL if position == 0 else BENCH_MEMBER_EMAIL
                        name = "Bench Administrator" if position == 0 else "Bench Member"
                        password = bench_password
                    names[ids[person]] = name
                    yield (
                        ids[person],
                        password,
                        email,
                        name,
                        True,
                        False,
                        False,
                        plan.org.registered_at,
                    )

        def membership_rows():
            for plan in plans:
                for position, person in enumerate(plan.people):
                    if position == 0:
                        role = Role.ADMINISTRATOR
                    elif plan.org.index == 0 and position == 1:
                        role = Role.MEMBER
                    else:
                        role = rng.choice(
                            (Role.ADMINISTRATOR, Role.MEMBER, Role.MEMBER, Role.VIEWER)
                        )
                    yield (plan.org.id, ids[person], role, plan.org.registered_at, _GENERATED_AT)

        self.counts["people"] = users.write(
            user_rows(), tick=self._ticker("People", self.people_total)
        )
        self.counts["memberships"] = memberships.write(
            membership_rows(), tick=self._ticker("Memberships", self.people_total)
        )
        self.user_ids = ids
        self.user_names = names
        return list(ids)

    def write_profiles(self, plans: list[_Registered]) -> None:
        rng = random.Random(f"{self.spec.seed}-profiles")
        table = _table(
            OrganisationProfile,
            (
                "organisation_id",
                "caldicott_guardian",
                "senior_information_risk_owner",
                "information_governance_lead",
                "data_protection_officer",
                "nhsmail_only",
                "cyber_essentials_plus",
                "cyber_essentials_plus_certificate_number",
                "cyber_essentials_plus_expires_on",
                "version",
                "updated_at",
            ),
        )

        def person() -> str:
            return f"{rng.choice(words.FORENAMES)} {rng.choice(words.SURNAMES)}"

        def rows():
            for plan in plans:
                filled = bool(plan.levels) or rng.random() < 0.5
                ce_plus = "yes" if plan.ce_plus else rng.choice(("no", "not_sure", ""))
                yield (
                    plan.org.id,
                    person() if filled else "",
                    person() if filled else "",
                    person() if filled else "",
                    person() if filled and rng.random() < 0.5 else "",
                    rng.choice(("yes", "no")) if filled else "",
                    ce_plus,
                    f"CEP-{rng.randrange(10**8):08d}" if ce_plus == "yes" else "",
                    dt.date(2027, 1, 1) + dt.timedelta(days=rng.randrange(300))
                    if ce_plus == "yes"
                    else None,
                    rng.randint(1, 4) if filled else 0,
                    _GENERATED_AT,
                )

        self.counts["profiles"] = table.write(rows(), tick=self._ticker("Profiles", len(plans)))

    def write_assessments(self, plans: list[_Registered]) -> None:
        ids = allocate_ids(Assessment, len(plans))
        for plan, pk in zip(plans, ids, strict=True):
            plan.assessment_id = pk
        table = _table(Assessment, ("id", "organisation_id", "bank_id", "created_at"))
        self.counts["assessments"] = table.write(
            ((plan.assessment_id, plan.org.id, self.bank.pk, _YEAR_STARTS) for plan in plans),
            tick=self._ticker("Assessments", len(plans)),
        )

    def write_answers(self, plans: list[_Registered]) -> None:
        """Answers, then their saved versions: the seeded answers are worked out again for each
        pass rather than held in memory (a million of them)."""
        value_fields = ("text", "choice", "date", "number", "document_location", "comments")
        answers = _table(
            Answer,
            (
                "id",
                "assessment_id",
                "item_id",
                "version",
                "updated_by_id",
                "updated_at",
                "needs_review",
                *value_fields,
            ),
        )
        revisions = _table(
            AnswerRevision, ("answer_id", "version", "saved_by_id", "saved_at", *value_fields)
        )
        total = revision_total = 0
        for plan in plans:
            rows = self.answers_for(plan)
            total += len(rows)
            revision_total += sum(version for _, _, version in rows)
        first_id = allocate_ids(Answer, total).start

        def planned():
            pk = first_id
            for plan in plans:
                saved_at = _answer_time(plan)
                for item, values, version in self.answers_for(plan):
                    author = self.user_ids[
                        plan.people[(item.position + version) % len(plan.people)]
                    ]
                    yield plan, pk, item, _value_row(values), version, author, saved_at
                    pk += 1
                    saved_at += dt.timedelta(minutes=7)

        self.counts["answers"] = answers.write(
            (
                (pk, plan.assessment_id, item.pk, version, author, saved_at, False, *values)
                for plan, pk, item, values, version, author, saved_at in planned()
            ),
            tick=self._ticker("Answers", total),
        )

        def revision_rows():
            for _, pk, _, values, version, author, saved_at in planned():
                for number in range(1, version + 1):
                    # Earlier versions said less: the text grew, the choice stayed.
                    yield (
                        pk,
                        number,
                        author,
                        saved_at - dt.timedelta(days=version - number),
                        *(values if number == version else _earlier(values)),
                    )

        self.counts["saved versions"] = revisions.write(
            revision_rows(), tick=self._ticker("Saved versions", revision_total)
        )

    def write_publications(self, plans: list[_Registered], orgs: list[_Org]) -> None:
        publishing = [plan for plan in plans if plan.levels]
        total = sum(len(plan.levels) for plan in publishing)
        ids = iter(allocate_ids(Publication, total))
        branches: dict[int, list[int]] = {}
        for org in orgs:
            if org.parent is None:
                continue
            hq = orgs[org.parent]
            site = SiteFacts(pk=org.id, parent_id=hq.id, registered=org.registered_at is not None)
            # Never a branch registered on its own: the publish service would refuse it.
            if site_offer(publisher_id=hq.id, site=site) is SiteOffer.PUBLISH_FOR:
                branches.setdefault(org.parent, []).append(org.id)
        codes: set[str] = set()
        rng = random.Random(f"{self.spec.seed}-publications")
        table = _table(
            Publication,
            (
                "id",
                "organisation_id",
                "bank_id",
                "assessment_id",
                "sequence",
                "level",
                "published_at",
                "published_by_id",
                "published_by_name",
                "published_as_name",
                "published_as_ods_code",
                "answers_snapshot",
                "profile_snapshot",
                "action_plan",
                "verification_code",
            ),
        )
        sites: list[tuple[int, int]] = []
        plans_entries: list[tuple] = []

        def code() -> str:
            # The database keeps codes unique; one clash would fail the whole COPY.
            while (value := verification_code_new()) in codes:
                pass
            codes.add(value)
            return value

        def rows():
            for plan in publishing:
                answered = {item.ref: values for item, values, _version in self.answers_for(plan)}
                start = _answer_time(plan) + dt.timedelta(days=20)
                span = (_PUBLISHED_UNTIL - start) / (len(plan.levels) + 1)
                admin = self.user_ids[plan.people[0]]
                admin_name = self.user_names[admin]
                for sequence, level in enumerate(plan.levels, start=1):
                    pk = next(ids)
                    plan.publication_ids.append(pk)
                    published_at = start + span * sequence
                    at_approaching = level == APPROACHING_STANDARDS
                    day = published_at.date()
                    # A first, Approaching Standards publication of an organisation that went on
                    # to Standards Met saw only the mandatory answers: the others came later.
                    seen = answered
                    if at_approaching and plan.complete:
                        seen = {
                            ref: values
                            for ref, values in answered.items()
                            if self.items_by_ref[ref].level == ITEM_APPROACHING
                        }
                    snapshot = self._answers_snapshot(seen, author=admin_name, on=day)
                    action_plan = []
                    if at_approaching:
                        outstanding = [
                            item.ref
                            for item in outstanding_for_action_plan(self.items, seen, on=day)
                        ]
                        action_plan = [
                            {
                                "ref": ref,
                                "section": self.rows_by_ref[ref].section.title,
                                "requirement": self.rows_by_ref[ref].text,
                                "action": rng.choice(words.PLAN_ACTIONS),
                                "responsible_person": admin_name,
                                "target_date": "2026-12-31",
                            }
                            for ref in outstanding
                        ]
                        if not plan.complete:
                            plans_entries.extend(
                                (plan.assessment_id, self.rows_by_ref[ref].pk, admin)
                                for ref in outstanding
                            )
                    branch_ids = branches.get(plan.org.index, [])
                    if branch_ids:
                        covered = (
                            branch_ids
                            if rng.random() < 0.8 or plan.org.index == 0
                            else [pk_ for pk_ in branch_ids if rng.random() < 0.7]
                        )
                        sites.extend((pk, site) for site in covered)
                    yield (
                        pk,
                        plan.org.id,
                        self.bank.pk,
                        plan.assessment_id,
                        sequence,
                        level,
                        published_at,
                        admin,
                        admin_name,
                        plan.org.name,
                        plan.org.code,
                        snapshot,
                        self._profile_snapshot(plan, rng),
                        action_plan,
                        code(),
                    )

        self.counts["publications"] = table.write(rows(), tick=self._ticker("Publications", total))
        site_table = _table(PublicationSite, ("publication_id", "organisation_id"))
        self.counts["publication sites"] = site_table.write(
            iter(sites), tick=self._ticker("Publication sites", len(sites))
        )
        entries = _table(
            ActionPlanEntry,
            (
                "assessment_id",
                "item_id",
                "action",
                "responsible_person",
                "target_date",
                "updated_by_id",
                "updated_at",
            ),
        )
        self.counts["action plan entries"] = entries.write(
            (
                (
                    assessment,
                    item,
                    rng.choice(words.PLAN_ACTIONS),
                    "Registered manager",
                    dt.date(2026, 12, 31),
                    user,
                    _GENERATED_AT,
                )
                for assessment, item, user in dict.fromkeys(plans_entries)
            )
        )

    def _answers_snapshot(
        self, answered: dict[str, AnswerValues], *, author: str, on: dt.date
    ) -> dict:
        """The answers as published on `on`, written by publishing.snapshot from the rules'
        statuses, as the publish service writes them."""
        statuses = item_statuses(self.items, answered, on=on)
        entries = []
        for item in self.items:
            values = answered.get(item.ref)
            entries.append(
                published_answer(
                    item=item,
                    question=self.rows_by_ref[item.ref].text,
                    values=values,
                    status=statuses[item.ref],
                    saved_by=author if values else "",
                    saved_at=_GENERATED_AT if values else None,
                )
            )
        return published_answers(entries).to_json()

    @staticmethod
    def _profile_snapshot(plan: _Registered, rng: random.Random) -> dict:
        def person() -> str:
            return f"{rng.choice(words.FORENAMES)} {rng.choice(words.SURNAMES)}"

        return PublishedProfile(
            caldicott_guardian=person(),
            senior_information_risk_owner=person(),
            information_governance_lead=person(),
            data_protection_officer="",
            nhsmail_only="no",
            cyber_essentials_plus="yes" if plan.ce_plus else "no",
            cyber_essentials_plus_certificate_number="CEP-00000001" if plan.ce_plus else "",
            cyber_essentials_plus_expires_on=dt.date(2027, 3, 31) if plan.ce_plus else None,
            primary_sector=plan.org.sector,
        ).to_json()

    def write_extras(self, plans: list[_Registered]) -> None:
        """Reminders for registered organisations that have not published; invitations for the
        benchmark HQ."""
        unpublished = [plan for plan in plans if not plan.levels]
        reminders = _table(
            ReminderSent, ("organisation_id", "bank_id", "kind", "recipients", "sent_at")
        )
        self.counts["reminders"] = reminders.write(
            (
                (
                    plan.org.id,
                    self.bank.pk,
                    kind,
                    f"person{plan.people[0] + 1:06d}@{EMAIL_DOMAIN}",
                    sent_at,
                )
                for plan in unpublished
                for kind, sent_at in (
                    (ReminderSent.Kind.DAYS_60, dt.datetime(2026, 5, 1, 7, 0, tzinfo=_LONDON)),
                    (ReminderSent.Kind.DAYS_30, dt.datetime(2026, 5, 31, 7, 0, tzinfo=_LONDON)),
                )
            )
        )
        big = plans[0]
        invitations = _table(
            Invitation,
            (
                "organisation_id",
                "email",
                "role",
                "token_hash",
                "invited_by_id",
                "created_at",
                "expires_at",
            ),
        )
        rng = random.Random(f"{self.spec.seed}-invitations")
        self.counts["invitations"] = invitations.write(
            (
                big.org.id,
                f"invited{number}@{EMAIL_DOMAIN}",
                Role.MEMBER,
                f"{rng.getrandbits(256):064x}",
                self.user_ids[big.people[0]],
                _GENERATED_AT,
                _GENERATED_AT + dt.timedelta(days=3650),
            )
            for number in range(5)
        )


def _between(rng: random.Random, start: dt.datetime, end: dt.datetime) -> dt.datetime:
    return start + (end - start) * rng.random()


def _answer_time(plan: _Registered) -> dt.datetime:
    # Spread over the first months of the year, by organisation.
    return _YEAR_STARTS + dt.timedelta(hours=(plan.org.index * 13) % 2000)


def _value_row(values: AnswerValues) -> tuple:
    """The Answer columns text, choice, date, number, document_location and comments."""
    return (values.text, values.choice, values.date, values.number, values.document_location, "")


def _earlier(value_row: tuple) -> tuple:
    text, *rest = value_row
    return (text.split(";")[0].split(",")[0], *rest)


def scale_data_generate(
    *, spec: ScaleSpec, bank: QuestionBank, progress: Progress | None = None
) -> ScaleReport:
    """Writes the generated part of the data set (the directory must be imported already).

    One transaction: a failure leaves nothing behind.
    """
    import time

    report = ScaleReport()
    generator = _Generator(spec=spec, bank=bank, progress=progress)
    real = Organisation.objects.count()
    generated = spec.organisations - real
    if generated <= 0:
        raise ImproperlyConfigured(
            f"The directory already holds {real} organisations, not fewer than the "
            f"{spec.organisations} asked for"
        )

    def timed(label: str, function, *args) -> None:
        started = time.monotonic()
        function(*args)
        report.seconds[label] = time.monotonic() - started

    with transaction.atomic():
        started = time.monotonic()
        orgs = generator.organisations(generated)
        plans = generator.registered(orgs)
        report.seconds["planning"] = time.monotonic() - started
        timed("organisations", generator.write_organisations, orgs)
        timed("people", generator.write_people, plans)
        timed("profiles", generator.write_profiles, plans)
        timed("assessments", generator.write_assessments, plans)
        timed("answers", generator.write_answers, plans)
        timed("publications", generator.write_publications, plans, orgs)
        timed("reminders and invitations", generator.write_extras, plans)
        committing = time.monotonic()
    # PostgreSQL checks the (deferred) foreign keys of every row written at commit.
    report.seconds["commit"] = time.monotonic() - committing
    if connection.vendor == "postgresql":
        started = time.monotonic()
        with connection.cursor() as cursor:
            # Fresh statistics, so the planner knows the tables' new sizes straight away.
            cursor.execute("ANALYZE")
        report.seconds["analyze"] = time.monotonic() - started
    report.counts = dict(generator.counts)
    report.counts["registered organisations"] = len(plans)
    report.counts["organisations in the directory"] = real + generated
    report.counts["largest HQ branches"] = max(
        Counter(org.parent for org in orgs if org.parent is not None).values(), default=0
    )
    return report
