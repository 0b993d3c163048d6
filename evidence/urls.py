from django.urls import URLPattern, path  # noqa: F401

from .policy_urls import urlpatterns as policy_urlpatterns

urlpatterns: list[URLPattern] = [*policy_urlpatterns]
