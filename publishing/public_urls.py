"""The public pages (no sign-in): organisation search, its CSV download, organisation pages."""

from django.urls import path, re_path

from . import public_views, verify_views

urlpatterns = [
    path("search/", public_views.organisation_search, name="organisation-search"),
    path("search.csv", public_views.organisation_search_csv, name="organisation-search-csv"),
    # Directory codes hold letters, digits, hyphens and (test accounts) spaces; lower case and
    # stray spaces are accepted here and redirected to the normalised address.
    re_path(
        r"^organisations/(?P<ods_code>[A-Za-z0-9 \-]{1,40})/$",
        public_views.organisation_public,
        name="organisation-public",
    ),
    re_path(
        r"^verify/(?P<code>[^/]{1,80})/$",
        verify_views.certificate_verify,
        name="certificate-verify",
    ),
]
