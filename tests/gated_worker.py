"""A real Celery worker whose documents wait at a gate, for the fault-injection tests.

    python -m tests.gated_worker GATE_DIR <celery worker arguments>

Before making a document, the worker process touches GATE_DIR/started-<job id>-<pid> (so a test
knows which process to kill) and waits until GATE_DIR/open exists. Everything else is the real
worker: the project's Celery app and settings, the real tasks and services. Prefork children are
forked after the gate is installed, so they wait too.
"""

import os
import sys
import time
from pathlib import Path

# A test that forgets to open the gate still ends: after this the document is made anyway.
GATE_LIMIT_SECONDS = 120


def install_gate(gate: Path) -> None:
    from documents import jobs

    build = jobs._build

    def gated_build(job, progress):
        (gate / f"started-{job.pk}-{os.getpid()}").touch()
        deadline = time.monotonic() + GATE_LIMIT_SECONDS
        while not (gate / "open").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        return build(job, progress)

    jobs._build = gated_build


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dspt_portal.settings.test")
    import django

    django.setup()
    install_gate(Path(sys.argv[1]))
    from dspt_portal.celery import app

    app.worker_main(["worker", *sys.argv[2:]])


if __name__ == "__main__":
    main()
