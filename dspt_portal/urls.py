from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from register import api

from . import bench_views, health

urlpatterns = [
    # First: systems poll it, and Django tries the patterns in order (each "" include before it
    # was tried in full).
    path("api/v1/", api.urls),
    path("", include("organisations.urls")),
    path("", include("accounts.urls")),
    path("", include("assessments.urls")),
    path("", include("publishing.urls")),
    path("", include("register.urls")),
    path("", include("documents.urls")),
    path("incidents/", include("incidents.urls")),
    path("helpdesk/", include("helpdesk.urls")),
    path("training/", include("training.urls")),
    path("evidence/", include("evidence.urls")),
    path("health/", health.health, name="health"),
    path("operator/", admin.site.urls),
]

# Only for `make bench`: the minimal view every page is compared with.
if settings.DSPT_BENCH_FLOOR:
    urlpatterns.append(path("bench/floor/", bench_views.floor))
