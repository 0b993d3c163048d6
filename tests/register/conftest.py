import os

import pytest
from django.core.cache import caches
from django.utils import timezone


@pytest.fixture
def redis_cache(settings):
    """The served cache on the suite's Redis, under a prefix of this test's own."""
    settings.CACHES = {
        "default": {
            "BACKEND": "dspt_portal.cache.ResilientRedisCache",
            "LOCATION": os.environ["REDIS_URL"],
            "KEY_PREFIX": f"status-cache-{timezone.now().timestamp()}",
        }
    }
    served = caches["default"]
    yield served
    served.clear()
