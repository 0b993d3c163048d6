"""The Redis cache as something to lose: errors are misses, writes are dropped, limits fail open.

Unit tests against a Redis address nothing answers (port 1), so they need no server of their own;
tests/test_faults_services.py does the same against a real Redis stopped and frozen.
"""

import logging
import os
import time
from importlib import import_module

import pytest
from django.contrib.sessions.backends import cached_db as cached_db_sessions
from django.contrib.sessions.backends import db as database_sessions
from django.core.cache import caches
from django.http import HttpResponse
from django.test import RequestFactory

from dspt_portal import cache as resilient_cache
from dspt_portal import ratelimit


def test_every_operation_reads_as_an_empty_cache(dead_cache, caplog):
    with caplog.at_level(logging.WARNING):
        assert dead_cache.get("k") is None
        assert dead_cache.get("k", "default") == "default"
        assert dead_cache.add("k", 1) is False
        assert dead_cache.set("k", 1) is None
        assert dead_cache.delete("k") is False
        assert dead_cache.get_many(["a", "b"]) == {}
        assert dead_cache.has_key("k") is False
        assert dead_cache.set_many({"a": 1}) == ["a"]
        with pytest.raises(ValueError, match="not found"):  # as for a key that is not there
            dead_cache.incr("k")
    assert "Cache unavailable" in caplog.text


def test_after_a_failure_redis_is_left_alone_for_a_while(dead_cache, monkeypatch):
    calls = []
    real_get = resilient_cache.RedisCache.get

    def counting_get(self, *args, **kwargs):
        calls.append(1)
        return real_get(self, *args, **kwargs)

    monkeypatch.setattr(resilient_cache.RedisCache, "get", counting_get)
    assert dead_cache.get("k") is None
    assert dead_cache.get("k") is None
    assert len(calls) == 1  # the second never reached Redis
    clock = time.monotonic() + resilient_cache.PAUSE_SECONDS + 1
    monkeypatch.setattr(resilient_cache.time, "monotonic", lambda: clock)
    assert dead_cache.get("k") is None
    assert len(calls) == 2  # tried again after the pause


def test_a_working_cache_still_stores_and_counts(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    # The real Redis case runs in tests/test_faults_services.py (limits counting again).
    cache = caches["default"]
    cache.set("k", 1)
    assert cache.incr("k") == 2


def limited_view(request):
    return HttpResponse("ok")


class BrokenCache:
    """Any cache backend whose store is away and that raises (not ours)."""

    def add(self, *args, **kwargs):
        raise ConnectionError("Error 111 connecting to 10.0.0.5:6379. Connection refused.")

    incr = set = add


def test_rate_limits_fail_open_and_warn_whatever_the_cache_raises(settings, monkeypatch, caplog):
    settings.DSPT_RATE_LIMITS_ENABLED = True
    settings.DSPT_RATE_LIMITS = {"search": 1}
    monkeypatch.setattr(ratelimit, "cache", BrokenCache())
    view = ratelimit.rate_limited("search")(limited_view)
    request = RequestFactory().get("/search/")
    with caplog.at_level(logging.WARNING):
        assert [view(request).status_code for _ in range(3)] == [200, 200, 200]
        assert ratelimit.email_limit_exceeded("register", "a@b.example") is None
    assert "not counted" in caplog.text


def test_rate_limits_still_refuse_when_the_cache_counts(settings):
    settings.DSPT_RATE_LIMITS_ENABLED = True
    settings.DSPT_RATE_LIMITS = {"search": 2}
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    view = ratelimit.rate_limited("search")(limited_view)
    request = RequestFactory().get("/search/", REMOTE_ADDR="192.0.2.7")
    assert [view(request).status_code for _ in range(3)] == [200, 200, 429]


def test_with_redis_unreachable_limited_views_answer_and_only_the_first_tries_redis(
    dead_cache, settings, monkeypatch
):
    # How long that first try costs is a figure of `make bench` (scripts/bench.py, faults).
    settings.DSPT_RATE_LIMITS_ENABLED = True
    tries = []
    real = resilient_cache.ReusingRedisCacheClient.get_client

    def counting(self, *args, **kwargs):
        tries.append("Redis")  # every command to Redis starts by asking for the client
        return real(self, *args, **kwargs)

    monkeypatch.setattr(resilient_cache.ReusingRedisCacheClient, "get_client", counting)
    view = ratelimit.rate_limited("search")(limited_view)
    statuses = [view(RequestFactory().get("/search/")).status_code for _ in range(5)]
    assert statuses == [200] * 5
    assert tries == ["Redis"]  # then Redis is left alone for PAUSE_SECONDS


def test_the_served_cache_gives_up_on_redis_within_a_quarter_of_a_second(settings):
    """The bound on what a stopped or frozen Redis costs the one request that tries it."""
    assert os.environ.get("REDIS_URL"), "run the suite with `make test`, which starts Redis"
    served = settings.CACHES["default"]
    assert served["BACKEND"] == "dspt_portal.cache.ResilientRedisCache"
    assert served["OPTIONS"] == {"socket_connect_timeout": 0.25, "socket_timeout": 0.25}


def test_sessions_and_lockout_do_not_live_in_redis(settings):
    store = import_module(settings.SESSION_ENGINE).SessionStore
    assert issubclass(store, database_sessions.SessionStore)
    assert not issubclass(store, cached_db_sessions.SessionStore)
    assert getattr(settings, "AXES_HANDLER", "axes.handlers.database.AxesDatabaseHandler") == (
        "axes.handlers.database.AxesDatabaseHandler"
    )


def test_database_connections_are_checked_before_reuse(settings):
    database = settings.DATABASES["default"]
    assert database["CONN_HEALTH_CHECKS"] is True
    assert database["CONN_MAX_AGE"] > 0


def test_rate_limits_count_in_redis_in_one_round_trip_and_refuse(live_cache, settings):
    settings.DSPT_RATE_LIMITS_ENABLED = True
    settings.DSPT_RATE_LIMITS = {"search": 2}
    view = ratelimit.rate_limited("search")(limited_view)
    request = RequestFactory().get("/search/", REMOTE_ADDR="192.0.2.8")
    assert [view(request).status_code for _ in range(3)] == [200, 200, 429]
    # Another address has its own count.
    other = RequestFactory().get("/search/", REMOTE_ADDR="192.0.2.9")
    assert view(other).status_code == 200


def test_a_window_counter_starts_at_one_expires_and_reads_back(live_cache):
    assert live_cache.incr_in_window("counter", 30) == 1
    assert live_cache.incr_in_window("counter", 30) == 2
    assert live_cache.get("counter") == 2
    key = live_cache.make_and_validate_key("counter")
    client = live_cache._cache.get_client(key)
    assert 0 < client.ttl(key) <= 30
    # One redis-py client for the pool, not one per command.
    assert live_cache._cache.get_client(key) is client


def test_a_window_counter_with_redis_away_is_none(dead_cache):
    assert dead_cache.incr_in_window("counter", 30) is None


def test_reads_and_a_count_in_one_round_trip(live_cache, monkeypatch):
    live_cache.set("a", {"kept": 1})
    assert live_cache.get_many_and_count(["a", "b"], "counter", 30) == ({"a": {"kept": 1}}, 1)
    client = live_cache._cache.get_client(None, write=True)
    commands = []
    execute = client.execute_command
    monkeypatch.setattr(
        client, "execute_command", lambda *a, **kw: commands.append(a[0]) or execute(*a, **kw)
    )
    assert live_cache.get_many_and_count(["b", "a"], "counter", 30) == ({"a": {"kept": 1}}, 2)
    assert live_cache.get_many_and_count(["b"], "counter", 30) == ({}, 3)
    assert commands == ["EVALSHA", "EVALSHA"]  # the script Redis keeps, once each
    key = live_cache.make_and_validate_key("counter")
    assert 0 < client.ttl(key) <= 30


def test_reads_and_a_count_survive_redis_forgetting_the_script(live_cache):
    assert live_cache.get_many_and_count(["a"], "counter", 30) == ({}, 1)
    live_cache._cache.get_client(None, write=True).script_flush()  # as after a restart
    assert live_cache.get_many_and_count(["a"], "counter", 30) == ({}, 2)


def test_reads_and_a_count_with_redis_away_find_nothing_and_let_through(dead_cache):
    assert dead_cache.get_many_and_count(["a"], "counter", 30) == ({}, None)


@pytest.mark.parametrize("served", ["redis", "local memory"])
def test_a_request_counted_with_its_reads_is_not_counted_again(served, settings, request):
    if served == "redis":
        request.getfixturevalue("live_cache")
    else:
        settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    settings.DSPT_RATE_LIMITS_ENABLED = True
    settings.DSPT_RATE_LIMITS = {"api": 2}
    caches["default"].set("entry", "value")

    def asked():
        return RequestFactory().get("/api/", REMOTE_ADDR="192.0.2.7")

    first, second, third = asked(), asked(), asked()
    assert ratelimit.read_and_count(first, "api", ["entry"]) == ({"entry": "value"}, None)
    assert ratelimit.over_rate_limit(first, "api") is None  # the same request: not counted again
    assert ratelimit.read_and_count(second, "api", ["entry"])[1] is None
    found, retry_after = ratelimit.read_and_count(third, "api", ["entry"])
    assert found == {"entry": "value"}
    assert 0 < retry_after <= ratelimit.WINDOW_SECONDS
    assert ratelimit.over_rate_limit(third, "api") == retry_after
    # Another scope on the same request is counted on its own.
    settings.DSPT_RATE_LIMITS = {"api": 2, "search": 5}
    assert ratelimit.over_rate_limit(third, "search") is None
    caches["default"].clear()
