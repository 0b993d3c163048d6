from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("organisations.urls")),
    path("", include("assessments.urls")),
    path("", include("publishing.urls")),
    path("", include("publishing.public_urls")),
    path("operator/", admin.site.urls),
]
