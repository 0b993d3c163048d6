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
        if not key.startswith(("DJANGO_", "DATABASE_URL"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="dspt_portal.settings.production",
        DJANGO_SECRET_KEY="k" * 20 + "-a-long-random-production-secret-value-1234567890",
        DJANGO_ALLOWED_HOSTS="dspt.example.org",
        DATABASE_URL="postgres://u:p@127.0.0.1:5432/x",
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
    ],
)
def test_production_refuses_to_start_without_its_secrets(missing, message):
    result = run_manage("check", env=production_env(**{missing: None}))
    assert result.returncode != 0
    assert message in result.stderr


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
