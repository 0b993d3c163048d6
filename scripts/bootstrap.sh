#!/usr/bin/env bash
# Installs what the portal needs into the project folder: uv (in .tools), the Python packages from
# uv.lock (in .venv) and the NHS.UK frontend from package-lock.json (in node_modules), then builds the
# static files. Quick when nothing changed.
set -euo pipefail
cd "$(dirname "$0")/.."

export UV_PYTHON_DOWNLOADS=never

bash scripts/system_packages.sh
PYTHON=${PYTHON:-python3}

if [ ! -x .tools/bin/uv ]; then
  echo "==> Installing uv into .tools"
  "$PYTHON" -m pip install --quiet --disable-pip-version-check --target .tools uv
fi
echo "==> Installing Python packages (uv.lock)"
.tools/bin/uv sync --frozen --quiet --python "$PYTHON"

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "==> Installing the NHS.UK frontend (package-lock.json)"
  npm ci --no-audit --no-fund --loglevel=error
fi
.venv/bin/python scripts/build_frontend.py
