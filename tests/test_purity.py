"""The business rules and document builders are plain Python: no Django, no database.

Checked twice: by reading their imports, and by importing them in a fresh interpreter (so
modules this test run already loaded cannot hide anything).
"""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PURE_MODULES = {
    "assessments/rules.py": "assessments.rules",
    "assessments/bank.py": "assessments.bank",
    "assessments/uploads.py": "assessments.uploads",
    "publishing/rules.py": "publishing.rules",
    "publishing/coverage.py": "publishing.coverage",
    "publishing/site_rules.py": "publishing.site_rules",
    "publishing/reminder_rules.py": "publishing.reminder_rules",
    "publishing/presenters.py": "publishing.presenters",
    "publishing/snapshot.py": "publishing.snapshot",
    "assessments/presenters.py": "assessments.presenters",
    "assessments/vocabulary.py": "assessments.vocabulary",
    "publishing/action_plan.py": "publishing.action_plan",
    "documents/builders/excel.py": "documents.builders.excel",
    "documents/builders/certificate.py": "documents.builders.certificate",
    "documents/builders/action_plan.py": "documents.builders.action_plan",
    "evidence/rules.py": "evidence.rules",
    "register/status.py": "register.status",
    "register/exports.py": "register.exports",
    "register/history.py": "register.history",
    "register/badge.py": "register.badge",
    "register/areas.py": "register.areas",
    "incidents/rules.py": "incidents.rules",
    "incidents/notify_rules.py": "incidents.notify_rules",
    "incidents/reminder_rules.py": "incidents.reminder_rules",
    "incidents/log_rules.py": "incidents.log_rules",
    "training/quiz_rules.py": "training.quiz_rules",
    "documents/builders/incident_log.py": "documents.builders.incident_log",
    "documents/builders/incident_report.py": "documents.builders.incident_report",
    "documents/builders/policy.py": "documents.builders.policy",
    "evidence/policy_texts.py": "evidence.policy_texts",
    "evidence/policy_rules.py": "evidence.policy_rules",
    "training/rules.py": "training.rules",
    "training/presenters.py": "training.presenters",
    "training/workbooks.py": "training.workbooks",
}


@pytest.mark.parametrize("path", PURE_MODULES)
def test_imports_nothing_from_django(path):
    tree = ast.parse((ROOT / path).read_text())
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module)
    assert not [name for name in imported if name.split(".")[0] == "django"]


def test_importing_them_loads_neither_django_nor_weasyprint():
    # WeasyPrint too: it takes most of a second to import, so only making a certificate loads it.
    # The project package itself (dspt_portal/__init__.py, for dspt_portal.spreadsheet) loads the
    # Celery app, whose Django fix-up imports a little of django.conf; nothing more may come.
    code = (
        "import sys, importlib\n"
        "import dspt_portal\n"
        "before = {m for m in sys.modules if m.split('.')[0] in ('django', 'weasyprint')}\n"
        f"for name in {sorted(PURE_MODULES.values())!r}: importlib.import_module(name)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('django', 'weasyprint')\n"
        "             and m not in before))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
