"""The shared cache (Redis), made safe to lose: a failure is a miss or a no-op, never an error page.

Redis holds nothing here that a page cannot do without (rate-limit counters, nothing read back as
data), so when it is stopped, unreachable or frozen the portal carries on without it:

- every read answers as a miss (``get`` gives the default, ``add`` and ``delete`` give False,
  ``incr`` raises ``ValueError`` as for a missing key), every write is dropped, and each failure
  is logged as a warning;
- the socket timeouts are short (``CACHES`` sets them, about a quarter of a second), so a frozen
  Redis costs a request at most that, not the 5 s and then a 500 of the defaults;
- after a failure this process leaves Redis alone for ``PAUSE_SECONDS``, so a request makes at
  most one slow attempt and the next few make none; then it tries again, so the cache is back
  within seconds of Redis.
"""

from __future__ import annotations

import logging
import threading
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

# What redis-py raises when Redis is down, refuses, resets or does not answer in time.
CACHE_ERRORS = (RedisError, OSError)
# How long a process leaves Redis alone after a failure.
PAUSE_SECONDS = 5.0


# KEYS[1]: a counter, made with a lifetime of ARGV[1] seconds when not there, then counted one up;
# KEYS[2…]: values read. Answers the count, then the values (false when not there).
_READ_AND_COUNT = """
redis.call('SET', KEYS[1], 0, 'EX', ARGV[1], 'NX')
local count = redis.call('INCR', KEYS[1])
local values = redis.call('MGET', unpack(KEYS, 2))
table.insert(values, 1, count)
return values
"""


class ReusingRedisCacheClient(RedisCacheClient):
    """Django's client, keeping one redis-py client per connection pool instead of making one for
    every operation: making one fills a table of some 170 reply handlers, which cost about as
    much as the round trip to Redis (a redis-py client is safe to share between threads; the
    pool hands each command its own connection)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients: dict[int, object] = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class ResilientRedisCache(RedisCache):
    """Django's RedisCache, where Redis being unavailable reads as an empty cache."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusingRedisCacheClient
        self._paused_until = 0.0
        self._lock = threading.Lock()
        self._scripts: dict[int, object] = {}

    def _available(self) -> bool:
        return time.monotonic() >= self._paused_until

    def _failed(self, operation: str, error: BaseException) -> None:
        with self._lock:
            self._paused_until = time.monotonic() + PAUSE_SECONDS
        logger.warning(
            "Cache unavailable (%s: %s); carrying on without it for %.0f s",
            operation,
            error.__class__.__name__,
            PAUSE_SECONDS,
        )

    def _attempt(self, operation: str, call, fallback):
        if not self._available():
            return fallback
        try:
            return call()
        except CACHE_ERRORS as error:
            self._failed(operation, error)
            return fallback

    def incr_in_window(self, key, timeout: int, version=None) -> int | None:
        """Adds one to the counter `key`, created with a lifetime of `timeout` seconds when it is
        not there, in one round trip (add and incr would take three); None when Redis is
        unavailable."""
        key = self.make_and_validate_key(key, version=version)

        def count():
            pipeline = self._cache.get_client(key, write=True).pipeline(transaction=False)
            # An int is stored as itself (Django's serializer), so get() reads the counter too.
            pipeline.set(key, 0, ex=timeout, nx=True)
            pipeline.incr(key)
            return pipeline.execute()[1]

        return self._attempt("incr", count, None)

    def get_many_and_count(
        self, keys, counter_key, timeout: int, version=None
    ) -> tuple[dict, int | None]:
        """`get_many(keys)` and `incr_in_window(counter_key, timeout)` as one command (a script
        Redis keeps): ({key: value found}, the counter's new value). Redis unavailable:
        ({}, None)."""
        made = [self.make_and_validate_key(key, version=version) for key in keys]
        counter = self.make_and_validate_key(counter_key, version=version)

        def read_and_count():
            client = self._cache.get_client(counter, write=True)
            script = self._scripts.get(id(client))
            if script is None:
                script = self._scripts[id(client)] = client.register_script(_READ_AND_COUNT)
            count, *values = script(keys=[counter, *made], args=[timeout])
            loads = self._cache._serializer.loads
            found = {
                key: loads(value)
                for key, value in zip(keys, values, strict=True)
                if value is not None
            }
            return found, count

        return self._attempt("get_many_and_count", read_and_count, ({}, None))

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._attempt(
            "add", lambda: super(ResilientRedisCache, self).add(key, value, timeout, version), False
        )

    def get(self, key, default=None, version=None):
        return self._attempt(
            "get", lambda: super(ResilientRedisCache, self).get(key, default, version), default
        )

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._attempt(
            "set", lambda: super(ResilientRedisCache, self).set(key, value, timeout, version), None
        )

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._attempt(
            "touch", lambda: super(ResilientRedisCache, self).touch(key, timeout, version), False
        )

    def delete(self, key, version=None):
        return self._attempt(
            "delete", lambda: super(ResilientRedisCache, self).delete(key, version), False
        )

    def get_many(self, keys, version=None):
        return self._attempt(
            "get_many", lambda: super(ResilientRedisCache, self).get_many(keys, version), {}
        )

    def has_key(self, key, version=None):
        return self._attempt(
            "has_key", lambda: super(ResilientRedisCache, self).has_key(key, version), False
        )

    def incr(self, key, delta=1, version=None):
        missing = object()
        value = self._attempt(
            "incr", lambda: super(ResilientRedisCache, self).incr(key, delta, version), missing
        )
        if value is missing:
            # What incr() says of a key that is not there: callers already handle it.
            raise ValueError(f"Key '{key}' not found (the cache is unavailable)")
        return value

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        # Nothing was stored: every key "failed", as set_many() reports it.
        return self._attempt(
            "set_many",
            lambda: super(ResilientRedisCache, self).set_many(data, timeout, version),
            list(data),
        )

    def delete_many(self, keys, version=None):
        return self._attempt(
            "delete_many", lambda: super(ResilientRedisCache, self).delete_many(keys, version), None
        )

    def clear(self):
        return self._attempt("clear", lambda: super(ResilientRedisCache, self).clear(), False)
