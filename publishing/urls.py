from django.urls import path, re_path

from . import document_views, reminder_views, views

urlpatterns = [
    path("publish/", views.publish_start, name="publish-start"),
    path("publish/profile/", views.publish_profile, name="publish-profile"),
    path("publish/sites/", views.publish_sites, name="publish-sites"),
    path("publish/sites.csv", views.publish_sites_csv, name="publish-sites-csv"),
    path("publish/summary/", views.publish_summary, name="publish-summary"),
    path("publish/action-plan/", views.action_plan, name="action-plan"),
    path("publish/action-plan.xlsx", views.action_plan_download, name="action-plan-download"),
    path("publish/action-plan/upload/", views.action_plan_upload, name="action-plan-upload"),
    path("publications/", views.publication_list, name="publication-list"),
    path("publications/<int:publication_id>/", views.publication_detail, name="publication-detail"),
    path(
        "publications/<int:publication_id>/download/",
        document_views.publication_download,
        name="publication-download",
    ),
    path(
        "publications/<int:publication_id>/certificate/",
        document_views.certificate_download,
        name="certificate-download",
    ),
    re_path(
        r"^assessment/(?P<year>\d{4}-\d{2})/download/$",
        document_views.assessment_download,
        name="assessment-download",
    ),
    path("organisation/reminders/", reminder_views.reminder_list, name="reminder-list"),
    path("documents/jobs/<int:job_id>/", document_views.document_job, name="document-job"),
    path(
        "documents/jobs/<int:job_id>/file/",
        document_views.document_job_file,
        name="document-job-file",
    ),
    path(
        "documents/jobs/<int:job_id>/retry/",
        document_views.document_job_retry,
        name="document-job-retry",
    ),
]
