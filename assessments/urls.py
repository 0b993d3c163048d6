from django.urls import path, re_path

from . import views

YEAR = r"(?P<year>\d{4}-\d{2})"
REF = r"(?P<ref>\d{1,2}\.\d{1,2}\.\d{1,2})"

urlpatterns = [
    path("assessment/", views.assessment_current, name="assessment-current"),
    re_path(rf"^assessment/{YEAR}/$", views.assessment_overview, name="assessment-overview"),
    re_path(rf"^assessment/{YEAR}/start/$", views.assessment_start, name="assessment-start"),
    re_path(rf"^assessment/{YEAR}/items/{REF}/$", views.evidence_item, name="evidence-item"),
    re_path(
        rf"^assessment/{YEAR}/items/{REF}/history/$",
        views.evidence_history,
        name="evidence-history",
    ),
    path("documents/<int:document_id>/", views.document_download, name="document-download"),
    path("help/policy-templates/", views.policy_templates, name="help-policy-templates"),
]
