"""Small pieces of English used in several places: counts that agree with their noun, and a
person's role with its article."""

import pytest
from django.template import Context, Template

from dspt_portal.wording import counted
from organisations.roles import Role, role_with_article


@pytest.mark.parametrize(
    ("count", "singular", "plural", "text"),
    [
        (1, "site", None, "1 site"),
        (2, "site", None, "2 sites"),
        (0, "site", None, "0 sites"),
        (1, "other site", None, "1 other site"),
        (3, "existing answer", None, "3 existing answers"),
        (1200, "row", None, "1,200 rows"),
        (2, "person", "people", "2 people"),
        (1, "person", "people", "1 person"),
    ],
)
def test_counted(count, singular, plural, text):
    assert counted(count, singular, plural) == text


@pytest.mark.parametrize(
    ("role", "text"),
    [
        (Role.VIEWER, "a viewer"),
        (Role.MEMBER, "a member"),
        (Role.ADMINISTRATOR, "an administrator"),
        ("administrator", "an administrator"),
    ],
)
def test_role_with_article(role, text):
    assert role_with_article(role) == text
    rendered = Template("{% load roles %}You are {{ role|role_with_article }}.").render(
        Context({"role": role})
    )
    assert rendered == f"You are {text}."


def test_an_unknown_role_is_refused():
    with pytest.raises(ValueError, match="owner"):
        role_with_article("owner")
