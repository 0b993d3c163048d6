from django.urls import URLPattern, path

from . import library_views
from .policy_urls import urlpatterns as policy_urlpatterns

urlpatterns: list[URLPattern] = [
    path("library/", library_views.library_list, name="library-list"),
    path("library/add/", library_views.library_add, name="library-add"),
    path("library/<int:document_id>/", library_views.library_document, name="library-document"),
    path(
        "library/<int:document_id>/new-version/",
        library_views.library_version_upload,
        name="library-version-upload",
    ),
    path("library/<int:document_id>/edit/", library_views.library_edit, name="library-edit"),
    path("library/<int:document_id>/review/", library_views.library_review, name="library-review"),
    path("library/<int:document_id>/use/", library_views.library_use, name="library-use"),
    path("library/<int:document_id>/delete/", library_views.library_delete, name="library-delete"),
    path(
        "library/<int:document_id>/versions/<int:version_id>/delete/",
        library_views.library_version_delete,
        name="library-version-delete",
    ),
    *policy_urlpatterns,
]
