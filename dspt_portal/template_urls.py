"""`{% url %}` with the addresses it has worked out kept in the process (a template builtin, so
every template's `{% url %}` is this one).

Django's `{% url %}` reverses the route afresh each time it is drawn: about 50 µs of Python a tag
here (the portal has some 300 routes). The header alone draws some twenty, an assessment overview
one per item, a search one per result, so a page spent 1–5 ms only on its links. An address
depends only on the route's name, its arguments, the namespace the page is in, the URL
configuration, the script prefix and the language, and those are the key: the same tag with the
same arguments gives the same address, now without the work. Anything else behaves as Django's
tag: a route that does not exist raises NoReverseMatch (or sets nothing with `as`), addresses are
escaped the same way, and arguments that cannot be a key (unhashable) are reversed every time.
"""

from __future__ import annotations

from django import template
from django.conf import settings
from django.template import defaulttags
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.html import conditional_escape
from django.utils.translation import get_language

register = template.Library()

# Addresses kept, by everything reversing depends on. Bounded: one address per organisation
# code or item reference at most, and the whole is forgotten when it grows past this.
KEPT_LIMIT = 20_000
_kept: dict[tuple, str] = {}


_MISSING = object()
# Where a request keeps what its addresses depend on besides the tag (worked out once a request:
# each costs a few microseconds, as they live in context-local storage).
_SURROUNDINGS = "_dspt_url_surroundings"


def _current_app(request) -> str | None:
    """The namespace `{% url %}` prefers, as Django's tag finds it."""
    current_app = getattr(request, "current_app", _MISSING)
    if current_app is not _MISSING:
        return current_app
    match = getattr(request, "resolver_match", None)
    return getattr(match, "namespace", None)


def _surroundings() -> tuple:
    return (get_urlconf() or settings.ROOT_URLCONF, get_script_prefix(), get_language())


def kept_reverse(
    view_name: str, args: list, kwargs: dict, current_app: str | None, surroundings: tuple
) -> str:
    """`reverse(...)`, from the addresses already worked out when it can be. `surroundings`: the
    URL configuration, script prefix and language it is reversed in."""
    try:
        key = (view_name, tuple(args), tuple(sorted(kwargs.items())), current_app, surroundings)
        url = _kept.get(key)
    except TypeError:  # an argument that cannot be a key: reversed each time
        return reverse(view_name, args=args, kwargs=kwargs, current_app=current_app)
    if url is None:
        url = reverse(view_name, args=args, kwargs=kwargs, current_app=current_app)
        if len(_kept) >= KEPT_LIMIT:
            _kept.clear()
        _kept[key] = url
    return url


def kept_forget() -> None:
    _kept.clear()


class KeptURLNode(defaulttags.URLNode):
    def render(self, context):
        from django.urls import NoReverseMatch

        args = [arg.resolve(context) for arg in self.args]
        kwargs = {k: v.resolve(context) for k, v in self.kwargs.items()}
        view_name = self.view_name.resolve(context)
        request = getattr(context, "request", None)
        if request is None:
            surroundings = _surroundings()
        else:
            surroundings = getattr(request, _SURROUNDINGS, None)
            if surroundings is None:
                surroundings = _surroundings()
                setattr(request, _SURROUNDINGS, surroundings)
        url = ""
        try:
            url = kept_reverse(view_name, args, kwargs, _current_app(request), surroundings)
        except NoReverseMatch:
            if self.asvar is None:
                raise
        if self.asvar:
            context[self.asvar] = url
            return ""
        return conditional_escape(url) if context.autoescape else url


@register.tag
def url(parser, token):
    """Django's `{% url %}`, with its addresses kept (see the module)."""
    node = defaulttags.url(parser, token)
    return KeptURLNode(node.view_name, node.args, node.kwargs, node.asvar)
