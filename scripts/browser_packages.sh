#!/usr/bin/env bash
# Installs the browser the browser tests drive (tests/browser/) when it is missing: Debian's
# `chromium` at /usr/bin/chromium, which Playwright launches by path. Playwright's own browser
# download (`playwright install`) is never used. Does nothing when Chromium is there.
set -euo pipefail

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

if [ ! -x /usr/bin/chromium ]; then
  echo "==> Installing chromium (Debian package, for the browser tests)"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends \
    chromium fonts-dejavu-core >/dev/null
fi
