"""The deployment files are correct by construction: no Docker engine runs on these machines."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.cache import cache

ROOT = Path(__file__).resolve().parent.parent


def compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_runs_web_worker_database_and_redis():
    services = compose()["services"]
    assert {"web", "worker", "beat", "db", "redis", "migrate"} <= set(services)
    assert services["beat"]["command"][:4] == ["celery", "--app", "dspt_portal", "beat"]
    assert services["web"]["command"][0] == "gunicorn"
    assert services["web"]["command"][1] == "dspt_portal.wsgi:application"
    assert services["worker"]["command"][:3] == ["celery", "--app", "dspt_portal"]
    for name in ("web", "worker", "beat", "migrate"):
        environment = services[name]["environment"]
        assert environment["DJANGO_SETTINGS_MODULE"] == "dspt_portal.settings.production"
        assert environment["DATABASE_URL"].startswith("postgres://")
        assert environment["REDIS_URL"].startswith("redis://redis:")
    assert services["db"]["image"].startswith("postgres:")
    assert services["redis"]["image"].startswith("redis:")


def test_gunicorn_limits_request_lines_and_headers():
    command = compose()["services"]["web"]["command"]
    assert "--limit-request-line=4094" in command
    assert "--limit-request-fields=100" in command
    assert "--limit-request-field_size=8190" in command
    assert "--timeout=30" in command
    # The flags are real gunicorn options with these values.
    result = subprocess.run(
        [str(Path(sys.executable).parent / "gunicorn"), *command[1:], "--check-config"],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "dspt_portal.settings.test"},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr


def test_what_compose_names_exists():
    from dspt_portal import celery_app  # the worker's --app
    from dspt_portal.wsgi import application  # gunicorn's target

    assert celery_app.main == "dspt_portal"
    assert callable(application)
    assert (ROOT / "Dockerfile").exists()


def production_env(**overrides):
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL", "DSPT_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="dspt_portal.settings.production",
        DJANGO_SECRET_KEY="k" * 20 + "-a-long-random-production-secret-value-1234567890",
        DJANGO_ALLOWED_HOSTS="dspt.example.org",
        DATABASE_URL="postgres://u:p@127.0.0.1:5432/x",
        REDIS_URL="redis://127.0.0.1:6379/0",
    )
    env.update(overrides)
    return {k: v for k, v in env.items() if v is not None}


def run_manage(*args, env):
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )


@pytest.mark.parametrize(
    ("missing", "message"),
    [
        ("DJANGO_SECRET_KEY", "DJANGO_SECRET_KEY must be set"),
        ("DJANGO_ALLOWED_HOSTS", "DJANGO_ALLOWED_HOSTS must list"),
        ("DATABASE_URL", "DATABASE_URL must point"),
        ("REDIS_URL", "REDIS_URL must point at Redis"),
    ],
)
def test_production_refuses_to_start_without_its_secrets(missing, message):
    result = run_manage("check", env=production_env(**{missing: None}))
    assert result.returncode != 0
    assert message in result.stderr


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        # Per-process counters are not limits: SQLite and no Redis are for `make run` only.
        ({"DATABASE_URL": "sqlite:////tmp/dspt.sqlite3"}, "PostgreSQL database (postgres://…)"),
        ({"DATABASE_URL": "mysql://u:p@127.0.0.1:3306/x"}, "PostgreSQL database (postgres://…)"),
        ({"REDIS_URL": "memory://"}, "REDIS_URL must point at Redis"),
        ({"DSPT_TRUSTED_PROXY_COUNT": "one"}, "DSPT_TRUSTED_PROXY_COUNT must be a whole number"),
        ({"DSPT_TRUSTED_PROXY_COUNT": "-1"}, "DSPT_TRUSTED_PROXY_COUNT must be 0 or more"),
        ({"DSPT_OPERATOR_ALLOWED_NETWORKS": "10.0.0.0/8, nonsense"}, "'nonsense' is not an"),
    ],
)
def test_production_refuses_to_start_with_the_wrong_services(setting, message):
    result = run_manage("check", env=production_env(**setting))
    assert result.returncode != 0
    assert message in result.stderr


def test_production_reads_the_proxy_count_and_the_operator_networks():
    code = (
        "from django.conf import settings; "
        "print(settings.DSPT_TRUSTED_PROXY_COUNT, "
        "[str(n) for n in settings.DSPT_OPERATOR_ALLOWED_NETWORKS], "
        "settings.DATABASES['default']['ENGINE'], settings.CACHES['default']['BACKEND'])"
    )
    env = production_env(
        DSPT_TRUSTED_PROXY_COUNT="1",
        DSPT_OPERATOR_ALLOWED_NETWORKS="10.20.0.0/16, 2001:db8::/32",
        DATABASE_URL="postgresql://u:p@db.internal:5432/dspt?sslmode=require",
        REDIS_URL="rediss://cache.internal:6380/0",
    )
    result = run_manage("shell", "--no-imports", "-c", code, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "1",
        "['10.20.0.0/16',",
        "'2001:db8::/32']",
        "django.db.backends.postgresql",
        # Django's Redis cache, where Redis being away reads as an empty cache.
        "dspt_portal.cache.ResilientRedisCache",
    ]
    # The proxy count defaults to 0: X-Forwarded-For is ignored until it is configured.
    result = run_manage("shell", "--no-imports", "-c", code, env=production_env())
    assert result.stdout.split()[:2] == ["0", "[]"]


def test_production_settings_pass_the_deploy_check():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=production_env())
    assert result.returncode == 0, result.stderr + result.stdout


def test_time_zone_is_london():
    assert settings.TIME_ZONE == "Europe/London"
    assert settings.USE_TZ


def test_the_cache_is_the_real_redis():
    assert os.environ.get("REDIS_URL"), "run the suite with `make test`, which starts Redis"
    assert settings.CACHES["default"]["BACKEND"].endswith("RedisCache")
    cache.set("dspt-test-key", "round trip", 5)
    assert cache.get("dspt-test-key") == "round trip"
