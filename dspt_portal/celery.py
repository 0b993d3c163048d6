"""Celery application, configured from Django settings (keys prefixed CELERY_)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dspt_portal.settings.local")

app = Celery("dspt_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# The project's own tasks (the worker heartbeat): dspt_portal is not an installed app.
app.autodiscover_tasks(["dspt_portal"])
