from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("organisations.urls")),
    path("operator/", admin.site.urls),
]
