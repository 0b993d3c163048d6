# The two commands a new machine needs: `make run` and `make test` (and `make lint` before a commit).
SHELL := /bin/bash
PY := .venv/bin/python
export UV_PYTHON_DOWNLOADS := never

PG_PORT ?= 5432
REDIS_PORT ?= 6379
TEST_DATABASE_URL ?= postgres://dspt:dspt@127.0.0.1:$(PG_PORT)/dspt
TEST_REDIS_URL ?= redis://127.0.0.1:$(REDIS_PORT)/0
# The embedded default (SQLite in db.sqlite3), for run, migrate, seed and bench.
LOCAL := DJANGO_SETTINGS_MODULE=dspt_portal.settings.local
# Where `make run` serves the portal; certificates and emailed links name this address.
RUN_HOST ?= 127.0.0.1
RUN_PORT ?= 8000
SITE_URL := http://$(RUN_HOST):$(RUN_PORT)

.PHONY: run test bench install lint format migrate seed clean

install:
	@bash scripts/bootstrap.sh

## make run — the portal with the national directory and demo data on http://127.0.0.1:8000
## (SQLite, in-process tasks; RUN_HOST / RUN_PORT choose another address)
run: seed
	@echo "==> Serving the portal on $(SITE_URL) (Ctrl+C stops it)"
	@$(LOCAL) DSPT_SITE_URL=$(SITE_URL) $(PY) manage.py runserver $(RUN_HOST):$(RUN_PORT)

## make migrate — brings the embedded default database (db.sqlite3) up to the latest migration
migrate: install
	@$(LOCAL) $(PY) manage.py migrate --no-input -v 0

## make seed — loads the national directory (fixtures/, once, timed) and the demo organisations,
## people and answers into the embedded default
seed: migrate
	@$(LOCAL) $(PY) manage.py seed_directory
	@$(LOCAL) DSPT_SITE_URL=$(SITE_URL) $(PY) manage.py seed_demo

## make test — the whole suite against PostgreSQL and Redis (started locally when none is running).
## DSPT_REQUIRE_SERVICES=1: a test that would skip (no Redis, no Pillow, ...) fails instead.
test: install
	@bash scripts/services.sh start
	@bash scripts/browser_packages.sh
	@set -o pipefail; status=0; \
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) DSPT_REQUIRE_SERVICES=1 \
	  $(PY) -m pytest $(PYTEST_ARGS) || status=$$?; \
	bash scripts/services.sh stop; exit $$status

## make bench — documents on the embedded default, then national scale on PostgreSQL behind gunicorn
bench: migrate
	@$(LOCAL) $(PY) manage.py bench_documents
	@$(LOCAL) $(PY) manage.py bench_documents --sites 500 --runs 3
	@$(PY) scripts/bench.py $(BENCH_ARGS)

## make lint — ruff, djLint on the templates, missing migrations and mypy on the typed core; needs
## no database server (the migration check runs on an in-memory SQLite)
lint: install
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m djlint templates --lint
	DATABASE_URL=sqlite://:memory: REDIS_URL= DJANGO_SETTINGS_MODULE=dspt_portal.settings.test \
	  $(PY) manage.py makemigrations --check --dry-run
	$(PY) -m mypy

format: install
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

clean:
	rm -rf .venv .tools node_modules static/nhsuk staticfiles .test-media db.sqlite3
