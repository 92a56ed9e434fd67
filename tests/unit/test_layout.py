"""The architecture, checked: what imports what, and where provider names may appear."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from celery import current_app

from kyc import jobs

ROOT = Path(__file__).resolve().parents[2]


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


@pytest.mark.parametrize("name", jobs.NAMES)
def test_every_job_name_is_a_registered_task(name):
    assert name in current_app.tasks


@pytest.mark.parametrize(
    "path",
    sorted(
        p
        for folder in ("kyc/services", "kyc/webhooks", "kyc/providers", "kyc/admin", "onboarding")
        for p in (ROOT / folder).rglob("*.py")
    ),
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_nothing_the_tasks_call_imports_the_tasks(path):
    # kyc.tasks imports the services; they publish through kyc.jobs by task name instead.
    imported = _imports(path)
    assert not [name for name in imported if name == "kyc.tasks" or name.startswith("kyc.tasks.")]
