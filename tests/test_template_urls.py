"""`{% url %}` with kept addresses (dspt_portal/template_urls.py): every template's url tag gives
what Django's gives, and a kept address never outlives what it was worked out in."""

from __future__ import annotations

import pytest
from django.template import Context, Engine
from django.test import RequestFactory, override_settings
from django.urls import NoReverseMatch, clear_script_prefix, path, set_script_prefix

from dspt_portal import template_urls

TAGS = [
    "{% url 'home' %}",
    "{% url 'organisation-search' %}",
    "{% url 'organisation-public' 'VAB12' %}",
    "{% url 'organisation-public' ods_code=code %}",
    "{% url 'organisation-badge-svg' code %}",
    "{% url 'api-v1:organisation' code %}",
    "{% url 'organisation-public' code as there %}[{{ there }}]",
    "{% url 'no-such-route' as nowhere %}[{{ nowhere }}]",
    "{% autoescape off %}{% url 'area-detail' odd %}{% endautoescape %}",
    "{% url 'area-detail' odd %}",
]


def both(source: str, **context) -> tuple[str, str]:
    django_tag = Engine(builtins=[]).from_string(source)
    kept_tag = Engine(builtins=["dspt_portal.template_urls"]).from_string(source)
    request = RequestFactory().get("/")
    results = []
    for tag in (django_tag, kept_tag):
        rendered = Context(context)
        rendered.request = request
        results.append(tag.render(rendered))
    return results[0], results[1]


@pytest.fixture(autouse=True)
def _nothing_kept():
    template_urls.kept_forget()
    yield
    template_urls.kept_forget()


@pytest.mark.parametrize("source", TAGS)
def test_every_tag_gives_what_djangos_gives_first_time_and_again(source):
    values = {"code": "VW001", "odd": "A&B 1"}
    first = both(source, **values)
    assert first[0] == first[1]
    assert both(source, **values) == first
    # Other arguments, other addresses: never the one kept for the first.
    other = both(source, code="VZ999", odd="C<D")
    assert other[0] == other[1]


def test_the_templates_use_the_kept_tag():
    from django.template import engines

    rendered = engines["django"].from_string("{% url 'organisation-public' code %}")
    assert isinstance(rendered.template.nodelist[0], template_urls.KeptURLNode)


def test_an_unknown_route_still_raises():
    source = "{% url 'no-such-route' %}"
    tag = Engine(builtins=["dspt_portal.template_urls"]).from_string(source)
    with pytest.raises(NoReverseMatch):
        tag.render(Context())


def test_a_new_script_prefix_is_never_given_an_address_kept_without_it():
    tag = Engine(builtins=["dspt_portal.template_urls"]).from_string("{% url 'home' %}")

    def draw() -> str:
        context = Context()
        context.request = RequestFactory().get("/")  # a new request, as each page has
        return tag.render(context)

    assert draw() == "/"
    set_script_prefix("/portal/")
    try:
        assert draw() == "/portal/"
    finally:
        clear_script_prefix()
    assert draw() == "/"


def home_elsewhere(request):  # pragma: no cover - only reversed, never called
    raise AssertionError


urlpatterns = [path("elsewhere/", home_elsewhere, name="home")]


def test_another_url_configuration_is_never_given_an_address_kept_for_the_first():
    tag = Engine(builtins=["dspt_portal.template_urls"]).from_string("{% url 'home' %}")

    def draw() -> str:
        context = Context()
        context.request = RequestFactory().get("/")
        return tag.render(context)

    assert draw() == "/"
    with override_settings(ROOT_URLCONF=__name__):
        assert draw() == "/elsewhere/"
    assert draw() == "/"


class UnhashableCode(str):
    __hash__ = None  # type: ignore[assignment]


def test_arguments_that_cannot_be_a_key_are_reversed_each_time():
    surroundings = ("dspt_portal.urls", "/", "en-gb")
    address = template_urls.kept_reverse(
        "organisation-public", [UnhashableCode("VW001")], {}, None, surroundings
    )
    assert address == "/organisations/VW001/"
    assert template_urls._kept == {}


def test_the_kept_addresses_are_bounded(monkeypatch):
    monkeypatch.setattr(template_urls, "KEPT_LIMIT", 3)
    surroundings = ("dspt_portal.urls", "/", "en-gb")
    for code in ("A1", "A2", "A3", "A4"):
        template_urls.kept_reverse("organisation-public", [code], {}, None, surroundings)
    assert len(template_urls._kept) <= 3
