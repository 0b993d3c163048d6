"""Settings for the portal that tests/test_faults_services.py serves with gunicorn.

The test settings, with the per-address rate limits on as in production: the limits are what
read the cache (Redis) on public pages, so they are what a Redis fault reaches.
"""

from dspt_portal.settings.test import *  # noqa: F403

DSPT_RATE_LIMITS_ENABLED = True
