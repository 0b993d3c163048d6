from django.urls import path

from . import views
from .quiz_urls import urlpatterns as quiz_urlpatterns

urlpatterns = [
    path("", views.staff_list, name="staff-list"),
    path("people/add/", views.staff_add, name="staff-add"),
    path("people/<int:staff_id>/", views.staff_detail, name="staff-detail"),
    path("people/<int:staff_id>/edit/", views.staff_edit, name="staff-edit"),
    path("people/<int:staff_id>/leaving/", views.staff_leave, name="staff-leave"),
    path("people/<int:staff_id>/remove/", views.staff_remove, name="staff-remove"),
    path("people/<int:staff_id>/training/add/", views.training_add, name="training-add"),
    path(
        "people/<int:staff_id>/training/<int:record_id>/delete/",
        views.training_delete,
        name="training-delete",
    ),
    path("import/", views.staff_import, name="staff-import"),
    path("import/template.csv", views.staff_import_template, name="staff-import-template"),
    path("report.xlsx", views.training_report, name="training-report"),
    path(
        "training-needs-analysis.xlsx",
        views.training_needs_analysis,
        name="training-needs-analysis",
    ),
    path("fill/<str:year>/", views.training_fill, name="training-fill"),
    # The frontline quiz (training/quiz_urls.py).
    *quiz_urlpatterns,
]
