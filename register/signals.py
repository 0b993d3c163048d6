"""What makes the register's kept answers and pages out of date (register/status_cache.py,
register/kept_responses.py)."""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save

from assessments.models import QuestionBank
from organisations.directory_import import directory_imported
from organisations.models import Organisation
from publishing.models import Publication, PublicationSite

from .models import OpenDataFile
from .status_cache import register_changed


def _changed(sender, **kwargs) -> None:
    register_changed()


# The open-data file: the search page names its date and size.
for model in (Organisation, Publication, PublicationSite, QuestionBank, OpenDataFile):
    post_save.connect(_changed, sender=model, dispatch_uid=f"register-cache-save-{model.__name__}")
    post_delete.connect(
        _changed, sender=model, dispatch_uid=f"register-cache-delete-{model.__name__}"
    )
# Bulk writes send no save signals.
directory_imported.connect(_changed, dispatch_uid="register-cache-directory")
