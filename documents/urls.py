from django.urls import path, re_path

from . import views

urlpatterns = [
    re_path(
        r"^assessment/(?P<year>\d{4}-\d{2})/download/$",
        views.assessment_download,
        name="assessment-download",
    ),
    path(
        "publications/<int:publication_id>/download/",
        views.publication_download,
        name="publication-download",
    ),
    path(
        "publications/<int:publication_id>/certificate/",
        views.certificate_download,
        name="certificate-download",
    ),
    path("publish/action-plan.xlsx", views.action_plan_download, name="action-plan-download"),
    path("documents/jobs/<int:job_id>/", views.document_job, name="document-job"),
    path(
        "documents/jobs/<int:job_id>/status/",
        views.document_job_status,
        name="document-job-status",
    ),
    path("documents/jobs/<int:job_id>/file/", views.document_job_file, name="document-job-file"),
    path("documents/jobs/<int:job_id>/retry/", views.document_job_retry, name="document-job-retry"),
]
