"""Settings for the test suite; `make test` points DATABASE_URL and REDIS_URL at local servers."""

import os

os.environ.setdefault("DJANGO_EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")

from .base import *  # noqa: F403

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}
# Background tasks run in-process in unit tests; the worker integration test starts a real worker.
CELERY_TASK_ALWAYS_EAGER = True
MEDIA_ROOT = BASE_DIR / ".test-media"  # noqa: F405
# Static files come from the finders here; only production collects them into STATIC_ROOT.
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
# Most tests act as administrators without a phone; the two-factor tests turn this on.
DSPT_REQUIRE_MFA_FOR_ADMINISTRATORS = False
# The suite searches far more often than a person; tests/test_security.py turns the limit on.
DSPT_RATE_LIMITS_ENABLED = False
