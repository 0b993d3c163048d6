"""`{{ membership.role|role_with_article }}`: "a viewer", "a member", "an administrator"."""

from django import template

from organisations.roles import role_with_article as _role_with_article

register = template.Library()


@register.filter
def role_with_article(role: str) -> str:
    return _role_with_article(role)
