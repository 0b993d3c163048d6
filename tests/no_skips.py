"""Under `make test`, nothing is skipped: a pytest plugin, loaded by tests/conftest.py.

`make test` sets DSPT_REQUIRE_SERVICES=1 (and CI runs `make test`, with CI=true): there, a test
that would be skipped because something it needs is missing (Redis, Pillow, PostgreSQL, ...)
fails instead, so a missing service can never pass as a green run. Elsewhere (a developer's
partial run) skips stay skips.
"""

from __future__ import annotations

import os

import pytest

REQUIRE_EVERYTHING = os.environ.get("DSPT_REQUIRE_SERVICES") == "1" or (
    os.environ.get("CI", "").lower() == "true"
)


def _refuse_skip(report, where: str) -> None:
    if REQUIRE_EVERYTHING and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = (
            f"{where} would be skipped, and under `make test` (DSPT_REQUIRE_SERVICES=1 or "
            f"CI=true) nothing may be: {reason}"
        )


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector):
    outcome = yield
    _refuse_skip(outcome.get_result(), collector.nodeid)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    _refuse_skip(outcome.get_result(), item.nodeid)
