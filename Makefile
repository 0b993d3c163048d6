# The two commands a new machine needs: `make run` and `make test`.
SHELL := /bin/bash
PY := .venv/bin/python
export UV_PYTHON_DOWNLOADS := never

PG_PORT ?= 5432
REDIS_PORT ?= 6379
TEST_DATABASE_URL ?= postgres://dspt:dspt@127.0.0.1:$(PG_PORT)/dspt
TEST_REDIS_URL ?= redis://127.0.0.1:$(REDIS_PORT)/0

.PHONY: run test bench install lint format migrate seed clean

install:
	@bash scripts/bootstrap.sh

## make run — the portal with demo data on http://127.0.0.1:8000 (SQLite, in-process tasks)
run: install
	@DJANGO_SETTINGS_MODULE=dspt_portal.settings.local $(PY) manage.py migrate --no-input -v 0
	@DJANGO_SETTINGS_MODULE=dspt_portal.settings.local $(PY) manage.py seed_demo
	@echo "==> Serving the portal on http://127.0.0.1:8000 (Ctrl+C stops it)"
	@DJANGO_SETTINGS_MODULE=dspt_portal.settings.local $(PY) manage.py runserver 127.0.0.1:8000

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
bench: install
	@DJANGO_SETTINGS_MODULE=dspt_portal.settings.local $(PY) manage.py migrate --no-input -v 0
	@DJANGO_SETTINGS_MODULE=dspt_portal.settings.local $(PY) manage.py bench_documents
	@DJANGO_SETTINGS_MODULE=dspt_portal.settings.local $(PY) manage.py bench_documents --sites 500 --runs 3
	@$(PY) scripts/bench.py $(BENCH_ARGS)

lint: install
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: install
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

clean:
	rm -rf .venv .tools node_modules static/nhsuk staticfiles .test-media db.sqlite3
