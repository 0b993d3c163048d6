"""The rules the suite keeps about itself: test modules share helpers only through helper modules,
nothing is skipped under `make test`, and Django's async-safety check is relaxed for the browser
tests alone."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent


def test_no_test_module_imports_another():
    found = []
    for path in sorted(TESTS.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""] + [alias.name for alias in node.names]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            if any(part.startswith("test_") for name in names for part in name.split(".")):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert found == []


def test_make_test_asks_for_every_test_to_run():
    recipe = (ROOT / "Makefile").read_text(encoding="utf-8").split("\ntest:", 1)[1].split("\n\n")[0]
    assert "DSPT_REQUIRE_SERVICES=1" in recipe


def test_under_make_test_a_skip_is_a_failure(tmp_path):
    (tmp_path / "test_needs.py").write_text(
        "import pytest\n\n"
        "def test_needs_a_service():\n"
        "    pytest.skip('no such service here')\n\n"
        "def test_needs_a_module():\n"
        "    pytest.importorskip('no_such_module_anywhere')\n\n"
        "@pytest.mark.skipif(True, reason='marked')\n"
        "def test_marked():\n"
        "    pass\n\n"
        "def test_runs():\n"
        "    pass\n"
    )

    def run(**env):
        environment = {
            key: value
            for key, value in os.environ.items()
            if key not in ("DSPT_REQUIRE_SERVICES", "CI")
        }
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                "-c",
                os.devnull,
                "--rootdir",
                str(tmp_path),
                "-p",
                "no:cacheprovider",
                "-p",
                "no:django",
                "-p",
                "tests.no_skips",
                "-q",
                str(tmp_path / "test_needs.py"),
            ],
            cwd=ROOT,
            env={**environment, **env, "PYTHONPATH": str(ROOT)},
            capture_output=True,
            text=True,
        )
        return result.stdout.strip().splitlines()[-1]

    assert re.match(r"2 failed, 1 passed, 1 error\b", run(DSPT_REQUIRE_SERVICES="1"))
    assert re.match(r"2 failed, 1 passed, 1 error\b", run(CI="true"))
    assert re.match(r"1 passed, 3 skipped\b", run())


def test_async_unsafe_is_allowed_only_in_the_browser_tests():
    assert "DJANGO_ALLOW_ASYNC_UNSAFE" not in os.environ
    outside = [
        path.relative_to(ROOT)
        for folder in ("dspt_portal", "tests", "scripts")
        for path in (ROOT / folder).rglob("*.py")
        if "DJANGO_ALLOW_ASYNC_UNSAFE" in path.read_text(encoding="utf-8")
        and path not in (TESTS / "browser" / "conftest.py", Path(__file__))
    ]
    outside += [
        Path(name)
        for name in ("Makefile", "pyproject.toml")
        if "DJANGO_ALLOW_ASYNC_UNSAFE" in (ROOT / name).read_text(encoding="utf-8")
    ]
    assert outside == []
