"""The public register (no sign-in): organisation search, its CSV download, the bulk status check,
the open data file, organisation pages, certificate checks, and the pages every public service has
(linked from the footer)."""

from django.urls import path, re_path

from . import area_and_badge_urls, bulk_views, service_views, views

urlpatterns = [
    path("search/", views.organisation_search, name="organisation-search"),
    path("search.csv", views.organisation_search_csv, name="organisation-search-csv"),
    path("check/bulk/", bulk_views.bulk_check, name="bulk-check"),
    path("check/bulk/download/", bulk_views.bulk_check_download, name="bulk-check-download"),
    path("open-data/dspt-register.csv.gz", bulk_views.open_data_download, name="open-data"),
    # Directory codes hold letters, digits, hyphens and (test accounts) spaces; lower case and
    # stray spaces are accepted here and redirected to the normalised address.
    re_path(
        r"^organisations/(?P<ods_code>[A-Za-z0-9 \-]{1,40})/$",
        views.organisation_public,
        name="organisation-public",
    ),
    path("verify/", service_views.certificate_verify_start, name="certificate-verify-start"),
    re_path(
        r"^verify/(?P<code>[^/]{1,80})/$",
        views.certificate_verify,
        name="certificate-verify",
    ),
    path("api/", service_views.api_guide, name="api-guide"),
    path("contact/", service_views.help_contact, name="help-contact"),
    path("news/", service_views.news, name="news"),
    path("ods-code/", service_views.ods_code_help, name="ods-code-help"),
    path("accessibility/", service_views.accessibility, name="accessibility"),
    path("cookies/", service_views.cookies, name="cookies"),
    path("privacy/", service_views.privacy, name="privacy"),
    path("terms/", service_views.terms, name="terms"),
]

urlpatterns += area_and_badge_urls.urlpatterns
