from django.urls import path

from . import reminder_views, views

urlpatterns = [
    path("publish/", views.publish_start, name="publish-start"),
    path("publish/profile/", views.publish_profile, name="publish-profile"),
    path("publish/sites/", views.publish_sites, name="publish-sites"),
    path("publish/sites.csv", views.publish_sites_csv, name="publish-sites-csv"),
    path("publish/summary/", views.publish_summary, name="publish-summary"),
    path("publish/action-plan/", views.action_plan, name="action-plan"),
    path("publish/action-plan/upload/", views.action_plan_upload, name="action-plan-upload"),
    path("publications/", views.publication_list, name="publication-list"),
    path("publications/<int:publication_id>/", views.publication_detail, name="publication-detail"),
    path("organisation/reminders/", reminder_views.reminder_list, name="reminder-list"),
]
