"""The status badge and the area pages (included by register/urls.py)."""

from django.urls import path, re_path

from . import area_views, badge_views

# Directory codes as register/urls.py takes them (letters, digits, hyphens, spaces; any case).
_ODS = r"(?P<ods_code>[A-Za-z0-9 \-]{1,40})"

urlpatterns = [
    re_path(
        rf"^organisations/{_ODS}/badge\.svg$",
        badge_views.organisation_badge_svg,
        name="organisation-badge-svg",
    ),
    re_path(
        rf"^organisations/{_ODS}/badge\.png$",
        badge_views.organisation_badge_png,
        name="organisation-badge-png",
    ),
    re_path(
        rf"^organisations/{_ODS}/badge/$",
        badge_views.organisation_badge_embed,
        name="organisation-badge",
    ),
    path("areas/", area_views.area_index, name="area-list"),
    re_path(r"^areas/(?P<slug>[^/]{1,120})/$", area_views.area_detail, name="area-detail"),
    re_path(r"^areas/(?P<slug>[a-z0-9\-]{1,120})\.csv$", area_views.area_csv, name="area-csv"),
]
