"""The public register (no sign-in): organisation search, its CSV download, organisation pages,
certificate checks."""

from django.urls import path, re_path

from . import views

urlpatterns = [
    path("search/", views.organisation_search, name="organisation-search"),
    path("search.csv", views.organisation_search_csv, name="organisation-search-csv"),
    # Directory codes hold letters, digits, hyphens and (test accounts) spaces; lower case and
    # stray spaces are accepted here and redirected to the normalised address.
    re_path(
        r"^organisations/(?P<ods_code>[A-Za-z0-9 \-]{1,40})/$",
        views.organisation_public,
        name="organisation-public",
    ),
    re_path(
        r"^verify/(?P<code>[^/]{1,80})/$",
        views.certificate_verify,
        name="certificate-verify",
    ),
]
