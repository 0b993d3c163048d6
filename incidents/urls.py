from django.urls import path

from . import views

urlpatterns = [
    path("", views.incident_list, name="incident-list"),
    path("start/", views.incident_start, name="incident-start"),
    path("<int:incident_id>/", views.incident_detail, name="incident-detail"),
    path("<int:incident_id>/report/<slug:step>/", views.incident_step, name="incident-step"),
    path("<int:incident_id>/check/", views.incident_check, name="incident-check"),
    path("<int:incident_id>/submitted/", views.incident_submitted, name="incident-submitted"),
]
