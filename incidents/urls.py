from django.urls import path

from . import after_views, views

urlpatterns = [
    path("", after_views.incident_log, name="incident-list"),
    path("export/", after_views.incident_log_export, name="incident-log-export"),
    path("start/", views.incident_start, name="incident-start"),
    path("<int:incident_id>/", views.incident_detail, name="incident-detail"),
    path("<int:incident_id>/report/<slug:step>/", views.incident_step, name="incident-step"),
    path("<int:incident_id>/check/", views.incident_check, name="incident-check"),
    path("<int:incident_id>/submitted/", views.incident_submitted, name="incident-submitted"),
    path("<int:incident_id>/follow-up/", after_views.incident_follow_up, name="incident-follow-up"),
    path("<int:incident_id>/close/", after_views.incident_close, name="incident-close"),
    path("<int:incident_id>/withdraw/", after_views.incident_withdraw, name="incident-withdraw"),
    path("<int:incident_id>/pdf/", after_views.incident_pdf, name="incident-pdf"),
    path(
        "<int:incident_id>/notifications/<int:notification_id>/send-again/",
        after_views.incident_notification_retry,
        name="incident-notification-retry",
    ),
]
