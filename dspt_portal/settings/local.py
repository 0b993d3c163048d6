"""The embedded default for `make run`: SQLite, in-process tasks, local files, console email."""

import os

os.environ.setdefault("DJANGO_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
# Reportable incidents are "sent" to the console like every email here; a made-up address.
os.environ.setdefault("DSPT_INCIDENT_REPORT_EMAIL", "incident-reports@regulator.example")

from .base import *  # noqa: F403

DEBUG = True
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}
# Static files come from the finders here; only production collects them into STATIC_ROOT.
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
